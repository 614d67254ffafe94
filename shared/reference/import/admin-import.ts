/**
 * POST /admin/imports: a county admin imports a reference file already
 * uploaded to the documents bucket under `imports/`. Same importer as the CLI;
 * the checkpoint lives in the table, and a call stops after ≈ 20 s of work
 * (API Gateway answers within 29 s) with 202 and the line it reached: calling
 * again with the same body resumes there. A finished import answers 200 with
 * the counts; rejected rows go to `imports/reports/<importId>.csv`.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import type { Actor } from "../../auth/actor.ts";
import { ForbiddenError, NotFoundError } from "../../http/errors.ts";
import type { AdminImportResult } from "../../schemas/responses.ts";
import { referenceTypeSchema } from "../entities.ts";
import { TableCheckpointStore } from "./checkpoints.ts";
import { importReferenceFile, rejectionReportCsv } from "./importer.ts";
import { formatOf } from "./source.ts";

export const adminImportBodySchema = z.strictObject({
  type: referenceTypeSchema,
  /** An object key in the documents bucket, under imports/, ending .csv or .geojson. */
  key: z
    .string()
    .regex(/^imports\/[\w\-./]{1,200}\.(csv|geojson)$/, "an imports/… key ending .csv or .geojson"),
});
export type AdminImportBody = z.infer<typeof adminImportBodySchema>;

export interface AdminImportDeps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly s3: S3Client;
  readonly bucketName: string;
  /** Work time per call before stopping at a checkpoint. */
  readonly budgetMs?: number;
  /** Rows per committed chunk (the checkpoint granularity). */
  readonly chunkRows?: number;
}

export type { AdminImportResult };

export async function runAdminImport(
  deps: AdminImportDeps,
  actor: Actor,
  body: AdminImportBody,
): Promise<AdminImportResult> {
  // Until the authorization policy table covers this route: county admins only.
  if (actor.role !== "county_admin")
    throw new ForbiddenError({
      en: "Only a county admin may import reference data",
      zh: "只有县级管理员可以导入基础数据",
    });
  const head = await deps.s3
    .send(new HeadObjectCommand({ Bucket: deps.bucketName, Key: body.key }))
    .catch((error: unknown) => {
      if ((error as { name?: string }).name === "NotFound")
        throw new NotFoundError({ en: `No uploaded file ${body.key}`, zh: `未找到已上传的文件 ${body.key}` });
      throw error;
    });
  const deadline = Date.now() + (deps.budgetMs ?? 20_000);
  const summary = await importReferenceFile({
    type: body.type,
    source: {
      name: body.key,
      format: formatOf(body.key),
      ...(head.ContentLength === undefined ? {} : { sizeBytes: head.ContentLength }),
      identity: `s3://${deps.bucketName}/${body.key}#${head.ETag ?? ""}`,
      open: () => streamObject(deps, body.key, head.ETag),
    },
    client: deps.client,
    tableName: deps.tableName,
    actor: { id: actor.id, role: actor.role, name: actor.name },
    checkpoints: new TableCheckpointStore(deps.client, deps.tableName),
    resume: true,
    ...(deps.chunkRows ? { chunkRows: deps.chunkRows } : {}),
    shouldStop: () => Date.now() > deadline,
  });
  const { rejections, ...rest } = summary;
  let reportKey: string | undefined;
  if (summary.complete && rejections.length > 0) {
    reportKey = `imports/reports/${summary.importId}.csv`;
    await deps.s3.send(
      new PutObjectCommand({
        Bucket: deps.bucketName,
        Key: reportKey,
        Body: rejectionReportCsv(rejections),
        ContentType: "text/csv; charset=utf-8",
      }),
    );
  }
  return {
    status: summary.complete ? "complete" : "partial",
    summary: rest,
    rejections: rejections.slice(0, 100),
    ...(reportKey ? { reportKey } : {}),
  };
}

async function* streamObject(
  deps: AdminImportDeps,
  key: string,
  etag: string | undefined,
): AsyncGenerator<Uint8Array> {
  // IfMatch: the object must still be the one the checkpoint was made for.
  const { Body } = await deps.s3.send(
    new GetObjectCommand({ Bucket: deps.bucketName, Key: key, ...(etag ? { IfMatch: etag } : {}) }),
  );
  if (!Body) return;
  for await (const chunk of Body as AsyncIterable<Uint8Array>) yield chunk;
}
