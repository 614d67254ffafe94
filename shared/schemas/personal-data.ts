/**
 * Stored shape of sealed personal data (field-level envelope encryption,
 * shared/crypto/encryptor.ts): ciphertext, GCM tag and IV, and the wrapped
 * data key, all base64; `kid` names the key-encryption key.
 */
import * as z from "zod";

export const sealedSchema = z.object({
  v: z.literal(1),
  alg: z.literal("AES-256-GCM"),
  kid: z.string().min(1),
  edk: z.string().min(1),
  iv: z.string().min(1),
  tag: z.string().min(1),
  ct: z.string(),
});
export type Sealed = z.infer<typeof sealedSchema>;

/** A case's sealed ID and phone numbers with a keyed hash of each (by form path) for lookups. */
export const sealedPersonalDataSchema = z.object({
  sealed: sealedSchema,
  hashes: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
});
export type SealedPersonalData = z.infer<typeof sealedPersonalDataSchema>;
