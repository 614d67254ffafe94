/**
 * Whole cases through the public HTTP API, signed in as the demo users of
 * each role: application, documents, submission, every review step in each
 * reviewer's queue, certificates, site visits, public verification and the
 * auditor's chain check. Runs the synthesized workflow on the local cloud
 * with the demo county policy (0-day public notice).
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DANLING_DEMO_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import type { ApplicationComplete } from "#shared/schemas/application.ts";
import type { CaseKind } from "#shared/schemas/common.ts";
import { homesteadApplication, liHouseholdApplication } from "../support/fixtures.ts";
import { eventually, startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { authHeader, signInAs } from "../support/tokens.ts";

let env: TestCloud;
const tokens = new Map<string, string>();

beforeAll(async () => {
  env = await startTestCloud({ context: { countyPolicy: "danling-demo" } });
});
afterAll(async () => {
  await env?.stop();
});

async function as(userId: string) {
  let token = tokens.get(userId);
  if (!token) {
    token = await signInAs(env.cloud.endpoints, userId);
    tokens.set(userId, token);
  }
  const bearer = token;
  return async <T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${env.cloud.endpoints.api}${path}`, {
      method,
      headers: { "content-type": "application/json", ...authHeader(bearer), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
  };
}

const PDF = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");

async function uploadRequiredDocuments(villager: string, caseId: string, kind: CaseKind): Promise<void> {
  const call = await as(villager);
  for (const requirement of DANLING_DEMO_POLICY.requiredDocuments[kind]) {
    if (requirement.condition !== "always") continue;
    for (let i = 0; i < requirement.minCount; i++) {
      const sha256 = createHash("sha256").update(PDF).digest("hex");
      const requested = await call<{
        documentId: string;
        uploadUrl: string;
        requiredHeaders: Record<string, string>;
      }>("POST", `/cases/${caseId}/documents`, {
        type: requirement.typeId,
        contentType: "application/pdf",
        size: PDF.length,
        sha256,
      });
      expect(requested.status).toBe(201);
      const put = await fetch(requested.body.uploadUrl, {
        method: "PUT",
        headers: requested.body.requiredHeaders,
        body: PDF,
      });
      expect(put.status).toBe(200);
      const confirmed = await call("POST", `/cases/${caseId}/documents/${requested.body.documentId}/confirm`);
      expect(confirmed.status).toBe(200);
    }
  }
}

interface QueueItem {
  caseId: string;
  stepId: string;
  step: string;
}

/** Waits until the case shows up in the reviewer's queue, then decides the step. */
async function decideFromQueue(
  reviewer: string,
  queue: string,
  township: string,
  caseId: string,
  decision: Record<string, unknown> = { outcome: "approved", comment: "同意" },
): Promise<QueueItem> {
  const call = await as(reviewer);
  const item = await eventually(async () => {
    const listed = await call<{ items: QueueItem[] }>("GET", `/queues/${queue}?township=${township}`);
    expect(listed.status).toBe(200);
    return listed.body.items.find((candidate) => candidate.caseId === caseId);
  }, 30_000);
  const decided = await call(
    "POST",
    `/review/cases/${caseId}/steps/${encodeURIComponent(item.stepId)}/decision`,
    decision,
  );
  expect(decided.status, JSON.stringify(decided.body)).toBe(200);
  return item;
}

async function statusOf(villager: string, caseId: string): Promise<Record<string, unknown>> {
  const call = await as(villager);
  const view = await call("GET", `/cases/${caseId}`);
  expect(view.status).toBe(200);
  return view.body;
}

async function applyAndSubmit(
  villager: string,
  kind: CaseKind,
  application: ApplicationComplete,
): Promise<string> {
  const call = await as(villager);
  const created = await call<{ caseId: string }>("POST", "/cases", { kind });
  expect(created.status).toBe(201);
  const { caseId } = created.body;
  expect((await call("PUT", `/cases/${caseId}/application`, application)).status).toBe(200);
  await uploadRequiredDocuments(villager, caseId, kind);
  const submitted = await call("POST", `/cases/${caseId}/submit`, undefined, {
    "idempotency-key": `submit-${caseId}`,
  });
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
  return caseId;
}

const A = "511424100";
const SITE_MEASUREMENTS = { plotAreaM2: 119.5, footprintM2: 98, floors: 2, heightM: 7.4 };

describe("a homestead case from application to completion", () => {
  it("passes every step in the reviewers' queues and ends completed with two verifiable certificates", async () => {
    const caseId = await applyAndSubmit("villager-wang", "homestead", homesteadApplication());

    await decideFromQueue("village-officer-a", "village_officer", A, caseId);
    await decideFromQueue("clerk-a", "township_clerk", A, caseId);
    // Joint review: the three departments the Sichuan policy always consults for a homestead, in parallel.
    await Promise.all([
      decideFromQueue("reviewer-agriculture-a", "agriculture", A, caseId),
      decideFromQueue("reviewer-natural-resources-a", "natural_resources", A, caseId),
      decideFromQueue("reviewer-housing-a", "housing_construction", A, caseId),
    ]);
    await decideFromQueue("head-a", "township_head", A, caseId, { outcome: "approved", comment: "准予批准" });

    const approved = await eventually(async () => {
      const view = await statusOf("villager-wang", caseId);
      return Array.isArray(view.certificates) && view.certificates.length === 2 ? view : undefined;
    }, 30_000);
    expect(approved.expected).toMatchObject({ action: "download_certificates" });
    const certificates = approved.certificates as { type: string; number: string }[];
    expect(certificates.map((certificate) => certificate.type).sort()).toEqual([
      "homestead_approval_certificate",
      "rural_construction_planning_permit",
    ]);

    await decideFromQueue("inspector-a", "site_inspector", A, caseId, {
      outcome: "approved",
      measurements: SITE_MEASUREMENTS,
    });
    await decideFromQueue("inspector-a", "site_inspector", A, caseId, {
      outcome: "approved",
      measurements: SITE_MEASUREMENTS,
    });
    const completed = await eventually(async () => {
      const view = await statusOf("villager-wang", caseId);
      return view.status === "completed" ? view : undefined;
    }, 30_000);
    const timeline = completed.timeline as { step: string; department?: string; status: string }[];
    expect(timeline.every((entry) => entry.status === "responded")).toBe(true);
    expect(timeline.map((entry) => entry.step)).toEqual(
      expect.arrayContaining(["village_review", "township_acceptance", "joint_review", "township_approval"]),
    );

    // The certificate downloads for the household and verifies publicly with masked personal data.
    const villager = await as("villager-wang");
    const download = await villager<{ url: string; number: string }>(
      "GET",
      `/cases/${caseId}/certificates/homestead_approval_certificate`,
    );
    expect(download.status).toBe(200);
    const html = await (await fetch(download.body.url)).text();
    expect(html).toContain(download.body.number);
    expect(html).toContain("宅基地");
    for (const certificate of certificates) {
      const verify = await fetch(
        `${env.cloud.endpoints.api}/verify/${encodeURIComponent(certificate.number)}?format=json`,
      );
      expect(verify.status).toBe(200);
      const facts = JSON.stringify(await verify.json());
      expect(facts).toContain("valid");
      expect(facts).not.toContain(homesteadApplication().head.idNumber);
    }

    // The auditor sees the whole history and the hash chain verifies.
    const auditor = await as("auditor");
    const verified = await auditor<{ valid: boolean; events: number }>(
      "GET",
      `/audit/cases/${caseId}/verify`,
    );
    expect(verified.status).toBe(200);
    expect(verified.body.valid).toBe(true);
    expect(verified.body.events).toBeGreaterThan(12);
  });
});

describe("a farmhouse case (rebuild on the household's plot)", () => {
  it("needs no land approval: two departments review and only the planning permit is issued", async () => {
    const application = liHouseholdApplication({ kind: "farmhouse" });
    application.proposedPlot = { ...application.proposedPlot, situation: "rebuild_on_old_plot" };
    const caseId = await applyAndSubmit("villager-li", "farmhouse", application);

    await decideFromQueue("village-officer-a", "village_officer", A, caseId);
    await decideFromQueue("clerk-a", "township_clerk", A, caseId);
    const view = await statusOf("villager-li", caseId);
    expect([...(view.departments as string[])].sort()).toEqual(["housing_construction", "natural_resources"]);
    await Promise.all([
      decideFromQueue("reviewer-natural-resources-a", "natural_resources", A, caseId),
      decideFromQueue("reviewer-housing-a", "housing_construction", A, caseId),
    ]);
    await decideFromQueue("head-a", "township_head", A, caseId);
    const approved = await eventually(async () => {
      const current = await statusOf("villager-li", caseId);
      return Array.isArray(current.certificates) && current.certificates.length > 0 ? current : undefined;
    }, 30_000);
    expect((approved.certificates as { type: string }[]).map((certificate) => certificate.type)).toEqual([
      "rural_construction_planning_permit",
    ]);
    for (let visit = 0; visit < 2; visit++) {
      await decideFromQueue("inspector-a", "site_inspector", A, caseId, {
        outcome: "approved",
        measurements: SITE_MEASUREMENTS,
      });
    }
    await eventually(async () =>
      (await statusOf("villager-li", caseId)).status === "completed" ? true : undefined,
    );
  });
});

describe("withdrawal in the middle of the joint review", () => {
  it("stops the workflow, closes the case and empties the departments' queues", async () => {
    const application = homesteadApplication();
    const caseId = await applyAndSubmit("villager-wang", "homestead", application);
    await decideFromQueue("village-officer-a", "village_officer", A, caseId);
    await decideFromQueue("clerk-a", "township_clerk", A, caseId);
    // All three departments have the case in their queues.
    await eventually(async () => {
      const view = await statusOf("villager-wang", caseId);
      const open = (view.timeline as { step: string; status: string }[]).filter(
        (entry) => entry.step === "joint_review" && entry.status === "awaiting_response",
      );
      return open.length === 3 ? true : undefined;
    });

    const villager = await as("villager-wang");
    const withdrawn = await villager("POST", `/cases/${caseId}/withdraw`, { reason: "改为在原址翻建" });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.status).toBe("withdrawn");

    const timeline = (
      withdrawn.body.timeline as { stepId: string; step: string; department?: string; status: string }[]
    ).filter((entry) => entry.step === "joint_review");
    expect(timeline.map((entry) => entry.status)).toEqual(["cancelled", "cancelled", "cancelled"]);

    const reviewer = await as("reviewer-agriculture-a");
    const queue = await reviewer<{ items: QueueItem[] }>("GET", `/queues/agriculture?township=${A}`);
    expect(queue.body.items.filter((item) => item.caseId === caseId)).toEqual([]);
    const agriculture = timeline.find((entry) => entry.department === "agriculture");
    const late = await reviewer(
      "POST",
      `/review/cases/${caseId}/steps/${encodeURIComponent(agriculture?.stepId ?? "")}/decision`,
      { outcome: "approved" },
    );
    expect(late.status).toBe(409);
  });
});

describe("cases that do not reach approval", () => {
  it("returns a homestead application to a household that keeps its old plot, with the blocking finding", async () => {
    // 李秀英's household holds a plot it will not return: one household, one homestead.
    const application = liHouseholdApplication();
    const caseId = await applyAndSubmit("villager-li", "homestead", application);
    const returned = await eventually(async () => {
      const view = await statusOf("villager-li", caseId);
      return view.status === "returned" ? view : undefined;
    });
    const findings = (
      returned.precheck as { findings: { ruleId: string; severity: string; message: { zh: string } }[] }
    ).findings;
    const blocking = findings.filter((finding) => finding.severity === "block");
    expect(blocking.map((finding) => finding.ruleId)).toContain("one-household-one-homestead");
    expect(blocking.every((finding) => finding.message.zh.length > 0)).toBe(true);
    expect(returned.expected).toMatchObject({ action: "revise_and_resubmit" });
  });

  it("brings in forestry for a plot touching forest land, and one department's rejection rejects the case", async () => {
    const application = homesteadApplication();
    // Inside parcel P-511424100001-04 (farmland flagged as forest land) of the seeded reference data.
    application.proposedPlot = {
      ...application.proposedPlot,
      location: { type: "Point", coordinates: [103.502, 30.004] },
      landClass: "farmland",
    };
    const caseId = await applyAndSubmit("villager-wang", "homestead", application);
    await decideFromQueue("village-officer-a", "village_officer", A, caseId);
    await decideFromQueue("clerk-a", "township_clerk", A, caseId);
    const inReview = await statusOf("villager-wang", caseId);
    expect(inReview.departments).toContain("forestry");

    await Promise.all([
      decideFromQueue("reviewer-agriculture-a", "agriculture", A, caseId),
      decideFromQueue("reviewer-natural-resources-a", "natural_resources", A, caseId),
      decideFromQueue("reviewer-housing-a", "housing_construction", A, caseId),
      decideFromQueue("reviewer-forestry-a", "forestry", A, caseId, {
        outcome: "rejected",
        comment: "占用林地，不予同意",
      }),
    ]);
    const rejected = await eventually(async () => {
      const view = await statusOf("villager-wang", caseId);
      return view.status === "rejected" ? view : undefined;
    });
    const forestry = (
      rejected.timeline as { department?: string; decision?: { outcome: string; comment?: string } }[]
    ).find((entry) => entry.department === "forestry");
    expect(forestry?.decision).toMatchObject({ outcome: "rejected", comment: "占用林地，不予同意" });
    expect(rejected.certificates).toBeUndefined();
  });
});
