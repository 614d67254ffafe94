/**
 * Opaque pagination cursors. A cursor is the listing's position (its table
 * keys) sealed with authenticated encryption and bound to what it continues:
 * the route, the caller and the query. A client can neither read the keys nor
 * edit the position, and a cursor replayed on another route, by another
 * caller or with other filters fails to open: 400 `invalid_cursor`.
 *
 * The binding is the encryption context (additional authenticated data): it
 * is not in the cursor, it is recomputed from the request that brings it back.
 *
 * Which key seals them is configuration, read once per container:
 * `CURSOR_KEYRING=kms` with `CURSOR_KEY_ARN` on AWS (the stack's cursor key,
 * KMS Encrypt/Decrypt with the binding as encryption context), or
 * `CURSOR_KEYRING=file` with `CURSOR_KEY_FILE` locally (AES-256-GCM with a key
 * file of the local cloud's data folder, the binding as additional data; KMS is
 * not emulated). The calling code is the same.
 */
import { createHash, hkdfSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { DecryptCommand, EncryptCommand, type KMSClient } from "@aws-sdk/client-kms";
import * as z from "zod";
import { kmsClient } from "../clients.ts";
import { readConfig } from "../config.ts";
import { gcmDecrypt, gcmEncrypt } from "../crypto/encryptor.ts";
import { InvalidCursorError } from "./errors.ts";

/** What a cursor continues; all three must match when it comes back. */
export interface CursorScope {
  /** API Gateway's route key, e.g. "GET /register". */
  readonly route: string;
  /** The caller's id (the token's subject). */
  readonly caller: string;
  /** The query the cursor belongs to (its filters; not the cursor, not the page size). */
  readonly query: unknown;
}

/** Seals and opens bytes under a context that is authenticated but not stored. */
export interface CursorKeyring {
  seal(plaintext: Buffer, context: Readonly<Record<string, string>>): Promise<Buffer>;
  open(sealed: Buffer, context: Readonly<Record<string, string>>): Promise<Buffer>;
}

const VERSION = "c1";
/** A cursor longer than this is not one we issued (KMS ciphertexts of our positions are far shorter). */
export const MAX_CURSOR_LENGTH = 2000;

function contextOf(scope: CursorScope): Record<string, string> {
  const digest = (value: unknown) =>
    createHash("sha256").update(JSON.stringify(value)).digest("base64url").slice(0, 32);
  // Hashes, not the values: a KMS encryption context is logged in CloudTrail.
  return {
    purpose: "nongfang/cursor",
    route: scope.route,
    caller: digest(scope.caller),
    query: digest(scope.query ?? null),
  };
}

const contextBytes = (context: Readonly<Record<string, string>>) =>
  Buffer.from(
    JSON.stringify(Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    "utf8",
  );

export class Cursors {
  constructor(private readonly keyring: CursorKeyring) {}

  /** The cursor that continues `scope` at `position`. */
  async seal(scope: CursorScope, position: unknown): Promise<string> {
    const sealed = await this.keyring.seal(Buffer.from(JSON.stringify(position), "utf8"), contextOf(scope));
    return `${VERSION}.${sealed.toString("base64url")}`;
  }

  /** The position sealed in `cursor`, or 400 `invalid_cursor` when it was not issued for `scope` or was edited. */
  async open<T>(scope: CursorScope, cursor: string, schema: z.ZodType<T>): Promise<T> {
    const [version, body, extra] = cursor.split(".");
    if (version !== VERSION || !body || extra !== undefined || cursor.length > MAX_CURSOR_LENGTH) {
      throw new InvalidCursorError();
    }
    const sealed = Buffer.from(body, "base64url");
    // Only the one canonical spelling we issue (Node's decoder would ignore stray trailing characters).
    if (sealed.toString("base64url") !== body) throw new InvalidCursorError();
    let plaintext: Buffer;
    try {
      plaintext = await this.keyring.open(sealed, contextOf(scope));
    } catch (error) {
      if (isRefusal(error)) throw new InvalidCursorError();
      throw error;
    }
    const parsed = schema.safeParse(parseJson(plaintext));
    if (!parsed.success) throw new InvalidCursorError();
    return parsed.data;
  }
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    return undefined;
  }
}

/** The keyring refused the ciphertext (forged, edited, or sealed for another context). */
class CursorRefusedError extends Error {
  constructor() {
    super("cursor refused");
    this.name = "CursorRefusedError";
  }
}
const KMS_REFUSALS = new Set(["InvalidCiphertextException", "IncorrectKeyException", "ValidationException"]);
const isRefusal = (error: unknown) =>
  error instanceof CursorRefusedError || KMS_REFUSALS.has((error as { name?: string } | null)?.name ?? "");

/** Local: AES-256-GCM with a key derived (HKDF) from a key file; iv ‖ tag ‖ ciphertext. */
export class FileCursorKeyring implements CursorKeyring {
  private readonly key: Buffer;

  constructor(file: string) {
    const master = Buffer.from(readFileSync(file, "utf8").trim(), "hex");
    if (master.length !== 32) throw new Error(`${file} must hold a 256-bit key as 64 hex characters`);
    this.key = Buffer.from(hkdfSync("sha256", master, Buffer.alloc(0), "nongfang/cursor", 32));
  }

  async seal(plaintext: Buffer, context: Readonly<Record<string, string>>): Promise<Buffer> {
    const { iv, tag, ct } = gcmEncrypt(this.key, plaintext, contextBytes(context));
    return Buffer.concat([iv, tag, ct]);
  }

  async open(sealed: Buffer, context: Readonly<Record<string, string>>): Promise<Buffer> {
    if (sealed.length < 28) throw new CursorRefusedError();
    try {
      return gcmDecrypt(
        this.key,
        { iv: sealed.subarray(0, 12), tag: sealed.subarray(12, 28), ct: sealed.subarray(28) },
        contextBytes(context),
      );
    } catch {
      throw new CursorRefusedError();
    }
  }
}

/** AWS: KMS Encrypt/Decrypt on the stack's cursor key, the binding as encryption context. */
export class KmsCursorKeyring implements CursorKeyring {
  constructor(
    private readonly kms: KMSClient,
    private readonly keyArn: string,
  ) {}

  async seal(plaintext: Buffer, context: Readonly<Record<string, string>>): Promise<Buffer> {
    const { CiphertextBlob } = await this.kms.send(
      new EncryptCommand({ KeyId: this.keyArn, Plaintext: plaintext, EncryptionContext: { ...context } }),
    );
    if (!CiphertextBlob) throw new Error("KMS Encrypt answered no ciphertext");
    return Buffer.from(CiphertextBlob);
  }

  async open(sealed: Buffer, context: Readonly<Record<string, string>>): Promise<Buffer> {
    const { Plaintext } = await this.kms.send(
      // KeyId pinned: a ciphertext of another key (even one we may use) is refused.
      new DecryptCommand({ KeyId: this.keyArn, CiphertextBlob: sealed, EncryptionContext: { ...context } }),
    );
    if (!Plaintext) throw new CursorRefusedError();
    return Buffer.from(Plaintext);
  }
}

const cursorEnv = z.discriminatedUnion("CURSOR_KEYRING", [
  z.object({ CURSOR_KEYRING: z.literal("kms"), CURSOR_KEY_ARN: z.string().startsWith("arn:") }),
  z.object({ CURSOR_KEYRING: z.literal("file"), CURSOR_KEY_FILE: z.string().min(1) }),
]);

const cached = new Map<string, Cursors>();

/**
 * The container's cursors, from CURSOR_KEYRING (set by the function construct's
 * `bindCursorKey` on AWS, by the local cloud locally). Call it at module scope:
 * a function deployed without the key fails at load, with a clear message.
 */
export function cursorsFromEnv(env: NodeJS.ProcessEnv = process.env): Cursors {
  const signature = [env.CURSOR_KEYRING, env.CURSOR_KEY_ARN, env.CURSOR_KEY_FILE].join("|");
  const known = cached.get(signature);
  if (known) return known;
  const config = readConfig(cursorEnv, env);
  const cursors = new Cursors(
    config.CURSOR_KEYRING === "file"
      ? new FileCursorKeyring(config.CURSOR_KEY_FILE)
      : new KmsCursorKeyring(kmsClient(), config.CURSOR_KEY_ARN),
  );
  cached.set(signature, cursors);
  return cursors;
}
