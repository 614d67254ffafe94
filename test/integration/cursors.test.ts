/**
 * Pagination cursors are opaque and authenticated: they reveal no table keys,
 * an edited one is refused, and one issued to another caller, for another
 * route or for other filters is refused too (400 `invalid_cursor`). Real HTTP
 * against the local cloud; cases written with the real case store.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CaseVerb } from "#shared/domain/case-status.ts";
import type { AuditActor } from "#shared/schemas/audit-event.ts";
import { CaseStore } from "#shared/store/case-store.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { authHeader, signInAs } from "../support/tokens.ts";

const TOWNSHIP_A = "511424100";
const villager: AuditActor = { id: "villager-wang", role: "villager" };
const system: AuditActor = { id: "system", role: "system" };
const CASES = 4;

let env: TestCloud;
const caseIds: string[] = [];
const tokens = { clerk: "", head: "", auditor: "", countyAdmin: "" };
let clock = new Date("2026-04-01T08:00:00.000Z");
const DAY = "from=2026-04-01T00:00:00Z&to=2026-04-02T00:00:00Z";

beforeAll(async () => {
  env = await startTestCloud();
  const store = new CaseStore(env.dynamodb, env.cloud.endpoints.tableName, () => clock);
  for (let i = 0; i < CASES; i++) {
    const caseId = randomUUID();
    caseIds.push(caseId);
    clock = new Date(clock.getTime() + 600_000);
    let record = await store.create(
      {
        caseId,
        kind: "homestead",
        householdId: `${TOWNSHIP_A}001-H000${i}`,
        ownerId: villager.id,
        townshipCode: TOWNSHIP_A,
        villageCode: `${TOWNSHIP_A}001`,
        policyId: "sichuan-default",
        application: { kind: "homestead", head: { name: `户主${i}` } },
      },
      villager,
    );
    for (const verb of ["submit", "completePrecheck"] as CaseVerb[]) {
      clock = new Date(clock.getTime() + 60_000);
      record = await store.transition(record, verb, {
        actor: verb === "submit" ? villager : system,
        facts: { precheckBlocked: false, openConsultations: 0 },
      });
    }
  }
  const endpoints = env.cloud.endpoints;
  tokens.clerk = await signInAs(endpoints, "clerk-a");
  tokens.head = await signInAs(endpoints, "head-a");
  tokens.auditor = await signInAs(endpoints, "auditor");
  tokens.countyAdmin = await signInAs(endpoints, "county-admin");
}, 120_000);
afterAll(async () => {
  await env?.stop();
});

interface Answer {
  readonly status: number;
  readonly body: { nextCursor?: string | null; items?: { caseId: string }[]; error?: { code: string } };
  readonly headers: Headers;
}

async function get(path: string, token: string): Promise<Answer> {
  const response = await fetch(`${env.cloud.endpoints.api}${path}`, { headers: authHeader(token) });
  const text = await response.text();
  return {
    status: response.status,
    body: response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : {},
    headers: response.headers,
  };
}

const withCursor = (path: string, cursor: string) =>
  `${path}${path.includes("?") ? "&" : "?"}cursor=${encodeURIComponent(cursor)}`;

/** Every text a cursor could hide keys in: itself, and its base64/base64url decodings. */
function readings(cursor: string): string[] {
  const parts = cursor.split(/[.]/);
  return [
    cursor,
    ...parts.flatMap((part) => [
      Buffer.from(part, "base64url").toString("latin1"),
      Buffer.from(part, "base64").toString("latin1"),
    ]),
  ];
}

const LISTINGS = [
  { name: "the register", path: `/register?township=${TOWNSHIP_A}&limit=1` },
  { name: "the audit search", path: `/audit/events?${DAY}&township=${TOWNSHIP_A}&limit=1` },
] as const;

describe.each(LISTINGS)("cursors of $name", ({ path }) => {
  const tokenFor = () => (path.startsWith("/audit") ? tokens.auditor : tokens.clerk);

  it("reveal no table keys, case ids or sort keys", async () => {
    const first = await get(path, tokenFor());
    expect(first.status).toBe(200);
    const cursor = first.body.nextCursor ?? "";
    expect(cursor).not.toBe("");
    for (const text of readings(cursor)) {
      for (const secret of [
        `"pk"`,
        `"sk"`,
        "gsi",
        "CASE#",
        "EVENT",
        "REGISTER",
        TOWNSHIP_A,
        ...caseIds,
        "2026-04",
      ])
        expect(text, secret).not.toContain(secret);
    }
  });

  it("continue the same listing to its end without losing or repeating an item", async () => {
    const seen: string[] = [];
    let next: string = path;
    for (let pages = 0; pages < 40; pages++) {
      const page = await get(next, tokenFor());
      expect(page.status).toBe(200);
      seen.push(...(page.body.items ?? []).map((item) => JSON.stringify(item)));
      if (!page.body.nextCursor) break;
      next = withCursor(path, page.body.nextCursor);
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(CASES);
  });

  it("refuse an edited cursor with 400 invalid_cursor", async () => {
    const cursor = (await get(path, tokenFor())).body.nextCursor ?? "";
    const at = cursor.length - 5;
    const flipped = `${cursor.slice(0, at)}${cursor[at] === "A" ? "B" : "A"}${cursor.slice(at + 1)}`;
    for (const edited of [flipped, `${cursor}A`, cursor.slice(0, -4), "c1.", "not-a-cursor", "c1.AAAA"]) {
      const answer = await get(withCursor(path, edited), tokenFor());
      expect(answer.status, edited).toBe(400);
      expect(answer.body.error?.code, edited).toBe("invalid_cursor");
    }
  });

  it("refuse a forged start key of the old, readable kind", async () => {
    const forged = [
      { v: 1, f: "x", s: "9999" },
      {
        v: 1,
        f: "x",
        t: "2026-04-02T00:00:00.000Z",
        d: "2026-04-01",
        k: { pk: "CASE#x", sk: "CASE", gsi4sk: "z" },
      },
      { pk: "CASE#x", sk: "CASE", gsi1pk: "QUEUE#x", gsi1sk: "0#" },
    ].map((value) => Buffer.from(JSON.stringify(value)).toString("base64url"));
    for (const cursor of forged) {
      const answer = await get(withCursor(path, cursor), tokenFor());
      expect(answer.status).toBe(400);
      expect(answer.body.error?.code).toBe("invalid_cursor");
    }
  });
});

describe("a cursor is bound to its caller, route and query", () => {
  it("refuses the register's cursor to another caller of the same listing", async () => {
    const path = `/register?township=${TOWNSHIP_A}&limit=1`;
    const cursor = (await get(path, tokens.clerk)).body.nextCursor ?? "";
    expect((await get(withCursor(path, cursor), tokens.clerk)).status).toBe(200);
    for (const other of [tokens.head, tokens.countyAdmin]) {
      const answer = await get(withCursor(path, cursor), other);
      expect(answer.status).toBe(400);
      expect(answer.body.error?.code).toBe("invalid_cursor");
    }
  });

  it("refuses the register's cursor on the export, and with other filters", async () => {
    const cursor =
      (await get(`/register?township=${TOWNSHIP_A}&limit=1`, tokens.clerk)).body.nextCursor ?? "";
    for (const path of [
      `/register.csv?township=${TOWNSHIP_A}&limit=1`,
      `/register?township=${TOWNSHIP_A}&limit=1&status=prechecked`,
      `/register?township=${TOWNSHIP_A}&limit=1&from=2026-01-01T00:00:00Z`,
    ]) {
      const answer = await get(withCursor(path, cursor), tokens.clerk);
      expect(answer.status, path).toBe(400);
      expect(answer.body.error?.code, path).toBe("invalid_cursor");
    }
    // The page size is not part of the query a cursor continues.
    expect(
      (await get(withCursor(`/register?township=${TOWNSHIP_A}&limit=2`, cursor), tokens.clerk)).status,
    ).toBe(200);
  });

  it("refuses the audit search's cursor to another auditor-role caller and on another search", async () => {
    const path = `/audit/events?${DAY}&township=${TOWNSHIP_A}&limit=1`;
    const cursor = (await get(path, tokens.auditor)).body.nextCursor ?? "";
    expect((await get(withCursor(path, cursor), tokens.auditor)).status).toBe(200);
    const otherSearch = await get(withCursor(`${path}&action=submit`, cursor), tokens.auditor);
    expect(otherSearch.body.error?.code).toBe("invalid_cursor");
    const otherRoute = await get(
      withCursor(`/audit/events.csv?${DAY}&township=${TOWNSHIP_A}&limit=1`, cursor),
      tokens.auditor,
    );
    expect(otherRoute.status).toBe(400);
  });
});
