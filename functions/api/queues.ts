import * as z from "zod";
import { cursorsFromEnv } from "#shared/http/cursor.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { listQueue, queueQuerySchema } from "#shared/review/queue.ts";
import { documentClient, tableName } from "#shared/runtime.ts";

const deps = { client: documentClient(), tableName: tableName(), cursors: cursorsFromEnv() };

/** GET /queues/{queue}?township=&status=&limit=&cursor=: open steps of my queue, overdue first. */
export const handler = httpRoute(
  "GET /queues/{queue}",
  { path: z.object({ queue: z.string().min(1).max(60) }), query: queueQuerySchema },
  async ({ path, query, actor }) => ok(await listQueue(deps, actor, path.queue, query)),
);
