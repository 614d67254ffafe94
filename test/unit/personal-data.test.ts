import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DecryptionFailedError, EnvelopeEncryptor, type Sealed } from "#shared/crypto/encryptor.ts";
import { ensureLocalKeyFile, LocalFileKeyring } from "#shared/crypto/local-keyring.ts";
import { REDACTED, redact, redactText } from "#shared/personal-data/redact.ts";

let dir: string;
let keyFile: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "nongfang-keys-"));
  keyFile = path.join(dir, "keys", "field.key");
  ensureLocalKeyFile(keyFile);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const flip = (base64: string, at = 0) => {
  const bytes = Buffer.from(base64, "base64");
  bytes[at] = (bytes[at] ?? 0) ^ 0x01;
  return bytes.toString("base64");
};

describe("field encryption (envelope, AES-256-GCM)", () => {
  const context = { caseId: "c-1" };

  it("opens what it sealed, and never stores the plaintext", async () => {
    const encryptor = new EnvelopeEncryptor(new LocalFileKeyring(keyFile));
    const sealed = await encryptor.seal('{"idNumber":"511424198003141235"}', context);
    expect(JSON.stringify(sealed)).not.toContain("511424198003141235");
    expect(sealed).toMatchObject({ v: 1, alg: "AES-256-GCM" });
    expect(await encryptor.open(sealed, context)).toBe('{"idNumber":"511424198003141235"}');
  });

  it("uses a fresh data key and IV for every value", async () => {
    const encryptor = new EnvelopeEncryptor(new LocalFileKeyring(keyFile));
    const [a, b] = await Promise.all([encryptor.seal("same", context), encryptor.seal("same", context)]);
    expect(a?.edk).not.toBe(b?.edk);
    expect(a?.ct).not.toBe(b?.ct);
  });

  it.each([
    ["ciphertext", (s: Sealed) => ({ ...s, ct: flip(s.ct) })],
    ["auth tag", (s: Sealed) => ({ ...s, tag: flip(s.tag) })],
    ["IV", (s: Sealed) => ({ ...s, iv: flip(s.iv) })],
    ["wrapped data key", (s: Sealed) => ({ ...s, edk: flip(s.edk, 20) })],
  ])("refuses a tampered %s (GCM authentication)", async (_part, tamper) => {
    const encryptor = new EnvelopeEncryptor(new LocalFileKeyring(keyFile));
    const sealed = await encryptor.seal("13800138000", context);
    await expect(encryptor.open(tamper(sealed), context)).rejects.toBeInstanceOf(DecryptionFailedError);
  });

  it("refuses a value moved to another case (the case id is the encryption context)", async () => {
    const encryptor = new EnvelopeEncryptor(new LocalFileKeyring(keyFile));
    const sealed = await encryptor.seal("13800138000", context);
    await expect(
      new EnvelopeEncryptor(new LocalFileKeyring(keyFile)).open(sealed, { caseId: "c-2" }),
    ).rejects.toThrow(DecryptionFailedError);
  });

  it("refuses to open with another key file", async () => {
    const other = path.join(dir, "other.key");
    ensureLocalKeyFile(other);
    const sealed = await new EnvelopeEncryptor(new LocalFileKeyring(keyFile)).seal("x", context);
    await expect(new EnvelopeEncryptor(new LocalFileKeyring(other)).open(sealed, context)).rejects.toThrow(
      DecryptionFailedError,
    );
  });

  it("keeps no unwrapped data key bytes in memory, and opens a value again from its cached key", async () => {
    const keyring = new LocalFileKeyring(keyFile);
    const sealed = await new EnvelopeEncryptor(keyring).seal("13800138000", context);
    const handed: Buffer[] = [];
    const watched = Object.assign(Object.create(keyring) as LocalFileKeyring, {
      unwrapDataKey: async (wrapped: Buffer, at: Readonly<Record<string, string>>) => {
        const bytes = await keyring.unwrapDataKey(wrapped, at);
        handed.push(bytes);
        return bytes;
      },
    });
    const encryptor = new EnvelopeEncryptor(watched);
    expect(await encryptor.open(sealed, context)).toBe("13800138000");
    expect(await encryptor.open(sealed, context)).toBe("13800138000");
    expect(handed).toHaveLength(1);
    expect(handed[0]?.every((byte) => byte === 0)).toBe(true);
  });

  it("keeps an existing key file (a second start must not replace the key)", async () => {
    const before = new LocalFileKeyring(keyFile).keyId;
    ensureLocalKeyFile(keyFile);
    expect(new LocalFileKeyring(keyFile).keyId).toBe(before);
  });

  it("gives stable keyed hashes per key, different per purpose and per key, not a plain SHA-256", async () => {
    const one = new EnvelopeEncryptor(new LocalFileKeyring(keyFile));
    const again = new EnvelopeEncryptor(new LocalFileKeyring(keyFile));
    const otherFile = path.join(dir, "hash-other.key");
    ensureLocalKeyFile(otherFile);
    const other = new EnvelopeEncryptor(new LocalFileKeyring(otherFile));
    const hash = await one.keyedHash("idNumber", "511424198003141235");
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await again.keyedHash("idNumber", "511424198003141235")).toBe(hash);
    expect(await one.keyedHash("phone", "511424198003141235")).not.toBe(hash);
    expect(await other.keyedHash("idNumber", "511424198003141235")).not.toBe(hash);
    const { createHash } = await import("node:crypto");
    expect(hash).not.toBe(createHash("sha256").update("511424198003141235").digest("hex"));
  });
});

describe("log redaction", () => {
  const jwt =
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ2aWxsYWdlci13YW5nIiwiY3VzdG9tOnJvbGUiOiJ2aWxsYWdlciJ9.c2lnbmF0dXJlLWJ5dGVzLWhlcmU";

  it.each([
    ["an ID number alone", "511424198003141235", "5114**********1235"],
    ["an ID number with a lower-case x", "51142419800314123x", "5114**********123x"],
    ["an ID number inside Chinese text", "身份证号511424198003141235有误", "身份证号5114**********1235有误"],
    ["a mobile number", "call 13812345678 now", "call 138****5678 now"],
    ["a +86 mobile with spaces", "tel: +86 138 1234 5678", "tel: 138****5678"],
    ["a hyphenated mobile", "138-1234-5678", "138****5678"],
    ["a bearer header", "Bearer abc.def-ghi", `Bearer ${REDACTED}`],
    ["a bare JWT", `token=${jwt}`, `token=${REDACTED}`],
  ])("masks %s", (_what, input, expected) => {
    expect(redactText(input)).toBe(expected);
  });

  it("leaves ordinary numbers, case ids, dates and hashes alone", () => {
    const text =
      "case 0b7e6f9a-1c2d-4e5f-8a9b-0c1d2e3f4a5b seq 12 at 2025-03-14T08:00:00.000Z area 120.5 township 511424100 hash " +
      "a".repeat(64);
    expect(redactText(text)).toBe(text);
    // A UUID whose last group holds 11 phone-like digits is an id in a request path, not a phone number.
    const path = "/cases/1/documents/7ce7a2e2-f120-47f0-b702-f13312345136/confirm";
    expect(redactText(path)).toBe(path);
    expect(redactText("电话13812345678，备用 +86 139-1234-5678")).toBe("电话138****5678，备用 139****5678");
  });

  it("replaces values under secret keys, nested and in any spelling, and scans errors", () => {
    const taskToken = "AAAA".repeat(40);
    const redacted = JSON.stringify(
      redact({
        head: { idNumber: "anything-at-all", Phone: "n/a" },
        task_token: "short",
        taskToken,
        headers: { Authorization: "Bearer x", "x-other": "ok" },
        access_token: "t",
        nested: [{ error: new Error(`failed for 511424198003141235 with ${taskToken}`).message }],
      }),
    );
    expect(redacted).not.toContain("anything-at-all");
    expect(redacted).not.toContain("511424198003141235");
    expect(redacted).not.toContain(taskToken);
    expect(redacted).not.toContain("Bearer x");
    expect(redacted).toContain('"x-other":"ok"');
    expect(redacted).toContain("5114**********1235");
  });

  it("redacts what the Powertools logger prints, errors included", async () => {
    const { logger } = await import("#shared/logger.ts");
    const written: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    const capture = (chunk: unknown) => {
      written.push(String(chunk));
      return true;
    };
    process.stdout.write = capture as typeof process.stdout.write;
    const originalError = process.stderr.write.bind(process.stderr);
    process.stderr.write = capture as typeof process.stderr.write;
    try {
      logger.error("lookup of 511424198003141235 failed", {
        phone: "13812345678",
        authorization: `Bearer ${jwt}`,
        error: new Error(`token ${jwt} rejected for 13812345678`),
      });
    } finally {
      process.stdout.write = original;
      process.stderr.write = originalError;
    }
    const output = written.join("");
    expect(output).toContain("lookup of 5114**********1235 failed");
    for (const secret of ["511424198003141235", "13812345678", jwt]) expect(output).not.toContain(secret);
  });
});
