import { describe, expect, it } from "vitest";
import { expectedOf } from "#shared/cases/views.ts";
import type { StepRecord } from "#shared/schemas/case.ts";
import { RECORD_AT as AT, caseRecord, stepRecord } from "../support/fixtures.ts";

const decided = (stepId: string, stepKind: StepRecord["step"], sentAt?: string) =>
  stepRecord({
    stepId,
    step: stepKind,
    status: "responded",
    decision: { outcome: "approved", decidedBy: { id: "r", role: "township_head" }, decidedAt: AT },
    ...(sentAt ? { sentAt } : {}),
  });

describe("what the household is expected to do (expectedOf)", () => {
  it("says a known problem, not 'wait', while the case has an open incident", () => {
    const expected = expectedOf(caseRecord({ incidents: ["task_failed.Precheck~1"] }), {
      steps: [stepRecord({})],
    });
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
    const asked = stepRecord({
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
    const open = stepRecord({
      stepId: "correction#1",
      step: "correction",
      openedAt: "2026-12-01T09:00:00.000Z",
    });
    expect(expectedOf(record, { steps: [asked, open] })).toMatchObject({
      action: "answer_correction",
      fields: ["reason"],
    });
  });
});
