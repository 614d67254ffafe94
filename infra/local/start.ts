import { rm } from "node:fs/promises";
import path from "node:path";
import { REPO_ROOT } from "../constructs/function-metadata.ts";
import { tableTarget } from "../tools/local-table.ts";
import { startLocalCloud } from "./cloud.ts";
import { seedDemoSlice } from "./demo-seed.ts";

/**
 * `npm start`: the whole platform on 127.0.0.1, data kept in `.data/` so a
 * second start finds everything again: running workflows resume where they
 * were. Ports (and the data folder, NONGFANG_DATA_DIR) can be moved with
 * environment variables, NONGFANG_WAIT_SCALE shrinks the workflow's waits;
 * `npm start -- --reset` starts from empty data. Ctrl-C lets requests being
 * served answer, then stops; a second Ctrl-C stops at once.
 */
const port = (name: string, fallback: number): number => {
  const value = process.env[name];
  return value ? Number.parseInt(value, 10) : fallback;
};

const dataDir = process.env.NONGFANG_DATA_DIR ?? path.join(REPO_ROOT, ".data");
if (process.argv.includes("--reset")) await rm(dataDir, { recursive: true, force: true });

const started = Date.now();
// The demo policy shortens the public notice to 0 days so a case can reach its certificate in minutes.
const countyPolicy = process.env.NONGFANG_COUNTY_POLICY ?? "danling-demo";
const waitScale = Number(process.env.NONGFANG_WAIT_SCALE ?? "1");
const cloud = await startLocalCloud({
  dataDir,
  context: { countyPolicy },
  waitScale,
  ports: {
    api: port("NONGFANG_API_PORT", 3000),
    dynamodb: port("NONGFANG_DYNAMODB_PORT", 4566),
    s3: port("NONGFANG_S3_PORT", 4568),
    stepFunctions: port("NONGFANG_SFN_PORT", 8083),
    auth: port("NONGFANG_AUTH_PORT", 3001),
    sms: port("NONGFANG_SMS_PORT", 4570),
  },
});
const { endpoints } = cloud;

// A slice of the generated demo county (one village, ≈ 3,600 records) beside the hand-made demo
// villages; `npm run seed:county` loads all of it. Seeded once into a data folder, never over what a
// user imported since (infra/local/demo-seed.ts).
const sliceVillages = port("NONGFANG_COUNTY_SLICE", 1);
if (sliceVillages > 0) {
  const sliceStarted = Date.now();
  const target = await tableTarget({ endpointsFile: path.join(dataDir, "endpoints.json") });
  try {
    const seed = await seedDemoSlice({ dataDir, villages: sliceVillages, target });
    console.log(
      seed.seeded
        ? `Demo county slice: seeded ${seed.records} records (${sliceVillages} village) in ${Date.now() - sliceStarted} ms`
        : seed.reason === "seeded-before"
          ? `Demo county slice: already seeded (${seed.since}); skipped, imported data kept`
          : "Demo county slice: its villages are already in the table; skipped, imported data kept",
    );
  } finally {
    target.client.destroy();
  }
}
console.log(`Nongfang is running (started in ${Date.now() - started} ms; data in ${dataDir}; county policy ${countyPolicy})

  HTTP API        ${endpoints.api}   (try ${endpoints.api}/health)
  Web app         ${endpoints.api}/app   (sign in as a demo user: authorization code + PKCE)
  Sign-in (OIDC)  ${endpoints.auth.issuer}   clients ${endpoints.auth.clientId} (villagers), ${endpoints.auth.staffClientId} (staff)
  DynamoDB        ${endpoints.dynamodb}   table ${endpoints.tableName}
  S3              ${endpoints.s3}   bucket ${endpoints.bucketName}
  Step Functions  ${endpoints.stepFunctions}   ${endpoints.stateMachineArn}
  SMS (stand-in)  ${endpoints.sms}   every SMS a phone would receive (in-app: 消息 in the web app)

Endpoints written to ${path.join(dataDir, "endpoints.json")}. Press Ctrl-C to stop.`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) {
    console.log(`\n${signal} again: stopping now`);
    process.exit(1);
  }
  stopping = true;
  console.log(`\n${signal}: stopping (requests being served still answer)…`);
  try {
    await cloud.close();
    console.log("Stopped; running workflows resume on the next start.");
    process.exit(0);
  } catch (error) {
    console.error("Stopping failed:", error);
    process.exit(1);
  }
};
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
