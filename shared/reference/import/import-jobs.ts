/**
 * Admin imports run in the background (POST /admin/imports answers 202 at
 * once); the job item is what the admin reads back (GET /admin/imports/{id}):
 * status, counts and the line reached, updated after every committed chunk.
 *
 *   job:  pk = IMPORTJOB#<importId>, sk = JOB
 *   lock: pk = IMPORT#<type>#<identity digest>, sk = RUNNING — one running import per file
 *         (the checkpoint of that file lives beside it, sk = CHECKPOINT); it expires, so a
 *         workflow that died without releasing it does not block the file for ever.
 * No index keys: jobs never show in the case listings.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { importJobKey, importLockKey } from "../../store/keys.ts";
import { referenceTypeSchema } from "../entities.ts";
import { importCountsSchema, rejectionSchema } from "./importer.ts";

export const IMPORT_JOB_STATUSES = ["queued", "running", "complete", "failed"] as const;

export const importJobSchema = z
  .object({
    importId: z.uuid(),
    entityType: referenceTypeSchema,
    key: z.string(),
    status: z.enum(IMPORT_JOB_STATUSES),
    requestedBy: z.object({ id: z.string(), role: z.string(), name: z.string() }),
    requestedAt: z.string(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    /** Lines of the file read so far, and the counts (rows before a resumed checkpoint included). */
    line: z.int().min(0),
    bytesRead: z.int().min(0).optional(),
    totalBytes: z.int().min(0).optional(),
    counts: importCountsSchema,
    /** Work sessions so far (a worker stops at a checkpoint before its time is up; the next one resumes). */
    sessions: z.int().min(0),
    /** The first 100 rejections; all of them in the report. */
    rejections: z.array(rejectionSchema).optional(),
    reportKey: z.string().optional(),
    error: z.string().optional(),
  })
  .meta({ id: "ImportJob" });
export type ImportJob = z.infer<typeof importJobSchema>;

export { importJobKey, importLockKey } from "../../store/keys.ts";

/** A running import holds its file this long at most without finishing (a dead workflow's lock expires). */
const LOCK_MS = 24 * 60 * 60 * 1000;
const STORED_ONLY = new Set(["pk", "sk", "type"]);

export class ImportJobs {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async get(importId: string): Promise<ImportJob | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: importJobKey(importId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return importJobSchema.parse(
      Object.fromEntries(Object.entries(Item).filter(([key]) => !STORED_ONLY.has(key))),
    );
  }

  /** Takes the file's lock for `importId`; false when another import of the same file is running. */
  async lock(type: string, identity: string, importId: string): Promise<boolean> {
    const now = this.now().getTime();
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...importLockKey(type, identity), type: "import_lock", importId, expiresAt: now + LOCK_MS },
          ConditionExpression: "attribute_not_exists(pk) OR expiresAt < :now OR importId = :id",
          ExpressionAttributeValues: { ":now": now, ":id": importId },
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === "ConditionalCheckFailedException") return false;
      throw error;
    }
  }

  async unlock(type: string, identity: string, importId: string): Promise<void> {
    await this.client
      .send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: importLockKey(type, identity),
          ConditionExpression: "importId = :id",
          ExpressionAttributeValues: { ":id": importId },
        }),
      )
      .catch((error: unknown) => {
        if ((error as { name?: string }).name !== "ConditionalCheckFailedException") throw error;
      });
  }

  async create(job: ImportJob): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...importJobKey(job.importId), type: "import_job", ...job },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }

  /** Records progress (and the status it implies) on a job that has not finished. */
  async progress(
    importId: string,
    update: Partial<
      Pick<ImportJob, "status" | "line" | "bytesRead" | "totalBytes" | "counts" | "sessions" | "startedAt">
    >,
  ): Promise<void> {
    const entries = Object.entries(update).filter(([, value]) => value !== undefined);
    if (entries.length === 0) return;
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: importJobKey(importId),
        UpdateExpression: `SET ${entries.map((_, i) => `#f${i} = :v${i}`).join(", ")}`,
        ConditionExpression: "attribute_exists(pk) AND #status IN (:queued, :running)",
        ExpressionAttributeNames: {
          "#status": "status",
          ...Object.fromEntries(entries.map(([name], i) => [`#f${i}`, name])),
        },
        ExpressionAttributeValues: {
          ":queued": "queued",
          ":running": "running",
          ...Object.fromEntries(entries.map(([, value], i) => [`:v${i}`, value])),
        },
      }),
    );
  }

  /** The job's end: complete (with the summary) or failed (with the reason). */
  async finish(
    importId: string,
    end: Pick<ImportJob, "status" | "finishedAt"> &
      Partial<Pick<ImportJob, "counts" | "line" | "rejections" | "reportKey" | "error">>,
  ): Promise<void> {
    const entries = Object.entries(end).filter(([, value]) => value !== undefined);
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: importJobKey(importId),
        UpdateExpression: `SET ${entries.map((_, i) => `#f${i} = :v${i}`).join(", ")}`,
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeNames: Object.fromEntries(entries.map(([name], i) => [`#f${i}`, name])),
        ExpressionAttributeValues: Object.fromEntries(entries.map(([, value], i) => [`:v${i}`, value])),
      }),
    );
  }
}
