/**
 * The local cloud in a process of its own, for bench/stuck-cases.ts: it is
 * killed (SIGKILL) in the middle of the run and started again on the same
 * data folder and ports. Faults (infra/local/faults.ts) are drawn from a
 * seeded generator: each workflow task invocation fails at NONGFANG_TASK_FAULT_RATE
 * (before or after its handler ran: Sandbox.Timedout, Lambda.ServiceException,
 * throttling), each DynamoDB and Step Functions request at
 * NONGFANG_SERVICE_FAULT_RATE (throttle, 500, 503, connection reset).
 * API functions are not failed themselves: API Gateway would answer such a
 * failure with a 5xx the client sees, which is not what this bench measures.
 */
import { startLocalCloud } from "#infra/local/cloud.ts";
import type { LambdaFaultError, LocalFaults, ServiceFault } from "#infra/local/faults.ts";
import { mulberry32 } from "#infra/local/seed/prng.ts";

const required = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};
const port = (name: string) => Number.parseInt(required(name), 10);

const taskRate = Number(process.env.NONGFANG_TASK_FAULT_RATE ?? "0");
const serviceRate = Number(process.env.NONGFANG_SERVICE_FAULT_RATE ?? "0");
const random = mulberry32(Number(process.env.NONGFANG_FAULT_SEED ?? "1"));
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
const LAMBDA_ERRORS: readonly LambdaFaultError[] = [
  "Sandbox.Timedout",
  "Lambda.ServiceException",
  "Lambda.TooManyRequestsException",
];
const SERVICE_FAULTS: readonly ServiceFault[] = ["throttle", "server-error", "unavailable", "reset"];

const faults: LocalFaults = {
  lambda: (call) =>
    call.entry.startsWith("functions/workflow/") && random() < taskRate
      ? { when: random() < 0.5 ? "before" : "after", error: pick(LAMBDA_ERRORS) }
      : undefined,
  service: () => (random() < serviceRate ? pick(SERVICE_FAULTS) : undefined),
};

const cloud = await startLocalCloud({
  dataDir: required("NONGFANG_DATA_DIR"),
  context: { countyPolicy: process.env.NONGFANG_COUNTY_POLICY ?? "danling-demo" },
  waitScale: Number(process.env.NONGFANG_WAIT_SCALE ?? "1"),
  ports: {
    api: port("NONGFANG_API_PORT"),
    dynamodb: port("NONGFANG_DYNAMODB_PORT"),
    s3: port("NONGFANG_S3_PORT"),
    stepFunctions: port("NONGFANG_SFN_PORT"),
    auth: port("NONGFANG_AUTH_PORT"),
  },
  ...(taskRate > 0 || serviceRate > 0 ? { faults } : {}),
});
console.log(`Nongfang is running (faults: tasks ${taskRate}, services ${serviceRate})`);
process.on("SIGINT", () => void cloud.close().then(() => process.exit(0)));
