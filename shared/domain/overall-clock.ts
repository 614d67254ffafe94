/**
 * The case's overall clock: the policy's `acceptance_to_decision` limit, from
 * the township's acceptance to its decision. It pauses while the household
 * corrects (补正) and resumes with the time left (the deadline moves by the
 * pause), stops at the decision or when the case ends otherwise. Kept on the
 * case record and shown to the household and the staff; each step has its own
 * clock besides (shared/workflow/steps.ts).
 *
 * Pure: the store applies `overallClockAfter` on every transition.
 */
import type { Duration } from "../schemas/policy.ts";
import type { CaseVerb } from "./case-status.ts";
import { addDuration, extendDeadline } from "./time-limits.ts";

/** The policy time limit the overall clock runs on. */
export const OVERALL_CLOCK_LIMIT = "acceptance_to_decision" as const;

export interface OverallClock {
  readonly limit: typeof OVERALL_CLOCK_LIMIT;
  readonly startedAt: string;
  /** Moves later by every pause. */
  readonly deadline: string;
  /** Total time paused so far (corrections answered). */
  readonly pausedMs: number;
  /** Set while a correction is awaited. */
  readonly pausedAt?: string;
  /** Set once the township decided (or the case ended before). */
  readonly stoppedAt?: string;
}

const STARTS: ReadonlySet<CaseVerb> = new Set(["accept"]);
const PAUSES: ReadonlySet<CaseVerb> = new Set(["requestCorrection"]);
const RESUMES: ReadonlySet<CaseVerb> = new Set(["resubmitCorrection"]);
const STOPS: ReadonlySet<CaseVerb> = new Set([
  "approve",
  "reject",
  "withdraw",
  "expire",
  "returnToApplicant",
]);

/**
 * The clock after `verb` at `now`; `limit` is read only when the clock starts.
 * Undefined while the case has not been accepted.
 */
export function overallClockAfter(
  verb: CaseVerb,
  clock: OverallClock | undefined,
  now: Date,
  limit: () => Duration,
): OverallClock | undefined {
  const at = now.toISOString();
  if (STARTS.has(verb) && !clock) {
    return {
      limit: OVERALL_CLOCK_LIMIT,
      startedAt: at,
      deadline: addDuration(now, limit()).toISOString(),
      pausedMs: 0,
    };
  }
  if (!clock || clock.stoppedAt) return clock;
  if (PAUSES.has(verb) && !clock.pausedAt) return { ...clock, pausedAt: at };
  if (RESUMES.has(verb) && clock.pausedAt) {
    const paused = Math.max(0, now.getTime() - Date.parse(clock.pausedAt));
    const { pausedAt: _resumed, ...running } = clock;
    return {
      ...running,
      deadline: extendDeadline(new Date(clock.deadline), paused).toISOString(),
      pausedMs: clock.pausedMs + paused,
    };
  }
  if (STOPS.has(verb)) {
    const { pausedAt, ...rest } = clock;
    // A case closed while paused: the pause counts up to its end.
    const paused = pausedAt ? Math.max(0, now.getTime() - Date.parse(pausedAt)) : 0;
    return {
      ...rest,
      deadline: extendDeadline(new Date(clock.deadline), paused).toISOString(),
      pausedMs: clock.pausedMs + paused,
      stoppedAt: at,
    };
  }
  return clock;
}

export interface OverallClockView {
  readonly limit: typeof OVERALL_CLOCK_LIMIT;
  readonly startedAt: string;
  /** While paused: the deadline if the correction were answered now. */
  readonly deadline: string;
  readonly state: "running" | "paused" | "stopped";
  readonly pausedMs: number;
  /** Running: time left now; paused: time left when it paused; stopped: time left at the decision (negative when late). */
  readonly remainingMs: number;
  readonly overdue: boolean;
}

export function overallClockView(clock: OverallClock, now: Date): OverallClockView {
  const state = clock.stoppedAt ? "stopped" : clock.pausedAt ? "paused" : "running";
  const reference = Date.parse(clock.stoppedAt ?? clock.pausedAt ?? now.toISOString());
  const pausedNow =
    clock.pausedAt && !clock.stoppedAt ? Math.max(0, now.getTime() - Date.parse(clock.pausedAt)) : 0;
  const remainingMs = Date.parse(clock.deadline) - reference;
  return {
    limit: clock.limit,
    startedAt: clock.startedAt,
    deadline: extendDeadline(new Date(clock.deadline), pausedNow).toISOString(),
    state,
    pausedMs: clock.pausedMs + pausedNow,
    remainingMs,
    overdue: remainingMs < 0,
  };
}
