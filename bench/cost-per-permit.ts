/**
 * Cost per permit: whole cases through the real local cloud, every AWS
 * operation they cause counted where it would be billed, priced with the
 * list-price table bench/prices.json (us-east-1).
 *
 * Counted per case (cases run one at a time, so everything between a case's
 * first request and the end of its execution is that case's):
 * - Lambda: invocations, and billed GB-seconds from the handler time the local
 *   runtime measures (LocalMeter.lambda) and the template's MemorySize and
 *   architecture;
 * - DynamoDB: read/write request units by DynamoDB's rules, measured at the
 *   local DynamoDB front (bench/support/dynamodb-meter.ts says why there and not
 *   from dynalite's ReturnConsumedCapacity);
 * - Step Functions (Standard): state transitions from GetExecutionHistory;
 * - S3: requests at the local S3 endpoint (SDK calls and the browser's
 *   presigned PUTs), by price class;
 * - HTTP API requests, KMS requests (the local key file stands in for KMS:
 *   the calls that would reach KMS are counted), CloudWatch Logs bytes
 *   (handler output, Lambda's own lines, access logs, the state machine's
 *   ALL-level log) and X-Ray traces.
 * Storage (documents, certificates, table items) is reported apart, per GB-month.
 *
 * Half the cases run with the DynamoDB meter off: its extra reads would
 * inflate handler time, so Lambda duration is priced from those cases (the
 * metered cases' duration is printed beside it, as the meter's overhead).
 *
 *   npx tsx bench/cost-per-permit.ts [--cases 20] [--document-mb 1.5]
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { type AttributeValue, DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from "@aws-sdk/client-sfn";
import type { AttributeMap, TableShape } from "#infra/local/dynamodb-capacity.ts";
import type { DynamoDbUsage, LambdaInvocationRecord, LocalMeter, S3Request } from "#infra/local/meter.ts";
import { executionArnOf, workflowRunName } from "#shared/cases/villager.ts";
import { EnvelopeEncryptor } from "#shared/crypto/encryptor.ts";
import { LocalFileKeyring } from "#shared/crypto/local-keyring.ts";
import type { ApplicationComplete } from "#shared/schemas/application.ts";
import type { CaseKind } from "#shared/schemas/common.ts";
import { CASE_TABLE } from "#shared/store/table-design.ts";
import { constructionRunName } from "#shared/workflow/construction.ts";
import { homesteadApplication, LI_HOUSEHOLD } from "../test/support/fixtures.ts";
import { numberOption } from "./support/args.ts";
import {
  applyAndSubmit,
  type BenchCloud,
  decide,
  deciderOf,
  expectStatus,
  http,
  json,
  startBenchCloud,
  TOWNSHIP_A,
  VILLAGER,
} from "./support/cloud.ts";
import {
  type ApiRequest,
  accessLogLine,
  billedGbSeconds,
  type CaseOperations,
  costLines,
  dynamoDbStoredBytes,
  GB,
  lambdaPlatformLines,
  loadPrices,
  type Prices,
  type S3PriceClass,
  s3PriceClass,
  smsLine,
  smsParts,
  stateTransitions,
  stepFunctionsLogRecord,
  storageLines,
  totalUsd,
} from "./support/cost-model.ts";
import { dynamoDbCapacity } from "./support/dynamodb-meter.ts";
import { BENCH_DIR, mean, printTable, round, runMain, writeResult } from "./support/report.ts";

const GOAL_USD = 0.001;

interface Scenario {
  readonly id: string;
  readonly label: string;
  readonly kind: CaseKind;
  readonly villager: string;
  application(): ApplicationComplete;
  /** The township clerk asks once for a corrected phone number; the villager answers. */
  readonly correction: boolean;
  /** Reviewers open their queue, the case and its documents; the villager follows the case and downloads certificates. */
  readonly reads: boolean;
}

const SCENARIOS: readonly Scenario[] = [
  {
    id: "homestead",
    label: "homestead",
    kind: "homestead",
    villager: VILLAGER,
    application: () => homesteadApplication(),
    correction: false,
    reads: false,
  },
  {
    id: "farmhouse",
    label: "farmhouse",
    kind: "farmhouse",
    villager: "villager-li",
    application: () => {
      const application = homesteadApplication({ ...LI_HOUSEHOLD, kind: "farmhouse" });
      application.proposedPlot = { ...application.proposedPlot, situation: "rebuild_on_old_plot" };
      return application;
    },
    correction: false,
    reads: false,
  },
  {
    id: "correction",
    label: "homestead + correction",
    kind: "homestead",
    villager: VILLAGER,
    application: () => homesteadApplication(),
    correction: true,
    reads: false,
  },
  {
    id: "reads",
    label: "homestead + reads",
    kind: "homestead",
    villager: VILLAGER,
    application: () => homesteadApplication(),
    correction: false,
    reads: true,
  },
];

/** The queue each step is listed in (GET /queues/{queue}). */
const QUEUE_OF: Readonly<Record<string, string>> = {
  village_review: "village_officer",
  township_acceptance: "township_clerk",
  township_approval: "township_head",
  site_visit_staking: "site_inspector",
  site_visit_completion: "site_inspector",
};
/** Steps whose decider reads the documents before deciding. */
const READS_DOCUMENTS = new Set([
  "village_review",
  "township_acceptance",
  "joint_review",
  "township_approval",
]);

/** Everything one case caused, as it happened. */
class CaseCount {
  readonly lambda: LambdaInvocationRecord[] = [];
  readonly dynamoDb = { readUnits: 0, writeUnits: 0, indexWriteUnits: 0, requests: 0, unmetered: 0 };
  readonly s3: Record<S3PriceClass, number> = { putCopyPostList: 0, getAndOther: 0, free: 0 };
  browserPuts = 0;
  documentBytes = 0;
  certificateBytes = 0;
  readonly api: ApiRequest[] = [];
  kmsGenerate = 0;
  /** GenerateDataKey calls by function entry: where the sealing happens. */
  readonly kmsGenerateByFunction = new Map<string, number>();
  /** DynamoDB units by operation (PutItem, TransactWriteItems, …). */
  readonly dynamoDbByOperation = new Map<
    string,
    { requests: number; readUnits: number; writeUnits: number }
  >();
  /** Decrypts if every invocation ran in a fresh container (no data-key cache): the upper bound. */
  readonly kmsDecryptCold = new Set<string>();
  /** Decrypts if each function kept one warm container (the cache holds every key): the lower bound. */
  readonly kmsDecryptWarm = new Set<string>();
  /** Invocations that needed the keyed-hash secret (one Decrypt per fresh container). */
  readonly kmsHashSecretCold = new Set<string>();
  appLogBytes = 0;
  /** SMS the case caused (texts as the phone shows them, from the local stand-in). */
  readonly sms: string[] = [];
  transitions = 0;
  stepFunctionsLogBytes = 0;
  constructor(readonly metered: boolean) {}
}

interface OpenedStep {
  readonly step: string;
  readonly department?: string;
  readonly stepId: string;
}

/** The case being measured; observers drop what happens outside a case (start-up, scans between scenarios). */
let current: CaseCount | undefined;
const invocationContext = new AsyncLocalStorage<{ id: string; logicalId: string; entry: string }>();

/**
 * KMS is not emulated: the local keyring takes its calls. Count them where
 * KMS would be called: every GenerateDataKey (one per sealed value), and the
 * Decrypts of data keys and of the keyed-hash secret, whose number depends on
 * how long containers live (the encryptor caches unwrapped keys per container).
 */
function countKmsCalls(): void {
  const generate = LocalFileKeyring.prototype.generateDataKey;
  LocalFileKeyring.prototype.generateDataKey = function (this: LocalFileKeyring, context) {
    if (current) {
      current.kmsGenerate++;
      const entry = invocationContext.getStore()?.entry ?? "(outside a handler)";
      current.kmsGenerateByFunction.set(entry, (current.kmsGenerateByFunction.get(entry) ?? 0) + 1);
    }
    return generate.call(this, context);
  };
  const open = EnvelopeEncryptor.prototype.open;
  EnvelopeEncryptor.prototype.open = function (this: EnvelopeEncryptor, sealed, context) {
    const invocation = invocationContext.getStore();
    if (current && invocation) {
      const dataKey = `${sealed.edk}|${JSON.stringify(context)}`;
      current.kmsDecryptCold.add(`${invocation.id}|${dataKey}`);
      current.kmsDecryptWarm.add(`${invocation.logicalId}|${dataKey}`);
    }
    return open.call(this, sealed, context);
  };
  const keyedHash = EnvelopeEncryptor.prototype.keyedHash;
  EnvelopeEncryptor.prototype.keyedHash = function (this: EnvelopeEncryptor, purpose, value) {
    const invocation = invocationContext.getStore();
    if (current && invocation) current.kmsHashSecretCold.add(invocation.id);
    return keyedHash.call(this, purpose, value);
  };
}

/**
 * Handler output is CloudWatch Logs volume on AWS: counted during a measured
 * case, and kept off the console while cases run (`quiet`); the last lines
 * are kept to show when a case breaks.
 */
function captureLogs(): { quiet: boolean; recent: string[]; write: (text: string) => void } {
  const recent: string[] = [];
  const writeStderr = process.stderr.write.bind(process.stderr);
  const state = { quiet: false, recent, write: (text: string) => void writeStderr(text) };
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (!state.quiet)
        return (write as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean)(chunk, ...rest);
      if (current) current.appLogBytes += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
      recent.push(String(chunk));
      if (recent.length > 40) recent.shift();
      const callback = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
      if (callback) queueMicrotask(callback);
      return true;
    }) as typeof stream.write;
  }
  return state;
}

function isHttpEvent(payload: unknown): payload is {
  routeKey: string;
  rawPath: string;
  requestContext: { http: { method: string } };
} {
  return (
    typeof payload === "object" &&
    payload !== null &&
    "requestContext" in payload &&
    typeof (payload as { requestContext?: { http?: unknown } }).requestContext?.http === "object"
  );
}

function responseOf(result: unknown): { status: number; bytes: number } {
  if (typeof result !== "object" || result === null) return { status: 200, bytes: 0 };
  const { statusCode, body } = result as { statusCode?: unknown; body?: unknown };
  return {
    status: typeof statusCode === "number" ? statusCode : 200,
    bytes: typeof body === "string" ? Buffer.byteLength(body) : 0,
  };
}

class StepQueues {
  private readonly byCase = new Map<string, OpenedStep[]>();
  push(caseId: string, step: OpenedStep): void {
    this.byCase.set(caseId, [...(this.byCase.get(caseId) ?? []), step]);
  }
  take(caseId: string): OpenedStep | undefined {
    return this.byCase.get(caseId)?.shift();
  }
}

/** Wraps the runtime once more: which invocation is running (KMS), API requests (access logs), opened steps. */
function instrumentRuntime(bench: BenchCloud, steps: StepQueues): void {
  const { runtime } = bench.cloud;
  const invoke = runtime.invoke.bind(runtime);
  runtime.invoke = async (nameOrArn: string, payload: unknown) => {
    const fn = runtime.find(nameOrArn);
    const result = await invocationContext.run(
      { id: randomUUID(), logicalId: fn.logicalId, entry: fn.entry },
      () => invoke(nameOrArn, payload),
    );
    if (current && isHttpEvent(payload)) {
      const { status, bytes } = responseOf(result);
      current.api.push({
        method: payload.requestContext.http.method,
        routePath: payload.routeKey.split(" ").slice(1).join(" "),
        path: payload.rawPath,
        status,
        responseBytes: bytes,
      });
    }
    if (fn.entry === "functions/workflow/open-step.ts") {
      const input = payload as { caseId?: string; step?: string; department?: string };
      const { stepId } = result as { stepId: string };
      if (input.caseId && input.step) {
        steps.push(input.caseId, {
          step: input.step,
          ...(input.department ? { department: input.department } : {}),
          stepId,
        });
      }
    }
    return result;
  };
}

function tableShape(tableName: string): TableShape {
  return {
    tableName,
    keyAttributes: [CASE_TABLE.partitionKey.name, CASE_TABLE.sortKey.name],
    globalSecondaryIndexes: CASE_TABLE.globalSecondaryIndexes.map((index) => ({
      indexName: index.indexName,
      keyAttributes: [index.partitionKey.name, index.sortKey.name],
      nonKeyAttributes: undefined,
    })),
  };
}

/** Bytes the table stores (items and GSI entries with their overhead); scanned between scenarios. */
async function tableBytes(dynamodb: DynamoDBClient, tableName: string): Promise<number> {
  const shape = tableShape(tableName);
  let bytes = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    for (const item of page.Items ?? []) bytes += dynamoDbStoredBytes(shape, item as AttributeMap);
    start = page.LastEvaluatedKey;
  } while (start);
  return bytes;
}

class Driver {
  constructor(
    readonly bench: BenchCloud,
    readonly sfn: SFNClient,
    readonly steps: StepQueues,
  ) {}

  executionArn(caseId: string): string {
    return executionArnOf(this.bench.cloud.endpoints.stateMachineArn, workflowRunName(caseId, 1));
  }

  /** The construction period's first phase run (started by the approval run at staking-out). */
  constructionArn(caseId: string): string {
    return executionArnOf(this.bench.cloud.endpoints.stateMachineArn, constructionRunName(caseId, 1));
  }

  private async running(executionArn: string): Promise<boolean> {
    try {
      const { status } = await this.sfn.send(new DescribeExecutionCommand({ executionArn }));
      return status === "RUNNING";
    } catch (error) {
      if ((error as Error).name === "ExecutionDoesNotExist") return false;
      throw error;
    }
  }

  /**
   * The next step opened for the case, or undefined once its runs have ended: the approval run,
   * then the construction period's phase run (the household's completion report, the inspection).
   */
  async nextStep(caseId: string): Promise<OpenedStep | undefined> {
    for (;;) {
      const step = this.steps.take(caseId);
      if (step) return step;
      const running =
        (await this.running(this.executionArn(caseId))) || (await this.running(this.constructionArn(caseId)));
      if (!running) return this.steps.take(caseId);
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
  }

  /** What a reviewer does before deciding: the queue, the case, and (for document steps) every document. */
  async reviewerReads(caseId: string, opened: OpenedStep, decider: string): Promise<void> {
    const queue = opened.step === "joint_review" ? (opened.department ?? "") : (QUEUE_OF[opened.step] ?? "");
    expectStatus(
      await this.bench.call(decider, "GET", `/queues/${queue}?township=${TOWNSHIP_A}`),
      200,
      `queue ${queue}`,
    );
    const detail = json<{ documents: { download?: { url: string } }[] }>(
      expectStatus(await this.bench.call(decider, "GET", `/review/cases/${caseId}`), 200, "review case"),
    );
    if (!READS_DOCUMENTS.has(opened.step)) return;
    for (const document of detail.documents) {
      if (document.download) expectStatus(await http("GET", document.download.url), 200, "document");
    }
  }

  async run(scenario: Scenario): Promise<string> {
    const { bench } = this;
    const { caseId } = await applyAndSubmit(bench, {
      kind: scenario.kind,
      villager: scenario.villager,
      application: scenario.application(),
    });
    for (;;) {
      const opened = await this.nextStep(caseId);
      if (!opened) break;
      if (opened.step === "completion_report") {
        // The household reports the house built: the completion inspection opens.
        const reported = await bench.call(
          scenario.villager,
          "POST",
          `/cases/${caseId}/completion-report`,
          {},
        );
        // 202: stored, its delivery to the workflow still pending (the next step then opens later).
        if (reported.status !== 200 && reported.status !== 202)
          throw new Error(`completion report: ${reported.status} ${reported.body.slice(0, 400)}`);
        continue;
      }
      if (opened.step === "correction") {
        expectStatus(
          await bench.call(scenario.villager, "POST", `/cases/${caseId}/correction`, {
            application: { head: { phone: "13912345678" } },
            comment: "已更正",
          }),
          200,
          "villager correction",
        );
        continue;
      }
      const decider = deciderOf(opened.step, opened.department);
      if (scenario.reads) await this.reviewerReads(caseId, opened, decider);
      const asksCorrection = scenario.correction && opened.stepId === "township_acceptance#1";
      await decide(
        bench,
        caseId,
        opened,
        asksCorrection
          ? { outcome: "correction_requested", fields: ["head.phone"], comment: "请核对联系电话" }
          : { outcome: "approved", comment: "同意" },
      );
      // The villager follows the case once after every decision (a notification, then the case page).
      if (scenario.reads) {
        expectStatus(await bench.call(scenario.villager, "GET", `/cases/${caseId}`), 200, "case page");
      }
    }
    if (scenario.reads) {
      const view = json<{ certificates?: { type: string }[] }>(
        expectStatus(await bench.call(scenario.villager, "GET", `/cases/${caseId}`), 200, "case page"),
      );
      for (const certificate of view.certificates ?? []) {
        const download = json<{ url: string }>(
          expectStatus(
            await bench.call(scenario.villager, "GET", `/cases/${caseId}/certificates/${certificate.type}`),
            200,
            "certificate",
          ),
        );
        expectStatus(await http("GET", download.url), 200, "certificate download");
      }
    }
    return caseId;
  }

  /** Transitions and the state machine's log volume, from the execution history. */
  async history(caseId: string): Promise<{ transitions: number; logBytes: number }> {
    const executionArn = this.executionArn(caseId);
    const events: Record<string, unknown>[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.sfn.send(
        new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }),
      );
      // The SDK's HistoryEvent, read as the plain object it is (its details are looked up by key).
      events.push(...(page.events ?? []).map((event) => ({ ...event }) as Record<string, unknown>));
      nextToken = page.nextToken;
    } while (nextToken);
    const logBytes = events.reduce(
      (sum, event) => sum + Buffer.byteLength(stepFunctionsLogRecord(event, executionArn)),
      0,
    );
    return { transitions: stateTransitions(events).transitions, logBytes };
  }
}

interface FunctionInfo {
  readonly memorySizeMb: number;
  readonly architecture: string;
}

/** MemorySize and Architectures of every function, as deployed (CloudFormation defaults: 128 MB, x86_64). */
function functionInfo(bench: BenchCloud): Map<string, FunctionInfo> {
  const info = new Map<string, FunctionInfo>();
  for (const [logicalId, resource] of Object.entries(bench.cloud.template.Resources)) {
    if (resource.Type !== "AWS::Lambda::Function") continue;
    const architectures = resource.Properties?.Architectures;
    info.set(logicalId, {
      memorySizeMb: Number(resource.Properties?.MemorySize ?? 128),
      architecture: String(Array.isArray(architectures) ? architectures[0] : "x86_64"),
    });
  }
  return info;
}

/** The HTTP API stage's access-log format (CDK's default is the Common Log Format). */
function accessLogFormat(bench: BenchCloud): string {
  for (const resource of Object.values(bench.cloud.template.Resources)) {
    if (resource.Type !== "AWS::ApiGatewayV2::Stage") continue;
    const settings = resource.Properties?.AccessLogSettings as { Format?: unknown } | undefined;
    if (typeof settings?.Format === "string") return settings.Format;
  }
  return "";
}

interface ScenarioResult {
  readonly scenario: Scenario;
  readonly cases: number;
  readonly operations: CaseOperations;
  readonly lambdaMeteredGbSeconds: number;
  readonly kms: { generate: number; decryptCold: number; decryptWarm: number; hashSecretCold: number };
  readonly logs: { app: number; platform: number; access: number; stepFunctions: number };
  readonly storage: { documentBytes: number; certificateBytes: number; dynamoDbBytes: number };
  readonly documentUploads: number;
  readonly dynamoDbUnmetered: number;
  readonly byFunction: { function: string; invocations: number; meanBilledMs: number }[];
  readonly dynamoDbIndexWriteUnits: number;
  readonly dynamoDbByOperation: {
    operation: string;
    requests: number;
    writeUnits: number;
    readUnits: number;
  }[];
  readonly kmsGenerateByFunction: { function: string; calls: number }[];
}

/** Sums maps of counters (one per case) key by key, largest first by the first counter. */
function mergeCounts<T extends Record<string, number>>(
  maps: readonly ReadonlyMap<string, T>[],
): [string, T][] {
  const merged = new Map<string, T>();
  for (const map of maps) {
    for (const [key, value] of map) {
      const sum = merged.get(key);
      merged.set(
        key,
        sum
          ? (Object.fromEntries(Object.entries(sum).map(([k, v]) => [k, v + (value[k] ?? 0)])) as T)
          : { ...value },
      );
    }
  }
  return [...merged].sort((a, b) => (Object.values(b[1])[0] ?? 0) - (Object.values(a[1])[0] ?? 0));
}

function summarise(
  scenario: Scenario,
  counts: readonly CaseCount[],
  info: Map<string, FunctionInfo>,
  format: string,
  dynamoDbBytes: number,
): ScenarioResult {
  const perCase = (value: (count: CaseCount) => number, of: readonly CaseCount[] = counts) =>
    mean(of.map(value));
  const metered = counts.filter((count) => count.metered);
  const unmetered = counts.filter((count) => !count.metered);
  const gbSeconds = (count: CaseCount) => {
    const byArchitecture: Record<string, number> = {};
    for (const invocation of count.lambda) {
      const fn = info.get(invocation.logicalId) ?? { memorySizeMb: 128, architecture: "x86_64" };
      byArchitecture[fn.architecture] =
        (byArchitecture[fn.architecture] ?? 0) + billedGbSeconds(invocation.durationMs, fn.memorySizeMb);
    }
    return byArchitecture;
  };
  const timed = unmetered.length > 0 ? unmetered : counts;
  const architectures = [...new Set([...info.values()].map((fn) => fn.architecture))];
  const lambdaGbSeconds = Object.fromEntries(
    architectures.map((architecture) => [
      architecture,
      perCase((c) => gbSeconds(c)[architecture] ?? 0, timed),
    ]),
  );
  const platformBytes = (count: CaseCount) =>
    count.lambda.reduce((sum, invocation) => {
      const memory = info.get(invocation.logicalId)?.memorySizeMb ?? 128;
      return sum + lambdaPlatformLines(invocation.durationMs, memory).join("").length;
    }, 0);
  const accessBytes = (count: CaseCount) =>
    count.api.reduce((sum, request) => sum + Buffer.byteLength(`${accessLogLine(format, request)}\n`), 0);
  const logs = {
    app: perCase((c) => c.appLogBytes),
    platform: perCase(platformBytes),
    access: perCase(accessBytes),
    stepFunctions: perCase((c) => c.stepFunctionsLogBytes),
  };
  const kms = {
    generate: perCase((c) => c.kmsGenerate),
    decryptCold: perCase((c) => c.kmsDecryptCold.size),
    decryptWarm: perCase((c) => c.kmsDecryptWarm.size),
    hashSecretCold: perCase((c) => c.kmsHashSecretCold.size),
  };
  const apiRequests = perCase((c) => c.api.length);
  // Every presigned PUT from a browser is cross-origin and not "simple": one CORS preflight (OPTIONS) each.
  const preflights = perCase((c) => c.browserPuts);
  const operations: CaseOperations = {
    lambdaRequests: perCase((c) => c.lambda.length),
    lambdaGbSeconds,
    // On AWS a fresh container also reads the wrapped keyed-hash secret (one strongly consistent GetItem, < 4 KB).
    dynamoDbReadUnits: perCase((c) => c.dynamoDb.readUnits, metered) + kms.hashSecretCold,
    dynamoDbWriteUnits: perCase((c) => c.dynamoDb.writeUnits, metered),
    stateTransitions: perCase((c) => c.transitions),
    s3PutCopyPostList: perCase((c) => c.s3.putCopyPostList),
    s3GetAndOther: perCase((c) => c.s3.getAndOther) + preflights,
    httpApiRequests: apiRequests,
    // Priced at the upper bound: every invocation in a fresh container (few cases a day keep few warm).
    kmsRequests: kms.generate + kms.decryptCold + kms.hashSecretCold,
    logBytes: logs.app + logs.platform + logs.access + logs.stepFunctions,
    // One trace per API request (Lambda starts it: HTTP APIs do not trace) and one per execution.
    xrayTraces: apiRequests + 1,
    smsParts: perCase((c) => c.sms.reduce((sum, text) => sum + smsParts(text), 0)),
  };
  const byFunction = new Map<string, { invocations: number; billedMs: number }>();
  for (const count of timed) {
    for (const invocation of count.lambda) {
      const entry = byFunction.get(invocation.entry) ?? { invocations: 0, billedMs: 0 };
      entry.invocations++;
      entry.billedMs += Math.ceil(invocation.durationMs);
      byFunction.set(invocation.entry, entry);
    }
  }
  const meteredGbSeconds = perCase(
    (c) => Object.values(gbSeconds(c)).reduce((a, b) => a + b, 0),
    metered.length > 0 ? metered : counts,
  );
  return {
    scenario,
    cases: counts.length,
    operations,
    lambdaMeteredGbSeconds: meteredGbSeconds,
    kms,
    logs,
    storage: {
      documentBytes: perCase((c) => c.documentBytes),
      certificateBytes: perCase((c) => c.certificateBytes),
      dynamoDbBytes,
    },
    documentUploads: perCase((c) => c.browserPuts),
    dynamoDbUnmetered: metered.reduce((sum, c) => sum + c.dynamoDb.unmetered, 0),
    dynamoDbIndexWriteUnits: perCase((c) => c.dynamoDb.indexWriteUnits, metered),
    dynamoDbByOperation: mergeCounts(metered.map((c) => c.dynamoDbByOperation)).map(([operation, sums]) => ({
      operation,
      requests: round(sums.requests / metered.length, 1),
      writeUnits: round(sums.writeUnits / metered.length, 1),
      readUnits: round(sums.readUnits / metered.length, 1),
    })),
    kmsGenerateByFunction: mergeCounts(
      counts.map((c) => new Map([...c.kmsGenerateByFunction].map(([entry, calls]) => [entry, { calls }]))),
    ).map(([entry, { calls }]) => ({
      function: entry.replace(/^functions\//, ""),
      calls: round(calls / counts.length, 1),
    })),
    byFunction: [...byFunction.entries()]
      .map(([entry, { invocations, billedMs }]) => ({
        function: entry.replace(/^functions\//, ""),
        invocations: round(invocations / timed.length, 1),
        meanBilledMs: round(billedMs / invocations, 1),
      }))
      .sort((a, b) => b.invocations * b.meanBilledMs - a.invocations * a.meanBilledMs),
  };
}

/** Every reviewer who decides a step registers a phone for SMS (batched new steps), as staff would. */
async function registerStaffPhones(bench: BenchCloud): Promise<void> {
  const departments = bench.policy.departments.map((department) => department.id);
  const users = new Set([
    ...["village_review", "township_acceptance", "township_approval", "site_visit_staking"].map((step) =>
      deciderOf(step),
    ),
    ...departments.map((department) => deciderOf("joint_review", department)),
  ]);
  let n = 0;
  for (const user of users) {
    const phone = `1390000${String(++n).padStart(4, "0")}`;
    const result = await bench.call(user, "PUT", "/messages/settings", { phone, mode: "batched" });
    expectStatus(result, 200, `SMS settings of ${user}`);
  }
}

/**
 * Runs the SMS sender as its schedule would, at 10:00 Beijing time on day `index`
 * (past every quiet hour and staff batch interval of the case before), and
 * returns the texts the phones received.
 */
async function sendSms(bench: BenchCloud, index: number): Promise<string[]> {
  const sender = bench.cloud.runtime.functions.find((fn) => fn.entry === "functions/notify/send-sms.ts");
  if (!sender) throw new Error("no SMS sender in the template");
  const before = (await bench.cloud.sms.messages()).length;
  const day = new Date();
  day.setUTCHours(2, 0, 0, 0);
  const time = new Date(day.getTime() + (index + 1) * 86_400_000).toISOString();
  // Expanded desk jobs are due at once: a second run sends them.
  for (let run = 0; run < 3; run++)
    await bench.cloud.runtime.invoke(sender.arn, {
      "detail-type": "Scheduled Event",
      source: "aws.events",
      time,
    });
  return (await bench.cloud.sms.messages()).slice(before).map((message) => message.text);
}

const usd = (value: number) => `$${value.toFixed(6)}`;

function report(results: readonly ScenarioResult[], prices: Prices, documentMb: number) {
  const columns = results.map((result) => result.scenario.label);
  const row = (metric: string, value: (result: ScenarioResult) => string | number) =>
    Object.fromEntries([["per case", metric], ...results.map((r, i) => [columns[i], value(r)])]);
  const gbs = (r: ScenarioResult) => Object.values(r.operations.lambdaGbSeconds).reduce((a, b) => a + b, 0);
  printTable(`Operations per case (mean of ${results[0]?.cases ?? 0} cases per column)`, [
    row("HTTP API requests", (r) => round(r.operations.httpApiRequests, 1)),
    row("Lambda invocations", (r) => round(r.operations.lambdaRequests, 1)),
    row("Lambda GB-s (meter off)", (r) => round(gbs(r), 3)),
    row("  same, DynamoDB meter on", (r) => round(r.lambdaMeteredGbSeconds, 3)),
    row("DynamoDB write units", (r) => round(r.operations.dynamoDbWriteUnits, 1)),
    row("DynamoDB read units", (r) => round(r.operations.dynamoDbReadUnits, 1)),
    row("Step Functions transitions", (r) => round(r.operations.stateTransitions, 1)),
    row("S3 PUT/COPY/POST/LIST", (r) => round(r.operations.s3PutCopyPostList, 1)),
    row("S3 GET/other (+ preflights)", (r) => round(r.operations.s3GetAndOther, 1)),
    row("KMS GenerateDataKey", (r) => round(r.kms.generate, 1)),
    row(
      "KMS Decrypt, cold..warm",
      (r) => `${round(r.kms.decryptCold + r.kms.hashSecretCold, 1)}..${round(r.kms.decryptWarm, 1)}`,
    ),
    row("log KiB (app/Lambda/API/SFN)", (r) =>
      [r.logs.app, r.logs.platform, r.logs.access, r.logs.stepFunctions]
        .map((b) => round(b / 1024, 1))
        .join("/"),
    ),
    row("X-Ray traces", (r) => round(r.operations.xrayTraces, 1)),
    row("SMS to +86 (parts)", (r) => round(r.operations.smsParts, 1)),
  ]);

  const lines = results.map((r) => costLines(r.operations, prices));
  const services = lines[0]?.map((line) => line.service) ?? [];
  printTable(`Cost per case, USD (${prices.region} list prices of ${prices.asOf}, bench/prices.json)`, [
    ...services.map((service, s) =>
      Object.fromEntries([["service", service], ...lines.map((l, i) => [columns[i], usd(l[s]?.usd ?? 0)])]),
    ),
    Object.fromEntries([
      ["service", "TOTAL per permit"],
      ...lines.map((l, i) => [columns[i], usd(totalUsd(l))]),
    ]),
    Object.fromEntries([
      ["service", `goal ≤ ${usd(GOAL_USD)} (storage excluded)`],
      ...lines.map((l, i) => [
        columns[i],
        totalUsd(l) <= GOAL_USD ? "met" : `${round(totalUsd(l) / GOAL_USD, 2)}× goal`,
      ]),
    ]),
  ]);
  // A carrier charge per message part, not the platform's cost: on a line of its own, outside the goal.
  printTable("SMS per case, reported apart (carrier charge; texts from the local stand-in)", [
    Object.fromEntries([
      ["service", smsLine(results[0]?.operations ?? ({} as CaseOperations), prices).service],
      ...results.map((r, i) => {
        const line = smsLine(r.operations, prices);
        return [columns[i], `${line.usage}, ${usd(line.usd)}`];
      }),
    ]),
  ]);

  const storage = results.map((r) =>
    storageLines(
      {
        documentBytes: r.documentUploads * documentMb * 2 ** 20,
        certificateBytes: r.storage.certificateBytes,
        dynamoDbBytes: r.storage.dynamoDbBytes,
        logBytes: r.operations.logBytes,
      },
      prices,
    ),
  );
  const kinds = storage[0]?.map((line) => line.what) ?? [];
  printTable(`Storage per case, reported apart (documents: ${documentMb} MB each, an assumption)`, [
    ...kinds.map((what, k) =>
      Object.fromEntries([
        ["stored", what],
        ...storage.map((s, i) => [
          columns[i],
          `${round((s[k]?.bytes ?? 0) / 2 ** 20, 3)} MB, ${usd(s[k]?.usdPerMonth ?? 0)}/mo`,
        ]),
      ]),
    ),
    Object.fromEntries([
      ["stored", "total while stored, per month"],
      ...storage.map((s, i) => [columns[i], `${usd(s.reduce((sum, line) => sum + line.usdPerMonth, 0))}/mo`]),
    ]),
  ]);
  return { lines, storage };
}

async function main() {
  const cases = Math.max(2, numberOption("cases", 20));
  const documentMb = numberOption("document-mb", 1.5);
  const prices = await loadPrices(path.join(BENCH_DIR, "prices.json"));

  const meter: LocalMeter = { dynamoDbCapacity };
  const onDynamoDb = (usage: DynamoDbUsage) => {
    if (!current) return;
    current.dynamoDb.readUnits += usage.readUnits;
    current.dynamoDb.writeUnits += usage.writeUnits;
    current.dynamoDb.indexWriteUnits += usage.indexWriteUnits;
    current.dynamoDb.requests++;
    const byOperation = current.dynamoDbByOperation.get(usage.operation) ?? {
      requests: 0,
      readUnits: 0,
      writeUnits: 0,
    };
    byOperation.requests++;
    byOperation.readUnits += usage.readUnits;
    byOperation.writeUnits += usage.writeUnits;
    current.dynamoDbByOperation.set(usage.operation, byOperation);
    if (usage.unmetered) current.dynamoDb.unmetered++;
  };
  meter.lambda = (invocation) => current?.lambda.push(invocation);
  meter.s3 = (request: S3Request) => {
    if (!current) return;
    const priceClass = s3PriceClass(request.method, request.url);
    current.s3[priceClass]++;
    const ok = request.status >= 200 && request.status < 300;
    if (request.method === "PUT" && ok) {
      if (request.userAgent.includes("aws-sdk")) current.certificateBytes += request.requestBytes;
      else {
        current.browserPuts++;
        current.documentBytes += request.requestBytes;
      }
    }
  };
  countKmsCalls();
  const captured = captureLogs();

  const bench = await startBenchCloud({ context: { countyPolicy: "danling-demo" }, meter });
  const { endpoints } = bench.cloud;
  const sfn = new SFNClient({
    region: endpoints.region,
    credentials: endpoints.credentials,
    endpoint: endpoints.stepFunctions,
  });
  const dynamodb = new DynamoDBClient({
    region: endpoints.region,
    credentials: endpoints.credentials,
    endpoint: endpoints.dynamodb,
  });
  const steps = new StepQueues();
  instrumentRuntime(bench, steps);
  const driver = new Driver(bench, sfn, steps);
  const info = functionInfo(bench);
  const format = accessLogFormat(bench);
  const started = performance.now();
  try {
    const results: ScenarioResult[] = [];
    captured.quiet = true;
    const drive = async (scenario: Scenario) => {
      try {
        return await driver.run(scenario);
      } catch (error) {
        captured.write(captured.recent.join(""));
        throw error;
      }
    };
    await registerStaffPhones(bench);
    // Warm-up (not counted): the first case of a kind loads handler modules and fills per-container caches.
    for (const scenario of SCENARIOS) await drive(scenario);
    // Stored bytes per case: the table scanned between scenarios (seconds each: the reference data is in it).
    let bytesBefore = await tableBytes(dynamodb, endpoints.tableName);
    for (const scenario of SCENARIOS) {
      const counts: CaseCount[] = [];
      for (let i = 0; i < cases; i++) {
        captured.write(`\rcost-per-permit: ${scenario.id} ${i + 1}/${cases}   `);
        const count = new CaseCount(i % 2 === 0);
        meter.dynamoDb = count.metered ? onDynamoDb : undefined;
        current = count;
        let caseId: string;
        try {
          caseId = await drive(scenario);
          // The SMS the case owes, sent within the case (the sender's Lambda and DynamoDB work count too).
          count.sms.push(...(await sendSms(bench, i)));
        } finally {
          current = undefined;
          meter.dynamoDb = undefined;
        }
        const history = await driver.history(caseId);
        count.transitions = history.transitions;
        count.stepFunctionsLogBytes = history.logBytes;
        counts.push(count);
      }
      const bytesAfter = await tableBytes(dynamodb, endpoints.tableName);
      results.push(summarise(scenario, counts, info, format, (bytesAfter - bytesBefore) / cases));
      bytesBefore = bytesAfter;
    }
    captured.quiet = false;
    captured.write("\n");
    const { lines, storage } = report(results, prices, documentMb);
    const homestead = results[0];
    if (homestead) {
      printTable("Lambda by function, homestead (meter off)", homestead.byFunction);
      printTable(
        `DynamoDB by operation, homestead (GSI share of writes: ${round((100 * homestead.dynamoDbIndexWriteUnits) / homestead.operations.dynamoDbWriteUnits, 0)} %)`,
        [...homestead.dynamoDbByOperation].sort((a, b) => b.writeUnits - a.writeUnits),
      );
    }
    printTable("Assumptions (see bench/README.md)", [
      {
        assumption:
          "KMS priced at the cold bound (every invocation a fresh container); warm bound shown beside",
      },
      {
        assumption:
          "X-Ray: every request sampled (low traffic: the 1/s reservoir takes all); 1 trace per API request + 1 per execution",
      },
      {
        assumption:
          "S3: one CORS preflight per browser upload; documents' stored size modelled (--document-mb)",
      },
      { assumption: `Excluded: ${prices.excluded.map((entry) => entry.service).join("; ")}` },
      { assumption: `real run time ${round((performance.now() - started) / 1000, 1)} s` },
    ]);
    await writeResult("cost-per-permit", {
      goalUsd: GOAL_USD,
      prices: { asOf: prices.asOf, region: prices.region },
      documentMb,
      casesPerScenario: cases,
      scenarios: results.map((result, i) => ({
        id: result.scenario.id,
        label: result.scenario.label,
        operations: result.operations,
        lambdaGbSecondsMeterOn: round(result.lambdaMeteredGbSeconds, 4),
        kms: result.kms,
        logBytes: result.logs,
        dynamoDbUnmeteredRequests: result.dynamoDbUnmetered,
        costPerCase: lines[i]?.map((line) => ({ ...line, usd: Number(line.usd.toPrecision(4)) })),
        totalUsd: Number(totalUsd(lines[i] ?? []).toPrecision(4)),
        meetsGoal: totalUsd(lines[i] ?? []) <= GOAL_USD,
        sms: {
          parts: result.operations.smsParts,
          usd: Number(smsLine(result.operations, prices).usd.toPrecision(4)),
        },
        storage: storage[i]?.map((line) => ({
          ...line,
          gb: Number((line.bytes / GB).toPrecision(4)),
          usdPerMonth: Number(line.usdPerMonth.toPrecision(4)),
        })),
        lambdaByFunction: result.byFunction,
        dynamoDbIndexWriteUnits: round(result.dynamoDbIndexWriteUnits, 1),
        dynamoDbByOperation: result.dynamoDbByOperation,
        kmsGenerateDataKeyByFunction: result.kmsGenerateByFunction,
      })),
    });
  } finally {
    // A broken case must reach the console (runMain prints the error).
    captured.quiet = false;
    sfn.destroy();
    dynamodb.destroy();
    await bench.stop();
  }
}

runMain(main);
