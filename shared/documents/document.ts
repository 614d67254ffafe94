/**
 * A document a household uploads (DOC item in the case's partition), validated
 * when read back from DynamoDB. The item's `type` attribute is the item kind
 * ("document"), as for every item of the table, so the policy's document type
 * is `documentType`.
 */
import * as z from "zod";
import { localizedTextSchema } from "../schemas/common.ts";
import type { DocumentView } from "../schemas/responses.ts";

export const DOCUMENT_STATUSES = ["pending", "confirmed", "rejected"] as const;
export const documentStatusSchema = z.enum(DOCUMENT_STATUSES);
export type DocumentStatus = z.infer<typeof documentStatusSchema>;

export const sha256HexSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[0-9a-f]{64}$/, { error: "sha256 must be 64 hexadecimal characters" });

/** Why the server refused the uploaded bytes; shown to the villager in both languages. */
export const rejectionSchema = localizedTextSchema.extend({
  code: z.enum(["size_mismatch", "content_type_mismatch", "sha256_mismatch"]),
});
export type Rejection = z.infer<typeof rejectionSchema>;

export const documentRecordSchema = z.object({
  caseId: z.string().min(1),
  documentId: z.string().min(1),
  /** A `typeId` of the county policy's required documents for the case kind. */
  documentType: z.string().min(1),
  /** Declared by the uploader at request time; confirmed from the bytes before the status says so. */
  contentType: z.string().min(1),
  size: z.int().positive(),
  sha256: sha256HexSchema,
  /** The S3 key: `cases/<caseId>/documents/<documentId>`. */
  key: z.string().min(1),
  status: documentStatusSchema,
  /**
   * Set on a site-visit photo (shared/review/site-visits.ts): the step whose
   * visit it records. Household documents have none.
   */
  stepId: z.string().min(1).optional(),
  /** JWT `sub` of whoever asked for the upload URL (the villager; the inspector or reviewer for a photo). */
  uploadedBy: z.string().min(1),
  requestedAt: z.iso.datetime(),
  uploadExpiresAt: z.iso.datetime(),
  confirmedAt: z.iso.datetime().optional(),
  /** The S3 object version that was verified: later PUTs to the same key can never replace it. */
  versionId: z.string().optional(),
  rejectedAt: z.iso.datetime().optional(),
  rejections: z.array(rejectionSchema).optional(),
});
export type DocumentRecord = z.infer<typeof documentRecordSchema>;

export const documentObjectKey = (caseId: string, documentId: string) =>
  `cases/${caseId}/documents/${documentId}`;

/** What the API shows of a document: no S3 key, no uploader id. */
export function documentView(document: DocumentRecord): DocumentView {
  return {
    documentId: document.documentId,
    type: document.documentType,
    contentType: document.contentType,
    size: document.size,
    sha256: document.sha256,
    status: document.status,
    ...(document.stepId ? { stepId: document.stepId } : {}),
    requestedAt: document.requestedAt,
    ...(document.confirmedAt ? { confirmedAt: document.confirmedAt } : {}),
    ...(document.rejectedAt ? { rejectedAt: document.rejectedAt } : {}),
    ...(document.rejections ? { rejections: document.rejections } : {}),
  };
}
