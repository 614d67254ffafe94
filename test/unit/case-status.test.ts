import { describe, expect, it } from "vitest";
import {
  availableVerbs,
  CASE_STATUSES,
  CASE_VERBS,
  type CaseStatus,
  type CaseVerb,
  CORRECTABLE_STATUSES,
  IllegalTransitionError,
  isTerminal,
  TERMINAL_STATUSES,
  type TransitionFacts,
  transition,
} from "#shared/domain/case-status.ts";

/** The expected machine, written out independently of TRANSITIONS: [from, verb, facts, to]. */
const LEGAL: ReadonlyArray<readonly [CaseStatus, CaseVerb, TransitionFacts, CaseStatus]> = [
  ["draft", "submit", {}, "submitted"],
  ["submitted", "completePrecheck", { precheckBlocked: false }, "prechecked"],
  ["submitted", "returnToApplicant", { precheckBlocked: true }, "returned"],
  ["awaiting_acceptance", "returnToApplicant", {}, "returned"],
  ["returned", "revise", {}, "draft"],
  ["prechecked", "startPublicNotice", {}, "in_public_notice"],
  ["in_public_notice", "startVillageReview", {}, "in_village_review"],
  ["in_village_review", "forwardToTownship", {}, "awaiting_acceptance"],
  ["awaiting_acceptance", "accept", {}, "accepted"],
  ["accepted", "startJointReview", {}, "in_joint_review"],
  ["in_village_review", "requestCorrection", {}, "correction_requested"],
  ["awaiting_acceptance", "requestCorrection", {}, "correction_requested"],
  ["in_joint_review", "requestCorrection", {}, "correction_requested"],
  ["awaiting_decision", "requestCorrection", {}, "correction_requested"],
  ["correction_requested", "resubmitCorrection", { resumeTo: "in_village_review" }, "in_village_review"],
  ["correction_requested", "resubmitCorrection", { resumeTo: "awaiting_acceptance" }, "awaiting_acceptance"],
  ["correction_requested", "resubmitCorrection", { resumeTo: "in_joint_review" }, "in_joint_review"],
  ["correction_requested", "resubmitCorrection", { resumeTo: "awaiting_decision" }, "awaiting_decision"],
  ["in_joint_review", "completeJointReview", { openConsultations: 0 }, "awaiting_decision"],
  ["awaiting_decision", "approve", {}, "approved"],
  ["in_public_notice", "reject", {}, "rejected"],
  ["in_village_review", "reject", {}, "rejected"],
  ["awaiting_decision", "reject", {}, "rejected"],
  ["approved", "recordStakingOut", {}, "staked_out"],
  ["correction_requested", "lapseCorrection", {}, "correction_lapsed"],
  ["correction_lapsed", "extendCorrection", {}, "correction_requested"],
  ["correction_lapsed", "expire", {}, "expired"],
  ["staked_out", "reportCompletion", {}, "completion_reported"],
  ["completion_reported", "complete", {}, "completed"],
  ["approved", "expire", {}, "expired"],
  ["staked_out", "expire", {}, "expired"],
  // Spelled out, not imported from case-status.ts: the test states the rule it checks.
  ...(
    [
      "draft",
      "submitted",
      "prechecked",
      "in_public_notice",
      "in_village_review",
      "awaiting_acceptance",
      "accepted",
      "in_joint_review",
      "correction_requested",
      "correction_lapsed",
      "awaiting_decision",
      "returned",
    ] as const
  ).map((from) => [from, "withdraw", {}, "withdrawn"] as const),
];

/** Facts that satisfy every guard, so the status table alone decides in the exhaustive test. */
const PERMISSIVE: Record<CaseVerb, TransitionFacts> = Object.fromEntries(
  CASE_VERBS.map((verb) => [verb, {}]),
) as Record<CaseVerb, TransitionFacts>;
PERMISSIVE.completePrecheck = { precheckBlocked: false };
PERMISSIVE.returnToApplicant = { precheckBlocked: true };
PERMISSIVE.completeJointReview = { openConsultations: 0 };
PERMISSIVE.resubmitCorrection = { resumeTo: "in_joint_review" };

describe("case status machine", () => {
  it.each(LEGAL)("%s --%s--> %s", (from, verb, facts, to) => {
    expect(transition(from, verb, facts)).toBe(to);
  });

  describe("every status × verb pair not in the table throws IllegalTransitionError", () => {
    const legalPairs = new Set(LEGAL.map(([from, verb]) => `${from}:${verb}`));
    const illegal = CASE_STATUSES.flatMap((from) =>
      CASE_VERBS.filter((verb) => !legalPairs.has(`${from}:${verb}`)).map((verb) => [from, verb] as const),
    );

    it.each(illegal)("%s cannot %s", (from, verb) => {
      expect(() => transition(from, verb, PERMISSIVE[verb])).toThrow(IllegalTransitionError);
    });

    it("covers all pairs", () => {
      expect(illegal.length + legalPairs.size).toBe(CASE_STATUSES.length * CASE_VERBS.length);
    });
  });

  it("names the status, verb and reason in the error", () => {
    const error = (() => {
      try {
        transition("approved", "withdraw");
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(IllegalTransitionError);
    expect(error).toMatchObject({ name: "IllegalTransitionError", from: "approved", verb: "withdraw" });
  });

  describe("guards", () => {
    it("refuses to complete a pre-check that blocked or whose result is unknown", () => {
      expect(() => transition("submitted", "completePrecheck", { precheckBlocked: true })).toThrow(
        IllegalTransitionError,
      );
      expect(() => transition("submitted", "completePrecheck")).toThrow(/pre-check has not passed/);
    });

    it("returns a submitted case only when the pre-check blocked", () => {
      expect(() => transition("submitted", "returnToApplicant", { precheckBlocked: false })).toThrow(
        IllegalTransitionError,
      );
    });

    it("closes the joint review only when no department is still to respond", () => {
      expect(() => transition("in_joint_review", "completeJointReview", { openConsultations: 2 })).toThrow(
        /still to respond/,
      );
      expect(() => transition("in_joint_review", "completeJointReview")).toThrow(IllegalTransitionError);
    });

    it("resumes a corrected case only to a status a correction can come from", () => {
      expect(() => transition("correction_requested", "resubmitCorrection")).toThrow(IllegalTransitionError);
      expect(() =>
        transition("correction_requested", "resubmitCorrection", { resumeTo: "approved" }),
      ).toThrow(IllegalTransitionError);
      for (const status of CORRECTABLE_STATUSES) {
        expect(transition("correction_requested", "resubmitCorrection", { resumeTo: status })).toBe(status);
      }
    });
  });

  it("allows withdrawal before approval only", () => {
    for (const status of [
      "approved",
      "staked_out",
      "completion_reported",
      "completed",
      "rejected",
      "withdrawn",
      "expired",
    ] as const) {
      expect(() => transition(status, "withdraw")).toThrow(IllegalTransitionError);
    }
  });

  it("offers no verb from a terminal status", () => {
    for (const status of TERMINAL_STATUSES) {
      expect(isTerminal(status)).toBe(true);
      expect(availableVerbs(status)).toEqual([]);
    }
  });

  it("reaches every status from draft", () => {
    const reached = new Set<CaseStatus>(["draft"]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const [from, , , to] of LEGAL) {
        if (reached.has(from) && !reached.has(to)) {
          reached.add(to);
          grew = true;
        }
      }
    }
    expect([...reached].sort()).toEqual([...CASE_STATUSES].sort());
  });

  it("walks the homestead happy path with a correction during joint review", () => {
    const steps: Array<[CaseVerb, TransitionFacts?]> = [
      ["submit"],
      ["completePrecheck", { precheckBlocked: false }],
      ["startPublicNotice"],
      ["startVillageReview"],
      ["forwardToTownship"],
      ["accept"],
      ["startJointReview"],
      ["requestCorrection"],
      ["resubmitCorrection", { resumeTo: "in_joint_review" }],
      ["completeJointReview", { openConsultations: 0 }],
      ["approve"],
      ["recordStakingOut"],
      ["reportCompletion"],
      ["complete"],
    ];
    const final = steps.reduce<CaseStatus>(
      (status, [verb, facts]) => transition(status, verb, facts),
      "draft",
    );
    expect(final).toBe("completed");
  });
});
