/**
 * Deciding a human step, and re-driving a decision whose send was lost.
 *
 * Decide = one DynamoDB transaction (CaseStore): the case (status verb of the
 * step table, or no status change for joint review), its audit event, and the
 * STEP item updated only if it is still `awaiting_response`. Of any number of
 * concurrent decisions exactly one commits; the others get 409. Only then is
 * the decision sent to the workflow (see ./delivery.ts).
 */
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { type Actor, auditActorOf } from "../auth/actor.ts";
import { DocumentStore } from "../documents/document-store.ts";
import { IllegalTransitionError } from "../domain/case-status.ts";
import { getShippedPolicy } from "../domain/policy/shipped-policies.ts";
import { ResourceNotFoundError } from "../errors.ts";
import { logger } from "../logger.ts";
import { objectionHandlingWrites } from "../notices/notices.ts";
import { approvedTermsProblems } from "../papers/approval-check.ts";
import type { CaseRecord, Decision } from "../schemas/case.ts";
import type { DecisionResult, StepView } from "../schemas/responses.ts";
import type { CaseStore, TransactItem } from "../store/case-store.ts";
import { STEP_WRITE_INDEX, type StepItem } from "../store/step-store.ts";
import { STEP_RULES } from "../workflow/steps.ts";
import { type DeliveryDeps, deliverDecision } from "./delivery.ts";
import {
  CaseNotDecidableError,
  DecisionNotAcceptedError,
  DeliveryNotNeededError,
  enforce,
  StepAlreadyDecidedError,
  StepNotDecidedError,
} from "./errors.ts";
import { type DecisionInput, decisionOptions, decisionProblems, mayDecide, mayRedrive } from "./rules.ts";
import { siteVisitOf, uncitablePhotos } from "./site-visits.ts";

export interface ReviewDeps extends DeliveryDeps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly cases: CaseStore;
}

export type { DecisionResult, StepItem, StepView };

export function stepView(step: StepItem): StepView {
  return {
    caseId: step.caseId,
    stepId: step.stepId,
    step: step.step,
    ...(step.department ? { department: step.department } : {}),
    round: step.round,
    status: step.status,
    townshipCode: step.townshipCode,
    openedAt: step.openedAt,
    ...(step.deadline ? { deadline: step.deadline } : {}),
    overdue: step.overdue,
    ...(step.decision ? { decision: step.decision } : {}),
    ...(step.sentAt ? { sentAt: step.sentAt } : {}),
  };
}

async function stepAndCase(
  deps: ReviewDeps,
  caseId: string,
  stepId: string,
): Promise<{ step: StepItem; record: CaseRecord }> {
  const [step, record] = await Promise.all([deps.cases.steps.get(caseId, stepId), deps.cases.get(caseId)]);
  if (!step || !record)
    throw new ResourceNotFoundError({
      en: `No step ${stepId} in case ${caseId}`,
      zh: `案件 ${caseId} 中没有环节 ${stepId}`,
    });
  return { step, record };
}

function isStepConditionFailure(error: unknown): boolean {
  return (
    error instanceof TransactionCanceledException &&
    error.CancellationReasons?.[STEP_WRITE_INDEX]?.Code === "ConditionalCheckFailed"
  );
}

/**
 * Commits `decision` on an awaiting step together with `applyToCase` (a
 * CaseStore transition or record that carries the step write). Re-reads and
 * retries when another writer changed the case first; 409 once the step is
 * answered.
 */
export async function commitStepDecision(
  deps: ReviewDeps,
  step: StepItem,
  decision: Decision,
  applyToCase: (
    record: CaseRecord,
    stepWrite: TransactItem,
    /** The step as read for this attempt (a timer may have made it overdue since the caller read it). */
    current: StepItem,
  ) => Promise<CaseRecord>,
): Promise<CaseRecord> {
  return deps.cases.withRetry(step.caseId, async (record) => {
    const current = await deps.cases.steps.get(step.caseId, step.stepId);
    if (current?.status !== "awaiting_response") throw new StepAlreadyDecidedError(step.stepId);
    try {
      return await applyToCase(record, deps.cases.steps.decide(step, decision), current);
    } catch (error) {
      if (isStepConditionFailure(error)) throw new StepAlreadyDecidedError(step.stepId);
      if (error instanceof IllegalTransitionError) {
        throw new CaseNotDecidableError({
          en: `The case cannot take this decision now: ${error.message}`,
          zh: `案件当前无法接受该决定：${error.message}`,
        });
      }
      throw error;
    }
  });
}

/** A reviewer decides a step: authorise, validate against the step table, commit once, then send. */
export async function decideStep(
  deps: ReviewDeps,
  actor: Actor,
  caseId: string,
  stepId: string,
  input: DecisionInput,
): Promise<DecisionResult> {
  const { step, record } = await stepAndCase(deps, caseId, stepId);
  enforce(mayDecide(actor, step, record));
  const policy = getShippedPolicy(record.policyId);
  const visit = siteVisitOf(step, policy, record.kind);
  const options = decisionOptions(step.step, {
    recordsSiteVisit: visit !== undefined,
    documents: policy.requiredDocuments[record.kind],
  });
  const problems = decisionProblems(step.step, input, options);
  if (input.photos?.length && problems.length === 0) {
    const documents = new DocumentStore(deps.client, deps.tableName);
    const uncitable = await uncitablePhotos({ documents }, caseId, stepId, input.photos);
    if (uncitable.length > 0) {
      problems.push(
        `Not confirmed photos of this step: ${uncitable.join(", ")} (upload and confirm them first)`,
      );
    }
  }
  if (input.approved && problems.length === 0)
    problems.push(...approvedTermsProblems(record, input.approved));
  if (problems.length > 0) throw new DecisionNotAcceptedError(problems);
  if (step.status !== "awaiting_response") throw new StepAlreadyDecidedError(stepId);

  const decision: Decision = {
    ...input,
    decidedBy: auditActorOf(actor),
    decidedAt: deps.now().toISOString(),
  };
  const verb = STEP_RULES[step.step].onDecision[input.outcome];
  if (verb === undefined)
    throw new DecisionNotAcceptedError([`${step.step} does not accept ${input.outcome}`]);
  // Village review: how each objection to the public notice was handled; approval needs them all (notices.ts).
  const objectionWrites =
    step.step === "village_review"
      ? await objectionHandlingWrites(deps.cases, record, input, actor.id, decision.decidedAt)
      : [];
  const data = {
    stepId,
    step: step.step,
    ...(step.department ? { department: step.department } : {}),
    round: step.round,
    outcome: input.outcome,
    ...(input.fields ? { fields: input.fields } : {}),
    ...(input.documents ? { documents: input.documents } : {}),
    ...(input.measurements ? { measurements: input.measurements } : {}),
    ...(input.photos ? { photos: input.photos } : {}),
    ...(input.objections ? { objections: input.objections } : {}),
    ...(input.approved ? { approved: input.approved } : {}),
    ...(input.conditions ? { conditions: input.conditions } : {}),
    ...(step.overdue ? { escalated: true } : {}),
  };
  const auditActor = decision.decidedBy;
  const comment = input.comment;

  await commitStepDecision(deps, step, decision, (current, stepWrite, stepNow) => {
    const change = {
      actor: auditActor,
      data,
      // The step as read in this attempt: MarkOverdue moves the case's head with the escalation, so a
      // timer that fired after the first read makes this attempt retry and see the step overdue.
      // A decided escalated step leaves the township head's escalations too.
      alsoWrite: [
        stepWrite,
        ...objectionWrites,
        ...(stepNow.overdue ? [deps.cases.steps.clearEscalation(step)] : []),
      ],
      ...(comment ? { comment } : {}),
    };
    if (verb === "none") {
      return deps.cases.record(current, {
        ...change,
        action: step.step === "joint_review" ? "respondToConsultation" : "decide",
      });
    }
    return deps.cases.transition(current, verb, {
      ...change,
      // Where the corrected case resumes: the status it was in when the correction was asked for.
      ...(verb === "requestCorrection" ? { set: { resumeTo: current.status } } : {}),
    });
  });

  const delivery = await deliverDecision(deps, caseId, stepId, decision);
  const stored = await deps.cases.steps.get(caseId, stepId);
  return { step: stepView(stored ?? { ...step, status: "responded", decision }), delivery };
}

/**
 * Sends a stored but undelivered decision again (its first send was lost or
 * the function died between commit and send): the `redeliver` recovery of an
 * `undelivered_decision` incident, which closes once the send succeeds. At most one sender at a time:
 * the caller takes the step's delivery lease first; a step already sent is 409.
 */
export async function redriveStep(
  deps: ReviewDeps,
  actor: Actor,
  caseId: string,
  stepId: string,
): Promise<DecisionResult> {
  const { step, record } = await stepAndCase(deps, caseId, stepId);
  enforce(mayRedrive(actor, step, record));
  if (step.status !== "responded" || !step.decision) throw new StepNotDecidedError(stepId);
  if (step.sentAt) {
    throw new DeliveryNotNeededError({
      en: `The decision on ${stepId} reached the workflow at ${step.sentAt}`,
      zh: `环节 ${stepId} 的决定已于 ${step.sentAt} 送达审批流程`,
    });
  }
  const leased = await deps.cases.steps.takeSendLease(caseId, stepId);
  if (!leased) {
    throw new DeliveryNotNeededError({
      en: `The decision on ${stepId} is being sent or was just sent; reload the step before trying again`,
      zh: `环节 ${stepId} 的决定正在发送或刚刚发送，请刷新后再试`,
    });
  }
  logger.info("Re-driving a stored decision", { caseId, stepId, by: actor.id });
  const delivery = await deliverDecision(deps, caseId, stepId, step.decision, {
    closesIncident: { id: actor.id, role: actor.role },
  });
  const stored = await deps.cases.steps.get(caseId, stepId);
  return { step: stepView(stored ?? step), delivery };
}
