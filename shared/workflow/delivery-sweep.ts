/**
 * The decision delivery sweep (a scheduled function, once a minute): a decision
 * is committed first and sent to the workflow second (shared/review/delivery.ts).
 * A deciding call that dies in between — a Lambda timeout, a crash, a restart of
 * the local cloud — leaves a decided step that nobody sends, and a case that
 * waits in silence. Every decided step stays in byUndeliveredDecision until it
 * is sent; the sweep sends each one whose sender's lease ran out. A send that
 * fails there ends as everywhere else: the step shows unsent and the operator
 * view gets an `undelivered_decision` incident (its recovery is re-delivery).
 */
import { isTerminal } from "../domain/case-status.ts";
import { logger } from "../logger.ts";
import { type DeliveryDeps, deliverDecision } from "../review/delivery.ts";
import { CaseStore } from "../store/case-store.ts";
import { StepStore } from "../store/step-store.ts";
import { WORKFLOW_ACTOR } from "./contracts.ts";

/** Steps looked at per sweep; the rest wait for the next minute (oldest first). */
const PAGE = 100;

export interface SweepResult {
  /** Decided steps older than their lease that were still unsent. */
  readonly found: number;
  readonly sent: number;
  /** Sends that failed again: now in the operator view. */
  readonly pending: number;
  /** Left alone: a sender holds the lease, or the operator was already told (sendError). */
  readonly skipped: number;
}

export async function sweepUndeliveredDecisions(deps: DeliveryDeps): Promise<SweepResult> {
  const steps = StepStore.of(deps);
  const undelivered = await steps.undelivered(PAGE);
  let sent = 0;
  let pending = 0;
  let skipped = 0;
  let found = 0;
  for (const { caseId, stepId } of undelivered) {
    const step = await steps.get(caseId, stepId);
    if (!step?.decision || step.sentAt) continue;
    const record = await new CaseStore(deps.client, deps.tableName, deps.now).get(caseId);
    if (!record || isTerminal(record.status)) {
      // Withdrawn (or closed) before its decision was sent: no run waits for it any more.
      await steps.dropUndelivered(caseId, stepId);
      continue;
    }
    found += 1;
    // An operator was told already (sendError and its incident): their re-delivery, not ours.
    if (step.sendError) {
      skipped += 1;
      continue;
    }
    if (!(await steps.takeSendLease(caseId, stepId))) {
      skipped += 1;
      continue;
    }
    logger.warn("A decision was stored but never sent; sending it now", { caseId, stepId });
    const delivery = await deliverDecision(deps, caseId, stepId, step.decision, {
      closesIncident: WORKFLOW_ACTOR,
    });
    if (delivery.status === "sent") sent += 1;
    else pending += 1;
  }
  const result = { found, sent, pending, skipped };
  if (found > 0) logger.info("Delivery sweep", { ...result });
  return result;
}
