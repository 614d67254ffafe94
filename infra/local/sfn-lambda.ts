/**
 * Lambda tasks of the local Step Functions: which integration a Task's
 * Resource names, the JSON round trip a real invocation makes, the
 * `lambda:invoke` response shape, and how a function's error is named.
 */
import { randomUUID } from "node:crypto";
import type { RunOptions } from "aws-local-stepfunctions";
import { isRecord } from "./sfn-definition.ts";
import { StatesError } from "./sfn-errors.ts";

type TaskHandlers = NonNullable<NonNullable<RunOptions["overrides"]>["taskResourceLocalHandlers"]>;
export type TaskHandler = TaskHandlers[string];
export type JsonValue = Awaited<ReturnType<TaskHandler>>;

const LAMBDA_INVOKE_RESOURCE = /^arn:aws[a-z-]*:states:::lambda:invoke(\.waitForTaskToken)?$/;
const LAMBDA_FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[^:]+(:[^:]+)?$/;

export type TaskKind = "lambda-invoke" | "lambda-callback" | "lambda-function" | "unsupported";

export function classifyResource(resource: string): TaskKind {
  const invoke = LAMBDA_INVOKE_RESOURCE.exec(resource);
  if (invoke) return invoke[1] ? "lambda-callback" : "lambda-invoke";
  if (LAMBDA_FUNCTION_ARN.test(resource)) return "lambda-function";
  return "unsupported";
}

/** What a Lambda result looks like after the JSON round trip a real invocation makes. */
export function toJsonValue(value: unknown): JsonValue {
  if (value === undefined) return null;
  const parsed: JsonValue = JSON.parse(JSON.stringify(value));
  return parsed;
}

export function jsonText(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export function replaceInStrings(value: unknown, search: string, replacement: string): unknown {
  if (typeof value === "string") return value.replaceAll(search, replacement);
  if (Array.isArray(value)) return value.map((item) => replaceInStrings(item, search, replacement));
  if (isRecord(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, replaceInStrings(item, search, replacement)]),
    );
  }
  return value;
}

/** The error a failed Lambda invocation raises in the state machine, named as Step Functions names it. */
export function lambdaError(error: unknown): StatesError {
  if (!(error instanceof Error)) {
    return new StatesError("Error", jsonText({ errorType: "Error", errorMessage: String(error), trace: [] }));
  }
  if (error instanceof StatesError) return error;
  // AWS SDK service exceptions (they carry $metadata) surface as Lambda.<Name>, e.g. Lambda.ServiceException.
  if ("$metadata" in error) {
    return new StatesError(
      error.name.startsWith("Lambda.") ? error.name : `Lambda.${error.name}`,
      error.message,
    );
  }
  const errorType = error.name || "Error";
  return new StatesError(
    errorType,
    jsonText({ errorType, errorMessage: error.message, trace: error.stack?.split("\n") ?? [] }),
  );
}

/** What `arn:aws:states:::lambda:invoke` returns (the function's result is `Payload`). */
export function lambdaInvokeResponse(payload: unknown, statusCode: number): JsonValue {
  const requestId = randomUUID();
  return toJsonValue({
    ExecutedVersion: "$LATEST",
    Payload: payload,
    SdkHttpMetadata: {
      AllHttpHeaders: {
        "Content-Type": ["application/json"],
        "X-Amz-Executed-Version": ["$LATEST"],
        "x-amzn-RequestId": [requestId],
      },
      HttpHeaders: {
        "Content-Type": "application/json",
        "X-Amz-Executed-Version": "$LATEST",
        "x-amzn-RequestId": requestId,
      },
      HttpStatusCode: statusCode,
    },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: statusCode,
  });
}
