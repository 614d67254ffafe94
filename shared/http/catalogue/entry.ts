/** What every part of the error catalogue is made of (../error-catalogue.ts puts the parts together). */

/** A message in both languages of the API. */
export interface Bilingual {
  readonly en: string;
  readonly zh: string;
}

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
