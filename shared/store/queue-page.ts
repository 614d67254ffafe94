/**
 * The byQueue index read: one page of a reviewer's queue (open STEP items and
 * the township head's ESCALATION items), overdue first, then by deadline.
 */
import { type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { stepKindSchema } from "../schemas/case.ts";
import { departmentIdSchema } from "../schemas/common.ts";
import { QUEUE_SORT_PREFIX, queuePartition } from "./keys.ts";

/** A queue entry: an open STEP item, or an ESCALATION item in the township head's queue. */
export const queueItemSchema = z.object({
  caseId: z.string().min(1),
  stepId: z.string().optional(),
  step: stepKindSchema.optional(),
  department: departmentIdSchema.optional(),
  round: z.int().optional(),
  openedAt: z.string().optional(),
  deadline: z.string().optional(),
  overdue: z.boolean().optional(),
  reminders: z.int().optional(),
  /** Escalation items: when the step was escalated (shown as when the head received it). */
  escalatedAt: z.string().optional(),
  gsi1sk: z.string(),
});
export type QueueItem = Omit<z.infer<typeof queueItemSchema>, "gsi1sk" | "overdue"> & {
  readonly overdue: boolean;
};

/** Where a queue page starts: the last entry of the page before (byQueue's LastEvaluatedKey). */
export const queueCursorSchema = z.object({
  pk: z.string(),
  sk: z.string(),
  gsi1pk: z.string(),
  gsi1sk: z.string(),
});
export type QueueCursor = z.infer<typeof queueCursorSchema>;

export interface QueuePageQuery {
  readonly queue: string;
  readonly townshipCode: string;
  readonly filter: "all" | "overdue" | "on_time";
  /** Steps, or the escalation items the township head's partition also holds. */
  readonly itemType: "step" | "escalation";
  readonly limit: number;
  readonly after?: QueueCursor;
}

/** A cursor of another queue's page (the caller sealed it for a different partition). */
export class ForeignQueueCursorError extends Error {
  override readonly name = "ForeignQueueCursorError";
}

export async function queuePage(
  client: DynamoDBDocumentClient,
  tableName: string,
  query: QueuePageQuery,
): Promise<{ items: QueueItem[]; next?: QueueCursor }> {
  const partition = queuePartition(query.queue, query.townshipCode);
  if (query.after && query.after.gsi1pk !== partition) throw new ForeignQueueCursorError(partition);
  const prefix = query.filter === "all" ? undefined : QUEUE_SORT_PREFIX[query.filter];
  const page = await client.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: "byQueue",
      KeyConditionExpression: prefix ? "gsi1pk = :pk AND begins_with(gsi1sk, :prefix)" : "gsi1pk = :pk",
      FilterExpression: "#type = :type",
      ExpressionAttributeNames: { "#type": "type" },
      ExpressionAttributeValues: {
        ":pk": partition,
        ":type": query.itemType,
        ...(prefix ? { ":prefix": prefix } : {}),
      },
      Limit: query.limit,
      ...(query.after ? { ExclusiveStartKey: query.after } : {}),
    }),
  );
  const items = (page.Items ?? []).flatMap((item): QueueItem[] => {
    const parsed = queueItemSchema.safeParse(item);
    if (!parsed.success) return [];
    const { gsi1sk, ...entry } = parsed.data;
    return [{ ...entry, overdue: entry.overdue ?? gsi1sk.startsWith(QUEUE_SORT_PREFIX.overdue) }];
  });
  const next = page.LastEvaluatedKey ? queueCursorSchema.parse(page.LastEvaluatedKey) : undefined;
  return { items, ...(next ? { next } : {}) };
}
