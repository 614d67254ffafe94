/**
 * Audit search by time on the byEventTime index: one Query per UTC day of the
 * range (partition EVENTS#<day>), the sort key bounding the time, filters as a
 * FilterExpression, keyset pagination with an opaque cursor. Never a Scan.
 */
import { type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import {
  CursorNotValidError,
  NotPermittedError,
  TimeRangeNotValidError,
  TimeRangeTooLongError,
} from "../errors.ts";
import type { Cursors } from "../http/cursor.ts";
import { logger } from "../logger.ts";
import { eventDayPartition } from "../store/keys.ts";
import type { Jurisdiction } from "./jurisdiction.ts";
import {
  type AuditEventRecord,
  auditEventRecordSchema,
  type EventSearchQuery,
  type EventSearchResult,
  MAX_SEARCH_DAYS,
} from "./schemas.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
/** Items DynamoDB evaluates per Query call (before the filter). */
const EVALUATE_PER_QUERY = 200;
/** Query calls per request; a sparse filter over a long range answers a short page with a cursor instead of timing out. */
const MAX_QUERIES_PER_REQUEST = 40;

/** A sealed position (shared/http/cursor.ts): bound to the route, the caller and the search's filters. */
const cursorSchema = z.object({
  v: z.literal(2),
  /** The resolved upper bound (so "now" does not move between pages). */
  t: z.string(),
  /** The day to continue on, and where in it. */
  d: z.string(),
  k: z.object({ pk: z.string(), sk: z.string(), gsi4sk: z.string() }).optional(),
});
type Cursor = z.infer<typeof cursorSchema>;

/** What a cursor is bound to besides the route and caller: the search's filters. */
function filtersOf(query: EventSearchQuery) {
  const { from, to, township, department, actor, action } = query;
  return [from, to ?? null, township ?? null, department ?? null, actor ?? null, action ?? null];
}

/** Who is searching, on which route: a cursor continues only their own search. */
export interface SearchCaller {
  readonly route: string;
  readonly caller: string;
}

/** The UTC days from `from`'s day to the day of the last instant before `to`. */
export function daysOf(from: Date, to: Date): string[] {
  const days: string[] = [];
  const last = new Date(to.getTime() - 1).toISOString().slice(0, 10);
  for (let day = from.toISOString().slice(0, 10); day <= last; ) {
    days.push(day);
    day = new Date(Date.parse(`${day}T00:00:00.000Z`) + DAY_MS).toISOString().slice(0, 10);
  }
  return days;
}

interface Filter {
  readonly expression: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, string>;
}

/** The jurisdiction and the caller's filters as one FilterExpression. */
function filterFor(query: EventSearchQuery, jurisdiction: Jurisdiction): Filter {
  const parts: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, string> = {};
  names["#township"] = "townshipCode";
  if (query.township) {
    if (!jurisdiction.covers(query.township)) {
      throw new NotPermittedError({
        en: `Township ${query.township} is outside your jurisdiction`,
        zh: `乡镇 ${query.township} 不在您的管辖范围内`,
      });
    }
    parts.push("#township = :township");
    values[":township"] = query.township;
  } else {
    if (jurisdiction.entries.length === 0)
      throw new NotPermittedError({ en: "Your account covers no township", zh: "您的账号未登记任何乡镇" });
    const scope = jurisdiction.entries.map((entry, i) => {
      values[`:scope${i}`] = entry;
      return /^\d{6}$/.test(entry) ? `begins_with(#township, :scope${i})` : `#township = :scope${i}`;
    });
    parts.push(`(${scope.join(" OR ")})`);
  }
  if (query.actor || query.department) names["#actor"] = "actor";
  if (query.actor) {
    names["#actorId"] = "id";
    values[":actorId"] = query.actor;
    parts.push("#actor.#actorId = :actorId");
  }
  if (query.department) {
    names["#department"] = "department";
    values[":department"] = query.department;
    parts.push("#actor.#department = :department");
  }
  if (query.action) {
    names["#action"] = "action";
    values[":action"] = query.action;
    parts.push("#action = :action");
  }
  return { expression: parts.join(" AND "), names, values };
}

const STORED_ONLY = new Set(["pk", "sk", "gsi4pk", "gsi4sk", "type"]);

export class EventSearch {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly cursors: Cursors,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async search(
    query: EventSearchQuery,
    jurisdiction: Jurisdiction,
    who: SearchCaller,
  ): Promise<EventSearchResult> {
    const scope = { ...who, query: filtersOf(query) };
    const cursor: Cursor | undefined = query.cursor
      ? await this.cursors.open(scope, query.cursor, cursorSchema)
      : undefined;
    const from = new Date(query.from);
    const to = new Date(cursor?.t ?? query.to ?? this.now().toISOString());
    if (to.getTime() <= from.getTime()) throw new TimeRangeNotValidError();
    if (to.getTime() - from.getTime() > MAX_SEARCH_DAYS * DAY_MS) {
      throw new TimeRangeTooLongError({
        en: `A search may span at most ${MAX_SEARCH_DAYS} days; narrow from/to`,
        zh: `查询时间跨度最多 ${MAX_SEARCH_DAYS} 天，请缩小范围`,
      });
    }
    const lower = from.toISOString();
    const upper = to.toISOString();
    const filter = filterFor(query, jurisdiction);
    const days = daysOf(from, to);

    let dayIndex = cursor ? days.indexOf(cursor.d) : 0;
    if (dayIndex < 0) throw new CursorNotValidError();
    let startKey: Record<string, unknown> | undefined = cursor?.k
      ? { ...cursor.k, gsi4pk: eventDayPartition(cursor.d) }
      : undefined;
    const items: AuditEventRecord[] = [];
    for (
      let calls = 0;
      dayIndex < days.length && items.length < query.limit && calls < MAX_QUERIES_PER_REQUEST;
      calls++
    ) {
      const day = days[dayIndex] ?? "";
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: "byEventTime",
          // Sort keys are `<at>#<caseId>#<seq>`: >= from includes events at `from`, and an
          // event at exactly `to` sorts after `to` itself, so BETWEEN gives [from, to).
          KeyConditionExpression: "gsi4pk = :day AND gsi4sk BETWEEN :lower AND :upper",
          FilterExpression: filter.expression,
          ExpressionAttributeNames: filter.names,
          ExpressionAttributeValues: {
            ":day": eventDayPartition(day),
            ":lower": lower,
            ":upper": upper,
            ...filter.values,
          },
          Limit: EVALUATE_PER_QUERY,
          ExclusiveStartKey: startKey,
        }),
      );
      const matches = page.Items ?? [];
      const room = query.limit - items.length;
      const taken = matches.slice(0, room);
      for (const item of taken) {
        const parsed = auditEventRecordSchema.safeParse(
          Object.fromEntries(Object.entries(item).filter(([key]) => !STORED_ONLY.has(key))),
        );
        if (parsed.success && jurisdiction.covers(parsed.data.townshipCode)) items.push(parsed.data);
        else if (!parsed.success)
          logger.warn("Skipped a malformed event in audit search", {
            pk: String(item.pk),
            sk: String(item.sk),
          });
      }
      const last = taken.at(-1);
      if (matches.length > room && last) {
        // The page matched more than we may return: continue right after the last one returned.
        startKey = { pk: last.pk, sk: last.sk, gsi4pk: last.gsi4pk, gsi4sk: last.gsi4sk };
      } else if (page.LastEvaluatedKey) {
        startKey = page.LastEvaluatedKey;
      } else {
        dayIndex += 1;
        startKey = undefined;
      }
    }
    const nextDay = days[dayIndex];
    const nextCursor =
      nextDay === undefined
        ? null
        : await this.cursors.seal(scope, {
            v: 2,
            t: upper,
            d: nextDay,
            ...(startKey
              ? { k: { pk: String(startKey.pk), sk: String(startKey.sk), gsi4sk: String(startKey.gsi4sk) } }
              : {}),
          });
    return { items, nextCursor, range: { from: lower, to: upper } };
  }
}
