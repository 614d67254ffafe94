import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { decodeJwt, decodeProtectedHeader, importJWK, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditQueryLog } from "#shared/audit/query-log.ts";
import type { AuditActor } from "#shared/schemas/audit-event.ts";
import type { CaseRecord } from "#shared/schemas/case.ts";
import { CaseStore } from "#shared/store/case-store.ts";
import { caseKey, eventKey } from "#shared/store/keys.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { authHeader, signInAs } from "../support/tokens.ts";

const TOWNSHIP_A = "511424100";
const TOWNSHIP_B = "511424101";

let env: TestCloud;
let store: CaseStore;
let log: AuditQueryLog;
/** The store's clock: seeded events get the times the searches below ask for. */
let clock = new Date("2026-03-01T08:00:00.000Z");
const at = (iso: string) => {
  clock = new Date(iso);
};
const tokens: Record<"auditor" | "clerk" | "villager" | "auditorB" | "countyAuditor", string> = {
  auditor: "",
  clerk: "",
  villager: "",
  auditorB: "",
  countyAuditor: "",
};

const wang: AuditActor = { id: "villager-wang", role: "villager" };
const zhang: AuditActor = { id: "villager-zhang", role: "villager" };
const system: AuditActor = { id: "system", role: "system" };
const clerkA: AuditActor = { id: "clerk-a", role: "township_clerk" };
const agricultureA: AuditActor = {
  id: "reviewer-agriculture-a",
  role: "department_reviewer",
  department: "agriculture",
};
const TRICKY_COMMENT = '他说："同意, 但需补正"\n第二行, 含逗号';

const ids = { a1: randomUUID(), b1: randomUUID(), tampered: randomUUID(), truncated: randomUUID() };

async function newCase(caseId: string, township: string, owner: AuditActor, household: string) {
  return store.create(
    {
      caseId,
      kind: "homestead",
      householdId: household,
      ownerId: owner.id,
      townshipCode: township,
      villageCode: `${township}001`,
      policyId: "sichuan-default",
      application: { kind: "homestead", head: { name: "王建国" } },
    },
    owner,
  );
}

async function submitAndPrecheck(
  record: CaseRecord,
  owner: AuditActor,
  submitAt: string,
  precheckAt: string,
) {
  at(submitAt);
  const submitted = await store.transition(record, "submit", { actor: owner });
  at(precheckAt);
  return store.transition(submitted, "completePrecheck", {
    actor: system,
    facts: { precheckBlocked: false },
  });
}

/** A token from the local issuer's own key with other townships: the demo directory has one auditor only. */
async function auditorToken(sub: string, townships: string): Promise<string> {
  const genuine = await signInAs(env.cloud.endpoints, "auditor");
  const file = path.join(env.dataDir, "oidc", "signing-key.json");
  const { privateJwk } = JSON.parse(await readFile(file, "utf8")) as { privateJwk: JWK };
  const key = await importJWK(privateJwk, "RS256");
  const { kid } = decodeProtectedHeader(genuine);
  return new SignJWT({ ...decodeJwt(genuine), sub, name: sub, "custom:townships": townships })
    .setProtectedHeader({ alg: "RS256", typ: "JWT", ...(kid ? { kid } : {}) })
    .sign(key);
}

const api = (route: string, token?: string) =>
  fetch(`${env.cloud.endpoints.api}${route}`, { headers: token ? authHeader(token) : {} });
const json = async <T = Record<string, unknown>>(route: string, token = tokens.auditor) => {
  const response = await api(route, token);
  return { status: response.status, body: (await response.json()) as T };
};

interface EventItem {
  caseId: string;
  seq: number;
  at: string;
  action: string;
  townshipCode: string;
  actor: { id: string };
}
interface SearchPage {
  items: EventItem[];
  nextCursor: string | null;
}
const search = (params: Record<string, string>, token = tokens.auditor) =>
  json<SearchPage>(`/audit/events?${new URLSearchParams(params)}`, token);
const label = (event: Pick<EventItem, "caseId" | "seq">) =>
  `${event.caseId === ids.a1 ? "a1" : event.caseId === ids.b1 ? "b1" : event.caseId}#${event.seq}`;
const MARCH_1_TO_3 = { from: "2026-03-01T00:00:00.000Z", to: "2026-03-03T00:00:00.000Z" };

beforeAll(async () => {
  env = await startTestCloud();
  const tableName = env.cloud.endpoints.tableName;
  store = new CaseStore(env.dynamodb, tableName, () => clock);
  log = new AuditQueryLog(env.dynamodb, tableName);

  // Township A, case a1: five events over two days.
  at("2026-03-01T08:00:00.000Z");
  let a1 = await newCase(ids.a1, TOWNSHIP_A, wang, "511424100001-H0001");
  a1 = await submitAndPrecheck(a1, wang, "2026-03-01T09:00:00.000Z", "2026-03-02T10:00:00.000Z");
  at("2026-03-02T11:00:00.000Z");
  a1 = await store.record(a1, { actor: clerkA, action: "note", comment: TRICKY_COMMENT });
  at("2026-03-02T12:00:00.000Z");
  await store.record(a1, {
    actor: agricultureA,
    action: "respondToConsultation",
    data: { opinion: "eligible" },
  });
  // Township B, case b1: created in range, submitted after it.
  at("2026-03-01T12:00:00.000Z");
  const b1 = await newCase(ids.b1, TOWNSHIP_B, zhang, "511424101001-H0001");
  at("2026-03-03T09:00:00.000Z");
  await store.transition(b1, "submit", { actor: zhang });
  // April: the cases the tamper tests damage.
  for (const caseId of [ids.tampered, ids.truncated]) {
    at("2026-04-01T08:00:00.000Z");
    const record = await newCase(caseId, TOWNSHIP_A, wang, "511424100001-H0001");
    await submitAndPrecheck(record, wang, "2026-04-01T09:00:00.000Z", "2026-04-01T10:00:00.000Z");
  }

  tokens.auditor = await signInAs(env.cloud.endpoints, "auditor");
  tokens.clerk = await signInAs(env.cloud.endpoints, "clerk-a");
  tokens.villager = await signInAs(env.cloud.endpoints, "villager-wang");
  tokens.auditorB = await auditorToken("auditor-b", TOWNSHIP_B);
  tokens.countyAuditor = await auditorToken("auditor-county", "511424");
});
afterAll(async () => {
  await env?.stop();
});

describe("GET /audit/cases/{caseId}/events", () => {
  it("returns the case's full history ordered by seq with a valid chain", async () => {
    const { status, body } = await json<{
      events: EventItem[];
      verification: unknown;
      head: { seq: number };
      townshipCode: string;
    }>(`/audit/cases/${ids.a1}/events`);
    expect(status).toBe(200);
    expect(body.events.map((event) => [event.seq, event.action])).toEqual([
      [1, "create"],
      [2, "submit"],
      [3, "completePrecheck"],
      [4, "note"],
      [5, "respondToConsultation"],
    ]);
    expect(body.townshipCode).toBe(TOWNSHIP_A);
    expect(body.head.seq).toBe(5);
    expect(body.verification).toMatchObject({ valid: true, events: 5, head: body.head });
  });
});

describe("GET /audit/cases/{caseId}/verify", () => {
  it("answers valid with the event count and the head stored on the case", async () => {
    const { status, body } = await json(`/audit/cases/${ids.a1}/verify`);
    expect(status).toBe(200);
    const record = await store.require(ids.a1);
    expect(body).toEqual({
      caseId: ids.a1,
      valid: true,
      events: 5,
      head: { seq: 5, hash: record.eventHead },
    });
  });

  it("reports the seq of an event whose comment was changed directly in DynamoDB", async () => {
    await env.dynamodb.send(
      new UpdateCommand({
        TableName: env.cloud.endpoints.tableName,
        Key: eventKey(ids.tampered, 2),
        UpdateExpression: "SET #comment = :comment",
        ExpressionAttributeNames: { "#comment": "comment" },
        ExpressionAttributeValues: { ":comment": "nothing to see here" },
      }),
    );
    const { body } = await json(`/audit/cases/${ids.tampered}/verify`);
    expect(body).toEqual({
      caseId: ids.tampered,
      valid: false,
      events: 3,
      brokenAt: 2,
      reason: "hash_mismatch",
    });
    const history = await json<{ verification: unknown }>(`/audit/cases/${ids.tampered}/events`);
    expect(history.body.verification).toEqual({
      valid: false,
      events: 3,
      brokenAt: 2,
      reason: "hash_mismatch",
    });
  });

  it("detects a deleted last event through the head stored on the case (truncation)", async () => {
    await env.dynamodb.send(
      new DeleteCommand({ TableName: env.cloud.endpoints.tableName, Key: eventKey(ids.truncated, 3) }),
    );
    const { body } = await json(`/audit/cases/${ids.truncated}/verify`);
    expect(body).toEqual({
      caseId: ids.truncated,
      valid: false,
      events: 2,
      brokenAt: 3,
      reason: "truncated",
    });
  });
});

describe("GET /audit/events", () => {
  it("returns exactly the events in [from, to), oldest first", async () => {
    const { status, body } = await search(MARCH_1_TO_3);
    expect(status).toBe(200);
    expect(body.items.map(label)).toEqual(["a1#1", "a1#2", "b1#1", "a1#3", "a1#4", "a1#5"]);
    expect(body.nextCursor).toBeNull();
    const times = body.items.map((event) => event.at);
    expect([...times].sort()).toEqual(times);
  });

  it("treats from as inclusive and to as exclusive", async () => {
    const { body } = await search({ from: "2026-03-01T09:00:00.000Z", to: "2026-03-02T10:00:00.000Z" });
    expect(body.items.map(label)).toEqual(["a1#2", "b1#1"]);
  });

  it("filters by action, actor, township and department", async () => {
    const labels = async (filter: Record<string, string>) =>
      (await search({ ...MARCH_1_TO_3, ...filter })).body.items.map(label);
    expect(await labels({ action: "submit" })).toEqual(["a1#2"]);
    expect(await labels({ actor: "villager-wang" })).toEqual(["a1#1", "a1#2"]);
    expect(await labels({ township: TOWNSHIP_B })).toEqual(["b1#1"]);
    expect(await labels({ department: "agriculture" })).toEqual(["a1#5"]);
    expect(await labels({ actor: "villager-wang", action: "create" })).toEqual(["a1#1"]);
  });

  it("paginates with an opaque cursor across days without losing or repeating an event", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const params: Record<string, string> = { ...MARCH_1_TO_3, limit: "2", ...(cursor ? { cursor } : {}) };
      const { status, body } = await search(params);
      expect(status).toBe(200);
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map(label));
      cursor = body.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(seen).toEqual(["a1#1", "a1#2", "b1#1", "a1#3", "a1#4", "a1#5"]);
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it("refuses a cursor from another search, a range over 92 days and an empty range with 400", async () => {
    const first = await search({ ...MARCH_1_TO_3, limit: "1" });
    const cursor = first.body.nextCursor ?? "";
    expect((await search({ ...MARCH_1_TO_3, action: "submit", cursor })).status).toBe(400);
    expect((await search({ ...MARCH_1_TO_3, cursor: "not-a-cursor" })).status).toBe(400);
    const exactly92Days = await search({ from: "2026-01-01T00:00:00.000Z", to: "2026-04-03T00:00:00.000Z" });
    expect(exactly92Days.status).toBe(200);
    const tooLong = await search({ from: "2026-01-01T00:00:00.000Z", to: "2026-04-03T00:00:00.001Z" });
    expect(tooLong.status).toBe(400);
    expect(JSON.stringify(tooLong.body)).toContain("92 days");
    expect((await search({ from: MARCH_1_TO_3.to, to: MARCH_1_TO_3.from })).status).toBe(400);
    expect((await search({ to: MARCH_1_TO_3.to })).status).toBe(400); // from is required
  });
});

describe("GET /audit/events.csv", () => {
  it("exports the search as UTF-8 CSV with BOM, header row and RFC 4180 quoting", async () => {
    const response = await api(
      `/audit/events.csv?${new URLSearchParams({ ...MARCH_1_TO_3, actor: "clerk-a" })}`,
      tokens.auditor,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toMatch(
      /^attachment; filename="audit-events-2026-03-01\.csv"$/,
    );
    const bytes = Buffer.from(await response.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString("utf8");
    const [header] = text.split("\r\n");
    expect(header).toBe(
      "at,caseId,seq,townshipCode,action,fromStatus,toStatus,actorId,actorRole,actorDepartment,comment,data,hash",
    );
    const record = await store.load(ids.a1);
    const note = record.events.find((event) => event.action === "note");
    expect(text).toBe(
      `${header}\r\n${[
        "2026-03-02T11:00:00.000Z",
        ids.a1,
        "4",
        TOWNSHIP_A,
        "note",
        "",
        "",
        "clerk-a",
        "township_clerk",
        "",
        '"他说：""同意, 但需补正""\n第二行, 含逗号"',
        "",
        note?.hash,
      ].join(",")}\r\n`,
    );
  });

  it("quotes JSON data and keeps Chinese text intact", async () => {
    const response = await api(
      `/audit/events.csv?${new URLSearchParams({ ...MARCH_1_TO_3, department: "agriculture" })}`,
      tokens.auditor,
    );
    const text = (await response.text()).replace(/^\uFEFF/, "");
    expect(text.split("\r\n")[1]).toContain('"{""opinion"":""eligible""}"');
  });
});

describe("audit-query log", () => {
  const today = () => new Date().toISOString().slice(0, 10);
  const logged = async (days: string[]) =>
    (await Promise.all([...new Set(days)].map((day) => log.listDay(day)))).flat();

  it("records every auditor query: who, which route, which parameters, how many results", async () => {
    const marker = `marker-${randomUUID()}`;
    const before = today();
    await search({ ...MARCH_1_TO_3, action: marker });
    await json(`/audit/cases/${ids.a1}/verify`);
    await api(
      `/audit/events.csv?${new URLSearchParams({ ...MARCH_1_TO_3, action: marker })}`,
      tokens.auditor,
    );
    const records = await logged([before, today()]);
    const searches = records.filter((record) => record.parameters.action === marker);
    expect(searches.map((record) => record.route).sort()).toEqual([
      "GET /audit/events",
      "GET /audit/events.csv",
    ]);
    for (const record of searches) {
      expect(record).toMatchObject({
        actor: { id: "auditor", role: "auditor", name: "何平" },
        outcome: "ok",
        results: 0,
        parameters: { from: MARCH_1_TO_3.from, to: MARCH_1_TO_3.to, action: marker },
      });
    }
    expect(records).toContainEqual(
      expect.objectContaining({
        route: "GET /audit/cases/{caseId}/verify",
        parameters: { caseId: ids.a1 },
        results: 5,
      }),
    );
  });

  it("records an auditor's attempt to read a case outside their jurisdiction", async () => {
    const before = today();
    await json(`/audit/cases/${ids.a1}/events`, tokens.auditorB);
    const records = await logged([before, today()]);
    expect(records).toContainEqual(
      expect.objectContaining({
        actor: expect.objectContaining({ id: "auditor-b" }),
        parameters: { caseId: ids.a1 },
        outcome: "not_found",
      }),
    );
  });
});

describe("who may audit", () => {
  const routes = () => [
    `/audit/cases/${ids.a1}/events`,
    `/audit/cases/${ids.a1}/verify`,
    `/audit/events?${new URLSearchParams(MARCH_1_TO_3)}`,
    `/audit/events.csv?${new URLSearchParams(MARCH_1_TO_3)}`,
  ];

  it("answers 403 to signed-in callers who are not auditors", async () => {
    for (const route of routes()) {
      for (const token of [tokens.clerk, tokens.villager]) {
        const response = await api(route, token);
        expect(response.status, route).toBe(403);
        expect(await response.json()).toMatchObject({ error: { code: "forbidden" } });
      }
    }
  });

  it("answers 401 without a token", async () => {
    for (const route of routes()) expect((await api(route)).status, route).toBe(401);
  });

  it("hides a township-A case from a township-B auditor exactly like a case that does not exist", async () => {
    const other = await json(`/audit/cases/${ids.a1}/events`, tokens.auditorB);
    const missing = await json(`/audit/cases/no-such-case/events`, tokens.auditorB);
    expect(other.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(JSON.stringify(other.body).replaceAll(ids.a1, "<id>")).toBe(
      JSON.stringify(missing.body).replaceAll("no-such-case", "<id>"),
    );
    expect((await json(`/audit/cases/${ids.a1}/verify`, tokens.auditorB)).status).toBe(404);
    expect((await json(`/audit/cases/${ids.b1}/verify`, tokens.auditorB)).status).toBe(200);
  });

  it("limits a township auditor's search to their township and refuses another township by name", async () => {
    const own = await search(MARCH_1_TO_3, tokens.auditorB);
    expect(own.body.items.map(label)).toEqual(["b1#1"]);
    expect((await search({ ...MARCH_1_TO_3, township: TOWNSHIP_A }, tokens.auditorB)).status).toBe(403);
  });

  it("lets a county-level auditor (county code in the townships claim) see every township of the county", async () => {
    const { body } = await search(MARCH_1_TO_3, tokens.countyAuditor);
    expect(body.items.map(label)).toEqual(["a1#1", "a1#2", "b1#1", "a1#3", "a1#4", "a1#5"]);
    expect((await json(`/audit/cases/${ids.a1}/verify`, tokens.countyAuditor)).status).toBe(200);
  });

  it("changes nothing: the audited case is unchanged after all the reads above", async () => {
    const record = await store.require(ids.a1);
    expect(record.eventSeq).toBe(5);
    expect((await store.load(ids.a1)).events).toHaveLength(5);
  });
});

describe("GET /audit/cases/{caseId}/verify while the case is being worked", () => {
  interface Check {
    valid: boolean;
    reason?: string;
    brokenAt?: number;
    head?: { seq: number };
  }

  /** A fresh submitted case outside the March and April searches above. */
  async function workedCase(): Promise<CaseRecord> {
    at("2026-05-04T08:00:00.000Z");
    const record = await newCase(randomUUID(), TOWNSHIP_A, wang, "511424100001-H0001");
    return submitAndPrecheck(record, wang, "2026-05-04T09:00:00.000Z", "2026-05-04T10:00:00.000Z");
  }

  it("never raises a false alarm while parallel writers append events", async () => {
    const { caseId } = await workedCase();
    const appenders = 4;
    const perAppender = 12;
    let writing = true;
    const checks: Check[] = [];
    const verifier = async () => {
      while (writing) checks.push((await json<Check>(`/audit/cases/${caseId}/verify`)).body);
    };
    // Parallel writers racing on the case's head, as the joint review's openers do (optimistic retries).
    const appender = async (writer: number) => {
      for (let i = 0; i < perAppender; i += 1) {
        await store.withRetry(
          caseId,
          (latest) =>
            store.record(latest, { actor: clerkA, action: "note", comment: `writer ${writer}, note ${i}` }),
          50,
        );
      }
    };
    const verifiers = [verifier(), verifier()];
    await Promise.all(Array.from({ length: appenders }, (_, writer) => appender(writer)));
    writing = false;
    await Promise.all(verifiers);

    expect(checks.filter((check) => !check.valid)).toEqual([]);
    const final = 3 + appenders * perAppender;
    // The verifies overlapped the writes: some saw a head in the middle of them.
    const seen = checks.map((check) => check.head?.seq ?? 0);
    expect(seen.some((seq) => seq > 3 && seq < final)).toBe(true);
    expect((await json<Check>(`/audit/cases/${caseId}/verify`)).body).toMatchObject({
      valid: true,
      head: { seq: final },
    });
  });

  it("still reports an event planted after the head without moving it", async () => {
    const { caseId } = await workedCase();
    const { Item } = await env.dynamodb.send(
      new GetCommand({ TableName: env.cloud.endpoints.tableName, Key: eventKey(caseId, 3) }),
    );
    await env.dynamodb.send(
      new PutCommand({
        TableName: env.cloud.endpoints.tableName,
        Item: { ...Item, ...eventKey(caseId, 4), seq: 4, action: "approve" },
      }),
    );
    expect((await json<Check>(`/audit/cases/${caseId}/verify`)).body).toMatchObject({
      valid: false,
      brokenAt: 3,
      reason: "head_mismatch",
    });
  });

  it("reports an edited head and a deleted event in the middle", async () => {
    const edited = await workedCase();
    await env.dynamodb.send(
      new UpdateCommand({
        TableName: env.cloud.endpoints.tableName,
        Key: caseKey(edited.caseId),
        UpdateExpression: "SET eventHead = :forged",
        ExpressionAttributeValues: { ":forged": "0".repeat(64) },
      }),
    );
    expect((await json<Check>(`/audit/cases/${edited.caseId}/verify`)).body).toMatchObject({
      valid: false,
      brokenAt: 3,
      reason: "head_mismatch",
    });

    const gap = await workedCase();
    await env.dynamodb.send(
      new DeleteCommand({ TableName: env.cloud.endpoints.tableName, Key: eventKey(gap.caseId, 2) }),
    );
    expect((await json<Check>(`/audit/cases/${gap.caseId}/verify`)).body).toMatchObject({
      valid: false,
      brokenAt: 2,
      reason: "seq_gap",
    });
  });
});
