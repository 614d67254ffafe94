import { describe, expect, it } from "vitest";
import type { StepRecord } from "#shared/schemas/case.ts";
import type { OpenStepInput } from "#shared/workflow/contracts.ts";
import { decidedOpening } from "#shared/workflow/open-step.ts";

const RUN = "arn:aws:states:us-east-1:000000000000:execution:Approval:case-1-r1";
const OTHER_RUN = "arn:aws:states:us-east-1:000000000000:execution:Approval:case-1-r2";

function step(stepId: string, openedAt: string, extra: Partial<StepRecord> = {}): StepRecord {
  const [kind, ...rest] = stepId.split("#");
  return {
    caseId: "case-1",
    stepId,
    step: kind as StepRecord["step"],
    ...(rest.length === 2 ? { department: rest[0] as StepRecord["department"] } : {}),
    round: Number(rest.at(-1)),
    status: "awaiting_response",
    townshipCode: "511424100",
    openedAt,
    overdue: false,
    executionArn: RUN,
    ...extra,
  };
}

const decided = (outcome: "approved" | "correction_requested") => ({
  status: "responded" as const,
  decision: {
    outcome,
    decidedBy: { id: "head-a", role: "township_head" as const },
    decidedAt: "2026-12-03T10:00:00.000Z",
  },
});

const opening = (extra: Partial<OpenStepInput> = {}): OpenStepInput => ({
  taskToken: "t".repeat(128),
  caseId: "case-1",
  step: "township_approval",
  executionArn: RUN,
  ...extra,
});

describe("an opening run again after its step was decided (open-step)", () => {
  it("is answered with the decision when the same run opened nothing after it", () => {
    const approval = step("township_approval#1", "2026-12-03T09:00:00.000Z", decided("approved"));
    expect(decidedOpening([approval], opening())).toBe(approval);
  });

  it("is a new round when the decision asked for a correction and the correction step came after", () => {
    const steps = [
      step("township_approval#1", "2026-12-03T09:00:00.000Z", decided("correction_requested")),
      step("correction#1", "2026-12-03T09:30:00.000Z", decided("approved")),
    ];
    expect(decidedOpening(steps, opening())).toBeUndefined();
  });

  it("answers the correction request itself when the correction step was not opened yet", () => {
    const asked = step("township_approval#1", "2026-12-03T09:00:00.000Z", decided("correction_requested"));
    expect(decidedOpening([asked], opening())).toBe(asked);
  });

  it("never answers from another run's step (a resubmission runs the procedure again)", () => {
    const earlier = step("township_approval#1", "2026-12-03T09:00:00.000Z", {
      ...decided("approved"),
      executionArn: OTHER_RUN,
    });
    expect(decidedOpening([earlier], opening())).toBeUndefined();
  });

  it("leaves an undecided step to the usual reopening", () => {
    expect(
      decidedOpening([step("township_approval#1", "2026-12-03T09:00:00.000Z")], opening()),
    ).toBeUndefined();
  });

  it("finds a joint-review department's decided round by the round the workflow names", () => {
    const consulted = step("joint_review#agriculture#1", "2026-12-03T09:00:00.000Z", decided("approved"));
    const later = step("joint_review#forestry#1", "2026-12-03T09:05:00.000Z");
    expect(
      decidedOpening(
        [consulted, later],
        opening({ step: "joint_review", department: "agriculture", round: 1 }),
      ),
    ).toBe(consulted);
  });
});
