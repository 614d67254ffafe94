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
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DescribeExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { decodeJwt, decodeProtectedHeader, importJWK, type JWK, SignJWT } from "jose";
import { startLocalCloud } from "#infra/local/cloud.ts";
import { executionArnOf, workflowRunName } from "#shared/cases/villager.ts";
import { DANLING_DEMO_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import { caseKey, stepKey } from "#shared/store/keys.ts";
import { householdKey } from "#shared/store/reference-store.ts";
import { homesteadApplication, idNumber } from "../test/support/fixtures.ts";
import { flag, numberOption } from "./support/args.ts";
import { expectStatus, http, json, PDF } from "./support/cloud.ts";
import { median, printTable, runMain, writeResult } from "./support/report.ts";

const VILLAGE = "511424100001";
/** The demo household every storm household is copied from in the household register (the pre-check reads it). */
const TEMPLATE_HOUSEHOLD = `${VILLAGE}-H0001`;
const householdOf = (index: number) => `${VILLAGE}-S${String(index).padStart(4, "0")}`;
const PDF_SHA256 = createHash("sha256").update(PDF).digest("hex");

/** A birth date `days` after `from` (yyyymmdd), so every household has its own ID numbers. */
function birth(from: string, days: number): string {
  const date = new Date(`${from}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10).replaceAll("-", "");
}

function applicationOf(index: number) {
  const application = homesteadApplication();
  application.head = { ...application.head, idNumber: idNumber("511424", birth("1980-01-01", index), "123") };
  application.members = [
    {
      name: "陈芳",
      age: 44,
      relation: "spouse",
      idNumber: idNumber("511424", birth("1982-01-01", index), "224"),
    },
    {
      name: "王小明",
      age: 17,
      relation: "child",
      idNumber: idNumber("511424", birth("2009-01-01", index), "011"),
    },
  ];
  return application;
}

const PREPARE_CONCURRENCY = 6;

/** Runs the tasks `width` at a time; answers in task order. */
async function inPool<T>(width: number, tasks: readonly (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < tasks.length; index = next++) {
      const task = tasks[index];
      if (task) results[index] = await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker));
  return results;
}

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
  const ddb = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: endpoints.region,
      credentials: endpoints.credentials,
      endpoint: endpoints.dynamodb,
    }),
  );
  try {
    // Tokens for households the demo directory does not have: the demo villager's claims, re-signed.
    const genuine = json<{ access_token: string }>(
      expectStatus(
        await http(
          "POST",
          `${endpoints.auth.issuer}/token`,
          { "content-type": "application/json" },
          JSON.stringify({ username: "villager-wang" }),
        ),
        200,
        "sign in",
      ),
    ).access_token;
    const { privateJwk } = JSON.parse(
      await readFile(path.join(dataDir, "oidc", "signing-key.json"), "utf8"),
    ) as {
      privateJwk: JWK;
    };
    const key = await importJWK(privateJwk, "RS256");
    const { kid } = decodeProtectedHeader(genuine);
    const tokenOf = (index: number) =>
      new SignJWT({
        ...decodeJwt(genuine),
        sub: `storm-villager-${index}`,
        name: `storm-villager-${index}`,
        "custom:household": householdOf(index),
        "custom:village": VILLAGE,
      })
        .setProtectedHeader({ alg: "RS256", typ: "JWT", ...(kid ? { kid } : {}) })
        .sign(key);

    // The households in the register: copies of the demo household (its plot, to be returned).
    const { Items: template = [] } = await ddb.send(
      new QueryCommand({
        TableName: endpoints.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": householdKey(TEMPLATE_HOUSEHOLD).pk },
      }),
    );
    if (template.length === 0) throw new Error(`${TEMPLATE_HOUSEHOLD} is not in the seeded register`);
    for (let index = 0; index < households; index++) {
      for (const item of template) {
        const copy = JSON.parse(
          JSON.stringify(item).replaceAll(TEMPLATE_HOUSEHOLD, householdOf(index)),
        ) as Record<string, unknown>;
        await ddb.send(new PutCommand({ TableName: endpoints.tableName, Item: copy }));
      }
    }

    // Every household prepares its case (not part of the storm; a few at a time).
    const prepared = await inPool(
      PREPARE_CONCURRENCY,
      Array.from({ length: households }, (_, index) => async () => {
        const headers = {
          authorization: `Bearer ${await tokenOf(index)}`,
          "content-type": "application/json",
        };
        const once = (method: string, route: string, body?: unknown, extra: Record<string, string> = {}) =>
          http(
            method,
            `${endpoints.api}${route}`,
            { ...headers, ...extra },
            body === undefined ? undefined : JSON.stringify(body),
          );
        // Preparing is not measured: a step that timed out on the loaded machine is simply tried again.
        const call = async (method: string, route: string, body?: unknown) => {
          for (let attempt = 1; ; attempt++) {
            const result = await once(method, route, body);
            if (result.status < 500 || attempt >= 8) return result;
            await new Promise((resolve) => setTimeout(resolve, 1000));
          }
        };
        const { caseId } = json<{ caseId: string }>(
          expectStatus(await call("POST", "/cases", { kind: "homestead" }), 201, "create"),
        );
        expectStatus(await call("PUT", `/cases/${caseId}/application`, applicationOf(index)), 200, "save");
        for (const requirement of DANLING_DEMO_POLICY.requiredDocuments.homestead) {
          if (requirement.condition !== "always") continue;
          for (let i = 0; i < requirement.minCount; i++) {
            const upload = json<{
              documentId: string;
              uploadUrl: string;
              requiredHeaders: Record<string, string>;
            }>(
              expectStatus(
                await call("POST", `/cases/${caseId}/documents`, {
                  type: requirement.typeId,
                  contentType: "application/pdf",
                  size: PDF.length,
                  sha256: PDF_SHA256,
                }),
                201,
                "request upload",
              ),
            );
            expectStatus(await http("PUT", upload.uploadUrl, upload.requiredHeaders, PDF), 200, "upload");
            expectStatus(
              await call("POST", `/cases/${caseId}/documents/${upload.documentId}/confirm`),
              200,
              "confirm",
            );
          }
        }
        return { caseId, call: once };
      }),
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
