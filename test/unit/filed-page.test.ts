/**
 * The byFiledOnBehalf read (shared/store/filed-page.ts) against a stand-in of
 * the index: what a Query returns page by page, as DynamoDB would (descending,
 * Limit, LastEvaluatedKey). The integration suite covers the real index with a
 * handful of cases; here a busy township where the officer's village is rare.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { type FiledCursor, ForeignFiledCursorError, filedOnBehalfPage } from "#shared/store/filed-page.ts";
import { caseKey, filedOnBehalfKeys } from "#shared/store/keys.ts";

const ddbMock = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const TABLE = "cases";
const TOWNSHIP = "511424100";
const MINE = "511424100001";
const OTHER = "511424100002";

/** The township's index entries, newest first (as a descending Query reads them). */
let index: FiledCursor[] = [];
let indexQueries = 0;

function entry(n: number, villageCode: string): FiledCursor {
  const caseId = `case-${String(n).padStart(4, "0")}`;
  const at = new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString();
  return { ...caseKey(caseId), ...filedOnBehalfKeys(TOWNSHIP, at, villageCode, caseId) };
}

function caseItem(key: Record<string, unknown>): Record<string, unknown> {
  const caseId = String(key.pk).slice("CASE#".length);
  const at = "2026-01-01T00:00:00.000Z";
  return {
    ...key,
    caseId,
    kind: "homestead",
    status: "draft",
    householdId: "h1",
    ownerId: "village-officer-a",
    filedOnBehalf: { by: { id: "village-officer-a", role: "village_officer" }, at },
    townshipCode: TOWNSHIP,
    villageCode: MINE,
    policyId: "p1",
    application: { kind: "homestead" },
    createdAt: at,
    updatedAt: at,
    eventSeq: 1,
    eventHead: "0".repeat(64),
  };
}

beforeEach(() => {
  ddbMock.reset();
  indexQueries = 0;
  ddbMock.on(QueryCommand).callsFake((input: QueryCommandInput) => {
    if (input.IndexName !== "byFiledOnBehalf") return { Items: [] }; // a case's steps
    indexQueries += 1;
    expect(input.ScanIndexForward).toBe(false);
    const after = input.ExclusiveStartKey as FiledCursor | undefined;
    const from = after ? index.findIndex((item) => item.gsi12sk === after.gsi12sk) + 1 : 0;
    const items = index.slice(from, from + (input.Limit ?? index.length));
    const last = items.at(-1);
    return {
      Items: items,
      ...(last && from + items.length < index.length ? { LastEvaluatedKey: last } : {}),
    };
  });
  ddbMock.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => ({
    Responses: { [TABLE]: (input.RequestItems?.[TABLE]?.Keys ?? []).map(caseItem) },
  }));
});

/** Every case id of the list, page by page; the number of pages. */
async function walk(
  villageCode: string | undefined,
  limit: number,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let after: FiledCursor | undefined;
  let pages = 0;
  do {
    const page = await filedOnBehalfPage(client, TABLE, {
      townshipCode: TOWNSHIP,
      ...(villageCode ? { villageCode } : {}),
      limit,
      ...(after ? { after } : {}),
    });
    ids.push(...page.entries.map((item) => item.record.caseId));
    after = page.next;
    pages += 1;
  } while (after && pages < 100);
  return { ids, pages };
}

describe("filedOnBehalfPage", () => {
  it("keeps a village's cases across pages, newest first, each once, however rare in the township", async () => {
    // 1,500 filings in the township; one in every 300 is the officer's village.
    index = Array.from({ length: 1500 }, (_, n) => entry(1500 - n, n % 300 === 7 ? MINE : OTHER));
    const mine = index.filter((item) => item.gsi12sk.includes(`#${MINE}#`)).map((item) => item.pk.slice(5));
    expect(mine).toHaveLength(5);

    const { ids } = await walk(MINE, 2);
    expect(ids).toEqual(mine);
  });

  it("reads a bounded number of index pages per request, and continues where it stopped", async () => {
    index = Array.from({ length: 3000 }, (_, n) => entry(3000 - n, n === 2500 ? MINE : OTHER));
    const first = await filedOnBehalfPage(client, TABLE, {
      townshipCode: TOWNSHIP,
      villageCode: MINE,
      limit: 20,
    });
    // Nothing of the village in the first pages read: an empty page that says where to go on.
    expect(first.entries).toEqual([]);
    expect(first.next).toBeDefined();
    expect(indexQueries).toBeLessThanOrEqual(10);
    const { ids } = await walk(MINE, 20);
    expect(ids).toEqual([index[2500]?.pk.slice(5)]);
  });

  it("pages a window clerk's whole township by the page size, the last page without a cursor", async () => {
    index = Array.from({ length: 7 }, (_, n) => entry(7 - n, n % 2 ? MINE : OTHER));
    const { ids, pages } = await walk(undefined, 3);
    expect(ids).toEqual(index.map((item) => item.pk.slice(5)));
    expect(pages).toBe(3);
    const exact = await filedOnBehalfPage(client, TABLE, { townshipCode: TOWNSHIP, limit: 7 });
    expect(exact.entries).toHaveLength(7);
    expect(exact.next).toBeUndefined();
  });

  it("refuses a cursor of another township's list", async () => {
    index = [entry(1, MINE)];
    const foreign = { ...entry(1, MINE), gsi12pk: "FILED#511424101" };
    await expect(
      filedOnBehalfPage(client, TABLE, { townshipCode: TOWNSHIP, limit: 5, after: foreign }),
    ).rejects.toBeInstanceOf(ForeignFiledCursorError);
  });
});
