/**
 * The procedure's clocks and the construction period, through the public HTTP
 * API and the synthesized workflow on the local cloud (issue #12):
 * - a correction pauses the asking step's clock and the case's overall clock;
 *   the step reopens with the time it had left;
 * - a correction the household lets lapse goes to the township head, who
 *   extends it or closes the case (expired);
 * - after staking-out the household reports the house built (申请竣工验收), and
 *   only then does the completion inspection's clock start; an approval not
 *   built within its validity is reminded, then expires.
 *
 * Test policies (test/support/workflow.ts) on a cloud whose waits run a
 * million times faster (a day is 0.09 s): nothing times out unless the
 * scenario's policy says so.
 */
import { DescribeExecutionCommand, GetExecutionHistoryCommand, type HistoryEvent } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SICHUAN_DEFAULT_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import { ApiDriver, type QueueItem } from "../support/api.ts";
import { uploadRequiredDocuments } from "../support/documents.ts";
import { homesteadApplication } from "../support/fixtures.ts";
import { eventually, startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { CLOCKS_WAIT_SCALE, WorkflowDriver } from "../support/workflow.ts";

vi.mock("#shared/domain/policy/shipped-policies.ts", async (importOriginal) => {
  const { withTestPolicies } = await import("../support/policies.ts");
  return withTestPolicies(await importOriginal());
});

const A = "511424100";
const HOUR_MS = 3_600_000;
const SITE_MEASUREMENTS = { plotAreaM2: 119.5, footprintM2: 98, floors: 2, heightM: 7.4 };

let env: TestCloud;
let driver: WorkflowDriver;
const api = new ApiDriver(() => env.cloud.endpoints, {
  // No answer of the scenario may be a server error.
  onResponse: ({ path, status, text }) => expect(status, `${path}: ${text}`).toBeLessThan(500),
});
const { apiAs } = api;

beforeAll(async () => {
  env = await startTestCloud({ waitScale: CLOCKS_WAIT_SCALE });
  driver = new WorkflowDriver(env);
});
afterAll(async () => {
  await env?.stop();
});

type Json = Record<string, unknown>;
interface Step {
  stepId: string;
  step: string;
  round: number;
  status: string;
  openedAt: string;
  deadline?: string;
  overdue: boolean;
  decision?: { outcome: string; decidedAt: string };
}

/** Creates, fills, documents and submits a case of the household of 王建国, under `policyId`. */
async function applyAndSubmit(policyId: string): Promise<string> {
  const villager = await apiAs("villager-wang");
  const created = await villager<{ caseId: string }>("POST", "/cases", { kind: "homestead" });
  expect(created.status).toBe(201);
  const { caseId } = created.body;
  expect((await villager("PUT", `/cases/${caseId}/application`, homesteadApplication())).status).toBe(200);
  await uploadRequiredDocuments(villager, caseId, SICHUAN_DEFAULT_POLICY.requiredDocuments.homestead);
  // The HTTP API files cases under the cloud's county policy (the synthesized stack's, not mocked); the
  // scenario's test policy is set on the draft, which every workflow task then reads.
  const record = await driver.store.require(caseId);
  await driver.store.record(record, {
    actor: { id: "test", role: "system" },
    action: "testPolicy",
    set: { policyId },
  });
  const submitted = await villager("POST", `/cases/${caseId}/submit`, undefined, {
    "idempotency-key": `submit-${caseId}`,
  });
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
  return caseId;
}

/** Waits until the case's step of `kind` is in the reviewer's queue, then decides it over HTTP. */
const decide = (reviewer: string, queue: string, caseId: string, kind: string, decision?: Json) =>
  api.decideFromQueue(reviewer, queue, A, caseId, decision, kind);

async function view(caseId: string): Promise<Json> {
  const villager = await apiAs("villager-wang");
  const response = await villager(`GET`, `/cases/${caseId}`);
  expect(response.status).toBe(200);
  return response.body;
}

const untilStatus = (caseId: string, status: string) =>
  eventually(async () => {
    const current = await view(caseId);
    return current.status === status ? current : undefined;
  }, 30_000);

async function stepsOf(caseId: string): Promise<Step[]> {
  const head = await apiAs("head-a");
  const detail = await head<{ steps: Step[] }>("GET", `/review/cases/${caseId}`);
  expect(detail.status).toBe(200);
  return detail.body.steps;
}

async function history(executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await env.sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** The TimeoutSeconds each wait of a human step `kind` was scheduled with, in order. */
async function scheduledTimeouts(executionArn: string, kind: string): Promise<number[]> {
  return (await history(executionArn)).flatMap((event) => {
    const details = event.taskScheduledEventDetails;
    if (!details?.parameters?.includes(`"step":"${kind}"`)) return [];
    if (!details.resource?.endsWith("waitForTaskToken")) return [];
    return details.timeoutInSeconds === undefined ? [] : [details.timeoutInSeconds];
  });
}

const executionOf = async (caseId: string) => (await driver.store.require(caseId)).executionArn ?? "";

async function toTownshipApproval(caseId: string): Promise<void> {
  await decide("village-officer-a", "village_officer", caseId, "village_review");
  await decide("clerk-a", "township_clerk", caseId, "township_acceptance");
  await Promise.all([
    decide("reviewer-agriculture-a", "agriculture", caseId, "joint_review"),
    decide("reviewer-natural-resources-a", "natural_resources", caseId, "joint_review"),
    decide("reviewer-housing-a", "housing_construction", caseId, "joint_review"),
  ]);
}

async function toStakedOut(caseId: string): Promise<void> {
  await toTownshipApproval(caseId);
  await decide("head-a", "township_head", caseId, "township_approval", {
    outcome: "approved",
    comment: "准予",
  });
  await decide("inspector-a", "site_inspector", caseId, "site_visit_staking", {
    outcome: "approved",
    measurements: SITE_MEASUREMENTS,
  });
}

describe("a correction pauses the clocks", () => {
  it("reopens the asking step with the time it had left and moves the overall clock by the pause", async () => {
    const caseId = await applyAndSubmit("test-clocks");
    await toTownshipApproval(caseId);
    const running = await eventually(async () => {
      const current = await view(caseId);
      return current.status === "awaiting_decision" ? current : undefined;
    });
    // The overall clock started at acceptance with the policy's acceptance_to_decision (20000 hours).
    const started = running.overallClock as Json;
    expect(started).toMatchObject({ limit: "acceptance_to_decision", state: "running", pausedMs: 0 });
    expect(Date.parse(String(started.deadline)) - Date.parse(String(started.startedAt))).toBe(
      20_000 * HOUR_MS,
    );

    await decide("head-a", "township_head", caseId, "township_approval", {
      outcome: "correction_requested",
      fields: ["head.phone"],
      comment: "电话号码无法接通",
    });
    const paused = await untilStatus(caseId, "correction_requested");
    expect(paused.overallClock).toMatchObject({ state: "paused" });
    const villager = await apiAs("villager-wang");
    await eventually(async () => {
      const asked = await villager<{ open: boolean }>("GET", `/cases/${caseId}/correction`);
      return asked.body.open ? true : undefined;
    });
    const answered = await villager("POST", `/cases/${caseId}/correction`, {
      application: { head: { phone: "13912345678" } },
      comment: "已更正",
    });
    expect(answered.status, JSON.stringify(answered.body)).toBe(200);

    const [first, second] = await eventually(async () => {
      const approvals = (await stepsOf(caseId)).filter((step) => step.step === "township_approval");
      return approvals.length === 2 ? approvals.sort((a, b) => a.round - b.round) : undefined;
    });
    if (!first?.deadline || !first.decision || !second?.deadline) throw new Error("steps incomplete");
    const leftMs = Date.parse(first.deadline) - Date.parse(first.decision.decidedAt);
    // The deadline moved by exactly the correction's duration: the time left when it asked, from reopening.
    expect(Date.parse(second.deadline) - Date.parse(second.openedAt)).toBe(leftMs);
    expect(leftMs).toBeLessThan(20_000 * HOUR_MS);
    // And the workflow waits exactly that long (whole seconds, never shorter), not the full limit again.
    const timeouts = await scheduledTimeouts(await executionOf(caseId), "township_approval");
    expect(timeouts).toEqual([20_000 * 3600, Math.ceil(leftMs / 1000)]);

    const resumed = await view(caseId);
    const clock = resumed.overallClock as Json;
    expect(clock).toMatchObject({ state: "running" });
    expect(Number(clock.pausedMs)).toBeGreaterThan(0);
    expect(Date.parse(String(clock.deadline))).toBe(
      Date.parse(String(started.deadline)) + Number(clock.pausedMs),
    );

    // The decision stops it.
    await decide("head-a", "township_head", caseId, "township_approval", {
      outcome: "rejected",
      comment: "不符合",
    });
    expect((await untilStatus(caseId, "rejected")).overallClock).toMatchObject({ state: "stopped" });
  });
});

describe("a correction the household lets lapse", () => {
  async function lapsed(): Promise<{ caseId: string; lapse: QueueItem }> {
    const caseId = await applyAndSubmit("test-lapse");
    await decide("village-officer-a", "village_officer", caseId, "village_review", {
      outcome: "correction_requested",
      fields: ["head.phone"],
      comment: "请核实电话",
    });
    // 1000 hours (≈ 3.6 s here) pass without an answer.
    const current = await untilStatus(caseId, "correction_lapsed");
    expect(current.expected).toMatchObject({ action: "wait" });
    const correction = (await stepsOf(caseId)).find((step) => step.step === "correction");
    expect(correction).toMatchObject({ status: "cancelled", overdue: true });
    // The household can no longer answer; the township head decides.
    const villager = await apiAs("villager-wang");
    const late = await villager("POST", `/cases/${caseId}/correction`, {
      application: { head: { phone: "13912345678" } },
    });
    expect(late.status).toBe(409);
    const head = await apiAs("head-a");
    const lapse = await eventually(async () => {
      const listed = await head<{ items: QueueItem[] }>("GET", `/queues/township_head?township=${A}`);
      return listed.body.items.find((item) => item.caseId === caseId && item.step === "correction_lapse");
    });
    return { caseId, lapse };
  }

  it("closes the case when the township head decides so: expired, the run ends, no queue keeps it", async () => {
    const { caseId, lapse } = await lapsed();
    const head = await apiAs("head-a");
    const closed = await head(
      "POST",
      `/review/cases/${caseId}/steps/${encodeURIComponent(lapse.stepId)}/decision`,
      { outcome: "rejected", comment: "逾期未补正，终止办理" },
    );
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    expect((await untilStatus(caseId, "expired")).expected).toMatchObject({ action: "none" });
    const executionArn = await executionOf(caseId);
    const ended = await eventually(async () => {
      const execution = await env.sfn.send(new DescribeExecutionCommand({ executionArn }));
      return execution.status === "RUNNING" ? undefined : execution;
    });
    expect(ended.status).toBe("SUCCEEDED");
    const entered = (await history(executionArn)).flatMap(
      (event) => event.stateEnteredEventDetails?.name ?? [],
    );
    expect(entered).toContain("Expired");
    for (const queue of ["township_head", "escalations"]) {
      const listed = await head<{ items: QueueItem[] }>("GET", `/queues/${queue}?township=${A}`);
      expect(listed.body.items.filter((item) => item.caseId === caseId)).toEqual([]);
    }
  });

  it("gives the household a new deadline when the township head extends it, and the case resumes on its answer", async () => {
    const { caseId, lapse } = await lapsed();
    const head = await apiAs("head-a");
    const extended = await head(
      "POST",
      `/review/cases/${caseId}/steps/${encodeURIComponent(lapse.stepId)}/decision`,
      { outcome: "approved", comment: "延长补正期限" },
    );
    expect(extended.status, JSON.stringify(extended.body)).toBe(200);
    const villager = await apiAs("villager-wang");
    const reopened = await eventually(async () => {
      const asked = await villager<{ open: boolean; deadline: string | null }>(
        "GET",
        `/cases/${caseId}/correction`,
      );
      return asked.status === 200 && asked.body.open ? asked.body : undefined;
    });
    expect((await view(caseId)).status).toBe("correction_requested");
    const answered = await villager("POST", `/cases/${caseId}/correction`, {
      application: { head: { phone: "13912345678" } },
      comment: "已更正",
    });
    expect(answered.status, JSON.stringify(answered.body)).toBe(200);
    expect(Date.parse(String(reopened.deadline))).toBeGreaterThan(Date.now() - 60_000);
    await untilStatus(caseId, "in_village_review");
    const corrections = (await stepsOf(caseId)).filter((step) => step.step === "correction");
    expect(corrections.map((step) => step.status)).toEqual(["cancelled", "responded"]);
    // The village review resumed where it was: it can decide (and closes the case for the next scenario).
    await decide("village-officer-a", "village_officer", caseId, "village_review", {
      outcome: "rejected",
      comment: "不符合村庄规划",
    });
    await untilStatus(caseId, "rejected");
  });
});

describe("the construction period", () => {
  it("reminds the household before the approval's validity ends, then expires the unbuilt approval", async () => {
    const caseId = await applyAndSubmit("test-expiry");
    await toStakedOut(caseId);
    const building = await eventually(async () => {
      const current = await view(caseId);
      return (current.expected as Json).action === "report_completion" ? current : undefined;
    });
    expect(building.construction).toMatchObject({ validUntil: (building.expected as Json).deadline });
    // One month (≈ 2.6 s here): reminded 10 days before, then expired.
    const expired = await untilStatus(caseId, "expired");
    expect(expired.construction).toMatchObject({ remindedAt: expect.any(String) });
    expect(expired.expected).toMatchObject({ action: "none" });
    const { events } = await driver.store.load(caseId);
    const actions = events.map((event) => event.action);
    expect(actions.indexOf("remind")).toBeLessThan(actions.lastIndexOf("expire"));
    expect(events.at(-1)).toMatchObject({
      action: "expire",
      fromStatus: "staked_out",
      data: expect.objectContaining({ reason: "unbuilt_when_validity_ended" }),
    });
    const report = (await stepsOf(caseId)).find((step) => step.step === "completion_report");
    expect(report).toMatchObject({ status: "cancelled" });
    const villager = await apiAs("villager-wang");
    expect((await villager("POST", `/cases/${caseId}/completion-report`, {})).status).toBe(409);
  });

  it("waits for the household's completion report; the inspector's clock starts then", async () => {
    const caseId = await applyAndSubmit("test-clocks");
    await toStakedOut(caseId);
    const approvalRun = (await driver.store.load(caseId)).events.find(
      (event) => event.action === "startWorkflow",
    )?.data?.executionArn as string;

    // The approval run hands over to the construction period's first phase run.
    const building = await eventually(async () => {
      const current = await view(caseId);
      return (current.expected as Json).action === "report_completion" ? current : undefined;
    });
    expect(building.status).toBe("staked_out");
    // The approval run ends a few transitions after it started the phase run.
    const approval = await eventually(async () => {
      const run = await env.sfn.send(new DescribeExecutionCommand({ executionArn: approvalRun }));
      return run.status === "RUNNING" ? undefined : run;
    });
    expect(approval.status).toBe("SUCCEEDED");
    const phaseRun = await executionOf(caseId);
    expect(phaseRun).toMatch(new RegExp(`:${caseId}-construction-1$`));
    // No completion inspection while the house is being built: nothing for the inspector to chase.
    const inspector = await apiAs("inspector-a");
    const before = await inspector<{ items: QueueItem[] }>("GET", `/queues/site_inspector?township=${A}`);
    expect(before.body.items.filter((item) => item.caseId === caseId)).toEqual([]);

    const villager = await apiAs("villager-wang");
    const reported = await villager<{ caseStatus: string }>("POST", `/cases/${caseId}/completion-report`, {
      comment: "房屋已建成",
    });
    expect(reported.status, JSON.stringify(reported.body)).toBe(200);
    expect(reported.body.caseStatus).toBe("completion_reported");
    // A second report is refused: the step is answered.
    expect((await villager("POST", `/cases/${caseId}/completion-report`, {})).status).toBe(409);

    const inspection = await decide("inspector-a", "site_inspector", caseId, "site_visit_completion", {
      outcome: "approved",
      measurements: SITE_MEASUREMENTS,
    });
    const reportedAt = String((await driver.store.require(caseId)).construction?.reportedAt);
    // Its deadline counts from the report (20000 hours), not from staking-out.
    expect(Date.parse(String(inspection.deadline)) - Date.parse(reportedAt)).toBeGreaterThanOrEqual(
      20_000 * HOUR_MS,
    );
    expect(Date.parse(String(inspection.deadline)) - Date.parse(reportedAt)).toBeLessThan(
      20_000 * HOUR_MS + 60_000,
    );
    await untilStatus(caseId, "completed");
    const run = await eventually(async () => {
      const execution = await env.sfn.send(new DescribeExecutionCommand({ executionArn: phaseRun }));
      return execution.status === "RUNNING" ? undefined : execution;
    });
    expect(run.status).toBe("SUCCEEDED");
    const entered = (await history(phaseRun)).flatMap((event) => event.stateEnteredEventDetails?.name ?? []);
    expect(entered).toEqual(
      expect.arrayContaining(["Phase", "CompletionReport", "SiteVisitCompletion", "Completed"]),
    );
  });
});
