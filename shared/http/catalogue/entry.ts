/** What every part of the error catalogue is made of (../error-catalogue.ts puts the parts together). */

import type { Bilingual } from "../../errors.ts";

export type { Bilingual } from "../../errors.ts";

export interface CatalogueEntry extends Bilingual {
  readonly status: number;
  /** When a client sees it (published in the OpenAPI document). */
  readonly when: string;
}

export const entry = (status: number, en: string, zh: string, when: string): CatalogueEntry => ({
  status,
  en,
  zh,
  when,
});
