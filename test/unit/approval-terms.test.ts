import { describe, expect, it } from "vitest";
import { SICHUAN_DEFAULT_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import { approvalTermsProblems, approvedValues, requestedValues } from "#shared/papers/approval-terms.ts";
import { decisionInputSchema, decisionProblems } from "#shared/review/rules.ts";
import { applicationCompleteSchema } from "#shared/schemas/application.ts";
import { homesteadApplication, ZHANG_HOUSEHOLD } from "../support/fixtures.ts";

const application = applicationCompleteSchema.parse(homesteadApplication(ZHANG_HOUSEHOLD));

describe("approval terms", () => {
  it("approves as requested by default, the footprint following floor area ÷ floors", () => {
    expect(approvedValues(application, undefined)).toEqual(requestedValues(application));
    expect(requestedValues(application)).toMatchObject({ totalAreaM2: 150, footprintM2: 80, floors: 3 });
  });

  it("prints the smaller approved area and lower height", () => {
    const approved = approvedValues(application, { houseLandAreaM2: 80, heightM: 7.5, floors: 2 });
    expect(approved).toMatchObject({
      houseLandAreaM2: 80,
      totalAreaM2: 140,
      heightM: 7.5,
      floors: 2,
      footprintM2: 80,
    });
    expect(
      approvalTermsProblems(
        { houseLandAreaM2: 80, heightM: 7.5, floors: 2 },
        application,
        SICHUAN_DEFAULT_POLICY,
      ),
    ).toEqual([]);
  });

  it("never approves more than requested or than the county allows", () => {
    expect(approvalTermsProblems({ houseLandAreaM2: 91 }, application, SICHUAN_DEFAULT_POLICY)).toEqual([
      "The approved house land area (91) exceeds the requested 90",
    ]);
    expect(approvalTermsProblems({ footprintM2: 95 }, application, SICHUAN_DEFAULT_POLICY)[0]).toMatch(
      /footprint/,
    );
    const lowerLimit = { building: { ...SICHUAN_DEFAULT_POLICY.building, maxHeightM: 9 } };
    expect(approvalTermsProblems({}, application, lowerLimit)[0]).toMatch(
      /height \(10.5\) exceeds the county's limit of 9/,
    );
  });

  it("accepts terms and conditions only on the township head's approval, zod-validated", () => {
    const input = decisionInputSchema.parse({
      outcome: "approved",
      approved: { floors: 2 },
      conditions: [" 退让村道 3 米 "],
    });
    expect(input.conditions).toEqual(["退让村道 3 米"]);
    expect(decisionProblems("township_approval", input)).toEqual([]);
    expect(decisionProblems("township_approval", { ...input, outcome: "rejected" })).toContain(
      "Approved values and conditions belong to the township head's approval",
    );
    expect(decisionProblems("village_review", input)).toContain(
      "Approved values and conditions belong to the township head's approval",
    );
    expect(decisionInputSchema.safeParse({ outcome: "approved", approved: { floors: 2.5 } }).success).toBe(
      false,
    );
    expect(decisionInputSchema.safeParse({ outcome: "approved", approved: { wings: 2 } }).success).toBe(
      false,
    );
    expect(
      decisionInputSchema.safeParse({ outcome: "approved", conditions: Array(11).fill("x") }).success,
    ).toBe(false);
  });
});
