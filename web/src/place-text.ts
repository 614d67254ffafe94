/**
 * A village or township as people read it, name first and code beside it,
 * where no markup can go (a select's option): 丹棱镇 · 511424100. Kept apart
 * from staff/names.tsx so the phone's first bundle (ui.tsx) does not carry
 * the staff screens' tables.
 */
import { pick } from "./i18n.ts";

export interface PlaceView {
  readonly code: string;
  readonly name?: { readonly zh: string; readonly en: string } | null;
}

/** The code alone when the reference data has no name. */
export function placeText(place: PlaceView): string {
  return place.name ? `${pick(place.name)} · ${place.code}` : place.code;
}
