/**
 * Finding a case by what people quote at the counter or on the phone: the
 * 8-character short number every screen and paper shows, the applicant's
 * name, or the applicant's ID number. Staff find cases of their townships,
 * auditors and the county admin within their jurisdiction; other townships'
 * cases are simply not found.
 *
 * Names and ID numbers are never stored or compared in clear: the query is
 * turned into the same keyed hash (HMAC under the personal-data keyring) the
 * case item carries as the key of byApplicantName / byApplicantIdNumber. One
 * Query on one index (no Scan), keys only, then one BatchGet of the cases.
 * An auditor's search goes into the auditors' own trail with the ID number
 * masked, found or not.
 */
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import type { AuditRequest } from "../audit/audit-service.ts";
import { AuditQueryLog } from "../audit/query-log.ts";
import type { Actor } from "../auth/actor.ts";
import { staffCovers } from "../auth/scope.ts";
import { maskIdNumber } from "../domain/id-number.ts";
import { placeNamesOf } from "../reference/place-names.ts";
import type { CaseSearchResult } from "../schemas/responses.ts";
import { type CaseStore, normalizedName } from "../store/case-store.ts";
import { parseSearchSortKey, SEARCH_INDEXES, shortNumberOf } from "../store/keys.ts";
import { casesById } from "./queue.ts";

export const SEARCH_KINDS = ["short", "name", "idNumber"] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];

export const caseSearchQuerySchema = z.object({
  /** A short number (or a whole case id), a name, or an ID number; `by` says which when it is ambiguous. */
  q: z.string().trim().min(1).max(60),
  by: z.enum(SEARCH_KINDS).optional(),
});
export type CaseSearchQuery = z.infer<typeof caseSearchQuerySchema>;

const ID_NUMBER = /^\d{17}[\dXx]$/;
const SHORT = /^[0-9a-f]{8}(-[0-9a-f-]{0,27})?$/i;
/** At most this many cases per answer: a name search is for one applicant, not a list of a township. */
export const SEARCH_LIMIT = 50;

/** What the caller typed is: an ID number (18 characters), a short number (8 hex), else a name. */
export function searchKindOf(query: CaseSearchQuery): SearchKind {
  if (query.by) return query.by;
  if (ID_NUMBER.test(query.q)) return "idNumber";
  if (SHORT.test(query.q)) return "short";
  return "name";
}

const INDEX: Record<SearchKind, (typeof SEARCH_INDEXES)[SearchKind]> = SEARCH_INDEXES;

/** The index key for the query: the short number as is, a name or ID number as its keyed hash. */
async function partitionOf(cases: CaseStore, kind: SearchKind, q: string): Promise<string> {
  switch (kind) {
    case "short":
      return INDEX.short.partition(shortNumberOf(q));
    case "idNumber":
      return INDEX.idNumber.partition(await cases.lookupHash("idNumber", q.toUpperCase()));
    case "name":
      return INDEX.name.partition(await cases.lookupHash("name", normalizedName(q)));
  }
}

/** The parameters as the auditors' trail keeps them: an ID number masked, names and numbers otherwise as typed. */
function recordedParameters(query: CaseSearchQuery, kind: SearchKind): Record<string, string> {
  return { q: kind === "idNumber" ? maskIdNumber(query.q) : query.q, by: kind };
}

export async function searchCases(
  deps: { readonly cases: CaseStore },
  actor: Actor,
  query: CaseSearchQuery,
  recordAs?: AuditRequest,
): Promise<CaseSearchResult> {
  const kind = searchKindOf(query);
  const index = INDEX[kind];
  const page = await deps.cases.client.send(
    new QueryCommand({
      TableName: deps.cases.tableName,
      IndexName: index.indexName,
      KeyConditionExpression: "#pk = :pk",
      ExpressionAttributeNames: { "#pk": index.pk },
      ExpressionAttributeValues: { ":pk": await partitionOf(deps.cases, kind, query.q) },
      Limit: 200,
    }),
  );
  // `<township>#<caseId>`: the jurisdiction is decided before any case is read.
  const visible = (page.Items ?? []).flatMap((item) => {
    const sk = item[index.sk];
    if (typeof sk !== "string") return [];
    const entry = parseSearchSortKey(sk);
    return entry && staffCovers(actor, entry.townshipCode) ? [entry.caseId] : [];
  });
  // A whole case id typed: only that case, not every case sharing its first 8 characters.
  const wanted =
    kind === "short" && query.q.length > 8
      ? visible.filter((caseId) => caseId.startsWith(query.q.toLowerCase()))
      : visible;
  const cases = await casesById(
    { client: deps.cases.client, tableName: deps.cases.tableName },
    wanted.slice(0, SEARCH_LIMIT),
  );
  const records = [...cases.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const places = await placeNamesOf(deps.cases.client, deps.cases.tableName).lookup({
    villages: records.map((record) => record.villageCode),
    townships: records.map((record) => record.townshipCode),
  });
  if (recordAs) {
    await new AuditQueryLog(deps.cases.client, deps.cases.tableName).record({
      ...recordAs,
      parameters: recordedParameters(query, kind),
      outcome: records.length > 0 ? "ok" : "not_found",
      results: records.length,
    });
  }
  return {
    by: kind,
    items: records.map((record) => ({
      caseId: record.caseId,
      shortId: shortNumberOf(record.caseId),
      kind: record.kind,
      status: record.status,
      applicantName: record.application.head?.name ?? null,
      township: places.township(record.townshipCode),
      village: places.village(record.villageCode),
      createdAt: record.createdAt,
      submittedAt: record.submittedAt ?? null,
    })),
    truncated: wanted.length > SEARCH_LIMIT || page.LastEvaluatedKey !== undefined,
  };
}
