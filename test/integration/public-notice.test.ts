/**
 * The public notice (公示) on the local cloud: published when the pre-check
 * passes, readable by anyone without a token (names masked, no numbers),
 * objections lodged by anyone while it runs (contact sealed, an audit event
 * each), seen and handled by the village officer, whose approval is refused
 * while one is unhandled. Real HTTP, the synthesized workflow.
 */
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type * as ShippedPolicies from "#shared/domain/policy/shipped-policies.ts";
import { noticeKey, objectionKey } from "#shared/notices/notice.ts";
import { MAX_OBJECTIONS_PER_NOTICE } from "#shared/notices/notices.ts";
import type { CaseRecord } from "#shared/schemas/case.ts";
import { CaseStore } from "#shared/store/case-store.ts";
import { homesteadApplication, ZHANG_HOUSEHOLD } from "../support/fixtures.ts";
import { eventually, startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { authHeader, signInAs } from "../support/tokens.ts";
import { demoHouseholdCase, TEST_WAIT_SCALE, WorkflowDriver } from "../support/workflow.ts";

// test-fast (1-day notice), plus `test-instant` (a notice of 0 days: over as soon as it starts)
// and `test-paper` (a photo of the paper notice replaces publication).
vi.mock("#shared/domain/policy/shipped-policies.ts", async (importOriginal) => {
  const { withTestPolicies } = await import("../support/policies.ts");
  const tested = withTestPolicies(await importOriginal<typeof ShippedPolicies>());
  const fast = tested.getShippedPolicy("test-fast");
  const extra = {
    "test-instant": { ...fast, policyId: "test-instant", publicNotice: { days: 0, workingDays: false } },
    "test-paper": {
      ...fast,
      policyId: "test-paper",
      publicNotice: { days: 5, workingDays: true, paperPhotoAllowed: true },
    },
  };
  return {
    ...tested,
    SHIPPED_POLICIES: { ...tested.SHIPPED_POLICIES, ...extra },
    getShippedPolicy: (key: string) => extra[key as keyof typeof extra] ?? tested.getShippedPolicy(key),
  };
});

const TOWNSHIP = "511424100";
const VILLAGE = "511424100001";

let env: TestCloud;
let driver: WorkflowDriver;
let store: CaseStore;
const tokens = new Map<string, string>();

beforeAll(async () => {
  env = await startTestCloud({ waitScale: TEST_WAIT_SCALE });
  driver = new WorkflowDriver(env);
  store = new CaseStore(env.dynamodb, env.cloud.endpoints.tableName);
  for (const user of ["village-officer-a", "clerk-a"])
    tokens.set(user, await signInAs(env.cloud.endpoints, user));
});
afterAll(async () => {
  await env?.stop();
});

async function call(user: string | undefined, method: string, path: string, body?: unknown) {
  const response = await fetch(`${env.cloud.endpoints.api}${path}`, {
    method,
    headers: {
      "content-type": "application/json",
      ...(user ? authHeader(tokens.get(user) ?? "") : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

/** A case of 王建国's household, its pre-check passed, in (or past) its public notice. */
async function published(caseId: string, policyId = "test-fast"): Promise<CaseRecord> {
  const seeded = demoHouseholdCase(caseId, { villageCode: VILLAGE, townshipCode: TOWNSHIP, policyId });
  const { application } = seeded;
  await driver.seedCase({
    ...seeded,
    application: { ...application, head: { ...application.head, name: "王建国" } },
  });
  await driver.start(caseId);
  return eventually(async () => {
    const record = await store.require(caseId);
    return ["submitted", "prechecked"].includes(record.status) ? undefined : record;
  });
}

describe("the published notice", () => {
  it("is published when the pre-check passes and readable by anyone, without numbers", async () => {
    const record = await published("pn-1");
    const noticeId = record.publicNotice?.noticeId ?? "";
    expect(noticeId).not.toBe("");
    const { events } = await store.load("pn-1");
    expect(events.find((event) => event.action === "startPublicNotice")?.data).toMatchObject({ noticeId });

    const listed = await call(undefined, "GET", `/notices?village=${VILLAGE}`);
    expect(listed.status).toBe(200);
    const notices = listed.json.notices as { noticeId: string }[];
    expect(notices.map((notice) => notice.noticeId)).toContain(noticeId);

    const one = await call(undefined, "GET", `/notices/${noticeId}`);
    expect(one.status).toBe(200);
    const application = homesteadApplication(ZHANG_HOUSEHOLD);
    expect(one.json).toMatchObject({
      noticeId,
      applicantName: "王**",
      villageCode: VILLAGE,
      plot: { address: application.proposedPlot.address, houseLandAreaM2: 90, ancillaryLandAreaM2: 60 },
      startsAt: record.publicNotice?.startsAt,
      endsAt: record.publicNotice?.endsAt,
      open: true,
    });
    for (const body of [listed.text, one.text]) {
      expect(body).not.toContain(application.head.idNumber);
      expect(body).not.toContain(application.head.phone);
      expect(body).not.toContain("王建国");
      expect(body).not.toContain("pn-1");
      expect(body).not.toContain("H0001");
    }
    expect((await call(undefined, "GET", "/notices")).status).toBe(400);
    expect((await call(undefined, "GET", "/notices/00000000-0000-4000-8000-000000000000")).status).toBe(404);
  });

  it("takes no notice online where the county accepts a photo of the paper notice", async () => {
    const record = await published("pn-paper", "test-paper");
    expect(record.publicNotice).toBeUndefined();
    const { events } = await store.load("pn-paper");
    expect(events.find((event) => event.action === "startPublicNotice")?.data).toMatchObject({
      paperNotice: true,
    });
    await driver.openStep("pn-paper", "village_review");
  });
});

describe("objections", () => {
  it("are lodged by anyone, sealed and audited, and must be handled before the village approves", async () => {
    const record = await published("pn-obj");
    const noticeId = record.publicNotice?.noticeId ?? "";

    const hostile = [
      { text: "短" },
      { text: "x".repeat(1001) },
      { text: "宅基地位置不对", extra: true },
      { text: "宅基地位置不对", contact: "y".repeat(101) },
    ];
    for (const body of hostile) {
      expect((await call(undefined, "POST", `/notices/${noticeId}/objections`, body)).status).toBe(400);
    }
    const first = await call(undefined, "POST", `/notices/${noticeId}/objections`, {
      text: "拟建宅基地东侧占用了村道，请核实。",
      contact: "13700001111",
    });
    expect(first.status).toBe(201);
    const second = await call(undefined, "POST", `/notices/${noticeId}/objections`, {
      text: "南侧与我家承包地边界不清。",
    });
    expect(second.status).toBe(201);
    const firstId = String(first.json.objectionId);
    const secondId = String(second.json.objectionId);

    // The contact is sealed at rest; each objection is an event on the case, lodged by "public".
    const { Item } = await env.dynamodb.send(
      new GetCommand({ TableName: env.cloud.endpoints.tableName, Key: objectionKey(noticeId, firstId) }),
    );
    expect(JSON.stringify(Item)).not.toContain("13700001111");
    const lodged = (await store.load("pn-obj")).events.filter((event) => event.action === "lodgeObjection");
    expect(lodged.map((event) => event.data?.objectionId).sort()).toEqual([firstId, secondId].sort());
    expect(lodged[0]?.actor).toEqual({ id: "public", role: "public" });

    const review = await driver.openStep("pn-obj", "village_review");
    const seen = await call("village-officer-a", "GET", "/review/cases/pn-obj");
    expect(seen.status).toBe(200);
    expect(seen.json.objections).toEqual([
      expect.objectContaining({
        objectionId: firstId,
        text: "拟建宅基地东侧占用了村道，请核实。",
        hasContact: true,
      }),
      expect.objectContaining({ objectionId: secondId, hasContact: false }),
    ]);

    const decide = (body: Record<string, unknown>) =>
      call(
        "village-officer-a",
        "POST",
        `/review/cases/pn-obj/steps/${encodeURIComponent(review.stepId)}/decision`,
        body,
      );
    const unhandled = await decide({
      outcome: "approved",
      objections: { [firstId]: "已现场核实，未占用村道" },
    });
    expect(unhandled.status).toBe(422);
    expect(unhandled.json).toMatchObject({
      error: { code: "objection_unhandled", details: { unhandled: [secondId] } },
    });
    const unknown = await decide({
      outcome: "approved",
      objections: { [firstId]: "已核实", [secondId]: "已核实", "00000000-0000-4000-8000-000000000000": "?" },
    });
    expect(unknown.status).toBe(422);
    expect(unknown.json).toMatchObject({ error: { code: "objection_unknown" } });
    // Refused decisions change nothing.
    expect((await store.require("pn-obj")).status).toBe("in_village_review");

    const handling = { [firstId]: "已现场核实，未占用村道", [secondId]: "经村组调解，边界已确认" };
    const approved = await decide({ outcome: "approved", comment: "同意", objections: handling });
    expect(approved.status, approved.text).toBe(200);
    const { events } = await store.load("pn-obj");
    expect(events.find((event) => event.action === "forwardToTownship")?.data).toMatchObject({
      objections: handling,
    });
    const handled = await env.dynamodb.send(
      new GetCommand({ TableName: env.cloud.endpoints.tableName, Key: objectionKey(noticeId, secondId) }),
    );
    expect(handled.Item).toMatchObject({
      handling: "经村组调解，边界已确认",
      handledBy: "village-officer-a",
    });
  });

  it("are bounded per notice (429 objection_limit), without a trace of the refused one", async () => {
    const record = await published("pn-full");
    const noticeId = record.publicNotice?.noticeId ?? "";
    await env.dynamodb.send(
      new UpdateCommand({
        TableName: env.cloud.endpoints.tableName,
        Key: noticeKey(noticeId),
        UpdateExpression: "SET objectionCount = :max",
        ExpressionAttributeValues: { ":max": MAX_OBJECTIONS_PER_NOTICE - 1 },
      }),
    );
    const last = await call(undefined, "POST", `/notices/${noticeId}/objections`, { text: "最后一条异议。" });
    expect(last.status).toBe(201);
    const over = await call(undefined, "POST", `/notices/${noticeId}/objections`, { text: "再多一条异议。" });
    expect(over.status).toBe(429);
    expect(over.json).toMatchObject({ error: { code: "objection_limit" } });
    const { events } = await store.load("pn-full");
    expect(events.filter((event) => event.action === "lodgeObjection")).toHaveLength(1);
  });

  it("are refused (409 notice_closed) once the notice days are over", async () => {
    const record = await published("pn-closed", "test-instant");
    const noticeId = record.publicNotice?.noticeId ?? "";
    const late = await call(undefined, "POST", `/notices/${noticeId}/objections`, {
      text: "公示期后才看到，有异议。",
    });
    expect(late.status).toBe(409);
    expect(late.json).toMatchObject({ error: { code: "notice_closed" } });
    expect((await call(undefined, "GET", `/notices/${noticeId}`)).json).toMatchObject({ open: false });
    expect(
      (
        await call(undefined, "POST", "/notices/00000000-0000-4000-8000-000000000000/objections", {
          text: "无此公示的异议",
        })
      ).status,
    ).toBe(404);
    const { events } = await store.load("pn-closed");
    expect(events.some((event) => event.action === "lodgeObjection")).toBe(false);
  });
});
