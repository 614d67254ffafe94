import { describe, expect, it, vi } from "vitest";
import { ratePeriodMs, scheduledRulesFromTemplate, startSchedules } from "#infra/local/schedules.ts";

describe("local scheduled rules (EventBridge rate expressions)", () => {
  it("reads rate expressions and leaves cron to AWS", () => {
    expect(ratePeriodMs("rate(1 minute)")).toBe(60_000);
    expect(ratePeriodMs("rate(5 minutes)")).toBe(300_000);
    expect(ratePeriodMs("rate(2 hours)")).toBe(7_200_000);
    expect(ratePeriodMs("cron(0 8 * * ? *)")).toBeUndefined();
  });

  it("finds the enabled scheduled rules with Lambda targets", () => {
    const arn = "arn:aws:lambda:us-east-1:000000000000:function:Sweep";
    const rules = scheduledRulesFromTemplate(
      {
        Resources: {
          Sweep: {
            Type: "AWS::Events::Rule",
            Properties: { ScheduleExpression: "rate(1 minute)", State: "ENABLED", Targets: [{ Arn: arn }] },
          },
          Off: {
            Type: "AWS::Events::Rule",
            Properties: { ScheduleExpression: "rate(1 minute)", State: "DISABLED", Targets: [{ Arn: arn }] },
          },
          Pattern: { Type: "AWS::Events::Rule", Properties: { EventPattern: {}, Targets: [{ Arn: arn }] } },
        },
      },
      (value) => value,
    );
    expect(rules).toEqual([{ logicalId: "Sweep", periodMs: 60_000, targets: [{ arn }] }]);
  });

  it("never runs a rule twice at once, waits for a run in flight on close, and stops", async () => {
    vi.useFakeTimers();
    try {
      let running = 0;
      let most = 0;
      let calls = 0;
      /** Ends the oldest run still in flight. */
      const finishes: (() => void)[] = [];
      const finishOne = () => finishes.shift()?.();
      const schedules = startSchedules(
        [{ logicalId: "Sweep", periodMs: 60_000, targets: [{ arn: "fn" }] }],
        () => {
          running += 1;
          most = Math.max(most, running);
          calls += 1;
          return new Promise<void>((done) =>
            finishes.push(() => {
              running -= 1;
              done();
            }),
          );
        },
        { periodMs: 5, region: "us-east-1" },
      );
      await vi.advanceTimersByTimeAsync(5);
      expect(calls).toBe(1);
      // Slower than the period: later ticks find it running and skip.
      await vi.advanceTimersByTimeAsync(50);
      expect(calls).toBe(1);
      finishOne();
      await vi.advanceTimersByTimeAsync(5);
      expect(calls).toBe(2);

      let closed = false;
      const closing = schedules.close().then(() => {
        closed = true;
      });
      await vi.advanceTimersByTimeAsync(50);
      expect(closed).toBe(false);
      finishOne();
      await closing;
      await vi.advanceTimersByTimeAsync(50);
      expect(calls).toBe(2);
      expect(most).toBe(1);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
