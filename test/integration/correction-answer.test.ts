/**
 * A correction answer (补正) must change what the reviewer asked for: every
 * asked field changed, and a new confirmed document of every asked type.
 * Through the real HTTP API on the local cloud, with the synthesized workflow.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { StepRecord } from "#shared/schemas/case.ts";
import type { CaseStore } from "#shared/store/case-store.ts";
import { ApiDriver } from "../support/api.ts";
import { uploadDocument } from "../support/documents.ts";
import { homesteadApplication, ZHANG_HOUSEHOLD } from "../support/fixtures.ts";
import { eventually, startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { demoHouseholdCase, TEST_WAIT_SCALE, WorkflowDriver } from "../support/workflow.ts";

vi.mock("#shared/domain/policy/shipped-policies.ts", async (importOriginal) => {
  const { withTestPolicies } = await import("../support/policies.ts");
  return withTestPolicies(await importOriginal());
});

const TOWNSHIP_A = "511424100";
const VILLAGE_A = "511424100001";

let env: TestCloud;
let driver: WorkflowDriver;
let store: CaseStore;

beforeAll(async () => {
  env = await startTestCloud({ waitScale: TEST_WAIT_SCALE });
  driver = new WorkflowDriver(env);
  store = driver.store;
});
afterAll(async () => {
  await env?.stop();
});

const api = new ApiDriver(() => env.cloud.endpoints);

const call = async (user: string, method: "GET" | "POST", path: string, body?: unknown) =>
  (await api.apiAs(user))(method, path, body);

/** Declares, uploads and (unless told otherwise) confirms one PDF of `type`; returns its id. */
const upload = async (caseId: string, type: string, confirm = true) =>
  uploadDocument(await api.apiAs("villager-wang"), caseId, { type, confirm });

/** A case of 王建国's household waiting for its correction: the village officer asked for `asked`. */
async function awaitingCorrection(
  caseId: string,
  asked: { fields?: string[]; documents?: string[] },
): Promise<StepRecord> {
  await driver.seedCase(demoHouseholdCase(caseId, { villageCode: VILLAGE_A, townshipCode: TOWNSHIP_A }));
  await driver.start(caseId);
  const review = await driver.openStep(caseId, "village_review");
  const decided = await call(
    "village-officer-a",
    "POST",
    `/review/cases/${caseId}/steps/${encodeURIComponent(review.stepId)}/decision`,
    { outcome: "correction_requested", ...asked, comment: "请补正 / please correct" },
  );
  expect(decided.status).toBe(200);
  return driver.openStep(caseId, "correction");
}

describe("POST /cases/{caseId}/correction", () => {
  it("refuses an empty answer with correction_unchanged, naming every asked field and document", async () => {
    await awaitingCorrection("ca-empty", {
      fields: ["head.phone", "proposedPlot.address"],
      documents: ["id_card"],
    });
    const empty = await call("villager-wang", "POST", "/cases/ca-empty/correction", {});
    expect(empty.status).toBe(422);
    expect(empty.body).toMatchObject({
      error: {
        code: "correction_unchanged",
        details: { unchangedFields: ["head.phone", "proposedPlot.address"], missingDocuments: ["id_card"] },
      },
    });
    const { message, zh } = empty.body.error as { message: string; zh: string };
    expect(message).toContain("head.phone");
    expect(message).toContain("Head of household's ID card");
    expect(zh).toContain("head.phone");
    expect(zh).toContain("户主身份证");

    // The same value sent back is no change either.
    const same = await call("villager-wang", "POST", "/cases/ca-empty/correction", {
      application: {
        head: { phone: homesteadApplication(ZHANG_HOUSEHOLD).head.phone },
        proposedPlot: { address: "新地址 1 号" },
      },
    });
    expect(same.status).toBe(422);
    expect(same.body).toMatchObject({
      error: {
        code: "correction_unchanged",
        details: { unchangedFields: ["head.phone"], missingDocuments: ["id_card"] },
      },
    });
    // Nothing moved: the case still waits for its correction.
    expect((await store.require("ca-empty")).status).toBe("correction_requested");
    const { events } = await store.load("ca-empty");
    expect(events.some((event) => event.action === "resubmitCorrection")).toBe(false);
  });

  it("counts only a document confirmed after the request, not a pending upload", async () => {
    await awaitingCorrection("ca-docs", { documents: ["id_card"] });
    await upload("ca-docs", "id_card", false);
    const pending = await call("villager-wang", "POST", "/cases/ca-docs/correction", { comment: "已上传" });
    expect(pending.status).toBe(422);
    expect(pending.body).toMatchObject({
      error: { code: "correction_unchanged", details: { missingDocuments: ["id_card"] } },
    });

    const documentId = await upload("ca-docs", "id_card");
    const done = await call("villager-wang", "POST", "/cases/ca-docs/correction", { comment: "已上传" });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ caseStatus: "in_village_review", newDocuments: [documentId] });
    const { events } = await store.load("ca-docs");
    expect(events.find((event) => event.action === "resubmitCorrection")?.data).toMatchObject({
      newDocuments: [documentId],
      requestedDocuments: ["id_card"],
    });
    await eventually(async () =>
      (await driver.steps("ca-docs")).find((step) => step.step === "village_review" && step.round === 2),
    );
  });

  it("accepts an answer that changes every asked field and brings every asked document", async () => {
    await awaitingCorrection("ca-full", { fields: ["head.phone", "proposedPlot"], documents: ["site_plan"] });
    await upload("ca-full", "site_plan");
    const partial = await call("villager-wang", "POST", "/cases/ca-full/correction", {
      application: { head: { phone: "13912345678" } },
    });
    expect(partial.status).toBe(422);
    expect(partial.body).toMatchObject({
      error: { details: { unchangedFields: ["proposedPlot"], missingDocuments: [] } },
    });

    const done = await call("villager-wang", "POST", "/cases/ca-full/correction", {
      application: { head: { phone: "13912345678" }, proposedPlot: { houseLandAreaM2: 85 } },
    });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ changedFields: ["head.phone", "proposedPlot.houseLandAreaM2"] });
  });
});
