import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { CaseHistoryReader } from "#shared/audit/case-history.ts";
import { jurisdictionOf } from "#shared/audit/jurisdiction.ts";
import { appendEvent } from "#shared/domain/audit-chain.ts";
import type { AuditEvent } from "#shared/schemas/audit-event.ts";
import { CaseStore } from "#shared/store/case-store.ts";
import { caseKey, eventKey } from "#shared/store/keys.ts";

/**
 * A writer that commits between the auditor's reads of the head and of the
 * events, made deterministic: the fake table appends an event (and moves the
 * head, as one transaction does) right after answering the first head read.
 */
const ddbMock = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const CASE_ID = "c-snapshot";
const TOWNSHIP = "511424100";
const jurisdiction = jurisdictionOf({ townships: [TOWNSHIP] });

let events: AuditEvent[];
let appendsAfterHeadRead: number;

function append(action: string): void {
  events.push(
    appendEvent(events.at(-1), {
      caseId: CASE_ID,
      at: "2026-05-04T08:00:00.000Z",
      actor: { id: "clerk-a", role: "township_clerk" },
      action,
      fromStatus: null,
      toStatus: null,
    }),
  );
}

function caseItem(): Record<string, unknown> {
  const head = events.at(-1);
  return {
    ...caseKey(CASE_ID),
    caseId: CASE_ID,
    kind: "homestead",
    status: "in_joint_review",
    householdId: "h1",
    ownerId: "villager-wang",
    townshipCode: TOWNSHIP,
    villageCode: `${TOWNSHIP}001`,
    policyId: "sichuan-default",
    application: { kind: "homestead" },
    createdAt: "2026-05-04T08:00:00.000Z",
    updatedAt: "2026-05-04T08:00:00.000Z",
    eventSeq: head?.seq ?? 0,
    eventHead: head?.hash ?? "0".repeat(64),
  };
}

/** The Query of the fake table: the key condition's range on `sk`, ordered, with Limit and direction. */
function query(input: QueryCommandInput): Record<string, unknown>[] {
  const values = input.ExpressionAttributeValues ?? {};
  const items = events.map((event) => ({ ...eventKey(CASE_ID, event.seq), type: "event", ...event }));
  const inRange = items.filter((item) => {
    if (":last" in values) {
      const from = String(values[":first"] ?? values[":next"]);
      return item.sk >= from && item.sk <= String(values[":last"]);
    }
    return item.sk.startsWith(String(values[":event"]));
  });
  const ordered = input.ScanIndexForward === false ? inRange.reverse() : inRange;
  return input.Limit === undefined ? ordered : ordered.slice(0, input.Limit);
}

beforeEach(() => {
  ddbMock.reset();
  events = [];
  for (const action of ["create", "submit", "completePrecheck"]) append(action);
  appendsAfterHeadRead = 1;
  ddbMock.on(GetCommand).callsFake(() => {
    const answer = { Item: caseItem() };
    // A writer commits right after the head was read: one more event, the head moved with it.
    for (; appendsAfterHeadRead > 0; appendsAfterHeadRead -= 1) append("openConsultation");
    return answer;
  });
  ddbMock.on(QueryCommand).callsFake((input: QueryCommandInput) => ({ Items: query(input) }));
});

const reader = () =>
  new CaseHistoryReader(client, "cases", new CaseStore(client, "cases", undefined, () => undefined));

describe("CaseHistoryReader.verify reads one snapshot", () => {
  it("is valid when an event is appended between the head read and the event read", async () => {
    expect(await reader().verify(CASE_ID, jurisdiction)).toMatchObject({
      valid: true,
      events: 3,
      head: { seq: 3 },
    });
  });

  it("reports an event after the head that no later head covers", async () => {
    appendsAfterHeadRead = 0;
    const planted = appendEvent(events.at(-1), {
      caseId: CASE_ID,
      at: "2026-05-04T09:00:00.000Z",
      actor: { id: "clerk-a", role: "township_clerk" },
      action: "approve",
      fromStatus: null,
      toStatus: null,
    });
    ddbMock.on(QueryCommand).callsFake((input: QueryCommandInput) => {
      const items = query(input);
      const values = input.ExpressionAttributeValues ?? {};
      // The planted event lies beyond the head: only the read past the head sees it.
      return { Items: ":next" in values ? [{ ...eventKey(CASE_ID, 4), ...planted }] : items };
    });
    expect(await reader().verify(CASE_ID, jurisdiction)).toMatchObject({
      valid: false,
      brokenAt: 3,
      reason: "head_mismatch",
    });
  });
});

describe("CaseStore.load reads a case whole", () => {
  it("reads again when the Query caught a transaction's case item without its event", async () => {
    let reads = 0;
    ddbMock.on(QueryCommand).callsFake(() => {
      reads += 1;
      const caseRow = caseItem();
      const eventRows = events.map((event) => ({ ...eventKey(CASE_ID, event.seq), ...event }));
      // First read: the writer has put the case item (seq 3) but not yet its third event.
      return { Items: [caseRow, ...(reads === 1 ? eventRows.slice(0, -1) : eventRows)] };
    });
    const loaded = await new CaseStore(client, "cases", undefined, () => undefined).load(CASE_ID);
    expect(reads).toBe(2);
    expect(loaded.events.map((event) => event.action)).toEqual(["create", "submit", "completePrecheck"]);
    expect(loaded.record.eventSeq).toBe(3);
  });
});
