/**
 * Deterministic replay of a recorded execution (RELIABILITY.md, "Resuming a local run").
 *
 * A restarted emulator, or a redrive, runs the state machine again from the
 * execution's input. Every Task and Wait attempt the record holds is matched
 * to the handler call that asks for it — by scope (top level, or which
 * iteration of which Map), state name and occurrence order within that scope —
 * and answered from the record: a recorded result is returned, a recorded
 * failure thrown again, without invoking anything. The first attempt of a scope
 * with no recorded end is where that scope continues live (the emulator
 * re-arms it); Choice, Pass and the rest are pure, so the same input takes the
 * same path.
 *
 * The library also emits its own events (state entered and exited, Map
 * iterations) again while replaying; the ones already in the history are
 * recognised by their content and not recorded twice, so the history goes on
 * with the same event ids.
 */
import { ITERATION_POSITION_KEY, isRecord, LOCAL_WAIT_RESOURCE, type StateSpec } from "./sfn-definition.ts";
import { StatesError, type TimeoutErrorFactory } from "./sfn-errors.ts";
import type { HistoryEvent, StepRecord } from "./sfn-store.ts";

/**
 * The scope of a handler call, from its run object (`$$.Execution`): a Map
 * iteration's input carries its position (see sfn-definition.ts), the top
 * level's does not.
 */
export function scopeOf(run: unknown): string {
  const input = isRecord(run) ? run.Input : undefined;
  let position = isRecord(input) ? input[ITERATION_POSITION_KEY] : undefined;
  const parts: string[] = [];
  while (isRecord(position) && typeof position.map === "string" && typeof position.index === "number") {
    parts.unshift(`${position.map}[${position.index}]`);
    position = position.parent;
  }
  return parts.join("/");
}

const keyOf = (scope: string, stateName: string) => `${scope}\u0000${stateName}`;

/** Events the library produces (state entered/exited, Map and Parallel progress), as opposed to the handlers'. */
export function isLibraryEventType(type: string): boolean {
  return /StateEntered$|StateExited$|^MapState|^MapIteration|^ParallelState/.test(type);
}

/** A history event's identity apart from its id and time. */
export function eventKey(type: string, details: Readonly<Record<string, unknown>>): string {
  return JSON.stringify([type, details]);
}

function recordedEventKey(event: HistoryEvent): string {
  const { id: _id, previousEventId: _previous, timestamp: _timestamp, type, ...details } = event;
  return eventKey(type, details);
}

/** The attempts a replay answers from the record, and the history events it must not record twice. */
export class Replay {
  private readonly queues = new Map<string, StepRecord[]>();
  private readonly events = new Map<string, number>();
  private remaining = 0;

  constructor(steps: readonly StepRecord[], history: readonly HistoryEvent[], options: { redrive: boolean }) {
    for (const step of steps) {
      if (step.discarded) continue;
      const key = keyOf(step.scope ?? "", step.stateName);
      const queue = this.queues.get(key) ?? [];
      queue.push(step);
      this.queues.set(key, queue);
      this.remaining += 1;
    }
    for (const event of history) {
      if (!isLibraryEventType(event.type)) continue;
      // A redrive re-runs what failed: its failure events are not replayed but happen anew (or not).
      if (options.redrive && /Failed$/.test(event.type)) continue;
      const key = recordedEventKey(event);
      this.events.set(key, (this.events.get(key) ?? 0) + 1);
    }
  }

  /** The next recorded attempt of `stateName` in `scope`, or undefined once the record has none left. */
  take(scope: string, stateName: string): StepRecord | undefined {
    const queue = this.queues.get(keyOf(scope, stateName));
    const step = queue?.shift();
    if (step) this.remaining -= 1;
    return step;
  }

  /** True (and consumed) when the history already has this library event from before the restart. */
  recorded(type: string, details: Readonly<Record<string, unknown>>): boolean {
    if (this.events.size === 0) return false;
    const key = eventKey(type, details);
    const count = this.events.get(key);
    if (!count) return false;
    if (count === 1) this.events.delete(key);
    else this.events.set(key, count - 1);
    return true;
  }

  /** Every recorded attempt has been handed out. */
  get consumed(): boolean {
    return this.remaining === 0;
  }

  /** Stops recognising old events (the replay has caught up with the record). */
  finish(): void {
    this.events.clear();
  }
}

/** The error a recorded failed attempt raised, raised again for the library's Retry and Catch. */
export function recordedError(step: StepRecord, timeoutError: TimeoutErrorFactory): Error {
  const name = step.error ?? "States.TaskFailed";
  const cause = step.cause ?? "";
  if (step.status === "TIMED_OUT" && (name === "States.Timeout" || name === "States.HeartbeatTimeout")) {
    return timeoutError(name, cause);
  }
  return new StatesError(name, cause);
}

// ---------------------------------------------------------------- Retry and Catch

const DEFAULT_MAX_ATTEMPTS = 3;
const DEFAULT_INTERVAL_SECONDS = 1;
const DEFAULT_BACKOFF_RATE = 2;

function errorMatches(list: unknown, error: FailedAttempt): boolean {
  if (!Array.isArray(list)) return false;
  return list.some(
    (name) =>
      name === error.name ||
      name === "States.ALL" ||
      (name === "States.TaskFailed" && !error.timedOut) ||
      // A heartbeat timeout is also a States.Timeout.
      (name === "States.Timeout" && error.name === "States.HeartbeatTimeout"),
  );
}

export interface FailedAttempt {
  readonly name: string;
  readonly timedOut: boolean;
  /** False for errors Retry and Catch must not handle (States.Runtime of the emulator). */
  readonly handleable: boolean;
}

export interface Handling {
  readonly handling: "retry" | "catch" | "none";
  readonly retrier?: number;
  /** Unscaled seconds until the next attempt (handling "retry"). */
  readonly delaySeconds?: number;
}

/**
 * What the state's Retry and Catch do with a failed attempt, decided the way
 * the library decides it (first matching retrier; a spent retrier retries no
 * more; then the first matching catcher). `earlier` are the state's previous
 * attempts in the same scope, oldest first: the retries of this entry into the
 * state are the trailing ones whose handling was "retry". The delay is the
 * retrier's backoff (with FULL jitter drawn here, so a replay reuses it).
 */
export function handlingOf(
  state: Readonly<Record<string, unknown>>,
  error: FailedAttempt,
  earlier: readonly StepRecord[],
  random: () => number = Math.random,
): Handling {
  if (!error.handleable) return { handling: "none" };
  const retriers = Array.isArray(state.Retry) ? state.Retry : [];
  for (const [index, retrier] of retriers.entries()) {
    if (!isRecord(retrier) || !errorMatches(retrier.ErrorEquals, error)) continue;
    let attempts = 0;
    for (let i = earlier.length - 1; i >= 0; i--) {
      const step = earlier[i];
      if (step?.handling !== "retry") break;
      if (step.retrier === index) attempts += 1;
    }
    const maxAttempts = typeof retrier.MaxAttempts === "number" ? retrier.MaxAttempts : DEFAULT_MAX_ATTEMPTS;
    if (attempts >= maxAttempts) break;
    const interval =
      typeof retrier.IntervalSeconds === "number" ? retrier.IntervalSeconds : DEFAULT_INTERVAL_SECONDS;
    const backoff = typeof retrier.BackoffRate === "number" ? retrier.BackoffRate : DEFAULT_BACKOFF_RATE;
    const maxDelay =
      typeof retrier.MaxDelaySeconds === "number" ? retrier.MaxDelaySeconds : Number.POSITIVE_INFINITY;
    let delaySeconds = Math.max(0, Math.min(interval * backoff ** attempts, maxDelay));
    if (retrier.JitterStrategy === "FULL") delaySeconds = random() * delaySeconds;
    return { handling: "retry", retrier: index, delaySeconds };
  }
  const catchers = Array.isArray(state.Catch) ? state.Catch : [];
  if (catchers.some((catcher) => isRecord(catcher) && errorMatches(catcher.ErrorEquals, error))) {
    return { handling: "catch" };
  }
  return { handling: "none" };
}

/**
 * A Map or Parallel state caught or retried an error from inside: the attempts
 * under it whose failure (or abort) led there are settled, not where a redrive
 * starts. Returns whether any step changed.
 */
export function markHandledByParent(
  steps: readonly StepRecord[],
  parent: string,
  states: ReadonlyMap<string, StateSpec>,
): boolean {
  let changed = false;
  for (const step of steps) {
    if (step.discarded || step.handling === "parent") continue;
    if (!states.get(step.stateName)?.within.includes(parent)) continue;
    const failed = (step.status === "FAILED" || step.status === "TIMED_OUT") && step.handling === "none";
    // Sibling iterations the failed Map abandoned: their attempts never end on their own.
    const abandoned = step.status === "RUNNING" || step.status === "CLOSED";
    if (failed || abandoned) {
      step.handling = "parent";
      changed = true;
    }
  }
  return changed;
}

/**
 * The attempts a redrive runs again (marked `discarded`): those still running
 * or closed when the execution ended, and every failure no Retry or Catch
 * handled, with the retries before it (a redriven state gets its retries anew).
 * Everything else is replayed.
 */
export function planRedrive(steps: readonly StepRecord[]): StepRecord[] {
  const discard = new Set<StepRecord>();
  const byKey = new Map<string, StepRecord[]>();
  for (const step of steps) {
    if (step.discarded) continue;
    const key = keyOf(step.scope ?? "", step.stateName);
    const list = byKey.get(key) ?? [];
    list.push(step);
    byKey.set(key, list);
  }
  for (const list of byKey.values()) {
    for (const [index, step] of list.entries()) {
      const unfinished =
        (step.status === "RUNNING" || step.status === "CLOSED") && step.handling !== "parent";
      const unhandled =
        (step.status === "FAILED" || step.status === "TIMED_OUT") &&
        (step.handling === "none" || step.handling === undefined);
      if (!unfinished && !unhandled) continue;
      discard.add(step);
      for (let i = index - 1; i >= 0; i--) {
        const before = list[i];
        if (before?.handling !== "retry") break;
        discard.add(before);
      }
    }
  }
  return [...discard];
}

/** Real epoch ms at which a recorded Wait is due (its `waitUntil` is in unscaled time). */
export function waitDueAt(step: StepRecord, waitScale: number): number {
  const waitUntil = step.waitUntil ?? step.startedAt;
  return step.startedAt + Math.max(0, waitUntil - step.startedAt) * waitScale;
}

export const isWaitStep = (step: StepRecord): boolean =>
  step.kind === "wait" || step.resource === LOCAL_WAIT_RESOURCE;
