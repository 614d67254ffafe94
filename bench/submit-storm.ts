/**
 * Submit storm: N households (default 100) with complete applications submit
 * at the same moment on the local cloud, each also sending a few duplicate
 * submits with the same Idempotency-Key (a phone retrying); then the bench
 * waits until every case has reached the village review (its step opened).
 *
 * Prints the answers by class (2xx / 409 / other 4xx / 5xx) and the cases
 * stuck (no village review within the deadline). Target: 0 5xx, 0 stuck.
 *
 *   npx tsx bench/submit-storm.ts [--households 100] [--retries 2] [--deadline-s 180] [--runs 1: each run in its own process]
 *
 * Households are minted with the local issuer's own key (the demo directory
 * has three villagers); each has its own household id and ID numbers.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { DescribeExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { startLocalCloud } from "#infra/local/cloud.ts";
import { executionArnOf, workflowRunName } from "#shared/cases/villager.ts";
import { caseKey, stepKey } from "#shared/store/keys.ts";
import { flag, numberOption } from "./support/args.ts";
import { pool } from "./support/cloud.ts";
import { type Caller, callerOf, enrolHouseholds, prepareCase, tableClient } from "./support/households.ts";
import { median, printTable, runMain, writeResult } from "./support/report.ts";

const PREPARE_CONCURRENCY = 6;

/** Preparing is not measured: a call that failed on the loaded machine is simply tried again (up to 8 times). */
const patient =
  (call: Caller): Caller =>
  async (method, route, body, extra) => {
    for (let attempt = 1; ; attempt++) {
      const result = await call(method, route, body, extra);
      if (result.status < 500 || attempt >= 8) return result;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  };

interface Outcome {
  readonly answers: number[];
  readonly stuck: string[];
  readonly stuckAt: Record<string, number>;
  readonly stormMs: number;
  readonly settleMs: number;
}

async function oneRun(households: number, retries: number, deadlineMs: number): Promise<Outcome> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "nongfang-storm-"));
  const cloud = await startLocalCloud({ context: { countyPolicy: "danling-demo" }, dataDir });
  const { endpoints } = cloud;
  const sfn = new SFNClient({
    region: endpoints.region,
    credentials: endpoints.credentials,
    endpoint: endpoints.stepFunctions,
  });
  const ddb = tableClient(endpoints);
  try {
    const tokenOf = await enrolHouseholds(ddb, endpoints, dataDir, households);
    // Every household prepares its case (not part of the storm; a few at a time).
    const prepared = await pool(
      Array.from({ length: households }, (_, index) => index),
      PREPARE_CONCURRENCY,
      async (index) => {
        const call = callerOf(endpoints.api, await tokenOf(index));
        return { caseId: await prepareCase(patient(call), index), call };
      },
    );

    // The storm: every household submits at once, plus `retries` duplicates with the same key.
    const started = performance.now();
    const answers = await Promise.all(
      prepared.flatMap(({ caseId, call }) =>
        Array.from({ length: 1 + retries }, () =>
          call("POST", `/cases/${caseId}/submit`, undefined, { "idempotency-key": `storm-${caseId}` }).then(
            (result) => result.status,
            () => 0,
          ),
        ),
      ),
    );
    const stormMs = performance.now() - started;

    // Every case reaches the village review: its step is stored (open-step ran).
    const waiting = new Set(prepared.map(({ caseId }) => caseId));
    const until = performance.now() + deadlineMs;
    while (waiting.size > 0 && performance.now() < until) {
      for (const caseId of [...waiting]) {
        const { Item } = await ddb.send(
          new GetCommand({ TableName: endpoints.tableName, Key: stepKey(caseId, "village_review#1") }),
        );
        if (Item) waiting.delete(caseId);
      }
      if (waiting.size > 0) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const settleMs = performance.now() - started;
    // Where the stuck cases are: the case's status and its run's.
    const stuckAt: Record<string, number> = {};
    for (const caseId of waiting) {
      const { Item } = await ddb.send(
        new GetCommand({ TableName: endpoints.tableName, Key: caseKey(caseId) }),
      );
      let run = "no run";
      try {
        const described = await sfn.send(
          new DescribeExecutionCommand({
            executionArn: executionArnOf(endpoints.stateMachineArn, workflowRunName(caseId, 1)),
          }),
        );
        run = `${described.status}${described.error ? ` ${described.error}` : ""}`;
      } catch {
        run = "no run";
      }
      const where = `${String(Item?.status)} / ${run}`;
      stuckAt[where] = (stuckAt[where] ?? 0) + 1;
    }
    return { answers, stuck: [...waiting], stuckAt, stormMs, settleMs };
  } finally {
    ddb.destroy();
    sfn.destroy();
    await cloud.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const households = numberOption("households", 100);
  const retries = numberOption("retries", 2);
  const deadlineMs = numberOption("deadline-s", 180) * 1000;
  const runs = numberOption("runs", 1);
  const rows: Record<string, number>[] = [];
  if (flag("child")) {
    // One run in this process (the handlers' SDK clients are module singletons bound to one cloud's ports).
    console.log(`ROW ${JSON.stringify(rowOf(1, households, await oneRun(households, retries, deadlineMs)))}`);
    return;
  }
  for (let run = 1; run <= runs; run++) {
    const row = await childRun(households, retries, deadlineMs);
    rows.push({ ...row, run });
    console.log(JSON.stringify(rows.at(-1)));
  }
  printTable(`Submit storm: ${households} households at once, ${retries} duplicate submit(s) each`, rows);
  const medianOf = (column: string) => median(rows.map((row) => row[column] ?? 0));
  const summary = {
    households,
    retries,
    runs,
    median: Object.fromEntries(
      ["2xx", "409 in progress", "other 4xx", "5xx", "no answer", "stuck", "all at village review s"].map(
        (column) => [column, medianOf(column)],
      ),
    ),
  };
  console.log("median", summary.median);
  await writeResult("submit-storm", { summary, rows });
}

/** Runs one storm in a fresh process (this script with --child) and reads its row. */
function childRun(households: number, retries: number, deadlineMs: number): Promise<Record<string, number>> {
  const args = [
    ...process.execArgv,
    process.argv[1] ?? "bench/submit-storm.ts",
    "--child",
    "--households",
    String(households),
    "--retries",
    String(retries),
    "--deadline-s",
    String(deadlineMs / 1000),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const line = output.split("\n").find((candidate) => candidate.startsWith("ROW "));
      for (const other of output.split("\n")) if (other.startsWith("run ")) console.log(other);
      if (code !== 0 || !line) reject(new Error(`storm run failed (exit ${code})`));
      else resolve(JSON.parse(line.slice(4)) as Record<string, number>);
    });
  });
}

function rowOf(run: number, households: number, outcome: Outcome): Record<string, number> {
  const count = (test: (status: number) => boolean) => outcome.answers.filter(test).length;
  if (outcome.stuck.length > 0)
    console.log(`run ${run}: stuck cases (case status / run status) ${JSON.stringify(outcome.stuckAt)}`);
  return {
    run,
    households,
    requests: outcome.answers.length,
    "2xx": count((status) => status >= 200 && status < 300),
    "409 in progress": count((status) => status === 409),
    "other 4xx": count((status) => status >= 400 && status < 500 && status !== 409),
    "5xx": count((status) => status >= 500),
    "no answer": count((status) => status === 0),
    "reached village review": households - outcome.stuck.length,
    stuck: outcome.stuck.length,
    "storm s": Math.round(outcome.stormMs / 100) / 10,
    "all at village review s": Math.round(outcome.settleMs / 100) / 10,
  };
}

runMain(main);
