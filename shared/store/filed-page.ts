/**
 * The byFiledOnBehalf index read (代办): one page of a township's cases filed
 * on behalf of a household, newest first, optionally of one village only, with
 * each case and its steps (what the filer's list shows). Queries and gets by
 * key only: no Scan.
 */
import { type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { logger } from "../logger.ts";
import { type CaseRecord, caseRecordSchema, type StepRecord, stepRecordSchema } from "../schemas/case.ts";
import { withoutKeys } from "./case-items.ts";
import { CASE_ITEM_PREFIX, caseKey, filedOnBehalfPartition, parseFiledOnBehalfSortKey } from "./keys.ts";
import { batchGetAll, queryAll } from "./query-all.ts";

/** Where a page starts: the index entry of the last case of the page before. */
export const filedCursorSchema = z.strictObject({
  pk: z.string(),
  sk: z.string(),
  gsi12pk: z.string(),
  gsi12sk: z.string(),
});
export type FiledCursor = z.infer<typeof filedCursorSchema>;

export interface FiledPageQuery {
  readonly townshipCode: string;
  /** A village officer's village: entries of other villages are skipped (the village is in the sort key). */
  readonly villageCode?: string;
  readonly limit: number;
  readonly after?: FiledCursor;
}

export interface FiledEntry {
  readonly record: CaseRecord;
  readonly steps: StepRecord[];
}

/** A cursor of another township's list (the caller sealed it for a different partition). */
export class ForeignFiledCursorError extends Error {
  override readonly name = "ForeignFiledCursorError";
}

/** Index entries read per Query while looking for a village's cases (keys only: small items). */
const CHUNK = 100;
/** At most this many Queries per page: a village with few filings in a busy township ends a page early. */
const MAX_ROUNDS = 10;

export async function filedOnBehalfPage(
  client: DynamoDBDocumentClient,
  tableName: string,
  query: FiledPageQuery,
): Promise<{ entries: FiledEntry[]; next?: FiledCursor }> {
  const partition = filedOnBehalfPartition(query.townshipCode);
  if (query.after && query.after.gsi12pk !== partition) throw new ForeignFiledCursorError(partition);
  const keep = (entry: FiledCursor) =>
    query.villageCode === undefined ||
    parseFiledOnBehalfSortKey(entry.gsi12sk)?.villageCode === query.villageCode;
  // One entry more than the page holds says whether there is a next page.
  const wanted = query.limit + 1;
  const found: FiledCursor[] = [];
  let start: Record<string, unknown> | undefined = query.after;
  let rounds = 0;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: "byFiledOnBehalf",
        KeyConditionExpression: "gsi12pk = :pk",
        ExpressionAttributeValues: { ":pk": partition },
        ScanIndexForward: false,
        Limit: query.villageCode === undefined ? wanted : CHUNK,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const entry = filedCursorSchema.safeParse(item);
      if (entry.success && keep(entry.data)) found.push(entry.data);
      if (found.length >= wanted) break;
    }
    start = page.LastEvaluatedKey;
    rounds += 1;
  } while (start && found.length < wanted && rounds < MAX_ROUNDS);
  const entries = found.slice(0, query.limit);
  const last = entries.at(-1);
  // More after this page: an entry beyond it was seen, or the reading stopped before the partition's end.
  const next =
    found.length > query.limit && last
      ? last
      : start
        ? (filedCursorSchema.safeParse(start).data ?? undefined)
        : undefined;
  return { entries: await withCases(client, tableName, entries), ...(next ? { next } : {}) };
}

/** The cases of the entries (one BatchGet) and each case's steps (one Query each, in parallel). */
async function withCases(
  client: DynamoDBDocumentClient,
  tableName: string,
  entries: readonly FiledCursor[],
): Promise<FiledEntry[]> {
  const items = await batchGetAll(client, tableName, entries);
  const records = items.flatMap((item) => {
    const parsed = caseRecordSchema.safeParse(withoutKeys(item));
    if (parsed.success) return [parsed.data];
    // One unreadable case must not hide the filer's whole list; it is left out, and said so.
    logger.warn("A case filed on behalf could not be read", {
      pk: item.pk,
      issues: parsed.error.issues.length,
    });
    return [];
  });
  return Promise.all(
    records.map(async (record) => {
      const steps = await queryAll(client, {
        TableName: tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :step)",
        ExpressionAttributeValues: { ":pk": caseKey(record.caseId).pk, ":step": CASE_ITEM_PREFIX.step },
      });
      return { record, steps: steps.map((item) => stepRecordSchema.parse(withoutKeys(item))) };
    }),
  );
}
