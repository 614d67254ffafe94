/**
 * The printed papers end to end on the local cloud: a completed case (approved
 * smaller, with conditions, then inspected), a refused case and a corrected
 * case (its certificate re-issued, extended, revoked). Each PDF is fetched by
 * its short-lived link, read back with poppler and its QR code followed to /verify.
 */
import { randomUUID } from "node:crypto";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueCertificates } from "#shared/certificates/issue.ts";
import { verifyChain } from "#shared/domain/audit-chain.ts";
import { getShippedPolicy } from "#shared/domain/policy/shipped-policies.ts";
import { certificatePaper } from "#shared/papers/assemble.ts";
import { renderCertificatePdf } from "#shared/papers/documents.ts";
import { placeNames, sha256Hex } from "#shared/papers/storage.ts";
import type { CaseRecord, Decision, StepRecord } from "#shared/schemas/case.ts";
import { CaseStore } from "#shared/store/case-store.ts";
import { townshipKey } from "#shared/store/reference-store.ts";
import { stepItem } from "#shared/store/step-store.ts";
import { stepIdOf } from "#shared/workflow/steps.ts";
import { walkCase } from "../support/case-walk.ts";
import { homesteadApplication, ZHANG_HEAD_ID, ZHANG_HOUSEHOLD } from "../support/fixtures.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { readPaper, squash } from "../support/pdf-reader.ts";
import { authHeader, signInAs } from "../support/tokens.ts";

const WANG = { id: "villager-wang", householdId: "511424100001-H0001" };
const TOWNSHIP = "511424100";

let env: TestCloud;
let api: string;
let store: CaseStore;
const tokens = new Map<string, string>();

beforeAll(async () => {
  env = await startTestCloud();
  api = env.cloud.endpoints.api;
  store = new CaseStore(env.dynamodb, env.cloud.endpoints.tableName);
  // The township's name as the reference import stores it (the seed has villages only).
  await env.dynamodb.send(
    new PutCommand({
      TableName: env.cloud.endpoints.tableName,
      Item: {
        ...townshipKey(TOWNSHIP),
        type: "township",
        townshipCode: TOWNSHIP,
        name: { zh: "丹棱镇", en: "Danling Town" },
      },
    }),
  );
}, 120_000);
afterAll(async () => {
  await env?.stop();
});

async function as(user: string) {
  let token = tokens.get(user);
  if (!token) {
    token = await signInAs(env.cloud.endpoints, user);
    tokens.set(user, token);
  }
  return authHeader(token);
}

async function call(user: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${api}${path}`, {
    method,
    headers: { ...(await as(user)), ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function putStep(
  caseId: string,
  stepId: string,
  step: StepRecord["step"],
  decision: Omit<Decision, "decidedAt">,
  at: string,
  department?: StepRecord["department"],
) {
  const item: StepRecord = {
    caseId,
    stepId,
    step,
    ...(department ? { department } : {}),
    round: 1,
    status: "responded",
    townshipCode: TOWNSHIP,
    openedAt: at,
    overdue: false,
    decision: { ...decision, decidedAt: at },
    sentAt: at,
  };
  await env.dynamodb.send(new PutCommand({ TableName: env.cloud.endpoints.tableName, Item: stepItem(item) }));
}

/** A case walked to the township decision, with the reviewers' decisions stored as the workflow leaves them. */
async function decidedCase(outcome: "approve" | "reject" | "pending"): Promise<CaseRecord> {
  let record = await store.create(
    {
      caseId: `papers-${randomUUID()}`,
      kind: "homestead",
      householdId: WANG.householdId,
      ownerId: WANG.id,
      townshipCode: TOWNSHIP,
      villageCode: "511424100001",
      policyId: "sichuan-default",
      application: homesteadApplication(ZHANG_HOUSEHOLD),
    },
    { id: WANG.id, role: "villager" },
  );
  record = await walkCase(store, record);
  const id = record.caseId;
  await putStep(
    id,
    "village",
    "village_review",
    {
      outcome: "approved",
      comment: "材料真实完整",
      decidedBy: { id: "village-officer-a", role: "village_officer" },
    },
    "2026-03-02T02:00:00.000Z",
  );
  await putStep(
    id,
    "jr-agri",
    "joint_review",
    {
      outcome: "approved",
      comment: "符合一户一宅",
      photos: ["p1", "p2"],
      decidedBy: { id: "reviewer-agriculture-a", role: "department_reviewer", department: "agriculture" },
    },
    "2026-03-05T02:00:00.000Z",
    "agriculture",
  );
  if (outcome === "pending") return record;
  if (outcome === "approve") {
    await putStep(
      id,
      "approval",
      "township_approval",
      {
        outcome: "approved",
        comment: "按标准核减",
        approved: { houseLandAreaM2: 80, floors: 2, heightM: 7.5 },
        conditions: ["退让村道 3 米建设"],
        decidedBy: { id: "head-a", role: "township_head" },
      },
      "2026-03-14T02:00:00.000Z",
    );
    return store.transition(record, "approve", { actor: { id: "head-a", role: "township_head" } });
  }
  await putStep(
    id,
    "approval",
    "township_approval",
    {
      outcome: "rejected",
      comment: "拟用地块占用永久基本农田",
      decidedBy: { id: "head-a", role: "township_head" },
    },
    "2026-03-14T02:00:00.000Z",
  );
  return store.transition(record, "reject", { actor: { id: "head-a", role: "township_head" } });
}

const issueDeps = () => ({
  client: env.dynamodb,
  tableName: env.cloud.endpoints.tableName,
  s3: env.s3,
  bucketName: env.cloud.endpoints.bucketName,
  now: () => new Date(),
});

/** Follows a download link: the PDF bytes and the headers S3 answered with. */
async function fetchPdf(url: string) {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return {
    bytes: new Uint8Array(await response.arrayBuffer()),
    disposition: response.headers.get("content-disposition") ?? "",
    type: response.headers.get("content-type"),
  };
}

async function verifyJson(url: string) {
  const response = await fetch(`${url}?format=json`);
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe("a completed case's papers", () => {
  it("certificates print the approved (smaller) values, conditions, collective and township; stored once, regenerated identically", async () => {
    const record = await decidedCase("approve");
    const issued = await issueCertificates(issueDeps(), record.caseId);
    const number = issued.find((entry) => entry.type === "homestead_approval_certificate")?.number ?? "";

    const answer = await call(
      WANG.id,
      "GET",
      `/cases/${record.caseId}/certificates/homestead_approval_certificate`,
    );
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ number, filename: `${number}.pdf`, status: "valid" });
    const { bytes, disposition, type } = await fetchPdf(String(answer.json.url));
    expect(type).toBe("application/pdf");
    expect(disposition).toContain(`filename="${number}.pdf"`);
    expect(sha256Hex(bytes)).toBe(answer.json.sha256);

    const read = readPaper(bytes);
    const text = squash(read.text);
    for (const field of [
      "农村宅基地批准书",
      number,
      "张伟",
      "140平方米（其中住房用地80平方米",
      "建筑面积240平方米，2层，高度7.5米",
      "退让村道3米建设",
      "龙鹄村农民集体",
      "丹棱县丹棱镇人民政府",
      "未配置电子印章",
    ]) {
      expect(text).toContain(squash(field));
    }
    expect(text).not.toContain(ZHANG_HEAD_ID);
    expect(read.qr).toBe(`${api}/verify/${number}`);
    const verified = await verifyJson(read.qr ?? "");
    expect(verified.json).toMatchObject({ status: "valid", approvedPlotAreaM2: 140, floors: 2 });

    // The issuing event carries the stored PDF's hash; regenerating from the stored data gives the same bytes.
    const { record: stored, steps, events } = await store.load(record.caseId);
    const issuing = events.find((event) => event.action === "issueCertificates");
    expect(JSON.stringify(issuing?.data)).toContain(sha256Hex(bytes));
    const certificate = stored.certificates?.find((entry) => entry.number === number);
    if (!certificate) throw new Error("not recorded");
    const regenerated = await renderCertificatePdf(
      certificatePaper(
        { record: stored, steps, events },
        getShippedPolicy("sichuan-default"),
        await placeNames(env.dynamodb, env.cloud.endpoints.tableName, stored),
        certificate,
        `${api}/verify/${number}`,
      ),
    );
    expect(Buffer.from(regenerated).equals(Buffer.from(bytes))).toBe(true);
    // A retried issue task stores nothing new.
    await issueCertificates(issueDeps(), record.caseId);
    const object = await env.s3.send(
      new GetObjectCommand({ Bucket: env.cloud.endpoints.bucketName, Key: certificate.objectKey ?? "" }),
    );
    expect(
      sha256Hex(
        new Uint8Array(await (object.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array()))),
      ),
    ).toBe(certificate.sha256);
  });

  it("files the approval form and the inspection record once, with each opinion and the flagged deviation", async () => {
    const record = await decidedCase("approve");
    await issueCertificates(issueDeps(), record.caseId);
    const form = await call("head-a", "GET", `/cases/${record.caseId}/papers/approval_form`);
    expect(form.status).toBe(200);
    const formText = squash(readPaper((await fetchPdf(String(form.json.url))).bytes).text);
    for (const field of [
      "审批表",
      "申请用地150平方米",
      "批准用地140平方米",
      "村级审核",
      "village-officer-a",
      "部门联审",
      "reviewer-agriculture-a",
      "核减后同意",
      "head-a",
      "2026-03-14",
    ]) {
      expect(formText).toContain(squash(field));
    }
    const again = await call(WANG.id, "GET", `/cases/${record.caseId}/papers/approval_form`);
    expect(again.json.sha256).toBe(form.json.sha256);
    const { events } = await store.load(record.caseId);
    expect(events.filter((event) => event.action === "filePaper")).toHaveLength(1);

    // Before the completion inspection there is no inspection record.
    const early = await call("head-a", "GET", `/cases/${record.caseId}/papers/acceptance_record`);
    expect(early.status).toBe(409);
    expect(early.json).toMatchObject({ error: { code: "paper_not_available" } });

    await putStep(
      record.caseId,
      "staking",
      "site_visit_staking",
      {
        outcome: "approved",
        measurements: { plotAreaM2: 140 },
        photos: ["s1", "s2", "s3"],
        decidedBy: { id: "inspector-a", role: "site_inspector" },
      },
      "2026-04-01T02:00:00.000Z",
    );
    await putStep(
      record.caseId,
      "completion",
      "site_visit_completion",
      {
        outcome: "approved",
        comment: "基本符合",
        measurements: { plotAreaM2: 139, footprintM2: 86, floors: 2, heightM: 7.5 },
        photos: ["c1", "c2", "c3", "c4"],
        decidedBy: { id: "inspector-a", role: "site_inspector" },
      },
      "2026-09-01T02:00:00.000Z",
    );
    const inspection = await call("inspector-a", "GET", `/cases/${record.caseId}/papers/acceptance_record`);
    expect(inspection.status).toBe(200);
    const read = readPaper((await fetchPdf(String(inspection.json.url))).bytes);
    const text = squash(read.text);
    // Approved footprint: 240 m² over 2 floors = 120, capped by the approved 80 m² house land.
    for (const field of [
      "验收意见表",
      "80m²",
      "86m²",
      "超出+6m²",
      "DEVIATION",
      "审批前现场踏勘",
      "2张",
      "开工前实地丈量批放",
      "3张",
      "竣工验收",
      "4张",
      "验收合格：基本符合",
    ]) {
      expect(text).toContain(squash(field));
    }
    expect(read.qr).toMatch(new RegExp(`${api}/verify/511424-ZJDPZ-`));
  });
});

describe("a refused case's papers", () => {
  it("a numbered refusal notice with reasons, legal basis and appeal rights; its QR verifies", async () => {
    const record = await decidedCase("reject");
    // Asked for the approval form first: the refusal notice it is verified by is filed with it.
    const first = await call("head-a", "GET", `/cases/${record.caseId}/papers/approval_form`);
    expect(first.status).toBe(200);
    const answer = await call(WANG.id, "GET", `/cases/${record.caseId}/papers/refusal_notice`);
    expect(answer.status).toBe(200);
    const number = String(answer.json.number);
    expect(number).toMatch(/^511424-BYPZ-\d{4}-\d{5}$/);
    const read = readPaper((await fetchPdf(String(answer.json.url))).bytes);
    const text = squash(read.text);
    for (const field of [
      "不予批准决定书",
      number,
      "张伟",
      "拟用地块占用永久基本农田",
      "《中华人民共和国土地管理法》第六十二条",
      "60日内向丹棱县人民政府申请行政复议",
      "6个月内向丹棱县人民法院提起行政诉讼",
    ]) {
      expect(text).toContain(squash(field));
    }
    expect(read.qr).toBe(`${api}/verify/${number}`);
    const verified = await verifyJson(read.qr ?? "");
    expect(verified).toMatchObject({
      status: 200,
      json: { type: "refusal_notice", status: "issued", headOfHousehold: { name: "张*" } },
    });

    // The approval form of a refused case points to its refusal notice; a refused case has no certificate.
    const form = await call("clerk-a", "GET", `/cases/${record.caseId}/papers/approval_form`);
    expect(form.status).toBe(200);
    expect(readPaper((await fetchPdf(String(form.json.url))).bytes).qr).toBe(`${api}/verify/${number}`);
    const certificate = await call(
      WANG.id,
      "GET",
      `/cases/${record.caseId}/papers/homestead_approval_certificate`,
    );
    expect(certificate.json).toMatchObject({ error: { code: "paper_not_available" } });
    // Another household and another township's staff do not see the case.
    expect((await call("villager-li", "GET", `/cases/${record.caseId}/papers/refusal_notice`)).status).toBe(
      404,
    );
    expect((await call("clerk-b", "GET", `/cases/${record.caseId}/papers/refusal_notice`)).status).toBe(404);
  });
});

describe("a corrected case: a certificate's life after issue", () => {
  it("re-issues under a new number, extends per policy, revokes with a reason; each an event in a valid hash chain", async () => {
    const record = await decidedCase("approve");
    const issued = await issueCertificates(issueDeps(), record.caseId);
    const old = issued.find((entry) => entry.type === "homestead_approval_certificate")?.number ?? "";

    // The name was misspelt: corrected in the stored application, then the certificate is re-issued.
    await store.withRetry(record.caseId, async (latest) =>
      store.record(latest, {
        actor: { id: "county-admin", role: "county_admin" },
        action: "correctApplication",
        set: { application: { ...latest.application, head: { ...latest.application.head, name: "张炜" } } },
      }),
    );
    expect(
      (
        await call("clerk-a", "POST", `/cases/${record.caseId}/certificates/${old}/reissue`, {
          reason: "户主姓名更正",
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await call("head-b", "POST", `/cases/${record.caseId}/certificates/${old}/reissue`, {
          reason: "户主姓名更正",
        })
      ).status,
    ).toBe(404);
    const reissued = await call("head-a", "POST", `/cases/${record.caseId}/certificates/${old}/reissue`, {
      reason: "户主姓名更正",
    });
    expect(reissued.status).toBe(200);
    const fresh = String(reissued.json.number);
    expect(fresh).not.toBe(old);
    expect(reissued.json).toMatchObject({ supersedes: old, status: "valid" });
    const oldVerified = await verifyJson(`${api}/verify/${old}`);
    expect(oldVerified.json).toMatchObject({ status: "superseded", valid: false, supersededBy: fresh });
    expect(
      (await call("head-a", "POST", `/cases/${record.caseId}/certificates/${old}/revoke`, { reason: "x1" }))
        .json,
    ).toMatchObject({
      error: { code: "certificate_not_valid" },
    });

    const download = await call(
      WANG.id,
      "GET",
      `/cases/${record.caseId}/papers/homestead_approval_certificate`,
    );
    const read = readPaper((await fetchPdf(String(download.json.url))).bytes);
    expect(squash(read.text)).toContain(squash("张炜"));
    expect(squash(read.text)).toContain(squash(`本证替代原证 ${old}`));
    expect(read.qr).toBe(`${api}/verify/${fresh}`);

    // Extension: once (sichuan-default allows one, 12 months), then refused.
    const before = (await verifyJson(`${api}/verify/${fresh}`)).json.validUntil as string;
    const extended = await call(
      "county-admin",
      "POST",
      `/cases/${record.caseId}/certificates/${fresh}/extend`,
      { reason: "施工期延长" },
    );
    expect(extended.status).toBe(200);
    const after = (await verifyJson(`${api}/verify/${fresh}`)).json.validUntil as string;
    expect(Number(after.slice(0, 4))).toBe(Number(before.slice(0, 4)) + 1);
    const extendedPdf = await call(
      WANG.id,
      "GET",
      `/cases/${record.caseId}/papers/homestead_approval_certificate`,
    );
    expect(squash(readPaper((await fetchPdf(String(extendedPdf.json.url))).bytes).text)).toContain(
      squash(`延期至 ${after}`),
    );
    expect(
      (
        await call("head-a", "POST", `/cases/${record.caseId}/certificates/${fresh}/extend`, {
          reason: "再次延期",
        })
      ).json,
    ).toMatchObject({
      error: { code: "extension_not_allowed" },
    });

    // Revocation: the verify page says revoked, and why.
    expect(
      (
        await call("head-a", "POST", `/cases/${record.caseId}/certificates/${fresh}/revoke`, {
          reason: "以欺骗手段取得批准",
        })
      ).status,
    ).toBe(200);
    const revoked = await verifyJson(`${api}/verify/${fresh}`);
    expect(revoked.json).toMatchObject({
      status: "revoked",
      valid: false,
      revocation: { reason: "以欺骗手段取得批准" },
    });
    const page = await (await fetch(`${api}/verify/${fresh}`)).text();
    expect(page).toContain("以欺骗手段取得批准");
    expect(
      (
        await call("head-a", "POST", `/cases/${record.caseId}/certificates/${fresh}/revoke`, {
          reason: "again",
        })
      ).status,
    ).toBe(409);

    const { record: latest, events } = await store.load(record.caseId);
    expect(events.map((event) => event.action)).toEqual(
      expect.arrayContaining(["reissueCertificate", "extendCertificate", "revokeCertificate"]),
    );
    const revocation = events.find((event) => event.action === "revokeCertificate");
    expect(revocation).toMatchObject({
      actor: { id: "head-a", role: "township_head" },
      data: { number: fresh, reason: "以欺骗手段取得批准" },
    });
    expect(verifyChain(events, { seq: latest.eventSeq, hash: latest.eventHead })).toEqual({ valid: true });
  });
});

describe("the township head's decision with substance", () => {
  it("approves less than requested with conditions through the API; never more; the certificate prints it", async () => {
    const record = await decidedCase("pending");
    const stepId = stepIdOf("township_approval");
    const step: StepRecord = {
      caseId: record.caseId,
      stepId,
      step: "township_approval",
      round: 1,
      status: "awaiting_response",
      townshipCode: TOWNSHIP,
      openedAt: new Date().toISOString(),
      deadline: "2031-01-10T00:00:00.000Z",
      overdue: false,
    };
    // Opened the way open-step does, without a workflow behind it (the decision is stored, its send pending).
    await env.dynamodb.send(
      new PutCommand({ TableName: env.cloud.endpoints.tableName, Item: stepItem(step) }),
    );
    const path = `/review/cases/${record.caseId}/steps/${encodeURIComponent(stepId)}/decision`;
    const larger = await call("head-a", "POST", path, {
      outcome: "approved",
      approved: { houseLandAreaM2: 95 },
    });
    expect(larger.json).toMatchObject({ error: { code: "decision_not_accepted" } });
    expect(JSON.stringify(larger.json)).toContain("exceeds the requested 90");
    const onRefusal = await call("head-a", "POST", path, {
      outcome: "rejected",
      comment: "不符合规划",
      conditions: ["x"],
    });
    expect(onRefusal.json).toMatchObject({ error: { code: "decision_not_accepted" } });

    const decided = await call("head-a", "POST", path, {
      outcome: "approved",
      comment: "核减面积",
      approved: { houseLandAreaM2: 70, ancillaryLandAreaM2: 40, floors: 2, heightM: 7 },
      conditions: ["竣工后三个月内拆除旧房"],
    });
    expect([200, 202]).toContain(decided.status);
    const { events } = await store.load(record.caseId);
    const decision = events.find(
      (event) => (event.data as { step?: string } | undefined)?.step === "township_approval",
    );
    expect(decision?.data).toMatchObject({
      approved: { houseLandAreaM2: 70, floors: 2 },
      conditions: ["竣工后三个月内拆除旧房"],
    });

    // The decision itself moved the case to approved (the step table's verb); the workflow then issues.
    expect((await store.get(record.caseId))?.status).toBe("approved");
    await issueCertificates(issueDeps(), record.caseId);
    const download = await call(
      WANG.id,
      "GET",
      `/cases/${record.caseId}/papers/rural_construction_planning_permit`,
    );
    const text = squash(readPaper((await fetchPdf(String(download.json.url))).bytes).text);
    for (const field of [
      "乡村建设规划许可证",
      "110平方米（其中住房用地70平方米，附属用地40平方米）",
      "2层，高度7米",
      "竣工后三个月内拆除旧房",
    ]) {
      expect(text).toContain(squash(field));
    }
  });
});

describe("races", () => {
  it("files a paper once however many first downloads race, and lets one of two revocations win", async () => {
    const record = await decidedCase("approve");
    const issued = await issueCertificates(issueDeps(), record.caseId);
    const forms = await Promise.all(
      [WANG.id, "head-a", "clerk-a"].map((user) =>
        call(user, "GET", `/cases/${record.caseId}/papers/approval_form`),
      ),
    );
    expect(forms.map((form) => form.status)).toEqual([200, 200, 200]);
    expect(new Set(forms.map((form) => form.json.sha256)).size).toBe(1);
    const number = issued[0]?.number ?? "";
    const revocations = await Promise.all(
      ["head-a", "county-admin"].map((user) =>
        call(user, "POST", `/cases/${record.caseId}/certificates/${number}/revoke`, {
          reason: `撤销 ${user}`,
        }),
      ),
    );
    expect(revocations.map((answer) => answer.status).sort()).toEqual([200, 409]);
    const { events } = await store.load(record.caseId);
    expect(events.filter((event) => event.action === "filePaper")).toHaveLength(1);
    expect(events.filter((event) => event.action === "revokeCertificate")).toHaveLength(1);
  });
});
