/**
 * The caller as the web app needs them (GET /me): the token's claims, and the
 * townships and village of their jurisdiction named from the reference data so
 * screens show 丹棱镇 rather than 511424100 (the code stays beside the name).
 */
import type { PlaceNames } from "../reference/place-names.ts";
import type { Me } from "../schemas/responses.ts";
import type { Actor } from "./actor.ts";

export async function describeCaller(actor: Actor, names: PlaceNames): Promise<Me> {
  const places = await names.lookup({
    townships: actor.townships,
    villages: actor.villageCode ? [actor.villageCode] : [],
  });
  return {
    id: actor.id,
    name: actor.name,
    role: actor.role,
    department: actor.department ?? null,
    townships: [...actor.townships],
    village: actor.villageCode ?? null,
    household: actor.householdId ?? null,
    places: {
      townships: actor.townships.map(places.township),
      village: actor.villageCode ? places.village(actor.villageCode) : null,
    },
  };
}
