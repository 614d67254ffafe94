/** Request shapes of the villager and reviewer APIs (HTTP boundary). */
import * as z from "zod";

export const caseIdPath = z.object({ caseId: z.uuid() });
export const withdrawBody = z.strictObject({ reason: z.string().trim().max(500).optional() });
export const idempotencyKeyHeader = z.string().min(8).max(255);

const sha256Hex = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[0-9a-f]{64}$/, { error: "sha256 must be 64 hexadecimal characters" });

export const stepPath = z.object({ caseId: z.string().min(1).max(100), stepId: z.string().min(1).max(200) });
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
