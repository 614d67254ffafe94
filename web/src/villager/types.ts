/** Response types of the villager API, taken from the server's own types (type-only: nothing is bundled). */
import type { CaseSummary, CaseView } from "#shared/cases/villager.ts";
import type { documentView } from "#shared/documents/document.ts";

export type { ApplicationDraft } from "#shared/schemas/application.ts";
export type { FieldError } from "#shared/schemas/messages.ts";
export type { CaseSummary, CaseView };
export type DocumentView = ReturnType<typeof documentView> & {
  readonly download?: { readonly url: string; readonly expiresIn: number };
};

export interface UploadTicket {
  /** A household document's id; a site-visit photo's is `photoId`. */
  readonly documentId?: string;
  readonly photoId?: string;
  readonly uploadUrl: string;
  readonly expiresAt: string;
  readonly requiredHeaders: Record<string, string>;
}

export interface MissingDocument {
  readonly typeId: string;
  readonly name: { readonly zh: string; readonly en: string };
  readonly needed: number;
  readonly have: number;
}

export interface CorrectionView {
  readonly requests: readonly {
    readonly stepId: string;
    readonly step: string;
    readonly department?: string;
    readonly fields: readonly string[];
    readonly documents: readonly string[];
    readonly reason: string | null;
    readonly requestedAt: string;
  }[];
}
