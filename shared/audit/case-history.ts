/**
 * A case's full history for auditors, with its hash chain checked against the
 * head stored on the case record (so a removed last event is caught too).
 *
 * One snapshot: the head is read first (consistent read), then the events up
 * to the head's sequence (consistent Query). A writer appends an event and
 * moves the head in one transaction, so every event up to the head read is
 * there, and events appended meanwhile lie beyond it: they are not part of
 * the snapshot and cannot raise a false alarm. An event beyond the head that
 * no later head covers (appended without moving the head) is still reported.
 */
import { type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { verifyChain } from "../domain/audit-chain.ts";
import { CaseNotFoundError } from "../errors.ts";
import { placeNamesOf } from "../reference/place-names.ts";
import { type AuditEvent, auditEventSchema } from "../schemas/audit-event.ts";
import type { CaseRecord } from "../schemas/case.ts";
import { withoutKeys } from "../store/case-items.ts";
import type { CaseStore } from "../store/case-store.ts";
import { CASE_ITEM_PREFIX, caseKey, eventKey } from "../store/keys.ts";
import type { Jurisdiction } from "./jurisdiction.ts";
import type { CaseHistory, ChainCheck } from "./schemas.ts";

/**
 * The stored events of a case in seq order, up to seq `through`; `malformedAt`
 * is the position of the first one that fails its schema.
 */
async function readEvents(
  client: DynamoDBDocumentClient,
  tableName: string,
  caseId: string,
  through: number,
): Promise<{ events: AuditEvent[]; stored: number; malformedAt?: number }> {
  const events: AuditEvent[] = [];
  let position = 0;
  let malformedAt: number | undefined;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :first AND :last",
        ExpressionAttributeValues: {
          ":pk": caseKey(caseId).pk,
          ":first": CASE_ITEM_PREFIX.event,
          ":last": eventKey(caseId, through).sk,
        },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      position += 1;
      // Stored with the event, not part of it: its keys and the township (for the event search).
      const { townshipCode: _township, ...event } = withoutKeys(item);
      const parsed = auditEventSchema.safeParse(event);
      if (parsed.success) events.push(parsed.data);
      else malformedAt ??= position;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return malformedAt === undefined ? { events, stored: position } : { events, stored: position, malformedAt };
}

/** The largest sequence number an event key can hold (10 digits). */
const LAST_SEQ = 9_999_999_999;

/** The sequence number of the last stored event after `seq`, if any (its key only). */
async function lastEventAfter(
  client: DynamoDBDocumentClient,
  tableName: string,
  caseId: string,
  seq: number,
): Promise<number | undefined> {
  const { Items } = await client.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :next AND :last",
      ExpressionAttributeValues: {
        ":pk": caseKey(caseId).pk,
        ":next": eventKey(caseId, seq + 1).sk,
        ":last": eventKey(caseId, LAST_SEQ).sk,
      },
      ProjectionExpression: "sk",
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    }),
  );
  const sk = Items?.[0]?.sk;
  if (typeof sk !== "string") return undefined;
  return Number(sk.slice(CASE_ITEM_PREFIX.event.length));
}

/** verifyChain, plus malformed events and the counts the API reports. */
export function checkChain(
  events: readonly AuditEvent[],
  head: { readonly seq: number; readonly hash: string },
  malformedAt?: number,
  stored = events.length,
): ChainCheck {
  if (malformedAt !== undefined) {
    const before = verifyChain(events.slice(0, malformedAt - 1));
    return before.valid
      ? { valid: false, events: stored, brokenAt: malformedAt, reason: "malformed_event" }
      : { ...before, events: stored };
  }
  const result = verifyChain(events, head);
  return result.valid
    ? { valid: true, events: stored, head: { seq: head.seq, hash: head.hash } }
    : { ...result, events: stored };
}

export class CaseHistoryReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly store: CaseStore,
  ) {}

  /**
   * 404 both when the case does not exist and when it lies outside the
   * caller's jurisdiction: the answer must not tell which (no enumeration of case ids).
   */
  private async caseFor(caseId: string, jurisdiction: Jurisdiction): Promise<CaseRecord> {
    const record = await this.store.get(caseId);
    if (!record || !jurisdiction.covers(record.townshipCode)) throw new CaseNotFoundError(caseId);
    return record;
  }

  /** The chain as stored, checked against the head of one snapshot of the case. */
  private async checked(caseId: string, jurisdiction: Jurisdiction) {
    const record = await this.caseFor(caseId, jurisdiction);
    const head = { seq: record.eventSeq, hash: record.eventHead };
    const { events, stored, malformedAt } = await readEvents(this.client, this.tableName, caseId, head.seq);
    let verification = checkChain(events, head, malformedAt, stored);
    if (verification.valid) {
      // Events beyond the snapshot's head: appended since (a newer head covers them) or planted.
      const beyond = await lastEventAfter(this.client, this.tableName, caseId, head.seq);
      if (beyond !== undefined) {
        const latest = await this.store.get(caseId);
        if (!latest || latest.eventSeq < beyond)
          verification = { valid: false, events: stored, brokenAt: head.seq, reason: "head_mismatch" };
      }
    }
    return { record, head, events, verification };
  }

  async history(caseId: string, jurisdiction: Jurisdiction): Promise<CaseHistory> {
    const { record, head, events, verification } = await this.checked(caseId, jurisdiction);
    const places = await placeNamesOf(this.client, this.tableName).lookup({
      villages: [record.villageCode],
      townships: [record.townshipCode],
    });
    return {
      caseId,
      townshipCode: record.townshipCode,
      township: places.township(record.townshipCode),
      village: places.village(record.villageCode),
      status: record.status,
      head,
      events,
      verification,
    };
  }

  async verify(caseId: string, jurisdiction: Jurisdiction): Promise<{ caseId: string } & ChainCheck> {
    // The check alone: no place names to look up for a yes/no answer.
    const { verification } = await this.checked(caseId, jurisdiction);
    return { caseId, ...verification };
  }
}
