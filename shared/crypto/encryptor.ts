/**
 * Field-level envelope encryption for personal data (PIPL: ID and phone
 * numbers). Each sealed value gets a fresh 256-bit data key; the data key is
 * wrapped by a key-encryption key that never leaves its keyring (KMS on AWS, a
 * key file locally) and stored beside the ciphertext. AES-256-GCM authenticates
 * the ciphertext and the encryption context (the case id), so a value that was
 * changed, or moved to another case, fails to open.
 *
 * Lookups use a keyed hash (HMAC-SHA-256) with a secret from the same keyring:
 * equal inputs give equal hashes, and without the secret a hash cannot be
 * reversed by trying every ID number (which a plain SHA-256 would allow: there
 * are only ~10^11 plausible ID numbers).
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  type KeyObject,
  randomBytes,
} from "node:crypto";
import type { Sealed } from "../schemas/personal-data.ts";

/** Where data keys come from and how they are unwrapped (KMS or the local key file). */
export interface Keyring {
  /** Names the key-encryption key (a KMS key ARN, or `local:<fingerprint>`). */
  readonly keyId: string;
  generateDataKey(context: Readonly<Record<string, string>>): Promise<{ plaintext: Buffer; wrapped: Buffer }>;
  unwrapDataKey(wrapped: Buffer, context: Readonly<Record<string, string>>): Promise<Buffer>;
  /** The secret of keyed hashes: stable for the keyring's lifetime. */
  hashSecret(): Promise<Buffer>;
}

export const SEALED_ALGORITHM = "AES-256-GCM" as const;

export { type Sealed, sealedSchema } from "../schemas/personal-data.ts";

/** The ciphertext, its tag, its data key or its context does not check out. */
export class DecryptionFailedError extends Error {
  override name = "DecryptionFailedError";
}

export interface Encryptor {
  seal(plaintext: string, context: Readonly<Record<string, string>>): Promise<Sealed>;
  open(sealed: Sealed, context: Readonly<Record<string, string>>): Promise<string>;
  /** HMAC-SHA-256 (hex) of `value` under `purpose` (e.g. "head.idNumber"): for equality lookups only. */
  keyedHash(purpose: string, value: string): Promise<string>;
}

/** The context as GCM additional data: keys sorted, so the same context always authenticates the same way. */
export function contextBytes(context: Readonly<Record<string, string>>): Buffer {
  const sorted = Object.keys(context)
    .sort()
    .map((key) => [key, context[key]]);
  return Buffer.from(JSON.stringify(sorted), "utf8");
}

export function gcmEncrypt(
  key: Buffer | KeyObject,
  plaintext: Buffer,
  aad: Buffer,
): { iv: Buffer; tag: Buffer; ct: Buffer } {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(aad);
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ct };
}

export function gcmDecrypt(
  key: Buffer | KeyObject,
  parts: { iv: Buffer; tag: Buffer; ct: Buffer },
  aad: Buffer,
): Buffer {
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, parts.iv);
    decipher.setAAD(aad);
    decipher.setAuthTag(parts.tag);
    return Buffer.concat([decipher.update(parts.ct), decipher.final()]);
  } catch {
    // Node says "Unsupported state or unable to authenticate data": name it, never echo key material.
    throw new DecryptionFailedError(
      "Sealed data failed authentication (tampered, or another key or context)",
    );
  }
}

const b64 = (value: Buffer) => value.toString("base64");
const fromB64 = (value: string) => Buffer.from(value, "base64");

/** Unwrapped data keys kept per container so reading a case twice costs one unwrap (KMS Decrypt). */
const UNWRAPPED_CACHE_SIZE = 256;

/**
 * Keys are held as KeyObjects: Node turns a Buffer key into one on every cipher
 * or HMAC it creates (≈ 1 % of a test's CPU, where every case read opens its
 * personal data), and the unwrapped bytes can be zeroed at once.
 */
function keyObjectOf(bytes: Buffer): KeyObject {
  const key = createSecretKey(bytes);
  bytes.fill(0);
  return key;
}

export class EnvelopeEncryptor implements Encryptor {
  private readonly unwrapped = new Map<string, KeyObject>();
  private hashSecret: Promise<KeyObject> | undefined;

  constructor(private readonly keyring: Keyring) {}

  async seal(plaintext: string, context: Readonly<Record<string, string>>): Promise<Sealed> {
    const dataKey = await this.keyring.generateDataKey(context);
    try {
      const { iv, tag, ct } = gcmEncrypt(
        dataKey.plaintext,
        Buffer.from(plaintext, "utf8"),
        contextBytes(context),
      );
      return {
        v: 1,
        alg: SEALED_ALGORITHM,
        kid: this.keyring.keyId,
        edk: b64(dataKey.wrapped),
        iv: b64(iv),
        tag: b64(tag),
        ct: b64(ct),
      };
    } finally {
      dataKey.plaintext.fill(0);
    }
  }

  async open(sealed: Sealed, context: Readonly<Record<string, string>>): Promise<string> {
    const cacheKey = `${sealed.edk}|${contextBytes(context).toString("base64")}`;
    let key = this.unwrapped.get(cacheKey);
    if (!key) {
      key = keyObjectOf(await this.keyring.unwrapDataKey(fromB64(sealed.edk), context));
      if (this.unwrapped.size >= UNWRAPPED_CACHE_SIZE) {
        const oldest = this.unwrapped.keys().next().value;
        if (oldest !== undefined) this.unwrapped.delete(oldest);
      }
      this.unwrapped.set(cacheKey, key);
    }
    const plaintext = gcmDecrypt(
      key,
      { iv: fromB64(sealed.iv), tag: fromB64(sealed.tag), ct: fromB64(sealed.ct) },
      contextBytes(context),
    );
    return plaintext.toString("utf8");
  }

  async keyedHash(purpose: string, value: string): Promise<string> {
    // Not zeroed: the keyring may hand out the secret it keeps (it is stable for its lifetime).
    this.hashSecret ??= this.keyring.hashSecret().then((secret) => createSecretKey(secret));
    const secret = await this.hashSecret;
    return createHmac("sha256", secret).update(purpose).update("\u0000").update(value).digest("hex");
  }
}
