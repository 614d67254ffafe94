/**
 * The local handlers the library calls for every Task and Wait state: each call
 * picks up a parked attempt, answers from the record while a replay lasts, or
 * starts a new attempt (after what is left of a retry interval).
 */
import { armWait, awaitSlice, makeAttempt, retryInterval, startWait } from "./sfn-attempts.ts";
import {
  type Attempt,
  type EmulatorCore,
  executionClosedError,
  type LiveExecution,
  nextMacrotask,
} from "./sfn-core.ts";
import {
  HANDLER_INPUT_KEY,
  HANDLER_PARAMETERS_KEY,
  HANDLER_RUN_KEY,
  isRecord,
  type StateSpec,
} from "./sfn-definition.ts";
import { UncatchableStatesError } from "./sfn-errors.ts";
import { type JsonValue, type TaskHandler, toJsonValue } from "./sfn-lambda.ts";
import { isWaitStep, recordedError, scopeOf, waitDueAt } from "./sfn-replay.ts";
import type { StepRecord } from "./sfn-store.ts";
import { armTask, startTask } from "./sfn-tasks.ts";

/** The handler of every Task and Wait state of the execution, by state name. */
export function handlersOf(core: EmulatorCore, exec: LiveExecution): Record<string, TaskHandler> {
  const handlers: Record<string, TaskHandler> = {};
  for (const spec of exec.machine.states.values()) {
    if (spec.type === "Task" || spec.type === "Wait") handlers[spec.name] = handlerFor(core, exec, spec);
  }
  return handlers;
}

/** The attempts parked by this run context object (one Map iteration, or the top level). */
function parkedOf(exec: LiveExecution, run: object): Map<string, Attempt> {
  let parked = exec.continuations.get(run);
  if (!parked) {
    parked = new Map();
    exec.continuations.set(run, parked);
  }
  return parked;
}

function handlerFor(core: EmulatorCore, exec: LiveExecution, spec: StateSpec): TaskHandler {
  return async (raw) => {
    // The library calls the handler synchronously after queueing StateEntered; yielding one macrotask
    // lets the event-log consumer (microtasks) record it first, so history order matches AWS.
    await nextMacrotask();
    if (exec.finished || core.closed) throw executionClosedError();
    if (!isRecord(raw) || !isRecord(raw[HANDLER_RUN_KEY])) {
      throw new UncatchableStatesError("States.Runtime", `unexpected handler input for state '${spec.name}'`);
    }
    const run = raw[HANDLER_RUN_KEY];
    const parked = parkedOf(exec, run);
    let attempt = parked.get(spec.name);
    parked.delete(spec.name);
    if (!attempt) {
      const scope = scopeOf(run);
      const replay = exec.replay;
      const recorded = replay?.take(scope, spec.name);
      if (replay?.consumed) finishReplayWhenConsumed(exec);
      if (recorded) {
        const replayed = replayStep(core, exec, spec, recorded);
        if (!("attempt" in replayed)) {
          if (replayed.ok) return replayed.value;
          throw replayed.error;
        }
        attempt = replayed.attempt;
      } else {
        await retryInterval(core, exec, spec, scope);
        attempt =
          spec.type === "Wait"
            ? startWait(core, exec, spec, raw[HANDLER_INPUT_KEY], scope)
            : startTask(core, exec, spec, raw[HANDLER_INPUT_KEY], raw[HANDLER_PARAMETERS_KEY], scope);
      }
    }
    return awaitSlice(core, attempt, parked, spec.name);
  };
}

/** Answers a handler call from a recorded attempt, or re-arms the attempt that was still running. */
function replayStep(
  core: EmulatorCore,
  exec: LiveExecution,
  spec: StateSpec,
  step: StepRecord,
): { ok: true; value: JsonValue } | { ok: false; error: Error } | { attempt: Attempt } {
  if (step.status === "SUCCEEDED") return { ok: true, value: toJsonValue(step.result) };
  if (step.status === "FAILED" || step.status === "TIMED_OUT") {
    return { ok: false, error: recordedError(step, core.timeoutError) };
  }
  if (step.handling === "parent") {
    // Abandoned by a failed Map iteration sibling: it waits until the library abandons it again.
    return { attempt: makeAttempt(core, exec, step, () => undefined).attempt };
  }
  if (isWaitStep(step)) {
    return { attempt: armWait(core, exec, step, Math.max(0, waitDueAt(step, core.waitScale) - core.now())) };
  }
  return { attempt: armTask(core, exec, spec, step, true) };
}

/** The replay stops recognising old events shortly after its last recorded attempt was handed out. */
export function finishReplayWhenConsumed(exec: LiveExecution): void {
  const replay = exec.replay;
  if (!replay?.consumed) return;
  // The library emits the events that follow a replayed attempt within microtasks of its answer.
  void nextMacrotask()
    .then(nextMacrotask)
    .then(() => {
      if (exec.replay !== replay) return;
      replay.finish();
      exec.replay = undefined;
    });
}
