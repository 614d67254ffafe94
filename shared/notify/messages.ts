/**
 * Who is told what: the messages one audit event causes, computed from the
 * event itself (no reads), so CaseStore writes them in the same transaction as
 * the event (the outbox, shared/notify/outbox.ts).
 *
 * A kind is sent only when the county policy has a template for it
 * (policy `notifications.templates`); the recipients follow from the event:
 * household kinds go to the case's household, staff kinds to a desk — the
 * queue of one role or department in one township, which every staff member
 * working that queue reads (shared/notify/desks.ts).
 */
import { addDuration } from "../domain/time-limits.ts";
import type { AuditEvent } from "../schemas/audit-event.ts";
import type { CaseRecord, StepKind } from "../schemas/case.ts";
import type { MessageKind, MessageParam, NotificationPolicy } from "../schemas/notifications.ts";
import type { CountyPolicy } from "../schemas/policy.ts";
import { STEP_RULES } from "../workflow/steps.ts";
import { deskOf, type Recipient } from "./desks.ts";

export interface MessageDraft {
  readonly kind: MessageKind;
  readonly recipient: Recipient;
  /** Every parameter in full (the in-app message). */
  readonly params: Partial<Record<MessageParam, string>>;
  /** Staff `step_opened` messages: their SMS waits for the person's batch or digest. */
  readonly batched: boolean;
}

const STEP_NAMES_ZH: Readonly<Record<StepKind, string>> = {
  village_review: "村级审查",
  township_acceptance: "乡镇受理",
  joint_review: "部门联审",
  correction: "补正",
  township_approval: "乡镇审批",
  site_visit_staking: "开工前现场放样",
  completion_report: "竣工申报",
  site_visit_completion: "竣工验收",
  correction_lapse: "补正逾期处理",
};

const KIND_ZH: Readonly<Record<string, string>> = { homestead: "宅基地", farmhouse: "农房建设" };

/** Form sections as a villager names them (a correction lists what to redo). */
const FIELD_ZH: Readonly<Record<string, string>> = {
  kind: "申请类型",
  head: "户主信息",
  members: "家庭成员",
  currentHomestead: "现有宅基地",
  proposedPlot: "拟用地",
  building: "建房方案",
  neighboursConsulted: "四邻意见",
  reason: "申请理由",
};

/** A short, stable reference a villager can read out on the phone: the first 8 characters of the case id. */
export const caseRef = (caseId: string): string => caseId.replace(/-/g, "").slice(0, 8).toUpperCase();

/** `2026-12-03T10:00:00Z` → `12月3日` in the county's local time. */
export function localDate(iso: string, offsetMinutes: number): string {
  const local = new Date(Date.parse(iso) + offsetMinutes * 60_000);
  return `${local.getUTCMonth() + 1}月${local.getUTCDate()}日`;
}

function stepName(policy: CountyPolicy, step: string | undefined, department: string | undefined): string {
  if (step === "joint_review" && department) {
    const name = policy.departments.find((candidate) => candidate.id === department)?.name.zh;
    return name ? `${name}审查` : STEP_NAMES_ZH.joint_review;
  }
  return STEP_NAMES_ZH[step as StepKind] ?? step ?? "";
}

function fieldNames(data: Record<string, unknown>): string {
  const names = new Set<string>();
  for (const path of Array.isArray(data.fields) ? data.fields : []) {
    const head = String(path).split(".")[0] ?? "";
    names.add(FIELD_ZH[head] ?? head);
  }
  if (Array.isArray(data.documents) && data.documents.length > 0) names.add("申请材料");
  return [...names].join("、") || "申请内容";
}

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** What caused an event's messages, in the policy's words; undefined: the event tells nobody. */
export function messagesFor(policy: CountyPolicy, before: CaseRecord, event: AuditEvent): MessageDraft[] {
  const notifications = policy.notifications;
  if (!notifications) return [];
  const drafts = draftsFor(policy, notifications, before, event);
  return drafts.filter((draft) => notifications.templates[draft.kind] !== undefined);
}

function draftsFor(
  policy: CountyPolicy,
  notifications: NotificationPolicy,
  before: CaseRecord,
  event: AuditEvent,
): MessageDraft[] {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const household: Recipient = { type: "household", id: before.householdId };
  const date = (iso: unknown) =>
    typeof iso === "string" ? localDate(iso, notifications.utcOffsetMinutes) : "规定期限";
  const base = { caseRef: caseRef(before.caseId), kind: KIND_ZH[before.kind] ?? before.kind };
  const toHousehold = (
    kind: MessageKind,
    params: Partial<Record<MessageParam, string>> = {},
  ): MessageDraft => ({
    kind,
    recipient: household,
    params: { ...base, ...params },
    batched: false,
  });
  const stepDesk = (step: string | undefined, department: string | undefined): Recipient | undefined => {
    const rule = STEP_RULES[step as StepKind];
    if (!rule || rule.queueRole === "villager") return undefined;
    const queue = rule.queueRole === "department" ? department : rule.queueRole;
    return queue ? deskOf(queue, before.townshipCode) : undefined;
  };
  const drafts: MessageDraft[] = [];

  switch (event.action) {
    case "submit":
      drafts.push(toHousehold("submitted"));
      break;
    case "accept":
      drafts.push(toHousehold("accepted"));
      break;
    case "returnToApplicant": {
      const findings = Array.isArray(data.findings) ? data.findings : [];
      const blocking = findings.filter(
        (finding) => (finding as { severity?: unknown }).severity === "block",
      ).length;
      const reason = event.comment ?? (blocking > 0 ? `预审发现${blocking}项问题` : "材料不符合要求");
      drafts.push(toHousehold("returned", { reason }));
      break;
    }
    case "requestCorrection":
      drafts.push(
        toHousehold("correction_requested", {
          fields: fieldNames(data),
          // The correction step opens right after with this limit (open-step.ts); its date is the same day.
          deadline: date(
            addDuration(new Date(event.at), policy.timeLimits.correction_response).toISOString(),
          ),
          ...(event.comment ? { reason: event.comment } : {}),
        }),
      );
      break;
    case "startPublicNotice":
      drafts.push(toHousehold("notice_started", { endsAt: date(data.endsAt) }));
      break;
    case "lodgeObjection":
      drafts.push(toHousehold("objection_lodged"));
      break;
    case "approve":
      drafts.push(toHousehold("approved"));
      break;
    case "reject":
      drafts.push(toHousehold("rejected", { reason: event.comment ?? "经审查不符合审批条件" }));
      break;
    case "issueCertificates": {
      const certificates = Array.isArray(data.certificates) ? data.certificates.length : 0;
      drafts.push(toHousehold("certificates_ready", { certificates: `${certificates}份` }));
      break;
    }
    case "remind":
      if (data.step === "completion_report") {
        drafts.push(toHousehold("completion_reminder", { validUntil: date(data.validUntil) }));
      } else {
        const desk = stepDesk(str(data.step), str(data.department));
        if (desk)
          drafts.push({
            kind: "step_reminder",
            recipient: desk,
            params: {
              ...base,
              step: stepName(policy, str(data.step), str(data.department)),
              deadline: date(data.deadline),
            },
            batched: false,
          });
      }
      break;
    case "escalate":
      drafts.push({
        kind: "escalated",
        recipient: deskOf("township_head", before.townshipCode),
        params: { ...base, step: stepName(policy, str(data.step), str(data.department)) },
        batched: false,
      });
      break;
    case "openIncident":
      for (const queue of ["township_head", "county_admin"])
        drafts.push({
          kind: "incident_opened",
          recipient: deskOf(queue, before.townshipCode),
          params: base,
          batched: false,
        });
      break;
    default:
      break;
  }
  // The end of the public notice is the village review's start.
  if (event.toStatus === "in_village_review" && before.status === "in_public_notice")
    drafts.push(toHousehold("notice_ended"));

  // A step opened (its own event, or the transition its opening applies): the desk that works it.
  const stepId = str(data.stepId);
  const step = str(data.step);
  const opens =
    stepId !== undefined &&
    step !== undefined &&
    data.deadline !== undefined &&
    data.outcome === undefined &&
    ["openStep", "consult"]
      .concat(Object.values(STEP_RULES).flatMap((rule) => rule.onOpen?.verb ?? []))
      .includes(event.action);
  if (opens) {
    const desk = stepDesk(step, str(data.department));
    if (desk)
      drafts.push({
        kind: "step_opened",
        recipient: desk,
        params: {
          ...base,
          step: stepName(policy, step, str(data.department)),
          deadline: date(data.deadline),
        },
        batched: true,
      });
    if (step === "site_visit_staking" || step === "site_visit_completion")
      drafts.push(
        toHousehold("visit_scheduled", {
          step: stepName(policy, step, undefined),
          deadline: date(data.deadline),
        }),
      );
  }
  return drafts;
}
