/**
 * The cycle-time benchmark's reviewer simulator (bench/cycle-time.ts): drives
 * one case through the local workflow with seeded reviewer draws and rebuilds
 * its simulated timeline.
 */
import { GetExecutionHistoryCommand, type SFNClient } from "@aws-sdk/client-sfn";
import { mulberry32 } from "#infra/local/seed/prng.ts";
import { workflowRunName } from "#shared/cases/villager.ts";
import type { ApplicationComplete } from "#shared/schemas/application.ts";
import type { Duration } from "#shared/schemas/policy.ts";
import { policyLimitOf } from "#shared/workflow/steps.ts";
import { type CalendarConfig, WorkingCalendar } from "./calendar.ts";
import { applyAndSubmit, type BenchCloud, type Caller, decide, expectStatus } from "./cloud.ts";
import { normal } from "./report.ts";

type Outcome = "approved" | "rejected" | "correction_requested";
type Role = "village_officer" | "township_clerk" | "department" | "township_head" | "villager";
type DecidedStep = "village_review" | "township_acceptance" | "joint_review" | "township_approval";

export interface ReviewerModel {
  seed: number;
  casesPerMode: number;
  policy: string;
  waitScale: number;
  forestShare: number;
  limitShare: number;
  calendar: CalendarConfig;
  responseHours: Record<Role, { median: number; sigma: number }>;
  outcomes: Record<DecidedStep, { correction_requested: number; rejected: number }>;
  paperHandoffHours: { value: number };
}

const ROLE_OF: Record<DecidedStep | "correction", Role> = {
  village_review: "village_officer",
  township_acceptance: "township_clerk",
  joint_review: "department",
  township_approval: "township_head",
  correction: "villager",
};

/** Real epoch ms from performance.now() (the history's timestamps are epoch ms). */
const epoch = (performanceNow: number) => performance.timeOrigin + performanceNow;
const sleepUntil = (performanceNow: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, performanceNow - performance.now())));

interface Draw {
  hours: number;
  outcome: Outcome;
}

export interface CaseResult {
  index: number;
  mode: "parallel" | "sequential";
  forest: boolean;
  departments: number;
  end: "permit" | "rejected" | "returned";
  /** Working hours submission → permit/refusal, notice excluded. */
  workingHours: number;
  /** Of which: the platform's own measured latency (converted unscaled into simulated time). */
  platformSeconds: number;
  noticeCalendarDays: number;
  noticeWorkingHours: number;
  corrections: number;
  overdueSteps: number;
  /** The same draws, summed (parallel: max over departments per round; sequential: sum). */
  drawsParallelHours: number;
  drawsSequentialHours: number;
}

/** The household that files case `index` of a mode: its caller and its application. */
export type HouseholdOf = (
  index: number,
  mode: "parallel" | "sequential",
) => { readonly call: Caller; readonly application: ApplicationComplete };

export class Simulator {
  readonly calendar: WorkingCalendar;
  constructor(
    readonly bench: BenchCloud,
    readonly sfn: SFNClient,
    readonly model: ReviewerModel,
    readonly scale: number,
    /** A household per case and mode: one household has one open homestead case at a time. */
    readonly householdOf: HouseholdOf,
  ) {
    this.calendar = new WorkingCalendar(model.calendar);
  }

  /** The policy's limit for a step, in working hours (calendar days count 5/7 working). */
  limitHours(step: DecidedStep | "correction"): number {
    const limit: Duration = this.bench.policy.timeLimits[policyLimitOf(step)];
    const perDay = this.calendar.hoursPerDay;
    switch (limit.unit) {
      case "working_days":
        return limit.value * perDay;
      case "days":
        return (limit.value * 5 * perDay) / 7;
      default:
        return limit.value;
    }
  }

  draw(random: () => number, step: DecidedStep | "correction"): Draw {
    const { median: med, sigma } = this.model.responseHours[ROLE_OF[step]];
    const hours = Math.min(
      med * Math.exp(sigma * normal(random)),
      this.limitHours(step) * this.model.limitShare,
    );
    const u = random();
    const odds = step === "correction" ? undefined : this.model.outcomes[step];
    const outcome: Outcome =
      odds && u < odds.rejected
        ? "rejected"
        : odds && u < odds.rejected + odds.correction_requested
          ? "correction_requested"
          : "approved";
    return { hours, outcome };
  }

  async run(index: number, mode: "parallel" | "sequential"): Promise<CaseResult> {
    // The same seed per case in both modes: identical arrivals, response times and outcomes.
    const random = mulberry32(this.model.seed * 1000 + index);
    const arrival = this.calendar.randomInstantInFirstWeek(random);
    const forest = random() < this.model.forestShare;
    const startedReal = performance.now();
    await sleepUntil(startedReal + (arrival - this.calendar.start) * this.scale);
    const household = this.householdOf(index, mode);
    const { caseId, submittedAt } = await applyAndSubmit(this.bench, {
      forest,
      caller: household.call,
      application: household.application,
    });
    const { bench, calendar } = this;
    let platformMs = 0;
    let overdueSteps = 0;
    let corrections = 0;
    let drawsParallel = 0;
    let drawsSequential = 0;

    // Public notice from the execution history, converted back to simulated time.
    const opened0 = await bench.stepOpened(caseId, "village_review#1");
    const notice = await this.noticeOf(caseId);
    const noticeStart = arrival + (notice.enteredAt - epoch(submittedAt));
    const noticeEnd = noticeStart + notice.realMs / this.scale;
    platformMs += notice.enteredAt - epoch(submittedAt) + (epoch(opened0.at) - notice.exitedAt);
    // Simulated instant and real instant of the last thing that happened to the case.
    let clock = noticeEnd + (epoch(opened0.at) - notice.exitedAt);
    let lastReal = opened0.at;

    const phone = () => `139${String(Math.floor(random() * 1e8)).padStart(8, "0")}`;
    const finish = (end: CaseResult["end"], at: number): CaseResult => ({
      index,
      mode,
      forest,
      departments: departments.length,
      end,
      workingHours: calendar.hoursBetween(arrival, at) - calendar.hoursBetween(noticeStart, noticeEnd),
      platformSeconds: platformMs / 1000,
      noticeCalendarDays: (noticeEnd - noticeStart) / 86_400_000,
      noticeWorkingHours: calendar.hoursBetween(noticeStart, noticeEnd),
      corrections,
      overdueSteps,
      drawsParallelHours: drawsParallel,
      drawsSequentialHours: drawsSequential,
    });

    /** One reviewer: waits the drawn working hours from `from` (simulated), then decides over HTTP. */
    const act = async (stepId: string, from: number, draw: Draw, fromReal: number) => {
      const opened = await bench.stepOpened(caseId, stepId);
      if (opened.overdue) overdueSteps++;
      const at = calendar.addHours(from, draw.hours);
      await sleepUntil(fromReal + (at - from) * this.scale);
      const body =
        draw.outcome === "correction_requested"
          ? {
              outcome: draw.outcome,
              fields: ["head.phone"],
              comment: "请核对联系电话 / please check the phone number",
            }
          : { outcome: draw.outcome, comment: draw.outcome === "approved" ? "同意" : "不予同意" };
      const sent = performance.now();
      await decide(bench, caseId, opened, body);
      return { at, sent };
    };
    /** The next step opened: its simulated opening is the decision plus the platform's real latency. */
    const next = async (stepId: string) => {
      const opened = await bench.stepOpened(caseId, stepId);
      platformMs += opened.at - lastReal;
      clock += opened.at - lastReal;
      lastReal = opened.at;
      return opened;
    };
    const rounds = new Map<string, number>();
    const nextRound = (step: string) => {
      const round = (rounds.get(step) ?? 0) + 1;
      rounds.set(step, round);
      return round;
    };
    const villagerCorrects = async () => {
      corrections++;
      await next(`correction#${nextRound("correction")}`);
      const draw = this.draw(random, "correction");
      drawsParallel += draw.hours;
      drawsSequential += draw.hours;
      const at = calendar.addHours(clock, draw.hours);
      await sleepUntil(lastReal + (at - clock) * this.scale);
      lastReal = performance.now();
      clock = at;
      expectStatus(
        await household.call("POST", `/cases/${caseId}/correction`, {
          application: { head: { phone: phone() } },
          comment: "已更正",
        }),
        200,
        "villager correction",
      );
    };
    /** A step one person decides, with its correction loop; returns the final outcome. */
    const single = async (step: Exclude<DecidedStep, "joint_review">): Promise<Outcome> => {
      for (;;) {
        const stepId = `${step}#${nextRound(step)}`;
        if (stepId !== "village_review#1") await next(stepId);
        const draw = this.draw(random, step);
        drawsParallel += draw.hours;
        drawsSequential += draw.hours;
        const { at, sent } = await act(stepId, clock, draw, lastReal);
        clock = at;
        lastReal = sent;
        if (draw.outcome !== "correction_requested") return draw.outcome;
        await villagerCorrects();
      }
    };

    let departments: string[] = [];
    const village = await single("village_review");
    if (village === "rejected") return finish("rejected", clock);
    const acceptance = await single("township_acceptance");
    if (acceptance === "rejected") return finish("returned", clock);

    departments = (json(await household.call("GET", `/cases/${caseId}`)).departments as string[]) ?? [];
    let asking = departments;
    for (let round = 1; asking.length > 0; round++) {
      const openedAll = await Promise.all(
        asking.map((d) => bench.stepOpened(caseId, `joint_review#${d}#${round}`)),
      );
      const lastOpened = Math.max(...openedAll.map((o) => o.at));
      platformMs += lastOpened - lastReal;
      clock += lastOpened - lastReal;
      lastReal = lastOpened;
      // Draw every department's answer up front, in policy order, so both modes consume the same numbers.
      const draws = asking.map(() => this.draw(random, "joint_review"));
      drawsParallel += Math.max(...draws.map((d) => d.hours));
      drawsSequential += draws.reduce((sum, d) => sum + d.hours, 0);
      const roundStart = clock;
      const roundStartReal = lastReal;
      let decided: { at: number; sent: number }[];
      if (mode === "parallel") {
        decided = await Promise.all(
          asking.map((d, i) =>
            act(`joint_review#${d}#${round}`, roundStart, draws[i] as Draw, roundStartReal),
          ),
        );
      } else {
        decided = [];
        let from = roundStart;
        for (const [i, d] of asking.entries()) {
          // The paper file reaches this office when the previous one has answered.
          const result = await act(
            `joint_review#${d}#${round}`,
            from,
            draws[i] as Draw,
            roundStartReal + (from - roundStart) * this.scale,
          );
          decided.push(result);
          from = result.at;
        }
      }
      clock = Math.max(...decided.map((d) => d.at));
      lastReal = Math.max(...decided.map((d) => d.sent));
      if (draws.some((d) => d.outcome === "rejected")) {
        return finish("rejected", clock);
      }
      asking = asking.filter((_, i) => draws[i]?.outcome === "correction_requested");
      if (asking.length > 0) await villagerCorrects();
    }

    const approval = await single("township_approval");
    if (approval === "rejected") return finish("rejected", clock);
    const issued = await bench.certificatesIssued(caseId);
    platformMs += issued - lastReal;
    const permit = clock + (issued - lastReal);
    const result = finish("permit", permit);
    // Site visits come after the permit, decided at once so every execution ends: staking out, the
    // household's report that the house is built (the construction period's run waits for it), the
    // completion inspection.
    await decide(bench, caseId, await bench.stepOpened(caseId, "site_visit_staking#1"), {
      outcome: "approved",
    });
    await bench.stepOpened(caseId, "completion_report#1");
    const reported = await household.call("POST", `/cases/${caseId}/completion-report`, {});
    if (reported.status !== 200 && reported.status !== 202)
      throw new Error(`completion report: ${reported.status} ${reported.body.slice(0, 400)}`);
    await decide(bench, caseId, await bench.stepOpened(caseId, "site_visit_completion#1"), {
      outcome: "approved",
    });
    return result;
  }

  async noticeOf(caseId: string): Promise<{ enteredAt: number; exitedAt: number; realMs: number }> {
    const executionArn = `${this.bench.cloud.endpoints.stateMachineArn.replace(":stateMachine:", ":execution:")}:${workflowRunName(caseId, 1)}`;
    const events = [];
    let nextToken: string | undefined;
    do {
      const page = await this.sfn.send(
        new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }),
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    const entered = events.find(
      (e) => e.type === "WaitStateEntered" && e.stateEnteredEventDetails?.name === "PublicNotice",
    );
    const exited = events.find(
      (e) => e.type === "WaitStateExited" && e.stateExitedEventDetails?.name === "PublicNotice",
    );
    if (!entered?.timestamp || !exited?.timestamp)
      throw new Error(`no public notice in the history of ${caseId}`);
    const enteredAt = entered.timestamp.getTime();
    const exitedAt = exited.timestamp.getTime();
    return { enteredAt, exitedAt, realMs: exitedAt - enteredAt };
  }
}

function json(result: { body: string }): Record<string, unknown> {
  return JSON.parse(result.body) as Record<string, unknown>;
}
