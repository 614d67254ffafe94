/**
 * A reviewer's queue: the open steps of one queue in one township, from the
 * byQueue index (overdue first, then by deadline: the sort key's order), with
 * a short summary of each case (one BatchGet, no Scan).
 */
import { BatchGetCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import type { Actor } from "../auth/actor.ts";
import { CursorNotValidError, TownshipRequiredError } from "../errors.ts";
import type { Cursors } from "../http/cursor.ts";
import { placeNamesOf } from "../reference/place-names.ts";
import { type CaseRecord, caseRecordSchema } from "../schemas/case.ts";
import type { QueueEntry, QueuePage } from "../schemas/responses.ts";
import { caseKey, queuePartition } from "../store/keys.ts";
import { ForeignQueueCursorError, queueCursorSchema, StepStore } from "../store/step-store.ts";
import { enforce } from "./errors.ts";
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
  throw new TownshipRequiredError({
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
  enforce(access);
  const { target } = access;
  const partition = queuePartition(target.partitionQueue, target.township);
  const filter: QueueFilter = target.overdueOnly ? "overdue" : query.status;
  // The township head's partition holds both their own steps and escalation items (shared/workflow/mark-overdue.ts).
  const itemType = target.overdueOnly ? "escalation" : "step";
  const scope = { route: ROUTE, caller: actor.id, query: { partition, filter, itemType } };
  const after = query.cursor ? await deps.cursors.open(scope, query.cursor, queueCursorSchema) : undefined;
  const page = await StepStore.of(deps)
    .queuePage({
      queue: target.partitionQueue,
      townshipCode: target.township,
      filter,
      itemType,
      limit: query.limit,
      ...(after ? { after } : {}),
    })
    .catch((error: unknown) => {
      // Sealed with this partition in its scope, so any cursor that opened is this queue's; checked anyway.
      if (error instanceof ForeignQueueCursorError) throw new CursorNotValidError();
      throw error;
    });
  const { items } = page;
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
        overdue: item.overdue,
        reminders: item.reminders ?? 0,
      };
    }),
    nextCursor: page.next ? await deps.cursors.seal(scope, page.next) : null,
  };
}
