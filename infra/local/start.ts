import { rm } from "node:fs/promises";
import path from "node:path";
import { REPO_ROOT } from "../constructs/function.ts";
import { startLocalCloud } from "./cloud.ts";

/**
 * `npm start`: the whole platform on 127.0.0.1, data kept in `.data/` so a
 * second start finds everything again. Ports can be moved with environment
 * variables; `npm start -- --reset` starts from empty data.
 */
const port = (name: string, fallback: number): number => {
  const value = process.env[name];
  return value ? Number.parseInt(value, 10) : fallback;
};

const dataDir = path.join(REPO_ROOT, ".data");
if (process.argv.includes("--reset")) await rm(dataDir, { recursive: true, force: true });

const started = Date.now();
// The demo policy shortens the public notice to 0 days so a case can reach its certificate in minutes.
const countyPolicy = process.env.NONGFANG_COUNTY_POLICY ?? "danling-demo";
const cloud = await startLocalCloud({
  dataDir,
  context: { countyPolicy },
  ports: {
    api: port("NONGFANG_API_PORT", 3000),
    dynamodb: port("NONGFANG_DYNAMODB_PORT", 4566),
    s3: port("NONGFANG_S3_PORT", 4568),
    stepFunctions: port("NONGFANG_SFN_PORT", 8083),
    auth: port("NONGFANG_AUTH_PORT", 3001),
  },
});
const { endpoints } = cloud;
console.log(`Nongfang is running (started in ${Date.now() - started} ms; data in ${dataDir}; county policy ${countyPolicy})

  HTTP API        ${endpoints.api}   (try ${endpoints.api}/health)
  Sign-in (OIDC)  ${endpoints.auth.issuer}/authorize?client_id=${endpoints.auth.clientId}&redirect_uri=${encodeURIComponent(`${endpoints.api}/`)}   (demo users)
  DynamoDB        ${endpoints.dynamodb}   table ${endpoints.tableName}
  S3              ${endpoints.s3}   bucket ${endpoints.bucketName}
  Step Functions  ${endpoints.stepFunctions}   ${endpoints.stateMachineArn}

Endpoints written to ${path.join(dataDir, "endpoints.json")}. Press Ctrl-C to stop.`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  await cloud.close();
  process.exit(0);
};
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
