/** Request shapes of the villager and reviewer APIs (HTTP boundary). */
import * as z from "zod";

/**
 * THE case id of every `{caseId}` path parameter. The API issues UUIDs; the
 * schema accepts any id of the same alphabet (letters, digits, `-`, `_`; at
 * most 64), so a malformed id is 400 `validation_failed` on every route and a
 * well-formed unknown (or another household's) id is 404 on every route.
 */
export const caseIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, {
    error: "A case id is 1 to 64 letters, digits, '-' or '_' (the API issues UUIDs)",
  })
  .meta({
    description: "Case id (a UUID as the API issues it)",
    example: "3f2b8c1e-5d4a-4e8b-9c7d-2a1b0c9d8e7f",
  });
export const caseIdPath = z.object({ caseId: caseIdSchema });
export const withdrawBody = z.strictObject({ reason: z.string().trim().max(500).optional() });
export const idempotencyKeyHeader = z.string().min(8).max(255);

const sha256Hex = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[0-9a-f]{64}$/, { error: "sha256 must be 64 hexadecimal characters" });

export const stepPath = caseIdPath.extend({ stepId: z.string().min(1).max(200) });
export const documentPath = caseIdPath.extend({ documentId: z.string().min(1).max(100) });
export const photoPath = stepPath.extend({ photoId: z.string().min(1).max(100) });

/** A site-visit photo to upload (shared/review/site-visits.ts): an image, its size and SHA-256. */
export const photoUploadRequestSchema = z.strictObject({
  contentType: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^image\/[a-z0-9.+-]+$/, { error: "Site-visit photos are images (image/jpeg, image/png…)" })
    .max(100),
  size: z.int().positive(),
  sha256: sha256Hex,
});
export type PhotoUploadRequest = z.infer<typeof photoUploadRequestSchema>;
