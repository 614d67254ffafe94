/**
 * Whole cases through the public HTTP API, signed in as the demo users of
 * each role: application, documents, submission, every review step in each
 * reviewer's queue, certificates, site visits, public verification and the
 * auditor's chain check. Runs the synthesized workflow on the local cloud
 * with the demo county policy (0-day public notice).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiDriver, type QueueItem } from "../support/api.ts";
import { homesteadApplication, LI_HOUSEHOLD } from "../support/fixtures.ts";
import { eventually, startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { readPaper, squash } from "../support/pdf-reader.ts";

let env: TestCloud;
const { apiAs, decideFromQueue, statusOf, applyAndSubmit } = new ApiDriver(() => env.cloud.endpoints);

beforeAll(async () => {
  env = await startTestCloud({ context: { countyPolicy: "danling-demo" } });
});
afterAll(async () => {
  await env?.stop();
});

const A = "511424100";

/** Building is finished: the household reports it once its construction period is open (申请竣工验收). */
async function reportBuilt(villager: string, caseId: string): Promise<void> {
  await eventually(async () => {
    const view = await statusOf(villager, caseId);
    return (view.expected as { action?: string }).action === "report_completion" ? true : undefined;
  }, 30_000);
  const call = await apiAs(villager);
  const reported = await call("POST", `/cases/${caseId}/completion-report`, { comment: "房屋已建成" });
  expect(reported.status, JSON.stringify(reported.body)).toBe(200);
}
const SITE_MEASUREMENTS = { plotAreaM2: 119.5, footprintM2: 98, floors: 2, heightM: 7.4 };

/** After approval: the inspector stakes the plot out, the household reports the house built, the inspector accepts it. */
async function stakeBuildAndInspect(villager: string, caseId: string): Promise<void> {
  const inspection = { outcome: "approved", measurements: SITE_MEASUREMENTS };
  await decideFromQueue("inspector-a", "site_inspector", A, caseId, inspection);
  await reportBuilt(villager, caseId);
  await decideFromQueue("inspector-a", "site_inspector", A, caseId, inspection);
}

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

    await stakeBuildAndInspect("villager-wang", caseId);
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
    const villager = await apiAs("villager-wang");
    const download = await villager<{ url: string; number: string }>(
      "GET",
      `/cases/${caseId}/certificates/homestead_approval_certificate`,
    );
    expect(download.status).toBe(200);
    const fetched = await fetch(download.body.url);
    expect(fetched.headers.get("content-type")).toContain("application/pdf");
    const paper = readPaper(new Uint8Array(await fetched.arrayBuffer()));
    expect(squash(paper.text)).toContain(download.body.number);
    expect(squash(paper.text)).toContain("宅基地");
    expect(paper.qr).toContain(`/verify/${download.body.number}`);
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
    const auditor = await apiAs("auditor");
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
    const application = homesteadApplication({ ...LI_HOUSEHOLD, kind: "farmhouse" });
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
    await stakeBuildAndInspect("villager-li", caseId);
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

    const villager = await apiAs("villager-wang");
    const withdrawn = await villager("POST", `/cases/${caseId}/withdraw`, { reason: "改为在原址翻建" });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.status).toBe("withdrawn");

    const timeline = (
      withdrawn.body.timeline as { stepId: string; step: string; department?: string; status: string }[]
    ).filter((entry) => entry.step === "joint_review");
    expect(timeline.map((entry) => entry.status)).toEqual(["cancelled", "cancelled", "cancelled"]);

    const reviewer = await apiAs("reviewer-agriculture-a");
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
    const application = homesteadApplication(LI_HOUSEHOLD);
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
