/**
 * The auditors' own trail: every auditor query (who searched what, when, how
 * many results) is written before its answer leaves, so no read goes unrecorded.
 *
 * Items live in one partition per UTC day (grammar also in infra/constructs/case-table.ts):
 *   pk = AUDITLOG#<yyyy-mm-dd>, sk = AUDIT_QUERY#<at>#<requestId>
 * A day's queries come back in time order with one Query; they carry no GSI
 * keys, so they never show up in the case event search. The stream is
 * append-only (conditional put); it is not hash-chained: a chain would
 * serialise every auditor's reads on one head item, and the
 * log's integrity rests on the table's IAM (only the audit functions write it)
 * and point-in-time recovery instead.
 */

import { type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import type { Actor } from "../auth/actor.ts";
import { AUDIT_QUERY_PREFIX, auditLogPartition, auditQueryKey } from "../store/keys.ts";
import { queryAll } from "../store/query-all.ts";

export { auditLogPartition, auditQueryKey } from "../store/keys.ts";

export const auditQueryRecordSchema = z.object({
  at: z.iso.datetime(),
  requestId: z.string(),
  actor: z.object({ id: z.string(), role: z.string(), name: z.string() }),
  /** API Gateway's route key, e.g. "GET /audit/events". */
  route: z.string(),
  /** Path and query parameters exactly as the auditor sent them. */
  parameters: z.record(z.string(), z.string()),
  outcome: z.enum(["ok", "not_found"]),
  /** How many events or cases the answer held. */
  results: z.int().min(0),
  sourceIp: z.string().optional(),
});
export type AuditQueryRecord = z.infer<typeof auditQueryRecordSchema>;

export interface AuditQueryInput {
  readonly actor: Actor;
  readonly route: string;
  readonly parameters: Readonly<Record<string, string | undefined>>;
  readonly outcome: AuditQueryRecord["outcome"];
  readonly results: number;
  readonly requestId: string;
  readonly sourceIp?: string;
}

export class AuditQueryLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(input: AuditQueryInput): Promise<AuditQueryRecord> {
    const at = this.now().toISOString();
    const record: AuditQueryRecord = {
      at,
      requestId: input.requestId,
      actor: { id: input.actor.id, role: input.actor.role, name: input.actor.name },
      route: input.route,
      parameters: Object.fromEntries(
        Object.entries(input.parameters).filter((entry): entry is [string, string] => entry[1] !== undefined),
      ),
      outcome: input.outcome,
      results: input.results,
      ...(input.sourceIp ? { sourceIp: input.sourceIp } : {}),
    };
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...auditQueryKey(at, input.requestId), type: "audit_query", ...record },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
    return record;
  }

  /** One UTC day of auditor queries, in time order. */
  async listDay(day: string): Promise<AuditQueryRecord[]> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: { ":pk": auditLogPartition(day), ":prefix": AUDIT_QUERY_PREFIX },
    });
    return items.map(({ pk: _pk, sk: _sk, type: _type, ...rest }) => auditQueryRecordSchema.parse(rest));
  }
}
