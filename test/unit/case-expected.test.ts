import { describe, expect, it } from "vitest";
import { expectedOf } from "#shared/cases/views.ts";
import type { CaseRecord, StepRecord } from "#shared/schemas/case.ts";
import { homesteadApplication, ZHANG_HOUSEHOLD } from "../support/fixtures.ts";

const AT = "2026-12-01T08:00:00.000Z";

function caseRecord(overrides: Partial<CaseRecord>): CaseRecord {
  return {
    caseId: "c1",
    kind: "homestead",
    status: "in_village_review",
    householdId: "h1",
    ownerId: "v1",
    townshipCode: "511424100",
    villageCode: "511424100001",
    policyId: "sichuan-default",
    application: homesteadApplication(ZHANG_HOUSEHOLD),
    createdAt: AT,
    updatedAt: AT,
    eventSeq: 3,
    eventHead: "0".repeat(64),
    ...overrides,
  };
}

function step(overrides: Partial<StepRecord>): StepRecord {
  return {
    caseId: "c1",
    stepId: "village_review#1",
    step: "village_review",
    round: 1,
    status: "awaiting_response",
    townshipCode: "511424100",
    openedAt: AT,
    overdue: false,
    ...overrides,
  };
}

const decided = (stepId: string, stepKind: StepRecord["step"], sentAt?: string) =>
  step({
    stepId,
    step: stepKind,
    status: "responded",
    decision: { outcome: "approved", decidedBy: { id: "r", role: "township_head" }, decidedAt: AT },
    ...(sentAt ? { sentAt } : {}),
  });

describe("what the household is expected to do (expectedOf)", () => {
  it("says a known problem, not 'wait', while the case has an open incident", () => {
    const expected = expectedOf(caseRecord({ incidents: ["task_failed.Precheck~1"] }), { steps: [step({})] });
    expect(expected.action).toBe("problem_known");
    expect(expected.message.zh).toContain("有问题，工作人员已知晓");
  });

  it("shows a closed case as closed even with an incident open on it (a run still to stop)", () => {
    const expected = expectedOf(caseRecord({ status: "withdrawn", incidents: ["stop_failed~1"] }), {
      steps: [],
    });
    expect(expected.action).toBe("none");
  });

  it("offers no certificates before the workflow issued them, even though the approval is committed", () => {
    const approval = decided("township_approval#1", "township_approval", AT);
    expect(expectedOf(caseRecord({ status: "approved" }), { steps: [approval] }).action).toBe("wait");
    const issued = caseRecord({
      status: "approved",
      certificates: [{ type: "homestead_approval_certificate", number: "N1", issuedAt: AT }],
    });
    expect(expectedOf(issued, { steps: [approval] }).action).toBe("download_certificates");
  });

  it("waits while a committed decision has not reached the workflow, naming the step", () => {
    const undelivered = decided("township_approval#1", "township_approval");
    const issued = caseRecord({
      status: "approved",
      certificates: [{ type: "homestead_approval_certificate", number: "N1", issuedAt: AT }],
    });
    expect(expectedOf(issued, { steps: [undelivered] })).toMatchObject({
      action: "wait",
      withSteps: ["township_approval#1"],
    });
  });

  it("asks for the correction only once the workflow opened the household's correction step", () => {
    const asked = step({
      stepId: "village_review#1",
      status: "responded",
      sentAt: AT,
      decision: {
        outcome: "correction_requested",
        fields: ["reason"],
        decidedBy: { id: "r", role: "village_officer" },
        decidedAt: AT,
      },
    });
    const record = caseRecord({ status: "correction_requested", resumeTo: "in_village_review" });
    expect(expectedOf(record, { steps: [asked] }).action).toBe("wait");
    const open = step({ stepId: "correction#1", step: "correction", openedAt: "2026-12-01T09:00:00.000Z" });
    expect(expectedOf(record, { steps: [asked, open] })).toMatchObject({
      action: "answer_correction",
      fields: ["reason"],
    });
  });
});
