/**
 * The Precheck task: runs the automatic pre-check on a submitted case, records
 * it on the case, moves the case on (or back to the villager), and returns the
 * plan the state machine runs on.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { isTerminal } from "../domain/case-status.ts";
import { getShippedPolicy } from "../domain/policy/shipped-policies.ts";
import { runPrecheck } from "../domain/precheck/run-precheck.ts";
import { applicationCompleteSchema } from "../schemas/application.ts";
import type { CaseRecord } from "../schemas/case.ts";
import type { PrecheckResult } from "../schemas/precheck.ts";
import { CaseStore } from "../store/case-store.ts";
import { ReferenceStore } from "../store/reference-store.ts";
import { WORKFLOW_ACTOR } from "./contracts.ts";
import { CaseClosedError } from "./errors.ts";
import { type WorkflowPlan, workflowPlan } from "./plan.ts";

/** The stored application does not pass the submission schema: the submit API should have refused it. */
export class ApplicationIncompleteError extends Error {
  override readonly name = "ApplicationIncompleteError";
}

export interface PrecheckDeps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly now: () => Date;
}

function summary(result: PrecheckResult) {
  return {
    blocked: result.blocked,
    departments: result.departments,
    findings: result.findings.map((finding) => ({ ruleId: finding.ruleId, severity: finding.severity })),
  };
}

/**
 * Safe to re-run (Step Functions retries): each status change is applied only
 * from the status it starts from, so a retry after a partial success finishes
 * the remaining transitions instead of failing on the first.
 */
export async function precheckCase(deps: PrecheckDeps, caseId: string): Promise<WorkflowPlan> {
  const store = new CaseStore(deps.client, deps.tableName, deps.now);
  const references = new ReferenceStore(deps.client, deps.tableName);
  const initial = await store.require(caseId);
  // Withdrawn before the pre-check ran (its run could not be stopped): end the run.
  if (isTerminal(initial.status)) throw new CaseClosedError(caseId, initial.status);
  const policy = getShippedPolicy(initial.policyId);
  const application = applicationCompleteSchema.safeParse(initial.application);
  if (!application.success) {
    throw new ApplicationIncompleteError(`Case ${caseId}: the stored application is not complete`);
  }
  const facts = await references.factsFor(
    initial.householdId,
    initial.villageCode,
    application.data.proposedPlot.location,
  );
  const result = runPrecheck(application.data, policy, facts);

  await store.withRetry(caseId, async (record: CaseRecord) => {
    let current = record;
    if (current.status === "submitted") {
      current = result.blocked
        ? await store.transition(current, "returnToApplicant", {
            actor: WORKFLOW_ACTOR,
            facts: { precheckBlocked: true },
            set: { precheck: result },
            data: summary(result),
          })
        : await store.transition(current, "completePrecheck", {
            actor: WORKFLOW_ACTOR,
            facts: { precheckBlocked: false },
            set: { precheck: result, departments: result.departments },
            data: summary(result),
          });
    }
    if (current.status === "prechecked") {
      current = await store.transition(current, "startPublicNotice", {
        actor: WORKFLOW_ACTOR,
        data: { days: policy.publicNotice.days, workingDays: policy.publicNotice.workingDays },
      });
    }
    return current;
  });
  return workflowPlan(policy, result, deps.now());
}
