import { httpRoute, ok } from "#shared/http/handler.ts";
import { markRead, markReadInputSchema } from "#shared/notify/inbox.ts";
import { documentClient, tableName } from "#shared/runtime.ts";

const deps = { client: documentClient(), tableName: tableName() };

/** POST /messages/read: marks the caller's messages read up to the newest id given, per inbox. */
export const handler = httpRoute(
  "POST /messages/read",
  { body: markReadInputSchema },
  async ({ body, actor }) => ok(await markRead(deps, actor, body)),
);
