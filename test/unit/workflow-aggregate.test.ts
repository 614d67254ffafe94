import { describe, expect, it } from "vitest";
import type { DecisionOutcome, StepRecord } from "#shared/schemas/case.ts";
import type { DepartmentId } from "#shared/schemas/common.ts";
import { JointReviewIncompleteError, jointReviewVerdict } from "#shared/workflow/aggregate-joint-review.ts";

const at = "2025-03-05T02:00:00.000Z";
function consultation(department: DepartmentId, outcome?: DecisionOutcome, round = 1): StepRecord {
  return {
    caseId: "c-1",
    stepId: `joint_review#${department}#${round}`,
    step: "joint_review",
    department,
    round,
    status: outcome ? "responded" : "awaiting_response",
    townshipCode: "511424100",
    openedAt: at,
    overdue: false,
    ...(outcome
      ? { decision: { outcome, decidedBy: { id: "r", role: "department_reviewer" }, decidedAt: at } }
      : {}),
  };
}

describe("joint review verdict", () => {
  it("approves when every consulted department approved", () => {
    const steps = [consultation("agriculture", "approved"), consultation("natural_resources", "approved")];
    expect(jointReviewVerdict(steps, 1)).toEqual({ outcome: "approved", departments: [], round: 1 });
  });

  it("rejects when any department rejected, even if another asked for a correction", () => {
    const steps = [consultation("agriculture", "correction_requested"), consultation("forestry", "rejected")];
    expect(jointReviewVerdict(steps, 1).outcome).toBe("rejected");
  });

  it("asks for a correction naming only the departments that asked, for the next round", () => {
    const steps = [
      consultation("agriculture", "approved"),
      consultation("natural_resources", "correction_requested"),
      consultation("water", "correction_requested"),
    ];
    expect(jointReviewVerdict(steps, 1)).toEqual({
      outcome: "correction_requested",
      departments: ["natural_resources", "water"],
      round: 2,
    });
  });

  it("judges only the given round", () => {
    const steps = [
      consultation("natural_resources", "correction_requested", 1),
      consultation("agriculture", "approved", 1),
      consultation("natural_resources", "approved", 2),
    ];
    expect(jointReviewVerdict(steps, 2)).toEqual({ outcome: "approved", departments: [], round: 2 });
  });

  it("refuses to judge a round with an unanswered or missing consultation", () => {
    expect(() => jointReviewVerdict([consultation("agriculture")], 1)).toThrow(JointReviewIncompleteError);
    expect(() => jointReviewVerdict([], 1)).toThrow(JointReviewIncompleteError);
  });
});
