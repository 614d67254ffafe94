import { httpRoute, ok } from "#shared/http/handler.ts";
import { listMessages, messageListQuerySchema } from "#shared/notify/inbox.ts";
import { documentClient, tableName } from "#shared/runtime.ts";

const deps = { client: documentClient(), tableName: tableName() };

/** GET /messages: the caller's message centre (消息), newest first, with the unread count. */
export const handler = httpRoute(
  "GET /messages",
  { query: messageListQuerySchema },
  async ({ query, actor }) => ok(await listMessages(deps, actor, query)),
);
