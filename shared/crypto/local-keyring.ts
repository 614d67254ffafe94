/**
 * The local stand-in for KMS: a 256-bit master key in a file under the local
 * cloud's data folder (created on first start, mode 0600). Two keys are derived
 * from it with HKDF, so neither is used for two purposes: one wraps data keys
 * (AES-256-GCM, the encryption context as additional data, like KMS), one is
 * the keyed-hash secret. Never deployed: on AWS the KMS keyring takes its place
 * through configuration (FIELD_KEYRING), the calling code is the same.
 */
import { createHash, hkdfSync, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { contextBytes, gcmDecrypt, gcmEncrypt, type Keyring } from "./encryptor.ts";

const derive = (master: Buffer, info: string) =>
  Buffer.from(hkdfSync("sha256", master, Buffer.alloc(0), info, 32));

/** Creates the key file if it does not exist yet (`wx`: never overwrites a key in use). */
export function ensureLocalKeyFile(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, `${randomBytes(32).toString("hex")}\n`, { flag: "wx", mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
}

export class LocalFileKeyring implements Keyring {
  readonly keyId: string;
  private readonly wrapKey: Buffer;
  private readonly hashKey: Buffer;

  constructor(file: string) {
    const master = Buffer.from(readFileSync(file, "utf8").trim(), "hex");
    if (master.length !== 32) throw new Error(`${file} must hold a 256-bit key as 64 hex characters`);
    this.wrapKey = derive(master, "nongfang/field-key-wrap");
    this.hashKey = derive(master, "nongfang/field-hash");
    this.keyId = `local:${createHash("sha256").update(this.wrapKey).digest("hex").slice(0, 16)}`;
  }

  async generateDataKey(context: Readonly<Record<string, string>>) {
    const plaintext = randomBytes(32);
    const { iv, tag, ct } = gcmEncrypt(this.wrapKey, plaintext, contextBytes(context));
    return { plaintext, wrapped: Buffer.concat([iv, tag, ct]) };
  }

  async unwrapDataKey(wrapped: Buffer, context: Readonly<Record<string, string>>): Promise<Buffer> {
    return gcmDecrypt(
      this.wrapKey,
      { iv: wrapped.subarray(0, 12), tag: wrapped.subarray(12, 28), ct: wrapped.subarray(28) },
      contextBytes(context),
    );
  }

  async hashSecret(): Promise<Buffer> {
    return this.hashKey;
  }
}
