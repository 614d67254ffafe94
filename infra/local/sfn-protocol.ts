/**
 * The Step Functions JSON protocol of the local emulator: request shapes,
 * paging, and the HTTP front that turns `X-Amz-Target: AWSStepFunctions.<Op>`
 * requests into calls of an operation table, so the unchanged
 * `@aws-sdk/client-sfn` works against it.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import * as z from "zod";
import { isRecord } from "./sfn-definition.ts";
import { SfnServiceError } from "./sfn-errors.ts";
import { EXECUTION_STATUSES, type ExecutionRecord, type ExecutionSummary } from "./sfn-store.ts";

const MAX_BODY_BYTES = 16 * 1024 * 1024;

export const requests = {
  StartExecution: z.object({
    stateMachineArn: z.string(),
    name: z.string().optional(),
    input: z.string().optional(),
    traceHeader: z.string().optional(),
  }),
  DescribeExecution: z.object({ executionArn: z.string() }),
  ListExecutions: z.object({
    stateMachineArn: z.string().optional(),
    statusFilter: z.enum(EXECUTION_STATUSES).optional(),
    maxResults: z.number().int().optional(),
    nextToken: z.string().optional(),
  }),
  GetExecutionHistory: z.object({
    executionArn: z.string(),
    maxResults: z.number().int().optional(),
    nextToken: z.string().optional(),
    reverseOrder: z.boolean().optional(),
    includeExecutionData: z.boolean().optional(),
  }),
  StopExecution: z.object({
    executionArn: z.string(),
    error: z.string().optional(),
    cause: z.string().optional(),
  }),
  RedriveExecution: z.object({ executionArn: z.string(), clientToken: z.string().optional() }),
  SendTaskSuccess: z.object({ taskToken: z.string(), output: z.string() }),
  SendTaskFailure: z.object({
    taskToken: z.string(),
    error: z.string().optional(),
    cause: z.string().optional(),
  }),
  SendTaskHeartbeat: z.object({ taskToken: z.string() }),
  DescribeStateMachine: z.object({ stateMachineArn: z.string() }),
  ListStateMachines: z.object({ maxResults: z.number().int().optional(), nextToken: z.string().optional() }),
};
export type Operation = keyof typeof requests;
export type RequestOf<O extends Operation> = z.infer<(typeof requests)[O]>;
/** One implementation per operation; answers may be asynchronous (writes answer once on disk). */
export type Operations = { [O in Operation]: (request: RequestOf<O>) => unknown };

function isOperation(value: string): value is Operation {
  return Object.hasOwn(requests, value);
}

export function pageOf<T>(
  items: readonly T[],
  maxResults: number | undefined,
  nextToken: string | undefined,
) {
  const limit = maxResults && maxResults > 0 ? Math.min(maxResults, 1000) : 100;
  let offset = 0;
  if (nextToken !== undefined) {
    offset = Number(Buffer.from(nextToken, "base64url").toString("utf8"));
    if (!Number.isInteger(offset) || offset < 0)
      throw new SfnServiceError("InvalidToken", "Invalid nextToken");
  }
  const page = items.slice(offset, offset + limit);
  const next =
    offset + limit < items.length ? Buffer.from(String(offset + limit)).toString("base64url") : undefined;
  return { page, nextToken: next };
}

function withoutExecutionData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutExecutionData);
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== "input" && key !== "output" && key !== "parameters")
      .map(([key, item]) => [key, withoutExecutionData(item)]),
  );
}

export const seconds = (ms: number | undefined): number | undefined =>
  ms === undefined ? undefined : ms / 1000;

/** DescribeExecution's answer; `notRedrivable` is why RedriveExecution would refuse, if it would. */
export function describedExecution(record: ExecutionRecord, notRedrivable: string | undefined) {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: seconds(record.startDate),
    stopDate: seconds(record.stopDate),
    input: record.input,
    inputDetails: { included: true },
    ...(record.output === undefined ? {} : { output: record.output, outputDetails: { included: true } }),
    ...(record.error === undefined ? {} : { error: record.error }),
    ...(record.cause === undefined ? {} : { cause: record.cause }),
    redriveCount: record.redriveCount ?? 0,
    ...(record.redriveDate === undefined ? {} : { redriveDate: seconds(record.redriveDate) }),
    redriveStatus: notRedrivable === undefined ? "REDRIVABLE" : "NOT_REDRIVABLE",
    ...(notRedrivable === undefined ? {} : { redriveStatusReason: notRedrivable }),
  };
}

/** ListExecutions' answer over every known execution: newest first, filtered, paged. */
export function listedExecutions(all: readonly ExecutionSummary[], request: RequestOf<"ListExecutions">) {
  const matching = all
    .filter(
      (summary) =>
        (request.stateMachineArn === undefined || summary.stateMachineArn === request.stateMachineArn) &&
        (request.statusFilter === undefined || summary.status === request.statusFilter),
    )
    .sort((a, b) => b.startDate - a.startDate);
  const { page, nextToken } = pageOf(matching, request.maxResults, request.nextToken);
  return {
    executions: page.map((summary) => ({
      executionArn: summary.executionArn,
      stateMachineArn: summary.stateMachineArn,
      name: summary.name,
      status: summary.status,
      startDate: seconds(summary.startDate),
      stopDate: seconds(summary.stopDate),
    })),
    nextToken,
  };
}

/** GetExecutionHistory's answer: one page of the record's events (timestamps in seconds). */
export function historyPage(record: ExecutionRecord, request: RequestOf<"GetExecutionHistory">) {
  const events = request.reverseOrder ? [...record.history].reverse() : record.history;
  const { page, nextToken } = pageOf(events, request.maxResults, request.nextToken);
  return {
    events: page.map((event) => {
      const converted = { ...event, timestamp: event.timestamp / 1000 };
      return request.includeExecutionData === false ? withoutExecutionData(converted) : converted;
    }),
    nextToken,
  };
}

async function dispatch(operations: Operations, operation: string, body: unknown): Promise<unknown> {
  if (!isOperation(operation)) {
    throw new SfnServiceError("UnknownOperationException", `Unknown operation ${operation}`);
  }
  const parsed = requests[operation].safeParse(body);
  if (!parsed.success) throw new SfnServiceError("ValidationException", parsed.error.message);
  const implementation = operations[operation] as (request: unknown) => unknown;
  return implementation(parsed.data);
}

/** Serves one HTTP request of the protocol; `closing()` answers 503 while the emulator stops. */
export async function handleSfnHttp(
  operations: Operations,
  closing: () => boolean,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const send = (status: number, body: unknown, errorType?: string): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/x-amz-json-1.0",
      "content-length": Buffer.byteLength(text),
      "x-amzn-requestid": randomUUID(),
      ...(errorType ? { "x-amzn-errortype": errorType } : {}),
    });
    res.end(text);
  };
  try {
    if (closing())
      throw new SfnServiceError("ServiceUnavailable", "The local Step Functions is closing", 503);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      size += buffer.length;
      if (size > MAX_BODY_BYTES)
        throw new SfnServiceError("ValidationException", "Request body too large", 413);
      chunks.push(buffer);
    }
    if (req.method !== "POST")
      throw new SfnServiceError("UnknownOperationException", "Only POST is supported");
    const target = req.headers["x-amz-target"];
    const operation =
      typeof target === "string" && target.startsWith("AWSStepFunctions.") ? target.slice(17) : undefined;
    if (!operation) throw new SfnServiceError("UnknownOperationException", "Missing X-Amz-Target");
    const text = Buffer.concat(chunks).toString("utf8");
    let body: unknown = {};
    if (text.trim() !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        throw new SfnServiceError("SerializationException", "The request body is not JSON");
      }
    }
    send(200, (await dispatch(operations, operation, body)) ?? {});
  } catch (error) {
    if (error instanceof SfnServiceError) {
      send(
        error.statusCode,
        { __type: `com.amazonaws.states#${error.code}`, message: error.message },
        error.code,
      );
    } else {
      send(
        500,
        { __type: "com.amazonaws.states#InternalFailure", message: String(error) },
        "InternalFailure",
      );
    }
  }
}
