/**
 * Incidents: what the operator view (异常案件) lists. Every failure that
 * would otherwise leave a case standing still becomes one INCIDENT item in
 * the case's partition, with the ONE action that recovers it:
 *
 * | kind                 | opened by                                   | action    |
 * |----------------------|---------------------------------------------|-----------|
 * | task_failed          | the workflow's `<Task>Failed` (retries spent)| retry     |
 * | execution_failed     | the execution status-change rule (FAILED,   | redrive   |
 * |                      | TIMED_OUT, ABORTED not by a withdraw)       |           |
 * | undelivered_decision | the decide/redrive delivery (sends spent)   | redeliver |
 * | stop_failed          | withdraw (StopExecution failed)             | stop      |
 *
 * Opening and closing are one transaction each with the case: the case's
 * `incidents` list (the household sees "有问题，工作人员已知晓") and an audit
 * event (`openIncident` / `closeIncident`, hash chain) change with the item.
 * Open incidents carry the byOpenIncident keys; closing removes them.
 * Idempotent: at most one open incident per subject (a task state and
 * department, an execution, a step), so a retried writer updates it (a new
 * operator token) instead of opening another. A task token is stored here
 * only, never returned.
 */
import * as z from "zod";
import { logger } from "../logger.ts";
import type { AuditActor } from "../schemas/audit-event.ts";
import type { CaseRecord } from "../schemas/case.ts";
import type { LocalizedText } from "../schemas/common.ts";
import { INCIDENT_KINDS } from "../schemas/incidents.ts";
import { CaseStore } from "../store/case-store.ts";
import { IncidentStore } from "../store/incident-store.ts";
import { WORKFLOW_ACTOR } from "./contracts.ts";
import type { WorkflowDeps } from "./open-step.ts";

export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** The one action that recovers each kind. */
export const RECOVERY_ACTION = {
  task_failed: "retry",
  execution_failed: "redrive",
  undelivered_decision: "redeliver",
  stop_failed: "stop",
} as const satisfies Record<IncidentKind, string>;
export type RecoveryAction = (typeof RECOVERY_ACTION)[IncidentKind];

export const incidentRecordSchema = z.object({
  caseId: z.string(),
  incidentId: z.string(),
  kind: z.enum(INCIDENT_KINDS),
  status: z.enum(["open", "closed"]),
  townshipCode: z.string(),
  openedAt: z.iso.datetime(),
  /** The error name (Step Functions' `Error`, the SDK's error name). */
  error: z.string(),
  /** What the error said, trimmed (never a stack trace). */
  message: z.string().optional(),
  /** task_failed: the state that failed (and the department of a consultation). */
  state: z.string().optional(),
  department: z.string().optional(),
  /** undelivered_decision: the step whose decision did not reach the workflow. */
  stepId: z.string().optional(),
  /** execution_failed / stop_failed / task_failed: the run concerned. */
  executionArn: z.string().optional(),
  closedAt: z.iso.datetime().optional(),
  closedBy: z.string().optional(),
});
export type IncidentRecord = z.infer<typeof incidentRecordSchema>;

export interface OpenIncidentInput {
  readonly caseId: string;
  readonly kind: IncidentKind;
  readonly error: string;
  readonly message?: string;
  readonly state?: string;
  readonly department?: string;
  readonly stepId?: string;
  readonly executionArn?: string;
  /** task_failed: the operator loop's token (stored here only). */
  readonly taskToken?: string;
  readonly actor?: AuditActor;
}

const MAX_MESSAGE = 500;

/** Lambda errors arrive as `{"errorType","errorMessage","trace"}` text: keep the message, drop the trace. */
export function failureMessage(cause: string | undefined): string | undefined {
  if (!cause) return undefined;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === "string") return parsed.errorMessage.slice(0, MAX_MESSAGE);
  } catch {
    // Not JSON: a States.* error's plain text.
  }
  return cause.slice(0, MAX_MESSAGE);
}

/**
 * What an incident is about: one open incident per subject. URL-safe (it
 * starts the incident id, a path segment of the recover route).
 */
export function incidentSubject(
  input: Pick<OpenIncidentInput, "kind" | "state" | "department" | "stepId">,
): string {
  const parts =
    input.kind === "task_failed"
      ? [input.kind, input.state ?? "task", ...(input.department ? [input.department] : [])]
      : input.kind === "undelivered_decision"
        ? [input.kind, input.stepId ?? "step"]
        : [input.kind];
  return parts.join(".").replace(/[^A-Za-z0-9._-]/g, "-");
}

const compactTime = (at: string) => at.replace(/[-:.]/g, "");

/** Plain words for an error name: what an operator and a head can read. */
function plainError(error: string): LocalizedText {
  if (/Timedout|Timeout/i.test(error)) return { zh: "处理超时", en: "it took too long" };
  if (/Throttl|TooManyRequests|ProvisionedThroughput|RequestLimit/i.test(error)) {
    return { zh: "云服务繁忙（限流）", en: "the cloud service was busy (throttled)" };
  }
  if (/ServiceException|InternalServer|ServiceUnavailable|5\d\d/i.test(error)) {
    return { zh: "云服务内部错误", en: "the cloud service failed" };
  }
  if (/ECONNRESET|socket|network|SdkClient/i.test(error)) {
    return { zh: "网络连接中断", en: "the network connection broke" };
  }
  return { zh: `错误 ${error}`, en: `error ${error}` };
}

/** The cause in plain words (zh + en), from the stored incident. */
export function incidentCause(incident: IncidentRecord): LocalizedText {
  const why = plainError(incident.error);
  switch (incident.kind) {
    case "task_failed":
      return {
        zh: `审批流程的一步（${incident.state ?? "任务"}${incident.department ? `，${incident.department}` : ""}）多次重试后仍失败：${why.zh}。`,
        en: `A workflow task (${incident.state ?? "task"}${incident.department ? `, ${incident.department}` : ""}) still failed after its retries: ${why.en}.`,
      };
    case "execution_failed":
      return {
        zh: `审批流程意外停止（${incident.error}）。`,
        en: `The case's workflow run stopped unexpectedly (${incident.error}).`,
      };
    case "undelivered_decision":
      return {
        zh: `审核决定（${incident.stepId ?? ""}）已保存，但未送达审批流程：${why.zh}。`,
        en: `A decision (${incident.stepId ?? ""}) was saved but did not reach the workflow: ${why.en}.`,
      };
    case "stop_failed":
      return {
        zh: `案件已撤回，但审批流程未能停止：${why.zh}。`,
        en: `The case was withdrawn but its workflow run could not be stopped: ${why.en}.`,
      };
  }
}

/**
 * One EMF metric line (CloudWatch embedded metric format): the alarms on
 * incidents read `Nongfang/IncidentsOpened` by kind (infra/constructs/approval-workflow.ts).
 */
export function emitIncidentMetric(kind: IncidentKind): void {
  process.stdout.write(
    `${JSON.stringify({
      _aws: {
        Timestamp: Date.now(),
        CloudWatchMetrics: [
          {
            Namespace: "Nongfang",
            Dimensions: [["kind"], []],
            Metrics: [{ Name: "IncidentsOpened", Unit: "Count" }],
          },
        ],
      },
      kind,
      IncidentsOpened: 1,
    })}\n`,
  );
}

/** The stored incident (with its token, for the recovery code only). */
export async function readIncident(
  deps: Pick<WorkflowDeps, "client" | "tableName">,
  caseId: string,
  incidentId: string,
): Promise<{ incident: IncidentRecord; taskToken?: string } | undefined> {
  const Item = await IncidentStore.of(deps).get(caseId, incidentId);
  if (!Item) return undefined;
  return {
    incident: incidentRecordSchema.parse(Item),
    ...(typeof Item.taskToken === "string" ? { taskToken: Item.taskToken } : {}),
  };
}

/** The case's open incident on this subject, if any. */
export function openIncidentOn(record: CaseRecord, subject: string): string | undefined {
  return (record.incidents ?? []).find((id) => id.startsWith(`${subject}~`));
}

/**
 * Opens the incident (item, case list, `openIncident` event in one
 * transaction), or — when one is already open on the subject (a retried
 * writer) — only stores the new token on it.
 */
export async function openIncident(
  deps: WorkflowDeps,
  input: OpenIncidentInput,
): Promise<{ incidentId: string; opened: boolean }> {
  const store = new CaseStore(deps.client, deps.tableName, deps.now);
  const subject = incidentSubject(input);
  return store.withRetry(input.caseId, async (record) => {
    const existing = openIncidentOn(record, subject);
    if (existing) {
      if (input.taskToken) {
        await IncidentStore.of(deps).storeToken(input.caseId, existing, input.taskToken);
      }
      return { incidentId: existing, opened: false };
    }
    const openedAt = deps.now().toISOString();
    const incidentId = `${subject}~${compactTime(openedAt)}`;
    const incident: IncidentRecord = {
      caseId: input.caseId,
      incidentId,
      kind: input.kind,
      status: "open",
      townshipCode: record.townshipCode,
      openedAt,
      error: input.error,
      ...(input.message ? { message: input.message.slice(0, MAX_MESSAGE) } : {}),
      ...(input.state ? { state: input.state } : {}),
      ...(input.department ? { department: input.department } : {}),
      ...(input.stepId ? { stepId: input.stepId } : {}),
      ...(input.executionArn ? { executionArn: input.executionArn } : {}),
    };
    await store.record(record, {
      actor: input.actor ?? WORKFLOW_ACTOR,
      action: "openIncident",
      data: {
        incidentId,
        kind: input.kind,
        action: RECOVERY_ACTION[input.kind],
        error: input.error,
        ...(incident.message ? { message: incident.message } : {}),
        ...(input.state ? { state: input.state } : {}),
        ...(input.stepId ? { stepId: input.stepId } : {}),
      },
      set: {
        incidents: [...(record.incidents ?? []), incidentId],
        ...(input.kind === "task_failed" ? { failure: { error: input.error, at: openedAt } } : {}),
      },
      alsoWrite: [IncidentStore.of(deps).open(incident, input.taskToken)],
    });
    logger.warn("Incident opened", {
      caseId: input.caseId,
      incidentId,
      kind: input.kind,
      error: input.error,
    });
    emitIncidentMetric(input.kind);
    return { incidentId, opened: true };
  });
}

/**
 * Closes an open incident (item, case list, `closeIncident` event in one
 * transaction); false when it was already closed (a repeated recovery).
 */
export async function closeIncident(
  deps: WorkflowDeps,
  caseId: string,
  incidentId: string,
  closing: { readonly actor: AuditActor; readonly action: string; readonly note?: string },
): Promise<boolean> {
  const store = new CaseStore(deps.client, deps.tableName, deps.now);
  return store.withRetry(caseId, async (record) => {
    if (!(record.incidents ?? []).includes(incidentId)) return false;
    const at = deps.now().toISOString();
    await store.record(record, {
      actor: closing.actor,
      action: "closeIncident",
      data: { incidentId, action: closing.action, ...(closing.note ? { note: closing.note } : {}) },
      set: { incidents: (record.incidents ?? []).filter((id) => id !== incidentId) },
      alsoWrite: [IncidentStore.of(deps).close(caseId, incidentId, at, closing.actor.id)],
    });
    return true;
  });
}

/** Closes the case's open incident on `subject`, if there is one (a recovery that happened another way). */
export async function closeIncidentOn(
  deps: WorkflowDeps,
  caseId: string,
  subject: string,
  closing: { readonly actor: AuditActor; readonly action: string; readonly note?: string },
): Promise<boolean> {
  const store = new CaseStore(deps.client, deps.tableName, deps.now);
  const record = await store.get(caseId);
  const incidentId = record ? openIncidentOn(record, subject) : undefined;
  return incidentId ? closeIncident(deps, caseId, incidentId, closing) : false;
}

export interface IncidentPage {
  readonly items: IncidentRecord[];
  readonly nextKey?: Record<string, unknown>;
}

/** One page of a township's open incidents, oldest first (byOpenIncident, then the items by key; no Scan). */
export async function openIncidentsOf(
  deps: Pick<WorkflowDeps, "client" | "tableName">,
  townshipCode: string,
  limit: number,
  startKey?: Record<string, unknown>,
): Promise<IncidentPage> {
  // One that closed between the index read and the item read is left out: it is no longer open.
  const { items, nextKey } = await IncidentStore.of(deps).openPage(townshipCode, limit, startKey);
  return {
    items: items
      .map((item) => incidentRecordSchema.parse(item))
      .filter((incident) => incident.status === "open"),
    ...(nextKey ? { nextKey } : {}),
  };
}
