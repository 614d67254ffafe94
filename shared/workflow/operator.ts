/**
 * The operator view (异常案件): the open incidents of a township for its
 * township head or the county admin, and the ONE action that recovers each
 * (shared/workflow/incidents.ts has the kinds). A recovery performs its
 * action first and closes the incident only once it took effect, so a lost
 * answer never hides a case that is still stuck; repeating it is harmless.
 */
import {
  DescribeExecutionCommand,
  RedriveExecutionCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import * as z from "zod";
import { jurisdictionOf } from "../audit/jurisdiction.ts";
import { type Actor, auditActorOf } from "../auth/actor.ts";
import {
  type Bilingual,
  DomainError,
  NotPermittedError,
  ResourceNotFoundError,
  TownshipRequiredError,
} from "../errors.ts";
import type { Cursors } from "../http/cursor.ts";
import { logger } from "../logger.ts";
import type { DeliveryDeps } from "../review/delivery.ts";
import { deliverDecision } from "../review/delivery.ts";
import type { IncidentQuery, IncidentView } from "../schemas/incidents.ts";
import { CaseStore } from "../store/case-store.ts";
import { StepStore } from "../store/step-store.ts";
import type { OperatorDecision } from "./contracts.ts";
import {
  closeIncident,
  type IncidentRecord,
  incidentCause,
  openIncidentsOf,
  RECOVERY_ACTION,
  type RecoveryAction,
  readIncident,
} from "./incidents.ts";
import type { WorkflowDeps } from "./open-step.ts";
import { NoRestartPointError, restartRun } from "./restart.ts";

/** The workflow no longer waits on that token (the task closed, or its run ended). */
const CLOSED_TASK_ERRORS = ["TaskTimedOut", "TaskDoesNotExist"];
/** RedriveExecution's answers for a run that can never be redriven. */
const NOT_REDRIVABLE = ["ExecutionNotRedrivable", "ExecutionDoesNotExist", "ExecutionLimitExceeded"];

export interface OperatorDeps extends WorkflowDeps {
  readonly sfn: SFNClient;
  /** The approval workflow, where a restart starts its run (restart.ts). */
  readonly stateMachineArn: string;
  /** Delivery retry settings for a redeliver (tests shorten them). */
  readonly delivery?: Pick<DeliveryDeps, "retry" | "reopenWait">;
}

/** Roles that see and recover incidents: the township head (own townships), the county admin (county). */
export const OPERATOR_ROLES = ["township_head", "county_admin"] as const;

export function incidentView(incident: IncidentRecord): IncidentView {
  return {
    caseId: incident.caseId,
    shortNumber: incident.caseId.slice(0, 8),
    incidentId: incident.incidentId,
    townshipCode: incident.townshipCode,
    kind: incident.kind,
    cause: incidentCause(incident),
    error: incident.error,
    ...(incident.message ? { message: incident.message } : {}),
    since: incident.openedAt,
    action: RECOVERY_ACTION[incident.kind],
    ...(incident.state ? { state: incident.state } : {}),
    ...(incident.stepId ? { stepId: incident.stepId } : {}),
  };
}

/** The recovery could not be performed now; the incident stays open (try again, or see the message). */
export class RecoveryFailedError extends DomainError {
  constructor(text: Bilingual) {
    super(text);
  }
}

/** The incident was already recovered. */
export class IncidentClosedError extends DomainError {
  constructor(incidentId: string) {
    super({ en: `Incident ${incidentId} is already closed`, zh: `异常事项 ${incidentId} 已处理` });
  }
}

function requireOperator(actor: Actor): void {
  if (!(OPERATOR_ROLES as readonly string[]).includes(actor.role)) {
    throw new NotPermittedError({
      en: `Incidents are for ${OPERATOR_ROLES.join(", ")} only`,
      zh: "异常案件仅供乡镇负责人和县级管理员查看",
    });
  }
}

function onlyTownship(townships: readonly string[]): string {
  const own = townships.filter((code) => code.length > 6);
  const [only] = own;
  if (own.length !== 1 || !only) {
    throw new TownshipRequiredError();
  }
  return only;
}

const cursorSchema = z.record(z.string(), z.string());

/** GET /incidents: one page of a township's open incidents, oldest first. */
export async function listIncidents(
  deps: Pick<WorkflowDeps, "client" | "tableName"> & { readonly cursors: Cursors },
  actor: Actor,
  query: IncidentQuery,
): Promise<{ township: string; items: IncidentView[]; nextCursor?: string }> {
  requireOperator(actor);
  const township = query.township ?? onlyTownship(actor.townships);
  if (!jurisdictionOf(actor).covers(township)) {
    throw new NotPermittedError({
      en: `Township ${township} is outside your jurisdiction`,
      zh: `乡镇 ${township} 不在您的管辖范围内`,
    });
  }
  // Sealed (shared/http/cursor.ts): opaque, bound to the route, the caller and the township.
  const scope = { route: "GET /incidents", caller: actor.id, query: { township } };
  const startKey = query.cursor ? await deps.cursors.open(scope, query.cursor, cursorSchema) : undefined;
  const page = await openIncidentsOf(deps, township, query.limit, startKey);
  return {
    township,
    items: page.items.map(incidentView),
    ...(page.nextKey ? { nextCursor: await deps.cursors.seal(scope, page.nextKey) } : {}),
  };
}

const errorName = (error: unknown) => (error as Error).name || "Error";

async function executionStatus(deps: OperatorDeps, executionArn: string): Promise<string | undefined> {
  try {
    const execution = await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
    return execution.status;
  } catch {
    return undefined;
  }
}

type Restarted = { readonly restart?: { readonly executionArn: string; readonly at: string } };

/**
 * The last resort when the incident's own action cannot take effect (no run waits for the task or
 * the decision, or the run cannot be redriven): restart from the case's last consistent step.
 */
async function restartInstead(
  deps: OperatorDeps,
  incident: IncidentRecord,
  actor: Actor,
  why: string,
): Promise<Restarted> {
  logger.warn("Recovery falls back to a restart", {
    caseId: incident.caseId,
    incidentId: incident.incidentId,
    why,
  });
  try {
    const restart = await restartRun(deps, incident.caseId, incident.incidentId, {
      id: actor.id,
      role: actor.role,
    });
    if (incident.kind === "undelivered_decision" && incident.stepId) {
      await StepStore.of(deps).supersede(incident.caseId, incident.stepId);
    }
    return { restart };
  } catch (error) {
    if (error instanceof NoRestartPointError) {
      throw new RecoveryFailedError({
        en: `${why}, and a case in status ${error.status} cannot be restarted from a step`,
        zh: `${why}；案件状态为 ${error.status}，无法从审批环节重新开始`,
      });
    }
    throw error;
  }
}

/** Performs the incident's action; throws RecoveryFailedError when it did not take effect. */
async function perform(
  deps: OperatorDeps,
  incident: IncidentRecord,
  taskToken: string | undefined,
  actor: Actor,
): Promise<Restarted> {
  switch (incident.kind) {
    case "task_failed": {
      if (!taskToken || !incident.state)
        return restartInstead(deps, incident, actor, "The failed task left no operator token");
      const retry: OperatorDecision = { retry: incident.state };
      try {
        await deps.sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(retry) }));
      } catch (error) {
        const status = incident.executionArn ? await executionStatus(deps, incident.executionArn) : undefined;
        if (CLOSED_TASK_ERRORS.includes(errorName(error)) || (status && status !== "RUNNING")) {
          return restartInstead(
            deps,
            incident,
            actor,
            `The workflow no longer waits for the retry (${errorName(error)})`,
          );
        }
        throw new RecoveryFailedError({
          en: `The workflow did not take the retry (${errorName(error)}${status ? `; the run is ${status}` : ""})`,
          zh: `流程未接受重试（${errorName(error)}${status ? `；运行状态 ${status}` : ""}）`,
        });
      }
      return {};
    }
    case "execution_failed": {
      if (!incident.executionArn)
        throw new RecoveryFailedError({
          en: "The incident names no execution",
          zh: "该异常事项未关联流程运行",
        });
      try {
        await deps.sfn.send(new RedriveExecutionCommand({ executionArn: incident.executionArn }));
      } catch (error) {
        // Redriven already (by another operator, or its answer was lost): nothing left to do.
        const status = await executionStatus(deps, incident.executionArn);
        if (status === "RUNNING") return {};
        if (NOT_REDRIVABLE.includes(errorName(error)) || status === undefined) {
          return restartInstead(
            deps,
            incident,
            actor,
            `Step Functions cannot redrive the run (${errorName(error)})`,
          );
        }
        throw new RecoveryFailedError({
          en: `Step Functions refused the redrive (${errorName(error)})`,
          zh: `流程服务拒绝了重新运行（${errorName(error)}）`,
        });
      }
      return {};
    }
    case "undelivered_decision": {
      if (!incident.stepId)
        throw new RecoveryFailedError({ en: "The incident names no step", zh: "该异常事项未关联审批环节" });
      const step = await StepStore.of(deps).get(incident.caseId, incident.stepId);
      if (!step?.decision)
        throw new RecoveryFailedError({
          en: `Step ${incident.stepId} holds no decision`,
          zh: `环节 ${incident.stepId} 没有已作出的决定`,
        });
      if (step.sentAt) return {};
      const leased = await StepStore.of(deps).takeSendLease(incident.caseId, incident.stepId);
      if (!leased)
        throw new RecoveryFailedError({
          en: "The decision is being sent right now; reload in a moment",
          zh: "决定正在发送，请稍后刷新",
        });
      const delivery = await deliverDecision(
        { ...deps, ...deps.delivery },
        incident.caseId,
        incident.stepId,
        step.decision,
      );
      if (delivery.status !== "sent" && CLOSED_TASK_ERRORS.includes(delivery.reason)) {
        return restartInstead(
          deps,
          incident,
          actor,
          `No run waits for the decision any more (${delivery.reason})`,
        );
      }
      if (delivery.status !== "sent") {
        throw new RecoveryFailedError({
          en: `The decision still did not reach the workflow (${delivery.reason})`,
          zh: `决定仍未送达流程（${delivery.reason}）`,
        });
      }
      return {};
    }
    case "stop_failed": {
      if (!incident.executionArn)
        throw new RecoveryFailedError({
          en: "The incident names no execution",
          zh: "该异常事项未关联流程运行",
        });
      try {
        await deps.sfn.send(
          new StopExecutionCommand({
            executionArn: incident.executionArn,
            error: "CaseWithdrawn",
            cause: `withdrawn by the household; stopped by ${actor.role}`,
          }),
        );
      } catch (error) {
        // Gone (expired from history, or never started): nothing runs, nothing to stop.
        if (errorName(error) === "ExecutionDoesNotExist") return {};
        const status = await executionStatus(deps, incident.executionArn);
        // Ended by itself meanwhile (its next task found the case closed): nothing left to stop.
        if (status && status !== "RUNNING") return {};
        throw new RecoveryFailedError({
          en: `Step Functions did not stop the run (${errorName(error)})`,
          zh: `流程服务未能停止运行（${errorName(error)}）`,
        });
      }
      return {};
    }
  }
}

/** POST /incidents/{caseId}/{incidentId}/recover: performs the incident's one action, then closes it. */
export async function recoverIncident(
  deps: OperatorDeps,
  actor: Actor,
  caseId: string,
  incidentId: string,
): Promise<{
  incident: IncidentView;
  action: RecoveryAction | "restart";
  restart?: { executionArn: string; at: string };
  closed: true;
}> {
  requireOperator(actor);
  const [found, record] = await Promise.all([
    readIncident(deps, caseId, incidentId),
    new CaseStore(deps.client, deps.tableName, deps.now).get(caseId),
  ]);
  // Outside the caller's jurisdiction reads as missing: no enumeration of other townships' cases.
  if (!found || !record || !jurisdictionOf(actor).covers(record.townshipCode)) {
    throw new ResourceNotFoundError({
      en: `No incident ${incidentId} on case ${caseId}`,
      zh: `案件 ${caseId} 没有异常事项 ${incidentId}`,
    });
  }
  const { incident, taskToken } = found;
  if (incident.status !== "open") throw new IncidentClosedError(incidentId);
  const action = RECOVERY_ACTION[incident.kind];
  logger.info("Recovering an incident", { caseId, incidentId, action, by: actor.id });
  const { restart } = await perform(deps, incident, taskToken, actor);
  const performed: RecoveryAction | "restart" = restart ? "restart" : action;
  // A redeliver closes the incident as it sends; closing again is a no-op.
  await closeIncident(deps, caseId, incidentId, {
    actor: auditActorOf(actor),
    action: performed,
  });
  return {
    incident: incidentView(incident),
    action: performed,
    ...(restart ? { restart } : {}),
    closed: true,
  };
}
