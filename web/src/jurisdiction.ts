/**
 * The caller's townships with their names, for the township filters of the
 * staff and auditor screens. The token carries only the codes; GET /me names
 * them from the reference data. Until it answers (or if it cannot), the codes
 * stand alone, so a filter is never empty.
 */
import { useEffect, useState } from "preact/hooks";
import type { Me } from "#shared/schemas/responses.ts";
import { api } from "./api.ts";
import { currentSession } from "./auth.ts";
import type { PlaceView } from "./place-text.ts";

let asked: { readonly token: string; readonly me: Promise<Me> } | undefined;

/** GET /me once per session token (every filter on every screen shares the answer). */
export function fetchMe(): Promise<Me> {
  const token = currentSession()?.token ?? "";
  if (asked?.token !== token) {
    const me = api<Me>("/me");
    asked = { token, me };
    // A failed answer is not kept: the next screen asks again.
    me.catch(() => {
      if (asked?.me === me) asked = undefined;
    });
  }
  return asked.me;
}

/** The caller's townships, named as soon as GET /me answers. */
export function useJurisdiction(): readonly PlaceView[] {
  const [places, setPlaces] = useState<readonly PlaceView[]>(() =>
    (currentSession()?.user.townships ?? []).map((code) => ({ code })),
  );
  useEffect(() => {
    let live = true;
    fetchMe().then(
      (me) => {
        if (live) setPlaces(me.places.townships);
      },
      // The names are for reading comfort; the codes already shown still filter correctly.
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  return places;
}

/** The named place for a township code, or the code alone when it is not the caller's. */
export function townshipOf(places: readonly PlaceView[], code: string): PlaceView {
  return places.find((place) => place.code === code) ?? { code };
}
