import { describe, expect, it } from "vitest";
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

  it("never runs a rule twice at once, and stops on close", async () => {
    let running = 0;
    let most = 0;
    let calls = 0;
    const { promise: enough, resolve } = Promise.withResolvers<void>();
    const schedules = startSchedules(
      [{ logicalId: "Sweep", periodMs: 60_000, targets: [{ arn: "fn" }] }],
      async () => {
        running += 1;
        most = Math.max(most, running);
        calls += 1;
        // Slower than the period: later ticks find it running and skip.
        await new Promise((done) => setTimeout(done, 30));
        running -= 1;
        if (calls === 3) resolve();
      },
      { periodMs: 5, region: "us-east-1" },
    );
    await enough;
    await schedules.close();
    const after = calls;
    await new Promise((done) => setTimeout(done, 30));
    expect(most).toBe(1);
    expect(calls).toBe(after);
  });
});
