/**
 * Finding a case by what people quote (issue 16): the short number, the
 * applicant's name, the applicant's ID number. Staff within their townships,
 * auditors within their jurisdiction; names and ID numbers only as keyed
 * hashes in the index; auditors' searches in their own trail with the ID
 * number masked.
 */
import { randomUUID } from "node:crypto";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditQueryLog } from "#shared/audit/query-log.ts";
import type { CaseRecord } from "#shared/schemas/case.ts";
import { CaseStore } from "#shared/store/case-store.ts";
import { caseKey } from "#shared/store/keys.ts";
import { homesteadApplication, idNumber, ZHANG_HEAD_ID, ZHANG_HOUSEHOLD } from "../support/fixtures.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { authHeader, signInAs } from "../support/tokens.ts";

let env: TestCloud;
let store: CaseStore;
const tokens = new Map<string, string>();
const USERS = ["clerk-a", "clerk-b", "village-officer-a", "auditor", "villager-wang"] as const;
type User = (typeof USERS)[number];

const OTHER_ID = idNumber("511424", "19850505", "321");
let wangCase: CaseRecord;
let wangDraft: CaseRecord;
let zhangCase: CaseRecord;

async function submitted(
  household: string,
  villager: string,
  township: string,
  village: string,
  application: ReturnType<typeof homesteadApplication>,
  submit = true,
): Promise<CaseRecord> {
  const actor = { id: villager, role: "villager" };
  const record = await store.create(
    {
      caseId: randomUUID(),
      kind: "homestead",
      householdId: household,
      ownerId: villager,
      townshipCode: township,
      villageCode: village,
      policyId: "sichuan-default",
      application,
    },
    actor,
  );
  return submit ? store.transition(record, "submit", { actor }) : record;
}

beforeAll(async () => {
  env = await startTestCloud();
  store = new CaseStore(env.dynamodb, env.cloud.endpoints.tableName);
  for (const user of USERS) tokens.set(user, await signInAs(env.cloud.endpoints, user));
  wangCase = await submitted("511424100001-H0001", "villager-wang", "511424100", "511424100001", {
    ...homesteadApplication(ZHANG_HOUSEHOLD),
    head: { ...homesteadApplication(ZHANG_HOUSEHOLD).head, name: "王建国" },
  });
  wangDraft = await submitted(
    "511424100001-H0001",
    "villager-wang",
    "511424100",
    "511424100001",
    {
      ...homesteadApplication(ZHANG_HOUSEHOLD),
      head: { ...homesteadApplication(ZHANG_HOUSEHOLD).head, name: "王建国" },
    },
    false,
  );
  zhangCase = await submitted("511424101001-H0001", "villager-zhang", "511424101", "511424101001", {
    ...homesteadApplication(ZHANG_HOUSEHOLD),
    head: { ...homesteadApplication(ZHANG_HOUSEHOLD).head, name: "张桂兰", idNumber: OTHER_ID },
  });
}, 120_000);
afterAll(async () => {
  await env?.stop();
});

async function search(user: User, params: Record<string, string>) {
  const response = await fetch(`${env.cloud.endpoints.api}/review/search?${new URLSearchParams(params)}`, {
    headers: authHeader(tokens.get(user) ?? ""),
  });
  const text = await response.text();
  return {
    status: response.status,
    text,
    body: (text ? JSON.parse(text) : {}) as {
      by: string;
      items: { caseId: string; shortId: string; applicantName: string; village: { name?: { zh: string } } }[];
    },
  };
}
const ids = (body: { items: { caseId: string }[] }) => body.items.map((item) => item.caseId).sort();

describe("GET /review/search", () => {
  it("finds a case of my township by its short number, in any case, with names of places", async () => {
    const short = wangCase.caseId.slice(0, 8);
    const found = await search("clerk-a", { q: short.toUpperCase() });
    expect(found.status).toBe(200);
    expect(found.body.by).toBe("short");
    expect(ids(found.body)).toEqual([wangCase.caseId]);
    expect(found.body.items[0]).toMatchObject({
      shortId: short,
      applicantName: "王建国",
      village: { code: "511424100001", name: { zh: "龙鹄村" } },
    });
    // A whole case id narrows to that case.
    expect(ids((await search("clerk-a", { q: wangCase.caseId })).body)).toEqual([wangCase.caseId]);
  });

  it("finds by applicant name (spaces ignored) and by ID number, the draft too", async () => {
    const byName = await search("village-officer-a", { q: " 王 建国 " });
    expect(byName.body.by).toBe("name");
    expect(ids(byName.body)).toEqual([wangCase.caseId, wangDraft.caseId].sort());
    const byId = await search("clerk-a", { q: ZHANG_HEAD_ID.toLowerCase() });
    expect(byId.body.by).toBe("idNumber");
    expect(ids(byId.body)).toEqual([wangCase.caseId, wangDraft.caseId].sort());
    // A draft is found by what was typed into it since it was opened, not by what it was opened with.
    const typed = await store.create(
      {
        caseId: randomUUID(),
        kind: "homestead",
        householdId: "511424100001-H0002",
        ownerId: "villager-li",
        townshipCode: "511424100",
        villageCode: "511424100001",
        policyId: "sichuan-default",
        application: { kind: "homestead", head: { name: "李秀" } },
      },
      { id: "villager-li", role: "villager" },
    );
    expect(ids((await search("clerk-a", { q: "李秀" })).body)).toEqual([typed.caseId]);
    await store.saveDraft(typed, { kind: "homestead", head: { name: "李秀英" } });
    expect(ids((await search("clerk-a", { q: "李秀英" })).body)).toEqual([typed.caseId]);
    expect((await search("clerk-a", { q: "李秀" })).body.items).toEqual([]);
    // Nothing matches: an empty list, not an error.
    expect((await search("clerk-a", { q: "李四" })).body.items).toEqual([]);
  });

  it("does not find other townships' cases; an auditor finds both within the jurisdiction", async () => {
    expect((await search("clerk-b", { q: wangCase.caseId.slice(0, 8) })).body.items).toEqual([]);
    expect((await search("clerk-a", { q: "张桂兰" })).body.items).toEqual([]);
    expect(ids((await search("clerk-b", { q: OTHER_ID })).body)).toEqual([zhangCase.caseId]);
    expect(ids((await search("auditor", { q: "张桂兰" })).body)).toEqual([zhangCase.caseId]);
    expect(ids((await search("auditor", { q: wangCase.caseId.slice(0, 8) })).body)).toEqual([
      wangCase.caseId,
    ]);
  });

  it("is closed to villagers and refuses an empty query", async () => {
    expect((await search("villager-wang", { q: "王建国" })).status).toBe(403);
    expect((await search("clerk-a", { q: "" })).status).toBe(400);
  });

  it("keeps names and ID numbers out of the index keys and out of the auditors' trail", async () => {
    const { Item } = await env.dynamodb.send(
      new GetCommand({ TableName: env.cloud.endpoints.tableName, Key: caseKey(wangCase.caseId) }),
    );
    expect(Item?.gsi9pk).toBe(`SHORT#${wangCase.caseId.slice(0, 8)}`);
    expect(Item?.gsi10pk).toMatch(/^APPLICANT_ID#[0-9a-f]{64}$/);
    expect(Item?.gsi11pk).toMatch(/^APPLICANT_NAME#[0-9a-f]{64}$/);
    expect(JSON.stringify(Item)).not.toContain(ZHANG_HEAD_ID);

    await search("auditor", { q: OTHER_ID });
    const trail = await new AuditQueryLog(env.dynamodb, env.cloud.endpoints.tableName).listDay(
      new Date().toISOString().slice(0, 10),
    );
    const searches = trail.filter((record) => record.route === "GET /review/search");
    expect(searches.length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(searches)).not.toContain(OTHER_ID);
    expect(searches).toContainEqual(
      expect.objectContaining({
        parameters: { q: `${OTHER_ID.slice(0, 4)}**********${OTHER_ID.slice(-4)}`, by: "idNumber" },
        results: 1,
      }),
    );
    // Staff searches are work, not audit: only the auditor's are in the trail.
    expect(searches.every((record) => record.actor.role === "auditor")).toBe(true);
  });
});
