import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditQueryLog } from "#shared/audit/query-log.ts";
import type { CaseVerb } from "#shared/domain/case-status.ts";
import type { AuditActor } from "#shared/schemas/audit-event.ts";
import type { CaseRecord } from "#shared/schemas/case.ts";
import { CaseStore } from "#shared/store/case-store.ts";
import { TO_ACCEPTED } from "../support/case-walk.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { authHeader, signInAs } from "../support/tokens.ts";

const TOWNSHIP_A = "511424100";
const TOWNSHIP_B = "511424101";
const HOMESTEAD_NO = "丹棱宅批〔2026〕001号";
const PERMIT_NO = "乡字第511424202600001号";

let env: TestCloud;
let store: CaseStore;
let clock = new Date("2026-05-01T08:00:00.000Z");
/** Every write moves the clock one hour on, so each case's dates are distinct and ordered. */
const tick = () => {
  clock = new Date(clock.getTime() + 3600_000);
  return clock;
};
const tokens = { clerkA: "", headA: "", auditor: "", countyAdmin: "", villager: "", clerkB: "" };
const ids = {
  accepted: randomUUID(),
  approved: randomUUID(),
  withdrawn: randomUUID(),
  draft: randomUUID(),
  townshipB: randomUUID(),
};

const villager: AuditActor = { id: "villager-wang", role: "villager" };
const staff: AuditActor = { id: "clerk-a", role: "township_clerk" };
const system: AuditActor = { id: "system", role: "system" };

async function walk(
  caseId: string,
  township: string,
  verbs: readonly CaseVerb[],
  name: string,
): Promise<CaseRecord> {
  tick();
  let record = await store.create(
    {
      caseId,
      kind: "homestead",
      householdId: `${township}001-H0001`,
      ownerId: villager.id,
      townshipCode: township,
      villageCode: `${township}001`,
      policyId: "sichuan-default",
      application: { kind: "homestead", head: { name }, proposedPlot: { address: "龙鹄村3组, 12号" } },
    },
    villager,
  );
  for (const verb of verbs) {
    const at = tick().toISOString();
    record = await store.transition(record, verb, {
      actor:
        verb === "completePrecheck" ? system : verb === "submit" || verb === "withdraw" ? villager : staff,
      facts: { precheckBlocked: false, openConsultations: 0 },
      ...(verb === "submit" ? { set: { submittedAt: at } } : {}),
      ...(verb === "approve"
        ? {
            set: {
              certificates: [
                { type: "homestead_approval_certificate", number: HOMESTEAD_NO, issuedAt: at },
                { type: "rural_construction_planning_permit", number: PERMIT_NO, issuedAt: at },
              ],
            },
          }
        : {}),
    });
  }
  return record;
}

const records: Record<string, CaseRecord> = {};

beforeAll(async () => {
  env = await startTestCloud();
  store = new CaseStore(env.dynamodb, env.cloud.endpoints.tableName, () => clock);
  records.accepted = await walk(ids.accepted, TOWNSHIP_A, TO_ACCEPTED, "王建国");
  records.draft = await walk(ids.draft, TOWNSHIP_A, [], "李秀英");
  records.townshipB = await walk(
    ids.townshipB,
    TOWNSHIP_B,
    ["submit", "completePrecheck", "startPublicNotice"],
    "张桂兰",
  );
  records.withdrawn = await walk(ids.withdrawn, TOWNSHIP_A, ["submit", "withdraw"], "赵四");
  records.approved = await walk(
    ids.approved,
    TOWNSHIP_A,
    [...TO_ACCEPTED, "startJointReview", "completeJointReview", "approve"],
    '陈 "大" 明',
  );
  const endpoints = env.cloud.endpoints;
  tokens.clerkA = await signInAs(endpoints, "clerk-a");
  tokens.clerkB = await signInAs(endpoints, "clerk-b");
  tokens.headA = await signInAs(endpoints, "head-a");
  tokens.auditor = await signInAs(endpoints, "auditor");
  tokens.countyAdmin = await signInAs(endpoints, "county-admin");
  tokens.villager = await signInAs(endpoints, "villager-wang");
});
afterAll(async () => {
  await env?.stop();
});

interface Entry {
  caseId: string;
  status: string;
  applicantName: string | null;
  submittedAt: string | null;
  acceptedAt: string | null;
  approvedAt: string | null;
  homesteadCertificateNo: string | null;
  planningPermitNo: string | null;
  updatedAt: string;
}
interface Page {
  township: string;
  items: Entry[];
  nextCursor: string | null;
}

const api = (route: string, token: string) =>
  fetch(`${env.cloud.endpoints.api}${route}`, { headers: authHeader(token) });
const register = async (params: Record<string, string>, token = tokens.clerkA) => {
  const response = await api(`/register?${new URLSearchParams(params)}`, token);
  return { status: response.status, body: (await response.json()) as Page };
};
const nameOf = (caseId: string) => Object.entries(ids).find(([, id]) => id === caseId)?.[0];

describe("GET /register", () => {
  it("lists a township's cases newest change first, without households' drafts", async () => {
    const { status, body } = await register({});
    expect(status).toBe(200);
    expect(body.township).toBe(TOWNSHIP_A);
    expect(body.items.map((entry) => nameOf(entry.caseId))).toEqual(["approved", "withdrawn", "accepted"]);
    expect(body.nextCursor).toBeNull();
  });

  it("gives the procedure's dates and certificate numbers", async () => {
    const { body } = await register({ status: "approved" });
    const events = (await store.load(ids.approved)).events;
    const firstAt = (status: string) => events.find((event) => event.toStatus === status)?.at;
    expect(body.items).toEqual([
      expect.objectContaining({
        caseId: ids.approved,
        status: "approved",
        applicantName: '陈 "大" 明',
        submittedAt: firstAt("submitted"),
        acceptedAt: firstAt("accepted"),
        approvedAt: firstAt("approved"),
        homesteadCertificateNo: HOMESTEAD_NO,
        planningPermitNo: PERMIT_NO,
        updatedAt: records.approved?.updatedAt,
      }),
    ]);
    const accepted = (await register({ status: "accepted" })).body.items;
    expect(
      accepted.map((entry) => [nameOf(entry.caseId), entry.approvedAt, entry.homesteadCertificateNo]),
    ).toEqual([["accepted", null, null]]);
  });

  it("bounds the last change with from (inclusive) and to (exclusive)", async () => {
    const from = records.withdrawn?.updatedAt ?? "";
    const to = records.approved?.updatedAt ?? "";
    const { body } = await register({ from, to });
    expect(body.items.map((entry) => nameOf(entry.caseId))).toEqual(["withdrawn"]);
  });

  it("paginates newest first with an opaque cursor", async () => {
    const seen: (string | undefined)[] = [];
    let cursor: string | null = null;
    do {
      const { status, body } = await register({ limit: "1", ...(cursor ? { cursor } : {}) });
      expect(status).toBe(200);
      seen.push(...body.items.map((entry) => nameOf(entry.caseId)));
      cursor = body.nextCursor;
    } while (cursor && seen.length < 10);
    expect(seen).toEqual(["approved", "withdrawn", "accepted"]);
    const first = await register({ limit: "1" });
    expect((await register({ status: "accepted", cursor: first.body.nextCursor ?? "" })).status).toBe(400);
  });

  it("is open to the township head, auditors and the county admin within their jurisdiction", async () => {
    expect((await register({}, tokens.headA)).body.items).toHaveLength(3);
    const b = await register({ township: TOWNSHIP_B }, tokens.countyAdmin);
    expect(b.body.items.map((entry) => nameOf(entry.caseId))).toEqual(["townshipB"]);
    expect((await register({ township: TOWNSHIP_A }, tokens.auditor)).body.items).toHaveLength(3);
  });

  it("asks a caller with several townships to name one (400)", async () => {
    const { status, body } = await register({}, tokens.auditor);
    expect(status).toBe(400);
    expect(JSON.stringify(body)).toContain("township");
  });

  it("refuses another township's register (403) and callers without a register role (403)", async () => {
    expect((await register({ township: TOWNSHIP_A }, tokens.clerkB)).status).toBe(403);
    expect((await register({ township: TOWNSHIP_A }, tokens.villager)).status).toBe(403);
    const response = await fetch(`${env.cloud.endpoints.api}/register?township=${TOWNSHIP_A}`);
    expect(response.status).toBe(401);
  });

  it("records an auditor's register read in the audit-query log", async () => {
    const day = new Date().toISOString().slice(0, 10);
    await register({ township: TOWNSHIP_B, status: "in_public_notice" }, tokens.auditor);
    const logged = await new AuditQueryLog(env.dynamodb, env.cloud.endpoints.tableName).listDay(day);
    expect(logged).toContainEqual(
      expect.objectContaining({
        route: "GET /register",
        actor: expect.objectContaining({ id: "auditor" }),
        parameters: { township: TOWNSHIP_B, status: "in_public_notice" },
        results: 1,
      }),
    );
  });
});

describe("GET /register.csv", () => {
  it("exports the filing as UTF-8 CSV with BOM, a bilingual header and quoted fields", async () => {
    const response = await api(`/register.csv?township=${TOWNSHIP_A}`, tokens.clerkA);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toBe(
      `attachment; filename="register-${TOWNSHIP_A}.csv"`,
    );
    const bytes = Buffer.from(await response.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString("utf8").split("\r\n");
    expect(lines[0]?.split(",")).toHaveLength(16);
    expect(lines[0]).toMatch(/^案件编号 caseId,类型 kind,状态 status,/);
    expect(lines).toHaveLength(5); // header, three cases, and the empty string after the final CRLF
    expect(lines[4]).toBe("");
    const approved = lines[1] ?? "";
    expect(approved.startsWith(`${ids.approved},homestead,approved,${TOWNSHIP_A},`)).toBe(true);
    expect(approved).toContain(',"陈 ""大"" 明","龙鹄村3组, 12号",');
    expect(approved).toContain(`,${HOMESTEAD_NO},${PERMIT_NO},`);
  });

  it("refuses a villager (403, JSON error)", async () => {
    const response = await api(`/register.csv?township=${TOWNSHIP_A}`, tokens.villager);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: "forbidden" } });
  });
});

describe("GET /openapi.json", () => {
  it("serves the OpenAPI 3.1 document without sign-in, listing the register and audit routes", async () => {
    const response = await fetch(`${env.cloud.endpoints.api}/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toBe("3.1.0");
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(["/register", "/register.csv", "/audit/events", "/audit/cases/{caseId}/verify"]),
    );
  });
});
