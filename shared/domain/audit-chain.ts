/**
 * The audit trail of a case as a hash chain: each event's hash covers its content
 * and the previous event's hash, so editing, removing, reordering or inserting an
 * event breaks every link after it.
 *
 * The chain proves internal consistency only. Someone able to rewrite the whole
 * chain can re-hash it; `verifyChain`'s `expectedHead` (the last seq and hash,
 * kept on the case record or anchored elsewhere) is what catches that and truncation.
 */
import { createHash } from "node:crypto";
import {
  type AuditEvent,
  type AuditEventFields,
  auditEventFieldsSchema,
  auditEventSchema,
} from "../schemas/audit-event.ts";

/** The `prevHash` of the first event of every case. */
export const GENESIS_HASH = "0".repeat(64);

export class InvalidAuditEventError extends Error {
  override readonly name = "InvalidAuditEventError";
}

/**
 * JSON with object keys sorted (by UTF-16 code unit) and no whitespace, so equal
 * values always serialise to equal bytes. Only plain JSON values are accepted:
 * a Date or a Map would otherwise serialise in ways that differ between callers.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value))
      throw new InvalidAuditEventError(`cannot serialise non-finite number ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => (item === undefined ? "null" : canonicalJson(item))).join(",")}]`;
  }
  if (typeof value === "object") {
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) {
      throw new InvalidAuditEventError("only plain objects can be serialised canonically");
    }
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  throw new InvalidAuditEventError(`cannot serialise a ${typeof value}`);
}

/** sha256 (hex) of the canonical form of every field except `hash` itself. */
export function hashEvent(event: Omit<AuditEvent, "hash"> & { readonly hash?: string }): string {
  const { hash: _ignored, ...content } = event;
  return createHash("sha256").update(canonicalJson(content), "utf8").digest("hex");
}

/** The next event of the chain: seq + 1, linked to `prev` (or to the genesis hash). */
export function appendEvent(prev: AuditEvent | undefined, fields: AuditEventFields): AuditEvent {
  const parsed = auditEventFieldsSchema.safeParse(fields);
  if (!parsed.success) {
    throw new InvalidAuditEventError(
      `invalid audit event: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`,
    );
  }
  if (prev && prev.caseId !== parsed.data.caseId) {
    throw new InvalidAuditEventError(
      `event for case ${parsed.data.caseId} cannot follow an event of ${prev.caseId}`,
    );
  }
  const unhashed = {
    ...parsed.data,
    seq: prev ? prev.seq + 1 : 1,
    prevHash: prev ? prev.hash : GENESIS_HASH,
  };
  return auditEventSchema.parse({ ...unhashed, hash: hashEvent(unhashed) });
}

export type ChainBreak =
  | "seq_gap"
  | "case_mismatch"
  | "prev_hash_mismatch"
  | "hash_mismatch"
  | "truncated"
  | "head_mismatch";

export type ChainVerification =
  | { readonly valid: true }
  | {
      readonly valid: false;
      /** The seq the first broken link should have had (its position, counting from 1). */
      readonly brokenAt: number;
      readonly reason: ChainBreak;
    };

/**
 * Checks events in stored order and reports the first broken link.
 *
 * @param expectedHead the last seq and hash recorded outside the chain, if known.
 */
export function verifyChain(
  events: readonly AuditEvent[],
  expectedHead?: { readonly seq: number; readonly hash: string },
): ChainVerification {
  let previous: AuditEvent | undefined;
  for (const [index, event] of events.entries()) {
    const position = index + 1;
    if (previous && event.caseId !== previous.caseId) {
      return { valid: false, brokenAt: position, reason: "case_mismatch" };
    }
    if (event.seq !== position) return { valid: false, brokenAt: position, reason: "seq_gap" };
    if (event.prevHash !== (previous ? previous.hash : GENESIS_HASH)) {
      return { valid: false, brokenAt: position, reason: "prev_hash_mismatch" };
    }
    if (event.hash !== hashEvent(event)) return { valid: false, brokenAt: position, reason: "hash_mismatch" };
    previous = event;
  }
  if (expectedHead) {
    const lastSeq = previous?.seq ?? 0;
    if (lastSeq < expectedHead.seq) return { valid: false, brokenAt: lastSeq + 1, reason: "truncated" };
    if (lastSeq > expectedHead.seq || previous?.hash !== expectedHead.hash) {
      return { valid: false, brokenAt: expectedHead.seq, reason: "head_mismatch" };
    }
  }
  return { valid: true };
}
