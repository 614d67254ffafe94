import { describe, expect, it } from "vitest";
import {
  appendEvent,
  canonicalJson,
  GENESIS_HASH,
  hashEvent,
  InvalidAuditEventError,
  verifyChain,
} from "#shared/domain/audit-chain.ts";
import type { AuditEvent, AuditEventFields } from "#shared/schemas/audit-event.ts";

const STEPS: ReadonlyArray<Pick<AuditEventFields, "action" | "fromStatus" | "toStatus">> = [
  { action: "submit", fromStatus: "draft", toStatus: "submitted" },
  { action: "completePrecheck", fromStatus: "submitted", toStatus: "prechecked" },
  { action: "startPublicNotice", fromStatus: "prechecked", toStatus: "in_public_notice" },
  { action: "startVillageReview", fromStatus: "in_public_notice", toStatus: "in_village_review" },
  { action: "forwardToTownship", fromStatus: "in_village_review", toStatus: "awaiting_acceptance" },
];

function fields(index: number, caseId = "CASE-1"): AuditEventFields {
  const step = STEPS[index % STEPS.length];
  if (!step) throw new Error("unreachable");
  return {
    caseId,
    at: new Date(Date.UTC(2026, 2, 2, 1, index)).toISOString(),
    actor: { id: `user-${index}`, role: index === 0 ? "household" : "village_committee" },
    ...step,
    comment: `step ${index}`,
    data: { index, nested: { b: 2, a: [1, "x", null] } },
  };
}

function chain(length: number): AuditEvent[] {
  const events: AuditEvent[] = [];
  for (let index = 0; index < length; index += 1) events.push(appendEvent(events.at(-1), fields(index)));
  return events;
}

function at<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`no item at ${index}`);
  return item;
}

describe("canonical JSON", () => {
  it("sorts keys at every depth and drops undefined properties", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { f: 1, e: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[3,{"e":2,"f":1}]},"b":1}',
    );
  });

  it("gives the same text whatever the key insertion order", () => {
    expect(canonicalJson({ x: 1, y: { p: true, q: "中" } })).toBe(
      canonicalJson({ y: { q: "中", p: true }, x: 1 }),
    );
  });

  it("refuses values JSON cannot carry faithfully", () => {
    expect(() => canonicalJson({ at: new Date() })).toThrow(InvalidAuditEventError);
    expect(() => canonicalJson(Number.NaN)).toThrow(InvalidAuditEventError);
    expect(() => canonicalJson(() => 1)).toThrow(InvalidAuditEventError);
  });
});

describe("audit hash chain", () => {
  it("starts at seq 1, linked to the genesis hash", () => {
    const first = appendEvent(undefined, fields(0));
    expect(first.seq).toBe(1);
    expect(first.prevHash).toBe(GENESIS_HASH);
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(first.hash).toBe(hashEvent(first));
  });

  it("numbers each event after the previous one and links it by hash", () => {
    const events = chain(4);
    expect(events.map((event) => event.seq)).toEqual([1, 2, 3, 4]);
    for (let index = 1; index < events.length; index += 1) {
      expect(at(events, index).prevHash).toBe(at(events, index - 1).hash);
    }
  });

  it("verifies an untouched chain, and an empty one", () => {
    expect(verifyChain(chain(5))).toEqual({ valid: true });
    expect(verifyChain([])).toEqual({ valid: true });
  });

  it("hashes independently of key order", () => {
    const event = at(chain(1), 0);
    const reordered = Object.fromEntries(Object.entries(event).reverse()) as AuditEvent;
    expect(hashEvent(reordered)).toBe(event.hash);
  });

  it("refuses to append an event of another case or with an invalid time", () => {
    const first = appendEvent(undefined, fields(0));
    expect(() => appendEvent(first, fields(1, "CASE-2"))).toThrow(InvalidAuditEventError);
    expect(() => appendEvent(first, { ...fields(1), at: "yesterday" })).toThrow(InvalidAuditEventError);
  });

  describe("tamper detection", () => {
    it.each([
      ["comment", (event: AuditEvent) => ({ ...event, comment: "nothing to see" })],
      ["status", (event: AuditEvent) => ({ ...event, toStatus: "approved" as const })],
      ["actor", (event: AuditEvent) => ({ ...event, actor: { id: "someone-else", role: "township" } })],
      ["nested data", (event: AuditEvent) => ({ ...event, data: { index: 99 } })],
      ["timestamp", (event: AuditEvent) => ({ ...event, at: "2020-01-01T00:00:00.000Z" })],
    ])("detects edited %s at the edited event", (_label, edit) => {
      const events = chain(5);
      events[2] = edit(at(events, 2));
      expect(verifyChain(events)).toEqual({ valid: false, brokenAt: 3, reason: "hash_mismatch" });
    });

    it("detects an edit whose hash was recomputed, at the next link", () => {
      const events = chain(5);
      const edited = { ...at(events, 2), comment: "rewritten" };
      events[2] = { ...edited, hash: hashEvent(edited) };
      expect(verifyChain(events)).toEqual({ valid: false, brokenAt: 4, reason: "prev_hash_mismatch" });
    });

    it("detects two events swapped", () => {
      const events = chain(5);
      [events[1], events[2]] = [at(events, 2), at(events, 1)];
      expect(verifyChain(events)).toEqual({ valid: false, brokenAt: 2, reason: "seq_gap" });
    });

    it("detects a deleted event in the middle", () => {
      const events = chain(5);
      events.splice(2, 1);
      expect(verifyChain(events)).toEqual({ valid: false, brokenAt: 3, reason: "seq_gap" });
    });

    it("detects a deleted first event", () => {
      expect(verifyChain(chain(3).slice(1))).toEqual({ valid: false, brokenAt: 1, reason: "seq_gap" });
    });

    it("detects a forged event inserted with a correct link and hash", () => {
      const events = chain(5);
      const forged = appendEvent(at(events, 1), { ...fields(2), comment: "forged approval" });
      events.splice(2, 0, forged);
      expect(verifyChain(events)).toEqual({ valid: false, brokenAt: 4, reason: "seq_gap" });
    });

    it("detects an inserted event even when later seqs are renumbered", () => {
      const events = chain(5);
      const forged = appendEvent(at(events, 1), fields(2));
      const renumbered = [
        ...events.slice(0, 2),
        forged,
        ...events.slice(2).map((event) => ({ ...event, seq: event.seq + 1 })),
      ];
      expect(verifyChain(renumbered)).toEqual({ valid: false, brokenAt: 4, reason: "prev_hash_mismatch" });
    });

    it("detects an event of another case spliced in", () => {
      const events = chain(3);
      const foreign = { ...at(events, 2), caseId: "CASE-2" };
      events[2] = { ...foreign, hash: hashEvent(foreign) };
      expect(verifyChain(events)).toEqual({ valid: false, brokenAt: 3, reason: "case_mismatch" });
    });

    it("detects truncation and a rewritten tail only against a head kept elsewhere", () => {
      const events = chain(5);
      const head = { seq: 5, hash: at(events, 4).hash };
      expect(verifyChain(events.slice(0, 4))).toEqual({ valid: true });
      expect(verifyChain(events.slice(0, 4), head)).toEqual({
        valid: false,
        brokenAt: 5,
        reason: "truncated",
      });
      expect(verifyChain(events, head)).toEqual({ valid: true });

      const rewritten = [
        ...events.slice(0, 4),
        appendEvent(at(events, 3), { ...fields(4), comment: "rewritten" }),
      ];
      expect(verifyChain(rewritten)).toEqual({ valid: true });
      expect(verifyChain(rewritten, head)).toEqual({ valid: false, brokenAt: 5, reason: "head_mismatch" });
    });
  });
});
