/**
 * Admin imports, in the background. POST /admin/imports checks the request (a
 * county admin, a file uploaded to the documents bucket under `imports/`, no
 * other import of that file running), records a job and starts the import
 * workflow, and answers 202 with the job at once. The workflow's worker
 * (functions/workflow/run-import.ts) imports until its time is nearly up,
 * stopping after a committed chunk with the checkpoint saved; the workflow
 * runs it again until the import is done, and a worker that dies (timeout,
 * crash) is retried from the same checkpoint. The admin follows the job with
 * GET /admin/imports/{importId}; rejected rows go to `imports/reports/<importId>.csv`.
 * Same importer as the CLI.
 */
import { randomUUID } from "node:crypto";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import type { Actor } from "../../auth/actor.ts";
import { DomainError, NotPermittedError, ResourceNotFoundError } from "../../errors.ts";
import { referenceTypeSchema } from "../entities.ts";
import { TableCheckpointStore } from "./checkpoints.ts";
import { type ImportJob, ImportJobs } from "./import-jobs.ts";
import { type ImportProgress, importReferenceFile, rejectionReportCsv } from "./importer.ts";
import { formatOf } from "./source.ts";

export const adminImportBodySchema = z.strictObject({
  type: referenceTypeSchema,
  /** An object key in the documents bucket, under imports/, ending .csv or .geojson. */
  key: z
    .string()
    .regex(/^imports\/[\w\-./]{1,200}\.(csv|geojson)$/, "an imports/… key ending .csv or .geojson"),
});
export type AdminImportBody = z.infer<typeof adminImportBodySchema>;

export const importIdPathSchema = z.object({ importId: z.uuid() });

/** What the workflow carries from one work session to the next. */
export const importWorkSchema = z.object({
  importId: z.uuid(),
  type: referenceTypeSchema,
  key: z.string(),
  /** The object version the import is of: a file replaced meanwhile fails the import instead of mixing. */
  etag: z.string(),
  actor: z.object({ id: z.string(), role: z.string(), name: z.string() }),
  done: z.boolean().optional(),
});
export type ImportWork = z.infer<typeof importWorkSchema>;

export interface AdminImportDeps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly s3: S3Client;
  readonly bucketName: string;
  readonly now?: () => Date;
}

export interface RequestImportDeps extends AdminImportDeps {
  /** Starts the import workflow for the job (named after the import id: a second start is a no-op). */
  readonly startWorkflow: (work: ImportWork) => Promise<void>;
}

const identityOf = (deps: AdminImportDeps, key: string, etag: string) =>
  `s3://${deps.bucketName}/${key}#${etag}`;

/** The same file (key and ETag) is being imported already: one import at a time per file. */
export class ImportInProgressError extends DomainError {
  constructor(key: string) {
    super({
      en: `${key} is already being imported; follow that import, or wait for it to finish`,
      zh: `文件 ${key} 正在导入中，请查看该导入的进度或等待其完成`,
    });
  }
}

/** POST /admin/imports: the job, queued, with the workflow started. */
export async function requestAdminImport(
  deps: RequestImportDeps,
  actor: Actor,
  body: AdminImportBody,
): Promise<ImportJob> {
  // The policy table lets only county admins in; the use case says so again.
  if (actor.role !== "county_admin")
    throw new NotPermittedError({
      en: "Only a county admin may import reference data",
      zh: "只有县级管理员可以导入基础数据",
    });
  const head = await deps.s3
    .send(new HeadObjectCommand({ Bucket: deps.bucketName, Key: body.key }))
    .catch((error: unknown) => {
      if ((error as { name?: string }).name === "NotFound")
        throw new ResourceNotFoundError({
          en: `No uploaded file ${body.key}`,
          zh: `未找到已上传的文件 ${body.key}`,
        });
      throw error;
    });
  const etag = head.ETag ?? "";
  const jobs = new ImportJobs(deps.client, deps.tableName, deps.now);
  const importId = randomUUID();
  if (!(await jobs.lock(body.type, identityOf(deps, body.key, etag), importId))) {
    throw new ImportInProgressError(body.key);
  }
  const job: ImportJob = {
    importId,
    entityType: body.type,
    key: body.key,
    status: "queued",
    requestedBy: { id: actor.id, role: actor.role, name: actor.name },
    requestedAt: (deps.now ?? (() => new Date()))().toISOString(),
    line: 0,
    ...(head.ContentLength === undefined ? {} : { totalBytes: head.ContentLength }),
    counts: { rows: 0, imported: 0, unchanged: 0, rejected: 0 },
    sessions: 0,
  };
  await jobs.create(job);
  await deps.startWorkflow({ importId, type: body.type, key: body.key, etag, actor: job.requestedBy });
  return job;
}

/** GET /admin/imports/{importId}: the job as it stands. */
export async function getAdminImport(
  deps: Pick<AdminImportDeps, "client" | "tableName" | "now">,
  actor: Actor,
  importId: string,
): Promise<ImportJob> {
  if (actor.role !== "county_admin") throw new NotPermittedError();
  const job = await new ImportJobs(deps.client, deps.tableName, deps.now).get(importId);
  if (!job)
    throw new ResourceNotFoundError({ en: `No import ${importId}`, zh: `未找到导入任务 ${importId}` });
  return job;
}

/** How often a running import writes its progress to the job (at most; after committed chunks). */
const PROGRESS_EVERY_MS = 2000;

/**
 * One work session of the workflow's worker: imports from the checkpoint until
 * `budgetMs` is spent (stopping after a committed chunk), records progress on
 * the job, and on the last session the report, the summary and the job's end.
 * Answers the work with `done` set when the import is complete.
 */
export async function runImportSession(
  deps: AdminImportDeps & { readonly chunkRows?: number },
  work: ImportWork,
  budgetMs: number,
): Promise<ImportWork> {
  const now = deps.now ?? (() => new Date());
  const jobs = new ImportJobs(deps.client, deps.tableName, now);
  const job = await jobs.get(work.importId);
  if (!job) throw new Error(`No import job ${work.importId}`);
  if (job.status === "complete" || job.status === "failed") return { ...work, done: true };
  await jobs.progress(work.importId, {
    status: "running",
    sessions: job.sessions + 1,
    ...(job.startedAt ? {} : { startedAt: now().toISOString() }),
  });
  const identity = identityOf(deps, work.key, work.etag);
  const deadline = Date.now() + budgetMs;
  let lastWrite = 0;
  let pending: Promise<void> = Promise.resolve();
  const onProgress = (progress: ImportProgress) => {
    if (Date.now() - lastWrite < PROGRESS_EVERY_MS) return;
    lastWrite = Date.now();
    pending = pending.then(() =>
      jobs.progress(work.importId, {
        line: progress.line,
        bytesRead: progress.bytesRead,
        counts: progress.counts,
      }),
    );
  };
  const summary = await importReferenceFile({
    type: work.type,
    importId: work.importId,
    source: {
      name: work.key,
      format: formatOf(work.key),
      ...(job.totalBytes === undefined ? {} : { sizeBytes: job.totalBytes }),
      identity,
      open: () => streamObject(deps, work.key, work.etag),
    },
    client: deps.client,
    tableName: deps.tableName,
    actor: work.actor,
    checkpoints: new TableCheckpointStore(deps.client, deps.tableName),
    resume: true,
    ...(deps.chunkRows ? { chunkRows: deps.chunkRows } : {}),
    onProgress,
    shouldStop: () => Date.now() > deadline,
    now,
  });
  await pending;
  if (!summary.complete) {
    await jobs.progress(work.importId, { line: summary.stoppedAfterLine ?? 0, counts: summary.counts });
    return { ...work, done: false };
  }
  let reportKey: string | undefined;
  if (summary.rejections.length > 0) {
    reportKey = `imports/reports/${work.importId}.csv`;
    await deps.s3.send(
      new PutObjectCommand({
        Bucket: deps.bucketName,
        Key: reportKey,
        Body: rejectionReportCsv(summary.rejections),
        ContentType: "text/csv; charset=utf-8",
      }),
    );
  }
  await jobs.finish(work.importId, {
    status: "complete",
    finishedAt: summary.finishedAt,
    counts: summary.counts,
    line: summary.counts.rows,
    rejections: summary.rejections.slice(0, 100),
    ...(reportKey ? { reportKey } : {}),
  });
  await jobs.unlock(work.type, identity, work.importId);
  return { ...work, done: true };
}

/** The workflow's last word on a failed import: the job says why, the file is free again. */
export async function failImport(deps: AdminImportDeps, work: ImportWork, reason: string): Promise<void> {
  const jobs = new ImportJobs(deps.client, deps.tableName, deps.now);
  await jobs.finish(work.importId, {
    status: "failed",
    finishedAt: (deps.now ?? (() => new Date()))().toISOString(),
    error: reason,
  });
  await jobs.unlock(work.type, identityOf(deps, work.key, work.etag), work.importId);
}

async function* streamObject(deps: AdminImportDeps, key: string, etag: string): AsyncGenerator<Uint8Array> {
  // IfMatch: the object must still be the one the checkpoint was made for.
  const { Body } = await deps.s3.send(
    new GetObjectCommand({ Bucket: deps.bucketName, Key: key, ...(etag ? { IfMatch: etag } : {}) }),
  );
  if (!Body) return;
  for await (const chunk of Body as AsyncIterable<Uint8Array>) yield chunk;
}
