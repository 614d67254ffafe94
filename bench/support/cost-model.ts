/**
 * The pure arithmetic of bench/cost-per-permit.ts: the list-price table
 * (bench/prices.json, validated here), how AWS meters each kind of operation,
 * and how counted operations become dollars. Counting happens in the
 * benchmark; nothing here touches the local cloud.
 */
import { readFile } from "node:fs/promises";
import * as z from "zod";
import { type AttributeMap, itemSize, type TableShape } from "#infra/local/dynamodb-capacity.ts";

const price = z.number().positive();
const source = z.url({ protocol: /^https$/ });

export const pricesSchema = z.object({
  region: z.literal("us-east-1"),
  currency: z.literal("USD"),
  asOf: z.iso.date(),
  note: z.string().min(1),
  services: z.object({
    lambda: z.object({
      source,
      requestsPerMillion: price,
      gbSecond: z.object({ arm64: price, x86_64: price }),
      billing: z.string(),
    }),
    dynamodb: z.object({
      source,
      writeRequestUnitsPerMillion: price,
      readRequestUnitsPerMillion: price,
      storageGbMonth: price,
      pointInTimeRecoveryGbMonth: price,
      billing: z.string(),
    }),
    stepFunctions: z.object({ source, standardTransitionsPerThousand: price, billing: z.string() }),
    s3: z.object({
      source,
      standardGbMonth: price,
      putCopyPostListPerThousand: price,
      getAndOtherPerThousand: price,
      billing: z.string(),
    }),
    httpApi: z.object({ source, requestsPerMillion: price, billing: z.string() }),
    kms: z.object({ source, requestsPerTenThousand: price, keyPerMonth: price, billing: z.string() }),
    cloudWatchLogs: z.object({ source, ingestionPerGb: price, storageGbMonth: price, billing: z.string() }),
    xray: z.object({ source, tracesRecordedPerMillion: price, billing: z.string() }),
    sms: z.object({ source, perMessagePartChina: price, billing: z.string() }),
  }),
  excluded: z.array(z.object({ service: z.string().min(1), reason: z.string().min(1) })),
});

export type Prices = z.infer<typeof pricesSchema>;

/** Reads and validates the price table; a malformed table fails the run (a broken script, not a figure). */
export async function loadPrices(file: string): Promise<Prices> {
  return pricesSchema.parse(JSON.parse(await readFile(file, "utf8")));
}

/** AWS bills storage and log volume in binary gigabytes. */
export const GB = 2 ** 30;

/** Lambda's billed GB-seconds of one invocation: duration rounded up to the next millisecond, times memory. */
export function billedGbSeconds(durationMs: number, memorySizeMb: number): number {
  return (Math.ceil(durationMs) / 1000) * (memorySizeMb / 1024);
}

export interface HistoryEvent {
  readonly type?: string | undefined;
}

/**
 * Billed state transitions of a Standard execution, from its history. AWS
 * counts "each time a step of your workflow is executed, including retries":
 * every `…StateEntered` event (Task, Choice, Pass, Wait, Parallel, Map,
 * Succeed, Fail, states inside branches included) plus every retry of a Task,
 * i.e. each `TaskScheduled`/`LambdaFunctionScheduled` beyond the first of a
 * Task state entry. ExecutionStarted/-Succeeded are not steps.
 */
export function stateTransitions(events: readonly HistoryEvent[]): {
  entered: number;
  retries: number;
  transitions: number;
} {
  let entered = 0;
  let taskEntries = 0;
  let scheduled = 0;
  for (const { type = "" } of events) {
    if (type.endsWith("StateEntered")) entered++;
    if (type === "TaskStateEntered") taskEntries++;
    if (type === "TaskScheduled" || type === "LambdaFunctionScheduled") scheduled++;
  }
  const retries = Math.max(0, scheduled - taskEntries);
  return { entered, retries, transitions: entered + retries };
}

export type S3PriceClass = "putCopyPostList" | "getAndOther" | "free";

/**
 * S3's request price classes for a path-style request (`/<bucket>/<key>?…`):
 * PUT, COPY, POST and LIST (a GET on the bucket itself) in one, GET, HEAD,
 * OPTIONS and the rest in the other; DELETE is free.
 */
export function s3PriceClass(method: string, url: string): S3PriceClass {
  const verb = method.toUpperCase();
  if (verb === "DELETE") return "free";
  if (verb === "PUT" || verb === "POST") return "putCopyPostList";
  const [pathPart = "/"] = url.split("?");
  const key = pathPart.replace(/^\/+/, "").split("/").slice(1).join("/");
  if (verb === "GET" && key === "") return "putCopyPostList";
  return "getAndOther";
}

export interface ApiRequest {
  readonly method: string;
  /** The matched route's path template, e.g. `/cases/{caseId}` (API Gateway's `$context.resourcePath`). */
  readonly routePath: string;
  readonly path: string;
  readonly status: number;
  readonly responseBytes: number;
}

/**
 * One access-log line of the HTTP API stage as API Gateway would write it:
 * `$context.*` variables of the template's format filled from the request;
 * identifiers AWS generates get values of their real length.
 */
export function accessLogLine(format: string, request: ApiRequest): string {
  const values: Record<string, string> = {
    "identity.sourceIp": "203.0.113.24",
    "identity.caller": "-",
    "identity.user": "-",
    requestTime: "25/Nov/2026:09:30:00 +0000",
    requestTimeEpoch: "1795599000000",
    httpMethod: request.method,
    routeKey: `${request.method} ${request.routePath}`,
    resourcePath: request.routePath,
    path: request.path,
    protocol: "HTTP/1.1",
    status: String(request.status),
    responseLength: String(request.responseBytes),
    requestId: "Vx0kUhlPoAMEVxg=",
    extendedRequestId: "Vx0kUhlPoAMEVxg=",
  };
  return format.replace(/\$context\.([A-Za-z.]+[A-Za-z])/g, (_, name: string) => values[name] ?? "-");
}

/** The lines Lambda itself writes for every invocation (START, END, REPORT with the X-Ray segment). */
export function lambdaPlatformLines(durationMs: number, memorySizeMb: number): string[] {
  const requestId = "8f5e8c7a-1b2c-4d3e-9f4a-5b6c7d8e9f0a";
  return [
    `START RequestId: ${requestId} Version: $LATEST\n`,
    `END RequestId: ${requestId}\n`,
    `REPORT RequestId: ${requestId}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${Math.ceil(durationMs)} ms\tMemory Size: ${memorySizeMb} MB\tMax Memory Used: 118 MB\t\nXRAY TraceId: 1-6745f0a8-3c2b1a0f9e8d7c6b5a4f3e2d\tSegmentId: 5a4b3c2d1e0f9a8b\tSampled: true\t\n`,
  ];
}

/**
 * One CloudWatch Logs record of a state machine logging at level ALL with
 * execution data: the history event, its details under `details`, and the
 * execution ARN (the documented log format of Step Functions).
 */
export function stepFunctionsLogRecord(event: Record<string, unknown>, executionArn: string): string {
  const { id, previousEventId, timestamp, type, ...rest } = event;
  const details = Object.values(rest)[0] ?? {};
  const at = timestamp instanceof Date ? timestamp.getTime() : Number(new Date(String(timestamp)));
  return JSON.stringify({
    id: String(id),
    type,
    details,
    previous_event_id: String(previousEventId),
    event_timestamp: String(at),
    execution_arn: executionArn,
    redrive_count: "0",
  });
}

/**
 * Bytes DynamoDB stores for an item: its size plus 100 bytes of overhead,
 * and the same for each GSI entry it has (projection ALL: the whole item).
 */
export function dynamoDbStoredBytes(table: TableShape, item: AttributeMap): number {
  const size = itemSize(item);
  const entries = table.globalSecondaryIndexes.filter((index) =>
    index.keyAttributes.every((name) => name in item),
  ).length;
  return (size + 100) * (1 + entries);
}

/** What one case consumed, per billed dimension (means over the measured cases). */
export interface CaseOperations {
  readonly lambdaRequests: number;
  /** Billed GB-seconds by architecture ("arm64", "x86_64"). */
  readonly lambdaGbSeconds: Readonly<Record<string, number>>;
  readonly dynamoDbReadUnits: number;
  readonly dynamoDbWriteUnits: number;
  readonly stateTransitions: number;
  readonly s3PutCopyPostList: number;
  readonly s3GetAndOther: number;
  readonly httpApiRequests: number;
  readonly kmsRequests: number;
  readonly logBytes: number;
  readonly xrayTraces: number;
  /** SMS message parts sent to +86 numbers (a part: 70 Chinese characters, 67 each when split). */
  readonly smsParts: number;
}

export interface CostLine {
  readonly service: string;
  readonly usage: string;
  readonly usd: number;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

function architecturePrice(prices: Prices, architecture: string): number {
  return architecture === "arm64"
    ? prices.services.lambda.gbSecond.arm64
    : prices.services.lambda.gbSecond.x86_64;
}

/** Dollars per case, one line per billed dimension, in the order of the request's path through the stack. */
export function costLines(ops: CaseOperations, prices: Prices): CostLine[] {
  const { services } = prices;
  const gbSeconds = Object.values(ops.lambdaGbSeconds).reduce((sum, value) => sum + value, 0);
  const durationUsd = Object.entries(ops.lambdaGbSeconds).reduce(
    (sum, [architecture, value]) => sum + value * architecturePrice(prices, architecture),
    0,
  );
  return [
    {
      service: "API Gateway HTTP API",
      usage: `${round(ops.httpApiRequests, 1)} requests`,
      usd: (ops.httpApiRequests / 1e6) * services.httpApi.requestsPerMillion,
    },
    {
      service: "Lambda requests",
      usage: `${round(ops.lambdaRequests, 1)} invocations`,
      usd: (ops.lambdaRequests / 1e6) * services.lambda.requestsPerMillion,
    },
    { service: "Lambda duration", usage: `${round(gbSeconds, 3)} GB-s`, usd: durationUsd },
    {
      service: "DynamoDB writes",
      usage: `${round(ops.dynamoDbWriteUnits, 1)} WRU`,
      usd: (ops.dynamoDbWriteUnits / 1e6) * services.dynamodb.writeRequestUnitsPerMillion,
    },
    {
      service: "DynamoDB reads",
      usage: `${round(ops.dynamoDbReadUnits, 1)} RRU`,
      usd: (ops.dynamoDbReadUnits / 1e6) * services.dynamodb.readRequestUnitsPerMillion,
    },
    {
      service: "Step Functions (Standard)",
      usage: `${round(ops.stateTransitions, 1)} transitions`,
      usd: (ops.stateTransitions / 1000) * services.stepFunctions.standardTransitionsPerThousand,
    },
    {
      service: "S3 PUT/COPY/POST/LIST",
      usage: `${round(ops.s3PutCopyPostList, 1)} requests`,
      usd: (ops.s3PutCopyPostList / 1000) * services.s3.putCopyPostListPerThousand,
    },
    {
      service: "S3 GET and other",
      usage: `${round(ops.s3GetAndOther, 1)} requests`,
      usd: (ops.s3GetAndOther / 1000) * services.s3.getAndOtherPerThousand,
    },
    {
      service: "KMS",
      usage: `${round(ops.kmsRequests, 1)} requests`,
      usd: (ops.kmsRequests / 10_000) * services.kms.requestsPerTenThousand,
    },
    {
      service: "CloudWatch Logs ingestion",
      usage: `${round(ops.logBytes / 1024, 1)} KiB`,
      usd: (ops.logBytes / GB) * services.cloudWatchLogs.ingestionPerGb,
    },
    {
      service: "X-Ray traces",
      usage: `${round(ops.xrayTraces, 1)} traces`,
      usd: (ops.xrayTraces / 1e6) * services.xray.tracesRecordedPerMillion,
    },
  ];
}

/**
 * The SMS a permit causes, priced apart from the platform's own cost (the goal is the platform's): a
 * carrier charge per message part, whatever the stack does.
 */
export function smsLine(ops: CaseOperations, prices: Prices): CostLine {
  return {
    service: "SMS to +86 (End User Messaging)",
    usage: `${round(ops.smsParts, 1)} message parts`,
    usd: ops.smsParts * prices.services.sms.perMessagePartChina,
  };
}

export function totalUsd(lines: readonly CostLine[]): number {
  return lines.reduce((sum, line) => sum + line.usd, 0);
}

/** Bytes one case leaves stored, by where they are kept. */
export interface CaseStorage {
  readonly documentBytes: number;
  readonly certificateBytes: number;
  readonly dynamoDbBytes: number;
  readonly logBytes: number;
}

export interface StorageLine {
  readonly what: string;
  readonly bytes: number;
  readonly usdPerMonth: number;
}

/** Dollars per month a case's stored data costs while it is kept. */
export function storageLines(storage: CaseStorage, prices: Prices): StorageLine[] {
  const { services } = prices;
  return [
    {
      what: "S3 Standard: documents",
      bytes: storage.documentBytes,
      usdPerMonth: (storage.documentBytes / GB) * services.s3.standardGbMonth,
    },
    {
      what: "S3 Standard: certificates",
      bytes: storage.certificateBytes,
      usdPerMonth: (storage.certificateBytes / GB) * services.s3.standardGbMonth,
    },
    {
      what: "DynamoDB table + GSIs",
      bytes: storage.dynamoDbBytes,
      usdPerMonth: (storage.dynamoDbBytes / GB) * services.dynamodb.storageGbMonth,
    },
    {
      what: "DynamoDB point-in-time recovery",
      bytes: storage.dynamoDbBytes,
      usdPerMonth: (storage.dynamoDbBytes / GB) * services.dynamodb.pointInTimeRecoveryGbMonth,
    },
    {
      what: "CloudWatch Logs (uncompressed: an upper bound)",
      bytes: storage.logBytes,
      usdPerMonth: (storage.logBytes / GB) * services.cloudWatchLogs.storageGbMonth,
    },
  ];
}

/** Parts an SMS is billed as: up to 70 UCS-2 characters in one, 67 per part once split. */
export function smsParts(text: string): number {
  const characters = [...text].length;
  return characters <= 70 ? 1 : Math.ceil(characters / 67);
}
