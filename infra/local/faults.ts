/**
 * Fault injection for tests, where the calls happen: the local cloud's
 * Lambda invoker and the HTTP fronts of DynamoDB and Step Functions take an
 * optional hook (LocalCloudOptions.faults) that may fail a call the way AWS
 * does — a Lambda sandbox timeout or service exception before or after the
 * handler ran, a throttling or 5xx answer, a connection reset. Nothing here
 * is reachable from shared/ or functions/: handler code has no switch, it
 * only meets the faults through its SDK calls and its invocations.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";

/** What a service front may do to one request instead of answering it. */
export type ServiceFault =
  /** 400 ThrottlingException (DynamoDB: ProvisionedThroughputExceeded's sibling; the SDK retries it). */
  | "throttle"
  /** 500 InternalServerError / InternalFailure. */
  | "server-error"
  /** 503 ServiceUnavailable. */
  | "unavailable"
  /** The connection is reset before any answer (ECONNRESET in the client). */
  | "reset";

/** One API call as a front sees it. */
export interface ServiceCall {
  readonly service: "dynamodb" | "stepfunctions" | "sms";
  /** The operation from X-Amz-Target: "TransactWriteItems", "SendTaskSuccess", … */
  readonly operation: string;
}

/** What the Lambda invoker may do to one invocation. */
export type LambdaFault =
  /** Fails before the handler runs (Lambda.ServiceException / Sandbox.Timedout / throttling). */
  | { readonly when: "before"; readonly error: LambdaFaultError }
  /** Runs the handler, then fails as if its answer was lost (the task must be safe to run twice). */
  | { readonly when: "after"; readonly error: LambdaFaultError }
  /** A slow start (a cold start, a queued retry): the handler runs once `until` settles. */
  | { readonly when: "held"; readonly until: Promise<void> };

export type LambdaFaultError =
  | "Sandbox.Timedout"
  | "Lambda.ServiceException"
  | "Lambda.TooManyRequestsException";

export interface LambdaCall {
  readonly logicalId: string;
  /** Handler module, e.g. "functions/workflow/precheck.ts". */
  readonly entry: string;
  readonly payload: unknown;
}

export interface LocalFaults {
  /** Asked before each invocation; undefined lets it run normally. */
  readonly lambda?: (call: LambdaCall) => LambdaFault | undefined;
  /** Asked before each request to a service front; undefined answers it normally. */
  readonly service?: (call: ServiceCall) => ServiceFault | undefined;
}

/** The error a faulted invocation raises, named as Step Functions names it. */
export function lambdaFaultError(error: LambdaFaultError): Error {
  const failure = new Error(`Injected fault: ${error}`);
  failure.name = error;
  // Lambda.* errors are service exceptions: the emulator keeps their names (they carry $metadata).
  if (error.startsWith("Lambda.")) Object.assign(failure, { $metadata: { httpStatusCode: 500 } });
  return failure;
}

const FAULT_ANSWERS: Record<Exclude<ServiceFault, "reset">, { status: number; code: string }> = {
  throttle: { status: 400, code: "ThrottlingException" },
  "server-error": { status: 500, code: "InternalServerError" },
  unavailable: { status: 503, code: "ServiceUnavailable" },
};

const ERROR_TYPE_PREFIX: Record<ServiceCall["service"], string> = {
  dynamodb: "com.amazonaws.dynamodb.v20120810#",
  stepfunctions: "com.amazonaws.states#",
  sms: "com.amazonaws.pinpointsmsvoicev2#",
};

/** The answer a front gives instead of a request's own (a reset has none: see connectionReset). */
export function faultAnswer(
  service: ServiceCall["service"],
  fault: Exclude<ServiceFault, "reset">,
): { readonly status: number; readonly headers: Record<string, string>; readonly body: string } {
  const { status, code } = FAULT_ANSWERS[fault];
  const body = JSON.stringify({ __type: `${ERROR_TYPE_PREFIX[service]}${code}`, message: "Injected fault" });
  return {
    status,
    headers: {
      "content-type": "application/x-amz-json-1.0",
      "x-amzn-errortype": code,
      "content-length": String(Buffer.byteLength(body)),
    },
    body,
  };
}

/** What a client meets when the connection is reset before any answer (the SDK retries it). */
export function connectionReset(): Error {
  return Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
}

/** The operation an `X-Amz-Target` names ("DynamoDB_20120810.GetItem" → "GetItem"). */
export function operationOfTarget(target: string): string {
  return target.slice(target.indexOf(".") + 1);
}

function operationOf(req: IncomingMessage): string {
  return operationOfTarget(String(req.headers["x-amz-target"] ?? ""));
}

/**
 * Wraps a front's request listener: with no hook it is the listener itself;
 * with one, each request may be answered by a fault instead (the request body
 * is drained first so the client sees a complete exchange, as from AWS).
 */
export function faultable(
  service: ServiceCall["service"],
  hook: LocalFaults["service"],
  listener: RequestListener,
): RequestListener {
  if (!hook) return listener;
  return (req: IncomingMessage, res: ServerResponse) => {
    const fault = hook({ service, operation: operationOf(req) });
    if (!fault) {
      listener(req, res);
      return;
    }
    if (fault === "reset") {
      req.socket.destroy();
      return;
    }
    req.resume();
    req.on("end", () => {
      const answer = faultAnswer(service, fault);
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    });
  };
}
