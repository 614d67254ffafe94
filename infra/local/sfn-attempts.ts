/**
 * Attempts of the local Step Functions: one run of a Task or Wait state,
 * recorded as a step of its execution. Their shared lifecycle (settle once,
 * stop timers, record the end), Wait states, retry intervals, the Retry/Catch
 * decision recorded for a failure, and the task slices handed back to the
 * library (see stepfunctions.ts).
 */

import type { LongTimer } from "./long-timer.ts";
import { type Attempt, type EmulatorCore, executionClosedError, type LiveExecution } from "./sfn-core.ts";
import type { StateSpec } from "./sfn-definition.ts";
import { TaskContinueError, UncatchableStatesError } from "./sfn-errors.ts";
import { type JsonValue, toJsonValue } from "./sfn-lambda.ts";
import { handlingOf } from "./sfn-replay.ts";
import { waitDelayMs } from "./sfn-states.ts";
import type { StepRecord } from "./sfn-store.ts";

export type AttemptEnd = { ok: true; value: JsonValue } | { ok: false; error: Error; timedOut: boolean };

/** Appends a new RUNNING step for an attempt of `spec`. */
export function newStep(
  core: EmulatorCore,
  exec: LiveExecution,
  spec: StateSpec,
  kind: "task" | "wait",
  scope: string,
  fields: Partial<StepRecord>,
): StepRecord {
  const step: StepRecord = {
    seq: (exec.record.steps.at(-1)?.seq ?? 0) + 1,
    stateName: spec.name,
    ...(scope === "" ? {} : { scope }),
    kind,
    resource: typeof spec.definition.Resource === "string" ? spec.definition.Resource : "",
    input: undefined,
    status: "RUNNING",
    startedAt: core.now(),
    ...fields,
  };
  exec.record.steps.push(step);
  return step;
}

/** Writes how an attempt ended into its step. */
function recordEnd(core: EmulatorCore, step: StepRecord, result: AttemptEnd): void {
  step.endedAt = core.now();
  if (result.ok) {
    step.status = "SUCCEEDED";
    step.result = result.value;
  } else {
    step.status = result.timedOut ? "TIMED_OUT" : "FAILED";
    step.error = result.error.name;
    step.cause = result.error.message;
  }
}

/**
 * Shared lifecycle of an attempt: settles once, stops its timers, removes
 * itself from the execution and records the end of its step.
 */
export function makeAttempt(
  core: EmulatorCore,
  exec: LiveExecution,
  step: StepRecord,
  onEnd: (end: AttemptEnd) => void,
) {
  const { promise, resolve, reject } = Promise.withResolvers<JsonValue>();
  // The library may have abandoned the state (abort, failed sibling iteration): never an unhandled rejection.
  promise.catch(() => undefined);
  const timers: LongTimer[] = [];
  let settled = false;
  const end = (result: AttemptEnd) => {
    if (settled) return false;
    settled = true;
    for (const timer of timers) timer.cancel();
    exec.attempts.delete(attempt);
    if (!core.closed) {
      recordEnd(core, step, result);
      onEnd(result);
      core.persist(exec);
    }
    if (result.ok) resolve(result.value);
    else reject(result.error);
    return true;
  };
  const attempt: Attempt = {
    step,
    outcome: promise,
    close: () => {
      if (settled) return;
      if (!core.closed) step.status = "CLOSED";
      settled = true;
      for (const timer of timers) timer.cancel();
      exec.attempts.delete(attempt);
      if (!core.closed) {
        step.endedAt = core.now();
        core.persist(exec);
      }
      reject(executionClosedError());
    },
  };
  exec.attempts.add(attempt);
  return { attempt, end, timers };
}

/** Records what the state's Retry/Catch will make of a failed attempt (the retry interval included). */
export function recordHandling(
  core: EmulatorCore,
  exec: LiveExecution,
  spec: StateSpec,
  step: StepRecord,
  error: Error,
  timedOut: boolean,
): void {
  const scope = step.scope ?? "";
  const earlier = exec.record.steps.filter(
    (other) =>
      other !== step &&
      !other.discarded &&
      other.seq < step.seq &&
      other.stateName === step.stateName &&
      (other.scope ?? "") === scope,
  );
  const handling = handlingOf(
    spec.definition,
    { name: error.name, timedOut, handleable: !(error instanceof UncatchableStatesError) },
    earlier,
  );
  step.handling = handling.handling;
  if (handling.handling === "retry") {
    step.retrier = handling.retrier;
    step.retryAt = core.now() + (handling.delaySeconds ?? 0) * 1000 * core.waitScale;
  }
}

/** Before a retry of a failed attempt: what is left of the interval its retrier asked for. */
export async function retryInterval(
  core: EmulatorCore,
  exec: LiveExecution,
  spec: StateSpec,
  scope: string,
): Promise<void> {
  const previous = exec.record.steps.findLast(
    (step) => !step.discarded && step.stateName === spec.name && (step.scope ?? "") === scope,
  );
  if (previous?.handling !== "retry" || previous.retryAt === undefined) return;
  const delay = previous.retryAt - core.now();
  if (delay <= 0) return;
  await new Promise<void>((resolve) => {
    const timer = core.setTimer(() => {
      exec.timers.delete(timer);
      resolve();
    }, delay);
    exec.timers.add(timer);
    // Cancelled with the execution: the handler is abandoned with it.
  });
  if (exec.finished || core.closed) throw executionClosedError();
}

/**
 * Waits for the attempt, but for at most one slice: then the attempt is parked
 * and the hidden retrier re-enters the state, whose handler picks it up again.
 */
export async function awaitSlice(
  core: EmulatorCore,
  attempt: Attempt,
  parked: Map<string, Attempt>,
  stateName: string,
): Promise<JsonValue> {
  let timer: unknown;
  const slice = new Promise<"slice">((resolve) => {
    timer = core.timers.setTimeout(() => resolve("slice"), core.taskSliceMs);
  });
  try {
    const winner = await Promise.race([attempt.outcome.then((value) => ({ value })), slice]);
    if (winner === "slice") {
      parked.set(stateName, attempt);
      throw new TaskContinueError();
    }
    return winner.value;
  } finally {
    core.timers.clearTimeout(timer);
  }
}

// ---------------------------------------------------------------- Wait states

export function startWait(
  core: EmulatorCore,
  exec: LiveExecution,
  spec: StateSpec,
  input: unknown,
  scope: string,
): Attempt {
  const delayMs = waitDelayMs(spec, input, exec.context, core.now());
  const startedAt = core.now();
  const step = newStep(core, exec, spec, "wait", scope, {
    input,
    startedAt,
    waitUntil: startedAt + delayMs,
  });
  return armWait(core, exec, step, delayMs * core.waitScale);
}

/** Runs (or, after a restart, goes on with) a Wait that ends `realDelayMs` from now. */
export function armWait(
  core: EmulatorCore,
  exec: LiveExecution,
  step: StepRecord,
  realDelayMs: number,
): Attempt {
  const { attempt, end, timers } = makeAttempt(core, exec, step, () => undefined);
  const value = toJsonValue(step.input);
  timers.push(core.setTimer(() => end({ ok: true, value }), realDelayMs));
  core.persist(exec);
  return attempt;
}
