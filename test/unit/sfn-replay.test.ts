import { describe, expect, it } from "vitest";
import { handlingOf, planRedrive, Replay, scopeOf } from "#infra/local/sfn-replay.ts";
import type { StepRecord } from "#infra/local/sfn-store.ts";

let seq = 0;
const step = (fields: Partial<StepRecord>): StepRecord => ({
  seq: ++seq,
  stateName: "Work",
  kind: "task",
  resource: "arn:aws:lambda:us-east-1:000000000000:function:Work",
  input: {},
  status: "SUCCEEDED",
  startedAt: 0,
  ...fields,
});

describe("replay keys", () => {
  it("names the scope of a run by its Map iteration positions", () => {
    expect(scopeOf({ Input: { caseId: "c" } })).toBe("");
    expect(scopeOf({ Input: { nongfangPosition: { map: "JointReview", index: 2 } } })).toBe("JointReview[2]");
    expect(
      scopeOf({
        Input: { nongfangPosition: { map: "Inner", index: 1, parent: { map: "Outer", index: 0 } } },
      }),
    ).toBe("Outer[0]/Inner[1]");
  });

  it("hands out recorded attempts per scope and state in order, and recognises recorded events once", () => {
    const first = step({ scope: "M[0]" });
    const second = step({ scope: "M[0]" });
    const other = step({ scope: "M[1]" });
    const discarded = step({ scope: "M[1]", discarded: true });
    const replay = new Replay(
      [first, second, other, discarded],
      [
        {
          id: 1,
          previousEventId: 0,
          timestamp: 5,
          type: "MapIterationStarted",
          mapIterationStartedEventDetails: { name: "M", index: 0 },
        },
        { id: 2, previousEventId: 1, timestamp: 6, type: "TaskScheduled" },
      ],
      { redrive: false },
    );
    expect(replay.take("M[1]", "Work")).toBe(other);
    expect(replay.take("M[1]", "Work")).toBeUndefined();
    expect(replay.take("M[0]", "Work")).toBe(first);
    expect(replay.consumed).toBe(false);
    expect(replay.take("M[0]", "Work")).toBe(second);
    expect(replay.consumed).toBe(true);
    const details = { mapIterationStartedEventDetails: { name: "M", index: 0 } };
    expect(replay.recorded("MapIterationStarted", details)).toBe(true);
    expect(replay.recorded("MapIterationStarted", details)).toBe(false);
    // Handler events are never matched: the replay does not produce them again.
    expect(replay.recorded("TaskScheduled", {})).toBe(false);
  });
});

describe("Retry and Catch of a failed attempt", () => {
  const state = {
    Retry: [
      { ErrorEquals: ["Throttled"], IntervalSeconds: 2, BackoffRate: 3, MaxAttempts: 2 },
      { ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 1, MaxAttempts: 1, JitterStrategy: "FULL" },
    ],
    Catch: [{ ErrorEquals: ["States.Timeout"], Next: "Late" }],
  };
  const failure = (name: string, timedOut = false) => ({ name, timedOut, handleable: true });

  it("retries with backoff until the matching retrier is spent, then catches or lets go", () => {
    expect(handlingOf(state, failure("Throttled"), [])).toEqual({
      handling: "retry",
      retrier: 0,
      delaySeconds: 2,
    });
    const once = [step({ status: "FAILED", handling: "retry", retrier: 0 })];
    expect(handlingOf(state, failure("Throttled"), once)).toEqual({
      handling: "retry",
      retrier: 0,
      delaySeconds: 6,
    });
    const twice = [...once, step({ status: "FAILED", handling: "retry", retrier: 0 })];
    // A spent retrier retries no more, even if a later one would match.
    expect(handlingOf(state, failure("Throttled"), twice)).toEqual({ handling: "none" });
    // A catch ends an entry: the next entry's retries count from zero.
    const caught = [...twice, step({ status: "FAILED", handling: "catch" })];
    expect(handlingOf(state, failure("Throttled"), caught).handling).toBe("retry");
  });

  it("draws FULL jitter once, treats timeouts apart from States.TaskFailed, and never handles a runtime error", () => {
    expect(handlingOf(state, failure("Other"), [], () => 0.25)).toEqual({
      handling: "retry",
      retrier: 1,
      delaySeconds: 0.25,
    });
    expect(handlingOf(state, failure("States.Timeout", true), [])).toEqual({ handling: "catch" });
    expect(handlingOf(state, failure("States.HeartbeatTimeout", true), [])).toEqual({ handling: "catch" });
    expect(handlingOf(state, { name: "States.Runtime", timedOut: false, handleable: false }, [])).toEqual({
      handling: "none",
    });
  });
});

describe("what a redrive runs again", () => {
  it("the unhandled failure with its retries, and what the end of the execution closed; not what a Map caught", () => {
    const done = step({ stateName: "First" });
    const retried = step({ stateName: "Second", status: "FAILED", handling: "retry", retrier: 0 });
    const failed = step({ stateName: "Second", status: "FAILED", handling: "none" });
    const caughtBefore = step({ stateName: "Other", status: "FAILED", handling: "catch" });
    const closed = step({ stateName: "Review", scope: "M[1]", status: "CLOSED" });
    const abandonedByMap = step({ stateName: "Review", scope: "M[2]", status: "CLOSED", handling: "parent" });
    const failedInCaughtMap = step({
      stateName: "Review",
      scope: "M[0]",
      status: "FAILED",
      handling: "parent",
    });
    const plan = planRedrive([
      done,
      caughtBefore,
      retried,
      failed,
      closed,
      abandonedByMap,
      failedInCaughtMap,
    ]);
    expect(new Set(plan)).toEqual(new Set([retried, failed, closed]));
  });
});
