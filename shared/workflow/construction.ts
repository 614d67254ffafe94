/**
 * The construction period (施工): from staking-out until the household reports
 * the house built (申请竣工验收), at most until the approval's validity ends.
 *
 * Step Functions runs last at most a year and an approval is valid for up to
 * 24 months, so the period runs in phase runs of the same state machine, each
 * named `<caseId>-construction-<n>` (a retried start is the same run): the
 * approval run ends by starting run 1 at staking-out; a run that has waited its
 * budget starts the next with the clock carried in its input. Each run keeps
 * the household's `completion_report` step open (a task token) and waits at
 * most until the next thing due: the reminder before the validity ends, the end
 * itself (the unbuilt approval expires, if the policy says so) or its budget.
 *
 * The clock is arithmetic on the waits that ran (as reminders are, remind.ts):
 * one reading of the wall clock at staking-out, never again, so a retried task
 * gives the same answer and a scaled local clock keeps the proportions.
 */
import { DescribeExecutionCommand, type SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { chinaDate, validUntil } from "../certificates/certificate.ts";
import { getShippedPolicy } from "../domain/policy/shipped-policies.ts";
import { addDuration } from "../domain/time-limits.ts";
import type { CaseRecord } from "../schemas/case.ts";
import type { CountyPolicy, Duration } from "../schemas/policy.ts";
import { CaseStore } from "../store/case-store.ts";
import { WORKFLOW_ACTOR } from "./contracts.ts";
import { executionArnOf } from "./runs.ts";

/**
 * How long one phase run waits for the report before handing over to the next:
 * well under Step Functions' year, leaving room for the completion inspection
 * (and its reminders) that follows a report in the same run.
 */
export const RUN_BUDGET_SECONDS = 300 * 86_400;

const seconds = z.int().positive();
export const constructionClockSchema = z.object({
  /** The phase run: `<caseId>-construction-<run>`. */
  run: z.int().min(1),
  /** What this run may still wait. */
  runLeftSeconds: seconds,
  /** Until the household is reminded; absent once it was. */
  remindInSeconds: seconds.optional(),
  /** Until the approval's validity ends; absent once it ended (the policy keeps unbuilt approvals). */
  endsInSeconds: seconds.optional(),
  /** The wait about to run: the soonest of the three. */
  waitSeconds: seconds,
});
export type ConstructionClock = z.infer<typeof constructionClockSchema>;

type Unscheduled = Omit<ConstructionClock, "waitSeconds">;

function scheduled(clock: Unscheduled): ConstructionClock {
  const waitSeconds = Math.min(
    clock.runLeftSeconds,
    clock.remindInSeconds ?? Number.POSITIVE_INFINITY,
    clock.endsInSeconds ?? Number.POSITIVE_INFINITY,
  );
  return { ...clock, waitSeconds };
}

const secondsUntil = (from: Date, to: Date) => Math.max(1, Math.ceil((to.getTime() - from.getTime()) / 1000));

/** The first run's clock, read once at staking-out. */
export function startClock(validUntilAt: Date, now: Date, reminderBefore: Duration): ConstructionClock {
  const endsInSeconds = secondsUntil(now, validUntilAt);
  const leadSeconds = Math.ceil(
    (addDuration(validUntilAt, reminderBefore).getTime() - validUntilAt.getTime()) / 1000,
  );
  return scheduled({
    run: 1,
    runLeftSeconds: RUN_BUDGET_SECONDS,
    // A lead longer than what is left reminds at once.
    remindInSeconds: Math.max(1, endsInSeconds - leadSeconds),
    endsInSeconds,
  });
}

export type ConstructionDue = "remind" | "end" | "next_run";

/** What fell due when `clock`'s wait ran out, and the clock without it. */
export function afterWait(clock: ConstructionClock): { due: ConstructionDue[]; rest: Unscheduled } {
  const waited = clock.waitSeconds;
  const left = (value: number | undefined) => (value === undefined ? undefined : value - waited);
  const remindIn = left(clock.remindInSeconds);
  const endsIn = left(clock.endsInSeconds);
  const runLeft = clock.runLeftSeconds - waited;
  const due: ConstructionDue[] = [];
  if (remindIn !== undefined && remindIn <= 0) due.push("remind");
  if (endsIn !== undefined && endsIn <= 0) due.push("end");
  if (runLeft <= 0) due.push("next_run");
  return {
    due,
    rest: {
      run: clock.run,
      runLeftSeconds: Math.max(1, runLeft),
      ...(remindIn !== undefined && remindIn > 0 ? { remindInSeconds: remindIn } : {}),
      ...(endsIn !== undefined && endsIn > 0 ? { endsInSeconds: endsIn } : {}),
    },
  };
}

/** The next run's clock: a fresh budget, the same milestones. */
export function nextRunClock(rest: Unscheduled): ConstructionClock {
  return scheduled({ ...rest, run: rest.run + 1, runLeftSeconds: RUN_BUDGET_SECONDS });
}

/** The clock of the same run after a wait that changed nothing due. */
export const continueClock = (rest: Unscheduled): ConstructionClock => scheduled(rest);

/** The instant the approval's validity ends: the end (China time) of the last valid day of the shortest-lived certificate. */
export function approvalValidUntil(record: CaseRecord, policy: CountyPolicy): Date | undefined {
  // A re-issued certificate's old number no longer counts; an extended one counts to its new end.
  const current = (record.certificates ?? []).filter((certificate) => certificate.status !== "superseded");
  const ends = current.map((certificate) => {
    const lastDay =
      certificate.validUntil ??
      validUntil(
        chinaDate(new Date(certificate.issuedAt)),
        policy.certificates[certificate.type].validityMonths,
      );
    return Date.parse(`${lastDay}T16:00:00.000Z`);
  });
  return ends.length > 0 ? new Date(Math.min(...ends)) : undefined;
}

/** The phase run's name: deterministic, so a retried start finds the same run. */
export const constructionRunName = (caseId: string, run: number) => `${caseId}-construction-${run}`;

/** What a phase run's state carries at `$.construction`. */
export const constructionStateSchema = z.object({
  /** `wait`: keep the report step open `clock.waitSeconds`; `expired`: the approval lapsed; `continued`: the next run took over. */
  next: z.enum(["wait", "expired", "continued"]),
  clock: constructionClockSchema,
});
export type ConstructionState = z.infer<typeof constructionStateSchema>;

export const constructionTaskInput = z.object({
  caseId: z.string().min(1),
  /** The running state machine (`$$.StateMachine.Id`): phase runs start on it. */
  stateMachineArn: z.string().startsWith("arn:"),
  /** Absent: staking-out was just recorded, start the period. Present: a phase run's wait ran out. */
  construction: constructionStateSchema.optional(),
  /** The approval run's plan (step limits, reminders), handed on to every phase run for the completion inspection. */
  plan: z.record(z.string(), z.unknown()),
});
export type ConstructionTaskInput = z.infer<typeof constructionTaskInput>;

/** The case has no certificates: the construction period cannot start before approval. */
export class NotApprovedError extends Error {
  override readonly name = "NotApprovedError";
}

export interface ConstructionDeps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly sfn: SFNClient;
  readonly now: () => Date;
}

/** Starts phase run `clock.run` (idempotent: the same name is the same run) and records it on the case. */
async function startRun(
  deps: ConstructionDeps,
  store: CaseStore,
  input: ConstructionTaskInput,
  clock: ConstructionClock,
): Promise<void> {
  const name = constructionRunName(input.caseId, clock.run);
  const state: ConstructionState = { next: "wait", clock };
  let executionArn: string | undefined;
  try {
    ({ executionArn } = await deps.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: input.stateMachineArn,
        name,
        input: JSON.stringify({
          caseId: input.caseId,
          phase: "construction",
          construction: state,
          plan: input.plan,
        }),
      }),
    ));
  } catch (error) {
    // A retry after the start succeeded: the run exists (a closed run with this name would be reported too).
    if ((error as Error).name !== "ExecutionAlreadyExists") throw error;
    executionArn = executionArnOf(input.stateMachineArn, name);
    await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
  }
  await store.withRetry(input.caseId, async (record) => {
    if (record.executionArn === executionArn) return record;
    return store.record(record, {
      actor: WORKFLOW_ACTOR,
      action: "startWorkflow",
      data: { executionArn: executionArn ?? null, phase: "construction", run: clock.run },
      ...(executionArn ? { set: { executionArn } } : {}),
    });
  });
}

/**
 * The construction task. Without `construction`: staking-out was recorded in
 * the approval run; fix the validity end on the case and start phase run 1.
 * With it: the run's wait ran out; remind, expire or hand over as due.
 */
export async function constructionTask(
  deps: ConstructionDeps,
  input: ConstructionTaskInput,
): Promise<ConstructionState> {
  const store = new CaseStore(deps.client, deps.tableName, deps.now);
  const record = await store.require(input.caseId);
  const policy = getShippedPolicy(record.policyId);

  if (!input.construction) {
    const validUntilAt = record.construction
      ? new Date(record.construction.validUntil)
      : approvalValidUntil(record, policy);
    if (!validUntilAt) throw new NotApprovedError(`Case ${input.caseId} has no certificates`);
    // The only clock reading of the period (a retry reads the stored end, so it plans the same period).
    const clock = startClock(validUntilAt, deps.now(), policy.construction.reminderBeforeValidityEnds);
    if (!record.construction) {
      await store.withRetry(input.caseId, (latest) =>
        latest.construction
          ? Promise.resolve(latest)
          : store.record(latest, {
              actor: WORKFLOW_ACTOR,
              action: "startConstruction",
              data: { validUntil: validUntilAt.toISOString() },
              set: { construction: { validUntil: validUntilAt.toISOString() } },
            }),
      );
    }
    await startRun(deps, store, input, clock);
    return { next: "continued", clock };
  }

  const { due, rest } = afterWait(input.construction.clock);
  if (due.includes("remind")) await remindToReport(deps, store, input.caseId);
  const counted = record.construction ? new Date(record.construction.validUntil) : undefined;
  const extended = due.includes("end") && counted ? laterValidity(record, policy, counted) : undefined;
  if (extended && counted) {
    // The certificates were extended after staking-out (shared/papers): the period runs on to the new
    // end, the clock counting from the end it reached (its own time, whatever scale the waits run at).
    await extendPeriod(store, input.caseId, extended);
    const clock = startClock(extended, counted, policy.construction.reminderBeforeValidityEnds);
    return { next: "wait", clock: { ...clock, run: rest.run, runLeftSeconds: rest.runLeftSeconds } };
  }
  if (due.includes("end") && policy.construction.unbuiltApprovalExpires) {
    await expireUnbuilt(store, input.caseId);
    return { next: "expired", clock: continueClock(rest) };
  }
  if (due.includes("next_run")) {
    const clock = nextRunClock(rest);
    await startRun(deps, store, input, clock);
    return { next: "continued", clock };
  }
  return { next: "wait", clock: continueClock(rest) };
}

/**
 * When the validity the clock counted to (`counted`, the end stored at staking-out) has run out:
 * the approval's end now, if an extension moved it past that end; undefined when it really ended.
 */
export function laterValidity(record: CaseRecord, policy: CountyPolicy, counted: Date): Date | undefined {
  const ends = approvalValidUntil(record, policy);
  return ends && ends.getTime() > counted.getTime() ? ends : undefined;
}

/** The case's construction period and the household's report step take the extended end. */
async function extendPeriod(store: CaseStore, caseId: string, ends: Date): Promise<void> {
  const validUntil = ends.toISOString();
  await store.withRetry(caseId, async (record) => {
    if (!record.construction || record.construction.validUntil === validUntil) return record;
    const { steps } = await store.load(caseId);
    const open = steps.filter(
      (step) => step.step === "completion_report" && step.status === "awaiting_response",
    );
    return store.record(record, {
      actor: WORKFLOW_ACTOR,
      action: "extendConstruction",
      data: { from: record.construction.validUntil, validUntil },
      set: { construction: { ...record.construction, validUntil } },
      alsoWrite: open.map((step) => store.steps.extendDeadline(step, validUntil)),
    });
  });
}

async function remindToReport(deps: ConstructionDeps, store: CaseStore, caseId: string): Promise<void> {
  await store.withRetry(caseId, async (record) => {
    // Once: a retried task finds the reminder recorded.
    if (!record.construction || record.construction.remindedAt || record.status !== "staked_out")
      return record;
    const at = deps.now().toISOString();
    return store.record(record, {
      actor: WORKFLOW_ACTOR,
      action: "remind",
      data: { step: "completion_report", validUntil: record.construction.validUntil },
      set: { construction: { ...record.construction, remindedAt: at } },
    });
  });
}

async function expireUnbuilt(store: CaseStore, caseId: string): Promise<void> {
  await store.withRetry(caseId, async (record) => {
    if (record.status !== "staked_out") return record;
    const { steps } = await store.load(caseId);
    const open = steps.filter(
      (step) => step.step === "completion_report" && step.status === "awaiting_response",
    );
    return store.transition(record, "expire", {
      actor: WORKFLOW_ACTOR,
      data: {
        reason: "unbuilt_when_validity_ended",
        validUntil: record.construction?.validUntil ?? null,
        cancelledSteps: open.map((step) => step.stepId),
      },
      alsoWrite: store.steps.cancel(open, { overdue: true }),
    });
  });
}
