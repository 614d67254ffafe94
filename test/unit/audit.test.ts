import { describe, expect, it } from "vitest";
import { checkChain } from "#shared/audit/case-history.ts";
import { csvField, toCsv } from "#shared/audit/csv.ts";
import { daysOf } from "#shared/audit/event-search.ts";
import { jurisdictionOf, requireRole } from "#shared/audit/jurisdiction.ts";
import type { Actor } from "#shared/auth/actor.ts";
import { appendEvent } from "#shared/domain/audit-chain.ts";
import { NotPermittedError } from "#shared/errors.ts";
import { errorAnswer } from "#shared/http/error-mapping.ts";
import type { AuditEvent } from "#shared/schemas/audit-event.ts";

describe("csvField", () => {
  it("leaves plain text, numbers and Chinese unquoted", () => {
    expect(csvField("丹棱镇")).toBe("丹棱镇");
    expect(csvField(42)).toBe("42");
    expect(csvField(null)).toBe("");
    expect(csvField(undefined)).toBe("");
  });

  it("quotes commas, quotes, CR and LF and doubles inner quotes (RFC 4180)", () => {
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('他说"好"')).toBe('"他说""好"""');
    expect(csvField("line 1\nline 2")).toBe('"line 1\nline 2"');
    expect(csvField("a\rb")).toBe('"a\rb"');
  });

  it("defuses cells a spreadsheet would run as a formula", () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvField("+1")).toBe("'+1");
    expect(csvField("-2")).toBe("'-2");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField(-2)).toBe("-2"); // numbers stay numbers
  });
});

describe("toCsv", () => {
  it("starts with a BOM, has a header row and ends every record with CRLF", () => {
    expect(toCsv(["a", "b"], [["1", "x,y"]])).toBe('\uFEFFa,b\r\n1,"x,y"\r\n');
  });
});

const actor = (townships: string[]): Actor => ({ id: "u", name: "u", role: "auditor", townships });

describe("jurisdictionOf", () => {
  it("covers exactly the listed townships", () => {
    const scope = jurisdictionOf(actor(["511424100"]));
    expect(scope.covers("511424100")).toBe(true);
    expect(scope.covers("511424101")).toBe(false);
    expect(scope.covers("5114241000")).toBe(false);
  });

  it("lets a 6-digit county code cover every township of that county and no other", () => {
    const scope = jurisdictionOf(actor(["511424"]));
    expect(scope.covers("511424100")).toBe(true);
    expect(scope.covers("511424101")).toBe(true);
    expect(scope.covers("511425100")).toBe(false);
  });

  it("covers nothing without claim entries, and no shorter prefix widens it", () => {
    expect(jurisdictionOf(actor([])).covers("511424100")).toBe(false);
    expect(jurisdictionOf(actor(["5114"])).covers("511424100")).toBe(false);
  });
});

describe("requireRole", () => {
  it("answers 403 to a role that is not listed", () => {
    const refuse = () =>
      requireRole({ ...actor([]), role: "township_clerk" }, ["auditor"], "The audit trail");
    expect(refuse).toThrow(NotPermittedError);
    try {
      refuse();
    } catch (error) {
      expect(errorAnswer(error)?.statusCode).toBe(403);
    }
  });
});

describe("daysOf", () => {
  it("lists every UTC day touched by [from, to)", () => {
    expect(daysOf(new Date("2026-02-27T23:00:00Z"), new Date("2026-03-02T00:00:00Z"))).toEqual([
      "2026-02-27",
      "2026-02-28",
      "2026-03-01",
    ]);
    expect(daysOf(new Date("2026-03-01T10:00:00Z"), new Date("2026-03-01T10:00:01Z"))).toEqual([
      "2026-03-01",
    ]);
  });
});

describe("checkChain", () => {
  const chain = (): AuditEvent[] => {
    const events: AuditEvent[] = [];
    for (const action of ["create", "submit", "note"]) {
      events.push(
        appendEvent(events.at(-1), {
          caseId: "c-1",
          at: "2026-03-01T08:00:00.000Z",
          actor: { id: "v", role: "villager" },
          action,
          fromStatus: null,
          toStatus: null,
        }),
      );
    }
    return events;
  };

  it("answers valid with the count and the head", () => {
    const events = chain();
    const head = { seq: 3, hash: events[2]?.hash ?? "" };
    expect(checkChain(events, head)).toEqual({ valid: true, events: 3, head });
  });

  it("reports a stored event that no longer parses as broken at its position", () => {
    const events = chain();
    const head = { seq: 3, hash: events[2]?.hash ?? "" };
    expect(checkChain([events[0] as AuditEvent, events[2] as AuditEvent], head, 2, 3)).toEqual({
      valid: false,
      events: 3,
      brokenAt: 2,
      reason: "malformed_event",
    });
  });
});
