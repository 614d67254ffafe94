/**
 * The open-step task of every human step (`.waitForTaskToken`): makes the step
 * visible in its queue, stores its task token where no API returns it, and
 * applies the step's `onOpen` transition from THE step table (steps.ts).
 */
import { SendTaskSuccessCommand, type SFNClient } from "@aws-sdk/client-sfn";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { isTerminal } from "../domain/case-status.ts";
import { getShippedPolicy } from "../domain/policy/shipped-policies.ts";
import { addDuration, resumedDeadline } from "../domain/time-limits.ts";
import { logger } from "../logger.ts";
import { deliverDecision } from "../review/delivery.ts";
import type { CaseRecord, StepKind, StepRecord } from "../schemas/case.ts";
import { CaseStore } from "../store/case-store.ts";
import { StepStore } from "../store/step-store.ts";
import { type OpenStepInput, WORKFLOW_ACTOR } from "./contracts.ts";
import { CaseClosedError } from "./errors.ts";
import { closeIncidentOn, incidentSubject } from "./incidents.ts";
import { timeLeftAfterCorrection } from "./paused-clock.ts";
import { STEP_RULES, stepIdOf } from "./steps.ts";

export interface WorkflowDeps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly now: () => Date;
}

/** open-step also answers its own token when the step it opens was decided already (see decidedOpening). */
export interface OpenStepDeps extends WorkflowDeps {
  readonly sfn: SFNClient;
}

/** Steps of one kind (and department), latest round last. */
export function stepsOfKind(steps: readonly StepRecord[], step: StepKind, department?: string): StepRecord[] {
  return steps
    .filter((candidate) => candidate.step === step && candidate.department === department)
    .sort((a, b) => a.round - b.round);
}

/**
 * Which round this opening is. Joint review passes its round (the aggregate task
 * counts them); every other kind opens the next round of its kind, except that a
 * re-run of the same opening (a Lambda retry) or a reopening after a timeout
 * reuses the step that is still awaiting a response.
 */
export function roundToOpen(steps: readonly StepRecord[], input: OpenStepInput): number {
  if (input.round !== undefined) return input.round;
  const ofKind = stepsOfKind(steps, input.step, input.department);
  const awaiting = ofKind.filter((step) => step.status === "awaiting_response").at(-1);
  if (awaiting) return awaiting.round;
  const latest = ofKind.at(-1);
  if (input.overdue && latest) return latest.round;
  return (latest?.round ?? 0) + 1;
}

/**
 * The step this opening already made and someone already decided: the same
 * run opens the same kind again with nothing opened after it. That is not a
 * new round but the same opening run again — a Lambda retry whose first
 * attempt had stored its token and was decided before failing, a replay after
 * a restart, a reopening after a timeout — and the workflow is waiting on a
 * NEW token for a decision it never got. (A legitimate next round always
 * follows another step of the run: the correction the decision asked for.)
 * Joint review names its round, so its step is that round's.
 */
export function decidedOpening(steps: readonly StepRecord[], input: OpenStepInput): StepRecord | undefined {
  const candidate =
    input.round !== undefined
      ? steps.find((step) => step.stepId === stepIdOf(input.step, input.department, input.round ?? 1))
      : stepsOfKind(steps, input.step, input.department)
          .filter((step) => step.executionArn === input.executionArn)
          .at(-1);
  if (candidate?.status !== "responded" || !candidate.decision) return undefined;
  if (candidate.executionArn !== input.executionArn) return undefined;
  if (input.round !== undefined) return candidate;
  const later = steps.some(
    (step) =>
      step.executionArn === input.executionArn &&
      step.stepId !== candidate.stepId &&
      step.openedAt > candidate.openedAt,
  );
  return later ? undefined : candidate;
}

/**
 * Answers a re-run opening of a decided step with its stored decision: the
 * new token is stored first (so any sender racing us finds it), then sent.
 * A sender that holds the lease (the deciding call, a re-delivery) picks the
 * new token up itself; one that died leaves the lease to expire and the
 * delivery sweep to send. A decision already marked sent was taken by an
 * attempt the workflow lost (a local replay): sent again to this token.
 */
async function answerDecidedOpening(deps: OpenStepDeps, input: OpenStepInput, step: StepRecord) {
  const steps = StepStore.of(deps);
  await steps.storeToken(input.caseId, step.stepId, input);
  const decision = step.decision;
  if (!decision) return;
  const context = { caseId: input.caseId, stepId: step.stepId };
  if (step.sentAt) {
    logger.info("Decided step opened again; sending its decision to the new token", context);
    await deps.sfn.send(
      new SendTaskSuccessCommand({ taskToken: input.taskToken, output: JSON.stringify(decision) }),
    );
    await steps.markSent(input.caseId, step.stepId, decision);
    await closeIncidentOn(
      deps,
      input.caseId,
      incidentSubject({ kind: "undelivered_decision", stepId: step.stepId }),
      {
        actor: WORKFLOW_ACTOR,
        action: "redeliver",
      },
    );
    return;
  }
  if (!(await steps.takeSendLease(input.caseId, step.stepId))) {
    logger.info("Decided step opened again while its decision is being sent", context);
    return;
  }
  logger.info("Decided step opened again; delivering its decision", context);
  // Sent: the operator view's undelivered_decision incident, if the first send opened one, is closed.
  await deliverDecision(deps, input.caseId, step.stepId, decision, { closesIncident: WORKFLOW_ACTOR });
}

/** A step of this kind needs the construction period, which starts at staking-out. */
export class ConstructionNotStartedError extends Error {
  override readonly name = "ConstructionNotStartedError";
}

/**
 * The deadline of a newly opened step: its policy limit from now; after a
 * correction, the time its previous round had left when it asked
 * (paused-clock.ts); the household's completion report, the end of the
 * approval's validity.
 */
export function deadlineOf(
  record: CaseRecord,
  steps: readonly StepRecord[],
  input: Pick<OpenStepInput, "step" | "department">,
  now: Date,
): string {
  const rule = STEP_RULES[input.step];
  if (rule.timeLimit === "approval_validity") {
    if (!record.construction) {
      throw new ConstructionNotStartedError(`Case ${record.caseId} has no construction period`);
    }
    return record.construction.validUntil;
  }
  const left = timeLeftAfterCorrection(steps, input.step, input.department);
  if (left !== undefined) return resumedDeadline(now, left).toISOString();
  return addDuration(now, getShippedPolicy(record.policyId).timeLimits[rule.timeLimit]).toISOString();
}

export async function openStep(
  deps: OpenStepDeps,
  input: OpenStepInput,
): Promise<{ stepId: string; round: number; deadline?: string }> {
  const store = new CaseStore(deps.client, deps.tableName, deps.now);
  const { record, steps } = await store.load(input.caseId);
  // A case withdrawn while its run went on (StopExecution failed): open nothing, end the run.
  if (isTerminal(record.status)) throw new CaseClosedError(input.caseId, record.status);
  const decided = decidedOpening(steps, input);
  if (decided) {
    await answerDecidedOpening(deps, input, decided);
    return {
      stepId: decided.stepId,
      round: decided.round,
      ...(decided.deadline ? { deadline: decided.deadline } : {}),
    };
  }
  const rule = STEP_RULES[input.step];
  const round = roundToOpen(steps, input);
  const stepId = stepIdOf(input.step, input.department, round);
  const existing = steps.find((step) => step.stepId === stepId);
  const now = deps.now();

  if (existing) {
    // A retry, or a reopening after a timeout: never overwrites a decision that landed in between.
    await store.steps.reopen(existing, input, input.overdue === true);
    return { stepId, round, ...(existing.deadline ? { deadline: existing.deadline } : {}) };
  }

  const deadline = deadlineOf(record, steps, input, now);
  const step: StepRecord = {
    caseId: input.caseId,
    stepId,
    step: input.step,
    ...(input.department ? { department: input.department } : {}),
    round,
    status: "awaiting_response",
    townshipCode: record.townshipCode,
    openedAt: now.toISOString(),
    deadline,
    overdue: input.overdue === true,
    executionArn: input.executionArn,
  };
  // A step whose opening ends another's clock (a lapsed correction) closes it in the same transaction.
  const closed = rule.closes
    ? steps.filter((candidate) => candidate.step === rule.closes && candidate.status === "awaiting_response")
    : [];
  const writes = store.steps.open(step, input, closed);
  const data = {
    stepId,
    step: input.step,
    round,
    deadline,
    ...(input.department ? { department: input.department } : {}),
    ...(closed.length > 0 ? { closedSteps: closed.map((candidate) => candidate.stepId) } : {}),
  };

  // Parallel joint-review openers race on the case's event head: withRetry re-reads and re-applies.
  await store.withRetry(input.caseId, async (current) => {
    // A case withdrawn while this task was on its way: open nothing, end the run.
    if (isTerminal(current.status)) throw new CaseClosedError(input.caseId, current.status);
    const onOpen = rule.onOpen;
    const transitionNow = onOpen !== undefined && current.status === onOpen.from;
    if (input.step === "joint_review") {
      // One `consult` event per department; the first opener also starts the joint review.
      const started = transitionNow
        ? await store.transition(current, onOpen.verb, { actor: WORKFLOW_ACTOR, data: { step: input.step } })
        : current;
      return store.record(started, { actor: WORKFLOW_ACTOR, action: "consult", data, alsoWrite: writes });
    }
    if (transitionNow) {
      return store.transition(current, onOpen.verb, { actor: WORKFLOW_ACTOR, data, alsoWrite: writes });
    }
    return store.record(current, { actor: WORKFLOW_ACTOR, action: "openStep", data, alsoWrite: writes });
  });
  return { stepId, round, deadline };
}
