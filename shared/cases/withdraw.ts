/**
 * The household withdraws its case before approval: the withdrawal and the
 * closing of its open steps in one transaction, then its workflow run stopped.
 */
import { StopExecutionCommand } from "@aws-sdk/client-sfn";
import { type Actor, auditActorOf } from "../auth/actor.ts";
import { isTerminal } from "../domain/case-status.ts";
import { logger } from "../logger.ts";
import type { CaseRecord } from "../schemas/case.ts";
import { CaseChangedError } from "../store/case-store.ts";
import { openIncident } from "../workflow/incidents.ts";
import { CaseAlreadyClosedError } from "./errors.ts";
import { ownCaseItems, type VillagerDeps } from "./villager.ts";

/**
 * Whether the case's run is over: `stopped` (StopExecution answered, or no
 * run), `stopping` (it could not be stopped now: a `stop_failed` incident asks
 * an operator to stop it, and the run ends by itself at its next task at the
 * latest — every task ends the run of a closed case, CaseClosedError).
 */
export type WorkflowStop = "stopped" | "stopping";

/**
 * Withdraws a case before approval and stops its workflow. All-or-nothing
 * from the household's view: once the withdrawal is committed the answer is
 * the withdrawn case, whatever Step Functions does.
 */
export async function withdrawCase(
  deps: VillagerDeps,
  actor: Actor,
  caseId: string,
  reason: string | undefined,
): Promise<{ record: CaseRecord; workflow: WorkflowStop }> {
  const withdrawn = await withdrawOnce(deps, actor, caseId, reason);
  if (!withdrawn.executionArn || !deps.sfn) return { record: withdrawn, workflow: "stopped" };
  return { record: withdrawn, workflow: await stopRun(deps, withdrawn, withdrawn.executionArn) };
}

/**
 * The withdrawal's transaction. The workflow may move the case at the same
 * moment (a step opening, the pre-check): the household's withdrawal is
 * re-read and applied again rather than answered 409.
 */
async function withdrawOnce(
  deps: VillagerDeps,
  actor: Actor,
  caseId: string,
  reason: string | undefined,
  tries = 5,
): Promise<CaseRecord> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await withdrawTransaction(deps, actor, caseId, reason);
    } catch (error) {
      const raced =
        error instanceof CaseChangedError || (error as Error).name === "TransactionCanceledException";
      if (!raced || attempt >= tries) throw error;
    }
  }
}

async function withdrawTransaction(
  deps: VillagerDeps,
  actor: Actor,
  caseId: string,
  reason: string | undefined,
): Promise<CaseRecord> {
  const { record, steps } = await ownCaseItems(deps, actor, caseId);
  if (isTerminal(record.status)) throw new CaseAlreadyClosedError(record.status);
  // Open steps close with the case in one transaction: they leave every queue and can no longer be decided.
  const open = steps.filter((step) => step.status === "awaiting_response");
  return deps.store.transition(record, "withdraw", {
    actor: auditActorOf(actor),
    ...(reason ? { comment: reason } : {}),
    ...(open.length > 0 ? { data: { cancelledSteps: open.map((step) => step.stepId) } } : {}),
    alsoWrite: deps.store.steps.cancel(open),
  });
}

const SYSTEM_ACTOR = { id: "system", role: "system" } as const;

/** StopExecution (the SDK retries transient errors); on failure a `stop_failed` incident. */
async function stopRun(deps: VillagerDeps, record: CaseRecord, executionArn: string): Promise<WorkflowStop> {
  try {
    await deps.sfn?.send(
      new StopExecutionCommand({ executionArn, error: "CaseWithdrawn", cause: "withdrawn by the household" }),
    );
    return "stopped";
  } catch (error) {
    const name = (error as Error).name || "Error";
    logger.error("Withdrawn case's workflow not stopped", { caseId: record.caseId, error: name });
    try {
      await openIncident(
        { client: deps.store.client, tableName: deps.store.tableName, now: () => new Date() },
        { caseId: record.caseId, kind: "stop_failed", error: name, executionArn, actor: SYSTEM_ACTOR },
      );
    } catch (incidentError) {
      // The run still ends at its next task (CaseClosedError); the answer stays the withdrawn case.
      logger.error("stop_failed incident not recorded", {
        caseId: record.caseId,
        error: (incidentError as Error).name,
      });
    }
    return "stopping";
  }
}
