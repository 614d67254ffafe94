/**
 * The reference-data import: one file of one entity type into the case table.
 * The CLI (infra/tools/import.ts) and the admin route (POST /admin/imports)
 * both run this.
 *
 * - Streams the file (source.ts), validates every row with the entity's zod
 *   schema, rejects duplicate ids within the file; a bad row never stops the
 *   import and is never dropped silently: every problem becomes a report line
 *   (line, field, reason).
 * - Upserts in chunks: the chunk's head items are read back (BatchGetItem) and
 *   rows whose content hash is unchanged are skipped, so re-importing a file
 *   writes nothing. Changed rows write their dependents first (grid-cell
 *   items, stale ones deleted), then their heads: a crash in between leaves
 *   the old hash on the head, so the next run rewrites the row.
 * - After each committed chunk a checkpoint (last line, counts) is saved;
 *   `resume` skips the lines up to it. Lines before it are still read and
 *   validated, so duplicates and the report stay exact.
 * - A finished import is recorded in the import log (import-log.ts) with who
 *   ran it, the file's SHA-256 and the counts.
 */
import { createHash, randomUUID } from "node:crypto";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { toCsv } from "../../audit/csv.ts";
import { ENTITIES, type Item, type ReferenceType } from "../entities.ts";
import { Backoff, type BackoffOptions, BatchWriter, type WriteRequest } from "./batch-writer.ts";
import { type ImportActor, ImportLog } from "./import-log.ts";
import { readRecords, type SourceFormat } from "./source.ts";

export interface ImportSource {
  /** File name or S3 key, for messages and the log. */
  readonly name: string;
  readonly format: SourceFormat;
  readonly sizeBytes?: number;
  /** Stable identity of the file's content, for checkpoints (SHA-256 of a local file, S3 key + ETag). */
  readonly identity: string;
  /** A fresh stream of the file's bytes from its start. */
  open(): AsyncIterable<Uint8Array>;
}

export const rejectionSchema = z.object({ line: z.int(), field: z.string(), reason: z.string() });
export type Rejection = z.infer<typeof rejectionSchema>;

export const importCountsSchema = z.object({
  /** Data rows read (records and unreadable lines). */
  rows: z.int().min(0),
  imported: z.int().min(0),
  unchanged: z.int().min(0),
  /** Rows refused (a row with three problems counts once and has three report lines). */
  rejected: z.int().min(0),
});
export type ImportCounts = z.infer<typeof importCountsSchema>;

export const checkpointSchema = z.object({
  importId: z.string(),
  entityType: z.string(),
  identity: z.string(),
  /** Every valid row up to this line is committed. */
  line: z.int().min(0),
  imported: z.int().min(0),
  unchanged: z.int().min(0),
  writes: z.int().min(0),
  startedAt: z.string(),
});
export type Checkpoint = z.infer<typeof checkpointSchema>;

export interface CheckpointStore {
  load(type: ReferenceType, identity: string): Promise<Checkpoint | undefined>;
  save(checkpoint: Checkpoint): Promise<void>;
  clear(type: ReferenceType, identity: string): Promise<void>;
}

export interface ImportProgress {
  readonly bytesRead: number;
  readonly totalBytes?: number;
  readonly counts: ImportCounts;
  readonly line: number;
}

export interface ImportOptions {
  readonly type: ReferenceType;
  readonly source: ImportSource;
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly actor: ImportActor;
  readonly checkpoints: CheckpointStore;
  /** Continue after the saved checkpoint instead of from the first line. */
  readonly resume?: boolean;
  /** Rows per upsert round (one BatchGetItem of heads, then the writes). */
  readonly chunkRows?: number;
  /** Batches written in parallel. */
  readonly concurrency?: number;
  readonly backoff?: BackoffOptions;
  readonly onProgress?: (progress: ImportProgress) => void;
  /** Asked after each committed chunk: true stops there (checkpoint saved) and returns a partial summary. */
  readonly shouldStop?: () => boolean;
  readonly now?: () => Date;
  /** The id of a new import (an admin import's job id); a resumed import keeps its checkpoint's. */
  readonly importId?: string;
}

export interface ImportSummary {
  readonly importId: string;
  readonly type: ReferenceType;
  readonly source: string;
  /** SHA-256 of the whole file; only a complete import has read it all. */
  readonly sha256?: string;
  readonly complete: boolean;
  readonly counts: ImportCounts;
  readonly rejections: readonly Rejection[];
  /** Items put or deleted (0 on an unchanged re-import). */
  readonly writes: number;
  readonly resumedAfterLine?: number;
  /** For a partial run: the checkpoint to resume after. */
  readonly stoppedAfterLine?: number;
  readonly retries: number;
  readonly startedAt: string;
  readonly finishedAt: string;
}

/** The report of rejected rows: UTF-8 CSV with BOM (Excel shows Chinese), one line per problem. */
export function rejectionReportCsv(rejections: readonly Rejection[]): string {
  return toCsv(
    ["line", "field", "reason"],
    rejections.map((rejection) => [rejection.line, rejection.field, rejection.reason]),
  );
}

const keyOf = (item: { pk: unknown; sk: unknown }) => `${String(item.pk)}\u0000${String(item.sk)}`;

export async function importReferenceFile(options: ImportOptions): Promise<ImportSummary> {
  const now = options.now ?? (() => new Date());
  const definition = ENTITIES[options.type];
  const writer = new BatchWriter(options.client, options.tableName, new Backoff(options.backoff));
  const chunkRows = options.chunkRows ?? 200;
  const concurrency = options.concurrency ?? 4;

  const checkpoint = options.resume
    ? await options.checkpoints.load(options.type, options.source.identity)
    : undefined;
  if (!options.resume) await options.checkpoints.clear(options.type, options.source.identity);
  const importId = checkpoint?.importId ?? options.importId ?? randomUUID();
  const startedAt = checkpoint?.startedAt ?? now().toISOString();
  const resumeAfter = checkpoint?.line ?? 0;

  const counts = {
    rows: 0,
    imported: checkpoint?.imported ?? 0,
    unchanged: checkpoint?.unchanged ?? 0,
    rejected: 0,
  };
  let writes = checkpoint?.writes ?? 0;
  const rejections: Rejection[] = [];
  const firstLineOf = new Map<string, number>();
  let chunk: { line: number; row: unknown }[] = [];
  let committedLine = resumeAfter;
  let bytesRead = 0;
  let lastLine = 0;
  const sha256 = createHash("sha256");

  const progress = () =>
    options.onProgress?.({
      bytesRead,
      ...(options.source.sizeBytes === undefined ? {} : { totalBytes: options.source.sizeBytes }),
      counts: { ...counts },
      line: lastLine,
    });

  async function* hashed(): AsyncGenerator<Uint8Array> {
    for await (const bytes of options.source.open()) {
      sha256.update(bytes);
      bytesRead += bytes.length;
      yield bytes;
    }
  }

  const commit = async () => {
    if (chunk.length === 0) return;
    const built = chunk.map(({ line, row }) => ({ line, ...definition.items(row) }));
    const existing = new Map(
      (
        await writer.getAll(
          built.map(({ head }) => ({ pk: head.pk, sk: head.sk })),
          ["pk", "sk", "contentHash", "dependentSks"],
        )
      ).map((item) => [keyOf(item as Item), item]),
    );
    const dependents: WriteRequest[] = [];
    const heads: WriteRequest[] = [];
    for (const { head, dependents: items } of built) {
      const old = existing.get(keyOf(head));
      if (old?.contentHash === head.contentHash) {
        counts.unchanged++;
        continue;
      }
      counts.imported++;
      const kept = new Set(items.map((item) => item.sk));
      const stale = (Array.isArray(old?.dependentSks) ? old.dependentSks : [])
        .map(String)
        .filter((sk) => !kept.has(sk));
      dependents.push(
        ...items.map((Item) => ({ PutRequest: { Item } })),
        ...stale.map((sk) => ({ DeleteRequest: { Key: { pk: head.pk, sk } } })),
      );
      heads.push({ PutRequest: { Item: head } });
    }
    await writer.writeAll(dependents, concurrency);
    await writer.writeAll(heads, concurrency);
    writes += dependents.length + heads.length;
    const last = chunk[chunk.length - 1];
    committedLine = last ? last.line : committedLine;
    chunk = [];
    await options.checkpoints.save({
      importId,
      entityType: options.type,
      identity: options.source.identity,
      line: committedLine,
      imported: counts.imported,
      unchanged: counts.unchanged,
      writes,
      startedAt,
    });
  };

  let stopped = false;
  const reject = (line: number, field: string, reason: string) => rejections.push({ line, field, reason });
  for await (const event of readRecords(options.source.format, hashed(), definition.requiredColumns)) {
    counts.rows++;
    lastLine = event.line;
    if (event.kind === "rejected") {
      counts.rejected++;
      reject(event.line, event.field, event.reason);
      continue;
    }
    const parsed = definition.schema.safeParse(event.record);
    if (!parsed.success) {
      counts.rejected++;
      // One report line per field; a field's first problem is its root cause.
      const byField = new Map<string, string>();
      for (const issue of parsed.error.issues) {
        const field = issue.path.length > 0 ? String(issue.path[0]) : "(row)";
        if (!byField.has(field)) byField.set(field, issue.message);
      }
      for (const [field, reason] of byField) reject(event.line, field, reason);
      continue;
    }
    const problems = definition.problems?.(parsed.data) ?? [];
    if (problems.length > 0) {
      counts.rejected++;
      for (const problem of problems) reject(event.line, problem.field, problem.reason);
      continue;
    }
    const id = definition.idOf(parsed.data);
    const first = firstLineOf.get(id);
    if (first !== undefined) {
      counts.rejected++;
      reject(event.line, definition.idField, `duplicate id ${id} (first on line ${first})`);
      continue;
    }
    firstLineOf.set(id, event.line);
    if (event.line <= resumeAfter) continue;
    chunk.push({ line: event.line, row: parsed.data });
    if (chunk.length >= chunkRows) {
      await commit();
      progress();
      if (options.shouldStop?.()) {
        stopped = true;
        break;
      }
    }
  }
  if (!stopped) await commit();
  // Rows before the checkpoint were counted by the earlier run: counts.rows covers the whole file.
  progress();

  const finishedAt = now().toISOString();
  const summary: ImportSummary = {
    importId,
    type: options.type,
    source: options.source.name,
    ...(stopped ? {} : { sha256: sha256.digest("hex") }),
    complete: !stopped,
    counts: { ...counts },
    rejections,
    writes,
    ...(checkpoint ? { resumedAfterLine: resumeAfter } : {}),
    ...(stopped ? { stoppedAfterLine: committedLine } : {}),
    retries: writer.retries,
    startedAt,
    finishedAt,
  };
  if (!stopped) {
    await new ImportLog(options.client, options.tableName).record(summary, options.actor);
    await options.checkpoints.clear(options.type, options.source.identity);
  }
  return summary;
}
