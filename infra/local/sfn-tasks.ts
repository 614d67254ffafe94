/**
 * Task states of the local Step Functions: starting an attempt (timeout,
 * heartbeat, task token), invoking its Lambda function the way its resource
 * asks (plain ARN, lambda:invoke, .waitForTaskToken), and the SendTaskSuccess,
 * SendTaskFailure and SendTaskHeartbeat calls that answer a callback task.
 */
import { randomBytes } from "node:crypto";
import * as z from "zod";
import type { LongTimer } from "./long-timer.ts";
import { type AttemptEnd, makeAttempt, newStep, recordHandling } from "./sfn-attempts.ts";
import {
  type Attempt,
  DEFAULT_TASK_TIMEOUT_SECONDS,
  type EmulatorCore,
  type LiveExecution,
} from "./sfn-core.ts";
import type { StateSpec } from "./sfn-definition.ts";
import { SfnServiceError, StatesError, UncatchableStatesError } from "./sfn-errors.ts";
import {
  recordTaskFailed,
  recordTaskStarted,
  recordTaskSubmitted,
  recordTaskSucceeded,
  type TaskIntegration,
  taskIntegrationOf,
} from "./sfn-history.ts";
import {
  classifyResource,
  type JsonValue,
  lambdaError,
  lambdaInvokeResponse,
  replaceInStrings,
  toJsonValue,
} from "./sfn-lambda.ts";
import type { RequestOf } from "./sfn-protocol.ts";
import { secondsOf } from "./sfn-states.ts";
import type { StepRecord } from "./sfn-store.ts";
import type { TokenEntry } from "./sfn-tokens.ts";

const TOKEN_BYTES = 96;

const lambdaInvokeParameters = z.object({
  FunctionName: z.string(),
  Payload: z.unknown().optional(),
  Qualifier: z.string().optional(),
  InvocationType: z.string().optional(),
});

/** One armed task attempt, as the pieces that run it see it. */
interface TaskRun {
  readonly core: EmulatorCore;
  readonly exec: LiveExecution;
  readonly spec: StateSpec;
  readonly step: StepRecord;
  readonly attempt: Attempt;
  readonly integration: TaskIntegration;
  readonly timers: LongTimer[];
  end(result: AttemptEnd): boolean;
  fail(error: Error, timedOut?: boolean): void;
  /** Set for an attempt resumed after a restart until its first heartbeat: its timers count from the record. */
  resumed: boolean;
}

/** Real ms an attempt's timers have already run: since `at` for a resumed attempt, none for a new one. */
function elapsedSince(task: TaskRun, at: number): number {
  return task.resumed ? Math.max(0, task.core.now() - at) : 0;
}

export function startTask(
  core: EmulatorCore,
  exec: LiveExecution,
  spec: StateSpec,
  input: unknown,
  rawParameters: unknown,
  scope: string,
): Attempt {
  const resource = typeof spec.definition.Resource === "string" ? spec.definition.Resource : "";
  const kind = classifyResource(resource);
  const timeoutSeconds =
    secondsOf(spec, "TimeoutSeconds", input, exec.context) ?? DEFAULT_TASK_TIMEOUT_SECONDS;
  const heartbeatSeconds =
    kind === "lambda-callback" ? secondsOf(spec, "HeartbeatSeconds", input, exec.context) : undefined;
  const token = kind === "lambda-callback" ? randomBytes(TOKEN_BYTES).toString("base64url") : undefined;
  const parameters =
    rawParameters === undefined
      ? undefined
      : replaceInStrings(
          rawParameters,
          core.tokenPlaceholder,
          token ?? randomBytes(TOKEN_BYTES).toString("base64url"),
        );
  const step = newStep(core, exec, spec, "task", scope, {
    input,
    parameters,
    taskToken: token,
    timeoutSeconds,
    heartbeatSeconds,
  });
  return armTask(core, exec, spec, step, false);
}

/**
 * Runs a task attempt whose step is recorded: a new one (`resumed` false) or,
 * after a restart, one that was running: its timers count from the recorded
 * start (and last heartbeat), its callback token stays the same, and its
 * function is invoked again unless a callback task's invocation had returned.
 */
export function armTask(
  core: EmulatorCore,
  exec: LiveExecution,
  spec: StateSpec,
  step: StepRecord,
  resumed: boolean,
): Attempt {
  const kind = classifyResource(step.resource);
  const integration = taskIntegrationOf(kind, step.resource);
  const timeoutSeconds = step.timeoutSeconds ?? DEFAULT_TASK_TIMEOUT_SECONDS;
  const { attempt, end, timers } = makeAttempt(core, exec, step, (result) => {
    if (result.ok) {
      recordTaskSucceeded(core, exec, integration, result.value);
      return;
    }
    recordHandling(core, exec, spec, step, result.error, result.timedOut);
    recordTaskFailed(core, exec, integration, result.error, result.timedOut);
  });
  if (!resumed) recordTaskStarted(core, exec, integration, step, timeoutSeconds);

  const fail = (error: Error, timedOut = false) => end({ ok: false, error, timedOut });
  const task: TaskRun = { core, exec, spec, step, attempt, integration, timers, end, fail, resumed };
  timers.push(
    core.setTimer(
      () =>
        fail(
          core.timeoutError(
            "States.Timeout",
            `The task ran longer than its TimeoutSeconds (${timeoutSeconds} s)`,
          ),
          true,
        ),
      Math.max(0, timeoutSeconds * 1000 * core.waitScale - elapsedSince(task, step.startedAt)),
    ),
  );

  if (kind === "unsupported") {
    fail(
      new UncatchableStatesError(
        "States.Runtime",
        `The local Step Functions only runs Lambda tasks; resource '${step.resource}' is not supported`,
      ),
    );
  } else if (kind === "lambda-function") {
    core.options.invokeLambda(step.resource, step.parameters ?? step.input).then(
      (result) => end({ ok: true, value: toJsonValue(result) }),
      (error: unknown) => fail(lambdaError(error)),
    );
  } else {
    invokeIntegration(task, kind === "lambda-callback");
  }
  return attempt;
}

/** `lambda:invoke` and `lambda:invoke.waitForTaskToken`: the function and payload come from Parameters. */
function invokeIntegration(task: TaskRun, callback: boolean): void {
  const request = lambdaInvokeParameters.safeParse(task.step.parameters);
  if (!request.success) {
    task.fail(
      new UncatchableStatesError(
        "States.Runtime",
        `state '${task.spec.name}': lambda:invoke needs a FunctionName`,
      ),
    );
    return;
  }
  const { FunctionName, Payload, Qualifier, InvocationType } = request.data;
  const functionName = Qualifier ? `${FunctionName}:${Qualifier}` : FunctionName;
  // A callback task whose function had answered before the restart only waits for its token.
  const invoke = () => task.core.options.invokeLambda(functionName, Payload ?? {});
  if (callback) {
    armCallback(task, invoke);
  } else if (InvocationType === "Event") {
    // Asynchronous invocation: Step Functions does not wait for the function.
    invoke().catch(() => undefined);
    task.end({ ok: true, value: lambdaInvokeResponse("", 202) });
  } else {
    invoke().then(
      (result) => task.end({ ok: true, value: lambdaInvokeResponse(toJsonValue(result), 200) }),
      (error: unknown) => task.fail(lambdaError(error)),
    );
  }
}

function armHeartbeat(task: TaskRun, since: number): LongTimer | undefined {
  const heartbeatSeconds = task.step.heartbeatSeconds;
  if (heartbeatSeconds === undefined) return undefined;
  const timer = task.core.setTimer(
    () =>
      task.fail(
        task.core.timeoutError(
          "States.HeartbeatTimeout",
          `No heartbeat was received within HeartbeatSeconds (${heartbeatSeconds} s)`,
        ),
        true,
      ),
    Math.max(0, heartbeatSeconds * 1000 * task.core.waitScale - elapsedSince(task, since)),
  );
  task.timers.push(timer);
  return timer;
}

/** .waitForTaskToken: the token is live before the function runs, because the function may answer at once. */
function armCallback(task: TaskRun, invoke: () => Promise<unknown>): void {
  const { core, exec, step } = task;
  const token = step.taskToken;
  if (token === undefined) throw new Error("unreachable: callback task without token");
  let heartbeatTimer = armHeartbeat(task, step.heartbeatAt ?? step.startedAt);
  const entry: TokenEntry = {
    executionArn: exec.record.executionArn,
    status: "pending",
    succeed: (output) => task.end({ ok: true, value: output }),
    fail: (error, cause) => task.fail(new StatesError(error, cause)),
    heartbeat: () => {
      heartbeatTimer?.cancel();
      step.heartbeatAt = core.now();
      task.resumed = false;
      heartbeatTimer = armHeartbeat(task, step.heartbeatAt);
      core.persist(exec);
    },
  };
  const deferred = core.tokens.get(token)?.deferred;
  core.tokens.set(token, entry);
  if (!exec.record.pendingTaskTokens.includes(token)) exec.record.pendingTaskTokens.push(token);
  task.attempt.outcome
    .catch(() => undefined)
    .finally(() => {
      entry.status = "closed";
      exec.record.pendingTaskTokens = exec.record.pendingTaskTokens.filter((t) => t !== token);
      core.persist(exec);
    });
  if (!task.resumed || step.invocationResult === undefined) submitCallback(task, entry, invoke);
  for (const call of deferred ?? []) call(entry);
  core.persist(exec);
}

/** Invokes a callback task's function; once it returns, the task waits for its token. */
function submitCallback(task: TaskRun, entry: TokenEntry, invoke: () => Promise<unknown>): void {
  const { core, exec, step } = task;
  invoke().then(
    (result) => {
      if (entry.status !== "pending" || step.status !== "RUNNING") return;
      const submitted = lambdaInvokeResponse(toJsonValue(result), 200);
      step.invocationResult = submitted;
      recordTaskSubmitted(core, exec, task.integration, submitted);
    },
    (error: unknown) => task.fail(lambdaError(error)),
  );
}

// ---------------------------------------------------------------- callbacks

/** Answers a SendTask* call once what it changed is on disk (an acknowledged decision survives a crash). */
async function settled(core: EmulatorCore, entry: TokenEntry): Promise<Record<string, never>> {
  await core.store.flushOne(entry.executionArn);
  return {};
}

export function sendTaskSuccess(core: EmulatorCore, request: RequestOf<"SendTaskSuccess">) {
  const entry = core.tokens.lookup(request.taskToken);
  let output: JsonValue;
  try {
    output = JSON.parse(request.output);
  } catch {
    throw new SfnServiceError("InvalidOutput", "Invalid Output: the output is not valid JSON");
  }
  entry.succeed(output);
  return settled(core, entry);
}

export function sendTaskFailure(core: EmulatorCore, request: RequestOf<"SendTaskFailure">) {
  const entry = core.tokens.lookup(request.taskToken);
  entry.fail(request.error ?? "", request.cause ?? "");
  return settled(core, entry);
}

export function sendTaskHeartbeat(core: EmulatorCore, request: RequestOf<"SendTaskHeartbeat">) {
  const entry = core.tokens.lookup(request.taskToken);
  entry.heartbeat();
  return settled(core, entry);
}
