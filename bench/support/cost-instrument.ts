/** What the cost benchmark counts per case: KMS calls, log bytes, API requests, opened steps, table bytes. */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { type AttributeValue, type DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import type { AttributeMap, TableShape } from "#infra/local/dynamodb-capacity.ts";
import type { LambdaInvocationRecord } from "#infra/local/meter.ts";
import { EnvelopeEncryptor } from "#shared/crypto/encryptor.ts";
import { LocalFileKeyring } from "#shared/crypto/local-keyring.ts";
import { CASE_TABLE } from "#shared/store/table-design.ts";
import type { BenchCloud } from "./cloud.ts";
import { type ApiRequest, dynamoDbStoredBytes, type S3PriceClass } from "./cost-model.ts";

/** Everything one case caused, as it happened. */
export class CaseCount {
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

export interface OpenedStep {
  readonly step: string;
  readonly department?: string;
  readonly stepId: string;
}

/** The case being measured; observers drop what happens outside a case (start-up, scans between scenarios). */
/** The case being counted now (the benchmark sets it around each case). */
export const measuring: { current: CaseCount | undefined } = { current: undefined };
export const invocationContext = new AsyncLocalStorage<{ id: string; logicalId: string; entry: string }>();

/**
 * KMS is not emulated: the local keyring takes its calls. Count them where
 * KMS would be called: every GenerateDataKey (one per sealed value), and the
 * Decrypts of data keys and of the keyed-hash secret, whose number depends on
 * how long containers live (the encryptor caches unwrapped keys per container).
 */
export function countKmsCalls(): void {
  const generate = LocalFileKeyring.prototype.generateDataKey;
  LocalFileKeyring.prototype.generateDataKey = function (this: LocalFileKeyring, context) {
    if (measuring.current) {
      measuring.current.kmsGenerate++;
      const entry = invocationContext.getStore()?.entry ?? "(outside a handler)";
      measuring.current.kmsGenerateByFunction.set(
        entry,
        (measuring.current.kmsGenerateByFunction.get(entry) ?? 0) + 1,
      );
    }
    return generate.call(this, context);
  };
  const open = EnvelopeEncryptor.prototype.open;
  EnvelopeEncryptor.prototype.open = function (this: EnvelopeEncryptor, sealed, context) {
    const invocation = invocationContext.getStore();
    if (measuring.current && invocation) {
      const dataKey = `${sealed.edk}|${JSON.stringify(context)}`;
      measuring.current.kmsDecryptCold.add(`${invocation.id}|${dataKey}`);
      measuring.current.kmsDecryptWarm.add(`${invocation.logicalId}|${dataKey}`);
    }
    return open.call(this, sealed, context);
  };
  const keyedHash = EnvelopeEncryptor.prototype.keyedHash;
  EnvelopeEncryptor.prototype.keyedHash = function (this: EnvelopeEncryptor, purpose, value) {
    const invocation = invocationContext.getStore();
    if (measuring.current && invocation) measuring.current.kmsHashSecretCold.add(invocation.id);
    return keyedHash.call(this, purpose, value);
  };
}

/**
 * Handler output is CloudWatch Logs volume on AWS: counted during a measured
 * case, and kept off the console while cases run (`quiet`); the last lines
 * are kept to show when a case breaks.
 */
export function captureLogs(): { quiet: boolean; recent: string[]; write: (text: string) => void } {
  const recent: string[] = [];
  const writeStderr = process.stderr.write.bind(process.stderr);
  const state = { quiet: false, recent, write: (text: string) => void writeStderr(text) };
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (!state.quiet)
        return (write as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean)(chunk, ...rest);
      if (measuring.current)
        measuring.current.appLogBytes += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
      recent.push(String(chunk));
      if (recent.length > 40) recent.shift();
      const callback = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
      if (callback) queueMicrotask(callback);
      return true;
    }) as typeof stream.write;
  }
  return state;
}

export function isHttpEvent(payload: unknown): payload is {
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

export function responseOf(result: unknown): { status: number; bytes: number } {
  if (typeof result !== "object" || result === null) return { status: 200, bytes: 0 };
  const { statusCode, body } = result as { statusCode?: unknown; body?: unknown };
  return {
    status: typeof statusCode === "number" ? statusCode : 200,
    bytes: typeof body === "string" ? Buffer.byteLength(body) : 0,
  };
}

export class StepQueues {
  private readonly byCase = new Map<string, OpenedStep[]>();
  push(caseId: string, step: OpenedStep): void {
    this.byCase.set(caseId, [...(this.byCase.get(caseId) ?? []), step]);
  }
  take(caseId: string): OpenedStep | undefined {
    return this.byCase.get(caseId)?.shift();
  }
}

/** Wraps the runtime once more: which invocation is running (KMS), API requests (access logs), opened steps. */
export function instrumentRuntime(bench: BenchCloud, steps: StepQueues): void {
  const { runtime } = bench.cloud;
  const invoke = runtime.invoke.bind(runtime);
  runtime.invoke = async (nameOrArn: string, payload: unknown) => {
    const fn = runtime.find(nameOrArn);
    const result = await invocationContext.run(
      { id: randomUUID(), logicalId: fn.logicalId, entry: fn.entry },
      () => invoke(nameOrArn, payload),
    );
    if (measuring.current && isHttpEvent(payload)) {
      const { status, bytes } = responseOf(result);
      measuring.current.api.push({
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

export function tableShape(tableName: string): TableShape {
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
export async function tableBytes(dynamodb: DynamoDBClient, tableName: string): Promise<number> {
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
