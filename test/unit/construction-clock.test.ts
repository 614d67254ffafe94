import { describe, expect, it } from "vitest";
import { SICHUAN_DEFAULT_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import type { CaseRecord } from "#shared/schemas/case.ts";
import {
  afterWait,
  approvalValidUntil,
  type ConstructionClock,
  constructionRunName,
  continueClock,
  laterValidity,
  nextRunClock,
  RUN_BUDGET_SECONDS,
  startClock,
} from "#shared/workflow/construction.ts";

const DAY = 86_400;
const STAKED = new Date("2026-03-02T02:00:00Z");
const days = (n: number) => new Date(STAKED.getTime() + n * DAY * 1000);

/** Runs the clock until `stop` is due, as the phase runs would: every wait, and which run it ran in. */
function walk(first: ConstructionClock, stop: "end" | "remind") {
  const log: Array<{ run: number; wait: number; due: string[] }> = [];
  let clock = first;
  for (let i = 0; i < 20; i++) {
    const { due, rest } = afterWait(clock);
    log.push({ run: clock.run, wait: clock.waitSeconds, due });
    if (due.includes(stop)) return log;
    clock = due.includes("next_run") ? nextRunClock(rest) : continueClock(rest);
  }
  throw new Error("never due");
}

describe("the construction period's clock", () => {
  it("reminds the lead time before the validity ends, then ends it, in phase runs under a year each", () => {
    // Valid 730 days from staking-out, reminded 60 days before.
    const clock = startClock(days(730), STAKED, { value: 60, unit: "days" });
    expect(clock).toEqual({
      run: 1,
      runLeftSeconds: RUN_BUDGET_SECONDS,
      remindInSeconds: 670 * DAY,
      endsInSeconds: 730 * DAY,
      waitSeconds: RUN_BUDGET_SECONDS,
    });
    const log = walk(clock, "end");
    // Run 1 waits its budget (300 days), run 2 another 300, run 3 reminds at day 670 and ends at 730.
    expect(log).toEqual([
      { run: 1, wait: 300 * DAY, due: ["next_run"] },
      { run: 2, wait: 300 * DAY, due: ["next_run"] },
      { run: 3, wait: 70 * DAY, due: ["remind"] },
      { run: 3, wait: 60 * DAY, due: ["end"] },
    ]);
    expect(log.reduce((sum, entry) => sum + entry.wait, 0)).toBe(730 * DAY);
    // No run waits longer than Step Functions lets an execution live.
    const byRun = new Map<number, number>();
    for (const entry of log) byRun.set(entry.run, (byRun.get(entry.run) ?? 0) + entry.wait);
    for (const total of byRun.values()) expect(total).toBeLessThan(365 * DAY);
  });

  it("reminds at once when less than the lead time is left", () => {
    const clock = startClock(days(10), STAKED, { value: 60, unit: "days" });
    expect(clock.remindInSeconds).toBe(1);
    expect(walk(clock, "end").map((entry) => entry.due)).toEqual([["remind"], ["end"]]);
  });

  it("keeps waiting, run after run, once the validity ended where unbuilt approvals do not expire", () => {
    const clock = startClock(days(20), STAKED, { value: 10, unit: "days" });
    const ended = walk(clock, "end");
    expect(ended.map((entry) => entry.due)).toEqual([["remind"], ["end"]]);
    const { rest } = afterWait(continueClock(afterWait(clock).rest));
    const after = continueClock(rest);
    expect(after).toEqual({ run: 1, runLeftSeconds: (300 - 20) * DAY, waitSeconds: (300 - 20) * DAY });
    expect(afterWait(after).due).toEqual(["next_run"]);
  });

  it("ends with the last valid day of the shortest-lived certificate, China time", () => {
    const record = {
      certificates: [
        { type: "homestead_approval_certificate", number: "A", issuedAt: "2026-03-01T17:00:00.000Z" },
        { type: "rural_construction_planning_permit", number: "B", issuedAt: "2026-03-01T17:00:00.000Z" },
      ],
    } as Pick<CaseRecord, "certificates"> as CaseRecord;
    const guangxiLike = {
      ...SICHUAN_DEFAULT_POLICY,
      certificates: {
        ...SICHUAN_DEFAULT_POLICY.certificates,
        homestead_approval_certificate: { validityMonths: 12, numberPrefix: "X" },
      },
    };
    // Approved on 2 March (China), valid 12 months: the last day is 1 March 2027, ending at midnight China time.
    expect(approvalValidUntil(record, guangxiLike)?.toISOString()).toBe("2027-03-01T16:00:00.000Z");
    expect(approvalValidUntil({ ...record, certificates: [] }, guangxiLike)).toBeUndefined();
  });

  it("runs on to an extended end when the validity it counted to has been extended since staking-out", () => {
    const issued = "2026-03-01T17:00:00.000Z";
    const record = {
      certificates: [
        { type: "homestead_approval_certificate", number: "A", issuedAt: issued },
        { type: "rural_construction_planning_permit", number: "B", issuedAt: issued },
      ],
    } as Pick<CaseRecord, "certificates"> as CaseRecord;
    const policy = {
      ...SICHUAN_DEFAULT_POLICY,
      certificates: {
        homestead_approval_certificate: { validityMonths: 12, numberPrefix: "X" },
        rural_construction_planning_permit: { validityMonths: 12, numberPrefix: "Y" },
      },
    };
    // The end the construction clock counted to (stored at staking-out).
    const endedAt = new Date("2027-03-01T16:00:00.000Z");
    // Not extended: the approval really ended.
    expect(laterValidity(record, policy, endedAt)).toBeUndefined();
    // Both certificates extended by a year (papers: extend): the period runs to the new end.
    const extended = {
      certificates: record.certificates?.map((certificate) => ({ ...certificate, validUntil: "2028-03-01" })),
    } as CaseRecord;
    expect(laterValidity(extended, policy, endedAt)?.toISOString()).toBe("2028-03-01T16:00:00.000Z");
  });

  it("names each phase run after the case and its number", () => {
    expect(constructionRunName("c-1", 2)).toBe("c-1-construction-2");
  });
});
