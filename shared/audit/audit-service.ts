/**
 * The auditor use cases behind /audit/…: check the caller (auditor role,
 * jurisdiction), run the read, record the query in the auditors' own trail,
 * answer. Read-only: nothing here writes to a case.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type { Actor } from "../auth/actor.ts";
import { CaseNotFoundError, ResourceNotFoundError } from "../errors.ts";
import type { Cursors } from "../http/cursor.ts";
import { CaseStore } from "../store/case-store.ts";
import { CaseHistoryReader } from "./case-history.ts";
import { type CsvCell, toCsv } from "./csv.ts";
import { EventSearch } from "./event-search.ts";
import { AUDIT_ROLES, type Jurisdiction, requireRole } from "./jurisdiction.ts";
import { AuditQueryLog } from "./query-log.ts";
import type { CaseHistory, ChainCheck, EventSearchQuery, EventSearchResult } from "./schemas.ts";

/** What the trail records about a request, taken from API Gateway's event. */
export interface AuditRequest {
  readonly actor: Actor;
  readonly route: string;
  readonly parameters: Readonly<Record<string, string | undefined>>;
  readonly requestId: string;
  readonly sourceIp?: string;
}

/** The caller comes from the route input (parsed once, by the authorization middleware). */
export function auditRequestOf(event: APIGatewayProxyEventV2, actor: Actor): AuditRequest {
  return {
    actor,
    route: event.routeKey,
    parameters: { ...event.queryStringParameters, ...event.pathParameters },
    requestId: event.requestContext.requestId,
    sourceIp: event.requestContext.http.sourceIp,
  };
}

export const EVENT_CSV_HEADER = [
  "at",
  "caseId",
  "seq",
  "townshipCode",
  "action",
  "fromStatus",
  "toStatus",
  "actorId",
  "actorRole",
  "actorDepartment",
  "comment",
  "data",
  "hash",
] as const;

export function eventCsvRow(event: EventSearchResult["items"][number]): CsvCell[] {
  return [
    event.at,
    event.caseId,
    event.seq,
    event.townshipCode,
    event.action,
    event.fromStatus,
    event.toStatus,
    event.actor.id,
    event.actor.role,
    event.actor.department,
    event.comment,
    event.data === undefined ? undefined : JSON.stringify(event.data),
    event.hash,
  ];
}

export class AuditService {
  private readonly histories: CaseHistoryReader;
  private readonly events: EventSearch | undefined;
  private readonly log: AuditQueryLog;

  /** `cursors` only for the routes that search (they seal the search's `nextCursor`). */
  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    options: { readonly now?: () => Date; readonly cursors?: Cursors } = {},
  ) {
    const now = options.now ?? (() => new Date());
    this.histories = new CaseHistoryReader(client, tableName, new CaseStore(client, tableName, now));
    this.events = options.cursors ? new EventSearch(client, tableName, options.cursors, now) : undefined;
    this.log = new AuditQueryLog(client, tableName, now);
  }

  /** Runs a read for an auditor and records it; a read whose record cannot be written is not answered. */
  private async recorded<T>(
    request: AuditRequest,
    read: (jurisdiction: Jurisdiction) => Promise<T>,
    count: (result: T) => number,
  ): Promise<T> {
    const jurisdiction = requireRole(request.actor, AUDIT_ROLES, "The audit trail");
    let result: T;
    try {
      result = await read(jurisdiction);
    } catch (error) {
      if (error instanceof ResourceNotFoundError || error instanceof CaseNotFoundError)
        await this.log.record({ ...request, outcome: "not_found", results: 0 });
      throw error;
    }
    await this.log.record({ ...request, outcome: "ok", results: count(result) });
    return result;
  }

  caseHistory(request: AuditRequest, caseId: string): Promise<CaseHistory> {
    return this.recorded(
      request,
      (j) => this.histories.history(caseId, j),
      (history) => history.events.length,
    );
  }

  verifyCase(request: AuditRequest, caseId: string): Promise<{ caseId: string } & ChainCheck> {
    return this.recorded(
      request,
      (j) => this.histories.verify(caseId, j),
      (check) => check.events,
    );
  }

  searchEvents(request: AuditRequest, query: EventSearchQuery): Promise<EventSearchResult> {
    const { events } = this;
    if (!events) throw new Error("AuditService was built without cursors: it cannot search events");
    return this.recorded(
      request,
      (j) => events.search(query, j, { route: request.route, caller: request.actor.id }),
      (page) => page.items.length,
    );
  }

  async exportEvents(
    request: AuditRequest,
    query: EventSearchQuery,
  ): Promise<{ csv: string; nextCursor: string | null }> {
    const page = await this.searchEvents(request, query);
    return { csv: toCsv(EVENT_CSV_HEADER, page.items.map(eventCsvRow)), nextCursor: page.nextCursor };
  }
}
