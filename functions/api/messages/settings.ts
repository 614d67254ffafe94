import { defaultEncryptor } from "#shared/crypto/from-env.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { saveSettings, settingsInputSchema } from "#shared/notify/inbox.ts";
import { documentClient, tableName } from "#shared/runtime.ts";

const deps = { client: documentClient(), tableName: tableName(), encryptor: () => defaultEncryptor() };

/** PUT /messages/settings: a household's SMS opt-out, a staff member's phone (sealed) and SMS mode. */
export const handler = httpRoute(
  "PUT /messages/settings",
  { body: settingsInputSchema },
  async ({ body, actor }) => ok(await saveSettings(deps, actor, body)),
);
