import { actorOf } from "#shared/auth/actor.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import type { Me } from "#shared/schemas/responses.ts";

/**
 * GET /me: the caller as every handler sees them, straight from the JWT
 * authorizer's claims. The web app uses it to choose its views; nothing is
 * stored, so it needs no table.
 */
export const handler = httpRoute("GET /me", {}, async ({ event }) => {
  const actor = actorOf(event);
  return ok({
    id: actor.id,
    name: actor.name,
    role: actor.role,
    department: actor.department ?? null,
    townships: [...actor.townships],
    village: actor.villageCode ?? null,
    household: actor.householdId ?? null,
  } satisfies Me);
});
