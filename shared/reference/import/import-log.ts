/**
 * The import log: one audit record per finished reference import (who ran it,
 * which file by SHA-256, the counts), in one partition per UTC day like the
 * auditor-query log (grammar also in infra/constructs/case-table.ts):
 *   pk = IMPORTLOG#<yyyy-mm-dd>, sk = IMPORT#<finishedAt>#<importId>
 * A day's imports come back in time order with one Query. Append-only
 * (conditional put); no GSI keys, so imports never show in the case event search.
 */

import { type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { IMPORT_LOG_PREFIX, importLogKey, importLogPartition } from "../../store/keys.ts";
import { queryAll } from "../../store/query-all.ts";

export { importLogKey, importLogPartition } from "../../store/keys.ts";

export const importActorSchema = z.object({ id: z.string(), role: z.string(), name: z.string() });
export type ImportActor = z.infer<typeof importActorSchema>;

export const importLogRecordSchema = z.object({
  importId: z.string(),
  entityType: z.string(),
  source: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  actor: importActorSchema,
  counts: z.object({
    rows: z.int(),
    imported: z.int(),
    unchanged: z.int(),
    rejected: z.int(),
  }),
  writes: z.int(),
  resumedAfterLine: z.int().optional(),
  startedAt: z.string(),
  finishedAt: z.string(),
});
export type ImportLogRecord = z.infer<typeof importLogRecordSchema>;

export interface ImportLogInput {
  readonly importId: string;
  readonly type: string;
  readonly source: string;
  readonly sha256?: string;
  readonly counts: ImportLogRecord["counts"];
  readonly writes: number;
  readonly resumedAfterLine?: number;
  readonly startedAt: string;
  readonly finishedAt: string;
}

export class ImportLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(summary: ImportLogInput, actor: ImportActor): Promise<ImportLogRecord> {
    const record = importLogRecordSchema.parse({
      importId: summary.importId,
      entityType: summary.type,
      source: summary.source,
      sha256: summary.sha256,
      actor: { id: actor.id, role: actor.role, name: actor.name },
      counts: summary.counts,
      writes: summary.writes,
      ...(summary.resumedAfterLine === undefined ? {} : { resumedAfterLine: summary.resumedAfterLine }),
      startedAt: summary.startedAt,
      finishedAt: summary.finishedAt,
    });
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...importLogKey(record.finishedAt, record.importId), type: "import", ...record },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
    return record;
  }

  /** One UTC day of imports, in time order. */
  async listDay(day: string): Promise<ImportLogRecord[]> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: { ":pk": importLogPartition(day), ":prefix": IMPORT_LOG_PREFIX },
    });
    return items.map((item) => importLogRecordSchema.parse(item));
  }
}
