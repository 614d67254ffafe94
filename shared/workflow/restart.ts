/**
 * Restart from the last consistent step: the operator's recovery when the
 * run cannot be redriven (not redrivable, expired from history, gone) or a
 * decision cannot be re-delivered because no run waits for it any more. The
 * old run is stopped (if it still runs), and a new run of the same state
 * machine enters where the stored case stands (restart-point.ts) with a plan
 * rebuilt from the county policy and the stored pre-check. The case records
 * the new run (`restartWorkflow`, hash chain), so a withdraw stops the right
 * run and the old run's end is no incident (execution-status.ts).
 */

import { createHash } from "node:crypto";
import {
  DescribeExecutionCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { isTerminal } from "../domain/case-status.ts";
import { getShippedPolicy } from "../domain/policy/shipped-policies.ts";
import type { AuditActor } from "../schemas/audit-event.ts";
import type { CaseRecord } from "../schemas/case.ts";
import { CaseStore } from "../store/case-store.ts";
import { startClock } from "./construction.ts";
import type { WorkflowDeps } from "./open-step.ts";
import { type WorkflowPlan, workflowPlan } from "./plan.ts";
import { NoRestartPointError, type ResumePoint, resumePoint } from "./restart-point.ts";
import { executionArnOf } from "./runs.ts";

export { NoRestartPointError };

export interface RestartDeps extends WorkflowDeps {
  readonly sfn: SFNClient;
  readonly stateMachineArn: string;
}

/** Execution names: ≤ 80 characters, deterministic per recovery so a retried click starts one run. */
export function restartRunName(caseId: string, reason: string): string {
  return `${caseId}-restart-${createHash("sha256").update(reason).digest("hex").slice(0, 12)}`;
}

/** The plan a restart run carries: the county's limits from now; no notice left unless it still runs. */
function restartPlan(record: CaseRecord, point: ResumePoint, now: Date): WorkflowPlan {
  const policy = getShippedPolicy(record.policyId);
  // Before the pre-check (a restart at Precheck) the pre-check makes the plan itself: this one is not read.
  const plan = workflowPlan(policy, record.precheck ?? { blocked: false, departments: [] }, now);
  const noticeEnds = record.publicNotice?.endsAt;
  const noticeSeconds = noticeEnds
    ? Math.max(0, Math.ceil((Date.parse(noticeEnds) - now.getTime()) / 1000))
    : 0;
  return {
    ...plan,
    blocked: false,
    noticeSeconds: point.at === "PublicNotice" ? noticeSeconds : 0,
    ...(point.at === "JointReview" ? { departments: point.departments, round: point.round } : {}),
  };
}

function restartInput(record: CaseRecord, point: ResumePoint, now: Date): Record<string, unknown> {
  const plan = restartPlan(record, point, now);
  if (point.at === "Construction") {
    const policy = getShippedPolicy(record.policyId);
    const validUntil = record.construction?.validUntil;
    if (!validUntil) throw new NoRestartPointError(record.status);
    const clock = startClock(new Date(validUntil), now, policy.construction.reminderBeforeValidityEnds);
    return { caseId: record.caseId, phase: "construction", construction: { next: "wait", clock }, plan };
  }
  return { caseId: record.caseId, phase: "restart", resume: { at: point.at }, plan };
}

async function stopIfRunning(deps: RestartDeps, executionArn: string | undefined): Promise<void> {
  if (!executionArn) return;
  try {
    const { status } = await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (status !== "RUNNING") return;
    await deps.sfn.send(
      new StopExecutionCommand({
        executionArn,
        error: "RestartedByOperator",
        cause: "restarted from the case's last consistent step",
      }),
    );
  } catch (error) {
    if ((error as Error).name !== "ExecutionDoesNotExist") throw error;
  }
}

/**
 * Stops the case's run and starts one where the case stands. `reason` names the recovery
 * (the incident id): the same reason starts the same run, never two.
 */
export async function restartRun(
  deps: RestartDeps,
  caseId: string,
  reason: string,
  actor: AuditActor,
): Promise<{ executionArn: string; at: ResumePoint["at"] }> {
  const store = new CaseStore(deps.client, deps.tableName, deps.now);
  const { record, steps } = await store.load(caseId);
  if (isTerminal(record.status)) throw new NoRestartPointError(record.status);
  const point = resumePoint(record, steps);
  const name = restartRunName(caseId, reason);
  const executionArn = executionArnOf(deps.stateMachineArn, name);
  if (record.executionArn !== executionArn) {
    // The case names the new run first: the old run's end (aborted just below) is then no incident.
    await store.withRetry(caseId, (latest) =>
      store.record(latest, {
        actor,
        action: "restartWorkflow",
        data: { from: latest.executionArn ?? null, executionArn, at: point.at },
        set: { executionArn },
      }),
    );
    await stopIfRunning(deps, record.executionArn);
  }
  try {
    await deps.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: deps.stateMachineArn,
        name,
        input: JSON.stringify(restartInput(record, point, deps.now())),
      }),
    );
  } catch (error) {
    // Started by an earlier attempt of the same recovery (its answer was lost).
    if ((error as Error).name !== "ExecutionAlreadyExists") throw error;
  }
  return { executionArn, at: point.at };
}
