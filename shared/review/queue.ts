/**
 * A reviewer's queue: the open steps of one queue in one township, from the
 * byQueue index (overdue first, then by deadline: the sort key's order), with
 * a short summary of each case (one BatchGet, no Scan).
 */
import { BatchGetCommand, type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import type { Actor } from "../auth/actor.ts";
import type { Cursors } from "../http/cursor.ts";
import { ForbiddenError, HttpError, InvalidCursorError, NotFoundError } from "../http/errors.ts";
import { placeNamesOf } from "../reference/place-names.ts";
import { type CaseRecord, caseRecordSchema, stepKindSchema } from "../schemas/case.ts";
import { departmentIdSchema } from "../schemas/common.ts";
import type { QueueEntry, QueuePage } from "../schemas/responses.ts";
import { caseKey, queuePartition } from "../store/keys.ts";
import { QUEUE_FILTERS, type QueueFilter, queueAccess } from "./rules.ts";

export const queueQuerySchema = z.strictObject({
  /** Optional when the caller works in exactly one township. */
  township: z
    .string()
    .regex(/^\d{6,12}$/)
    .optional(),
  /** `overdue`, `on_time` or `all` (default). */
  status: z.enum(QUEUE_FILTERS).default("all"),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  /** `nextCursor` of the previous page. */
  cursor: z.string().max(2000).optional(),
});
export type QueueQuery = z.infer<typeof queueQuerySchema>;

/** A queue item: a STEP item (or an escalation item) in the byQueue index. */
const queueItemSchema = z.object({
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

const cursorSchema = z.object({ pk: z.string(), sk: z.string(), gsi1pk: z.string(), gsi1sk: z.string() });

export type { QueueEntry, QueuePage };

export interface QueueDeps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Seals `nextCursor` (shared/http/cursor.ts): opaque, bound to the queue, the caller and the filter. */
  readonly cursors: Cursors;
}

function chooseTownship(actor: Pick<Actor, "townships">, township: string | undefined): string {
  if (township) return township;
  const [only] = actor.townships;
  if (actor.townships.length === 1 && only) return only;
  throw new HttpError("township_required", {
    en: "Say which township: ?township=<code> (you work in several or none)",
    zh: "请指定乡镇：?township=<代码>（您在多个乡镇任职或未登记乡镇）",
  });
}

const ROUTE = "GET /queues/{queue}";

export async function casesById(
  deps: Pick<QueueDeps, "client" | "tableName">,
  caseIds: readonly string[],
): Promise<Map<string, CaseRecord>> {
  const found = new Map<string, CaseRecord>();
  let keys: Record<string, unknown>[] = [...new Set(caseIds)].map((caseId) => caseKey(caseId));
  for (let round = 0; keys.length > 0 && round < 8; round++) {
    const response = await deps.client.send(
      new BatchGetCommand({ RequestItems: { [deps.tableName]: { Keys: keys } } }),
    );
    for (const item of response.Responses?.[deps.tableName] ?? []) {
      const parsed = caseRecordSchema.safeParse(item);
      if (parsed.success) found.set(parsed.data.caseId, parsed.data);
    }
    keys = response.UnprocessedKeys?.[deps.tableName]?.Keys ?? [];
    if (keys.length > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** round));
  }
  return found;
}

export async function listQueue(
  deps: QueueDeps,
  actor: Actor,
  queue: string,
  query: QueueQuery,
): Promise<QueuePage> {
  const township = chooseTownship(actor, query.township);
  const access = queueAccess(actor, queue, township);
  if (!access.allowed) {
    throw access.status === 404 ? new NotFoundError(access.reason) : new ForbiddenError(access.reason);
  }
  const { target } = access;
  const partition = queuePartition(target.partitionQueue, target.township);
  const filter: QueueFilter = target.overdueOnly ? "overdue" : query.status;
  const prefix = filter === "overdue" ? "0#" : filter === "on_time" ? "1#" : undefined;
  // The township head's partition holds both their own steps and escalation items (shared/workflow/mark-overdue.ts).
  const itemType = target.overdueOnly ? "escalation" : "step";
  const scope = { route: ROUTE, caller: actor.id, query: { partition, filter, itemType } };
  const startKey = query.cursor ? await deps.cursors.open(scope, query.cursor, cursorSchema) : undefined;
  // Sealed with this partition in its scope, so this holds for any cursor that opened; checked anyway.
  if (startKey && startKey.gsi1pk !== partition) throw new InvalidCursorError();
  const page = await deps.client.send(
    new QueryCommand({
      TableName: deps.tableName,
      IndexName: "byQueue",
      KeyConditionExpression: prefix ? "gsi1pk = :pk AND begins_with(gsi1sk, :prefix)" : "gsi1pk = :pk",
      FilterExpression: "#type = :type",
      ExpressionAttributeNames: { "#type": "type" },
      ExpressionAttributeValues: {
        ":pk": partition,
        ":type": itemType,
        ...(prefix ? { ":prefix": prefix } : {}),
      },
      Limit: query.limit,
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    }),
  );
  const items = (page.Items ?? []).flatMap((item) => {
    const parsed = queueItemSchema.safeParse(item);
    return parsed.success ? [parsed.data] : [];
  });
  const cases = await casesById(
    deps,
    items.map((item) => item.caseId),
  );
  const places = await placeNamesOf(deps.client, deps.tableName).lookup({
    villages: [...cases.values()].map((record) => record.villageCode),
  });
  return {
    queue,
    township,
    status: filter,
    items: items.map((item) => {
      const record = cases.get(item.caseId);
      const villageName = record ? places.village(record.villageCode).name : undefined;
      return {
        caseId: item.caseId,
        stepId: item.stepId ?? null,
        step: item.step ?? null,
        department: item.department ?? null,
        kind: record?.kind ?? null,
        village: record?.villageCode ?? null,
        villageName: villageName ?? null,
        shortId: item.caseId.slice(0, 8),
        applicantName: record?.application.head?.name ?? null,
        caseStatus: record?.status ?? null,
        submittedAt: record?.submittedAt ?? null,
        openedAt: item.openedAt ?? item.escalatedAt ?? null,
        deadline: item.deadline ?? null,
        overdue: item.overdue ?? item.gsi1sk.startsWith("0#"),
        reminders: item.reminders ?? 0,
      };
    }),
    nextCursor: page.LastEvaluatedKey ? await deps.cursors.seal(scope, page.LastEvaluatedKey) : null,
  };
}
