/**
 * The case and event items of a case's transaction (shared/store/case-store.ts):
 * their keys, the outbox items an event causes, and the key attributes stripped
 * before an item is parsed.
 */
import { messagesFor } from "../notify/messages.ts";
import { outboxWrites } from "../notify/outbox.ts";
import type { AuditEvent } from "../schemas/audit-event.ts";
import type { CaseRecord } from "../schemas/case.ts";
import type { CaseSealer } from "./case-sealing.ts";
import type { TransactItem } from "./case-store.ts";
import { caseKey, eventKey, eventTimeKeys, filedOnBehalfKeys, ownerKeys, registerKeys } from "./keys.ts";
import { CASE_TABLE, keyAttributes } from "./table-design.ts";

// Every key attribute of the table design (GSIs included): stripped from items before schema parsing.
const KEY_ATTRIBUTES = keyAttributes(CASE_TABLE).map((attribute) => attribute.name);

export function withoutKeys(item: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(item).filter(([key]) => !KEY_ATTRIBUTES.includes(key) && key !== "type"),
  );
}

/** The outbox items of an event (shared/notify/outbox.ts); none when the county notifies nobody. */
export async function messageWrites(
  tableName: string,
  record: CaseRecord,
  event: AuditEvent,
): Promise<TransactItem[]> {
  // Loaded here, not at the store's import (see CaseStore.transition): test support stands in for the shipped policies.
  const { getShippedPolicy } = await import("../domain/policy/shipped-policies.ts");
  const policy = getShippedPolicy(record.policyId);
  if (!policy.notifications) return [];
  return outboxWrites(tableName, policy.notifications, record, event, messagesFor(policy, record, event));
}

/** The case item with the keys of every index it is in; its personal data sealed. */
export async function caseItem(sealer: CaseSealer, record: CaseRecord): Promise<Record<string, unknown>> {
  const { personalData: _sealed, ...plain } = record;
  const stored = await sealer.storedApplication(record);
  return {
    ...caseKey(record.caseId),
    type: "case",
    ...ownerKeys(record.householdId, record.createdAt, record.caseId),
    ...registerKeys(record.townshipCode, record.status, record.updatedAt, record.caseId),
    ...(await sealer.searchKeysOf(record, stored.personalData)),
    // 代办: set from the create transaction on, since `filedOnBehalf` never goes away.
    ...(record.filedOnBehalf
      ? filedOnBehalfKeys(record.townshipCode, record.filedOnBehalf.at, record.villageCode, record.caseId)
      : {}),
    ...plain,
    ...stored,
  };
}

/** An audit event, written once (conditional put), with its byEventTime keys. */
export function eventPut(tableName: string, event: AuditEvent, townshipCode: string): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...eventKey(event.caseId, event.seq),
        type: "event",
        ...eventTimeKeys(event.at, event.caseId, event.seq),
        townshipCode,
        ...event,
      },
      ConditionExpression: "attribute_not_exists(pk)",
    },
  };
}
