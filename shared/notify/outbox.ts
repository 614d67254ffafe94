/**
 * The outbox: the items an event's messages are, written by CaseStore in the
 * same transaction as the event (so a message exists exactly when its event
 * does), and the key grammar of everything the notification module stores.
 *
 * - `INBOX#<recipient>` / `MSG#<at>#<caseId>#<seq>#<kind>`: the in-app message (消息), newest last.
 * - `OUTBOX#due` / `<dueAt>#<jobId>`: an SMS still owed (the sender's work list, oldest due first);
 *   moved (delete + put in one transaction) when it is claimed, deferred or retried.
 * - `OUTBOX#sent` / `<sentAt>#<jobId>`, `OUTBOX#failed` / `<failedAt>#<jobId>`,
 *   `OUTBOX#skipped` / `<at>#<jobId>`: what became of it (the county admin lists the failed ones).
 * - `READER#<userId>` / `INBOX#<recipient>`: how far a person has read an inbox (unread = newer).
 * - `PREFS#<recipient or user>` / `NOTIFY`: SMS opt-out of a household; a staff member's sealed phone.
 * - `DESK#<desk>` / `MEMBER#<userId>`: staff who get a desk's SMS.
 *
 * Idempotent per event and recipient: the keys derive from the event's case,
 * sequence number and kind, and every put is conditional, so a retried task or
 * request that re-runs a transition cannot write a second message (the event's
 * own conditional put fails first) and a re-expanded job cannot text twice.
 */

import type { AuditEvent } from "../schemas/audit-event.ts";
import type { CaseRecord } from "../schemas/case.ts";
import type { MessageParam, MessageTemplate, NotificationPolicy } from "../schemas/notifications.ts";
import type { TransactItem } from "../store/case-store.ts";
import {
  DUE_PARTITION,
  inboxPartitionOf,
  messageSortKey,
  outboxJobKey,
  readerKey as readerKeyOf,
} from "../store/keys.ts";
import { type Recipient, recipientKey } from "./desks.ts";
import type { MessageDraft } from "./messages.ts";

export {
  DUE_PARTITION,
  deskMemberKey,
  deskPartition,
  FAILED_PARTITION,
  householdPrefsKey,
  messageSortKey,
  SENT_PARTITION,
  SKIPPED_PARTITION,
  staffPrefsKey,
} from "../store/keys.ts";

/** An SMS job's id: the event's case, sequence number and kind, and the recipient (one job per event and recipient). */
const seqKey = (seq: number) => String(seq).padStart(10, "0");

export const inboxPartition = (recipient: Recipient) => inboxPartitionOf(recipientKey(recipient));
export const readerKey = (userId: string, recipient: Recipient) =>
  readerKeyOf(userId, recipientKey(recipient));

/** Fills a template's placeholders; `limit` cuts each value (SMS), absent keeps them whole (in-app). */
export function render(text: string, params: Partial<Record<MessageParam, string>>, limit?: number): string {
  return text.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const value = params[name as MessageParam] ?? "";
    return limit !== undefined && [...value].length > limit
      ? `${[...value].slice(0, limit - 1).join("")}…`
      : value;
  });
}

/** The parameters of one SMS as the provider gets them: only the template's own, each cut to the policy's limit. */
export function smsParams(
  template: MessageTemplate,
  params: Partial<Record<MessageParam, string>>,
  limit: number,
): Record<string, string> {
  return Object.fromEntries(
    template.params.map((name) => {
      const value = params[name] ?? "";
      return [name, [...value].length > limit ? `${[...value].slice(0, limit - 1).join("")}…` : value];
    }),
  );
}

/** What an SMS job carries; the sender works from it alone (plus the phone it opens at send time). */
export interface SmsJob {
  readonly jobId: string;
  readonly kind: MessageDraft["kind"];
  readonly recipient: string;
  /** Staff: the member of the desk this job texts (set when the desk job is expanded). */
  readonly member?: string;
  readonly caseId: string;
  readonly townshipCode: string;
  readonly policyId: string;
  readonly params: Partial<Record<MessageParam, string>>;
  readonly batched: boolean;
  readonly attempts: number;
  readonly createdAt: string;
  readonly lastError?: string;
}

/** A job as stored in the due list. */
export type DueJob = SmsJob & {
  readonly pk: string;
  readonly sk: string;
  readonly type: "sms-job";
  readonly dueAt: string;
};

export const jobItem = (dueAt: string, job: SmsJob): DueJob => ({
  ...outboxJobKey(DUE_PARTITION, dueAt, job.jobId),
  type: "sms-job" as const,
  dueAt,
  ...job,
});

/**
 * The items one event's messages are: the in-app message for each recipient
 * and, when the template is sent by SMS, a job due at once. Conditional puts:
 * a second write of the same (event, recipient, kind) fails the transaction
 * rather than produce a second message.
 */
export function outboxWrites(
  tableName: string,
  notifications: NotificationPolicy,
  record: CaseRecord,
  event: AuditEvent,
  drafts: readonly MessageDraft[],
): TransactItem[] {
  const writes: TransactItem[] = [];
  for (const draft of drafts) {
    const template = notifications.templates[draft.kind];
    if (!template) continue;
    const recipient = recipientKey(draft.recipient);
    writes.push({
      Put: {
        TableName: tableName,
        Item: {
          pk: inboxPartition(draft.recipient),
          sk: messageSortKey(event.at, record.caseId, event.seq, draft.kind),
          type: "message",
          recipient,
          caseId: record.caseId,
          seq: event.seq,
          kind: draft.kind,
          templateId: template.templateId,
          title: { zh: render(template.zh, draft.params), en: render(template.en, draft.params) },
          sms: template.sms,
          createdAt: event.at,
        },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    });
    if (!template.sms) continue;
    const job: SmsJob = {
      jobId: `${record.caseId}#${seqKey(event.seq)}#${draft.kind}#${recipient}`,
      kind: draft.kind,
      recipient,
      caseId: record.caseId,
      townshipCode: record.townshipCode,
      policyId: record.policyId,
      params: draft.params,
      batched: draft.batched,
      attempts: 0,
      createdAt: event.at,
    };
    writes.push({
      Put: {
        TableName: tableName,
        Item: jobItem(event.at, job),
        ConditionExpression: "attribute_not_exists(pk)",
      },
    });
  }
  return writes;
}
