import { describeCaller } from "#shared/auth/me.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { placeNamesOf } from "#shared/reference/place-names.ts";
import { documentClient, tableName } from "#shared/runtime.ts";

/**
 * GET /me: the caller as every handler sees them, straight from the JWT
 * authorizer's claims, with the names of their townships and village read
 * from the reference data (the only table access: item reads).
 */
export const handler = httpRoute("GET /me", {}, async ({ actor }) =>
  ok(await describeCaller(actor, placeNamesOf(documentClient(), tableName()))),
);
