/**
 * Issue 16, villager side, the pure parts: a household of one can submit, a
 * draft refuses what submission refuses, the joint-review wait names the
 * departments, a case summary tells cases apart, and a pre-check finding
 * points at the field at fault.
 */
import { describe, expect, it } from "vitest";
import { expectedOf } from "#shared/cases/views.ts";
import { summaryOf } from "#shared/cases/villager.ts";
import { getShippedPolicy } from "#shared/domain/policy/shipped-policies.ts";
import { FINDING_FIELDS, fieldsOfFinding } from "#shared/domain/precheck/finding-fields.ts";
import { PRECHECK_RULES } from "#shared/domain/precheck/rules.ts";
import { validateApplication } from "#shared/schemas/application.ts";
import type { CaseRecord, StepRecord } from "#shared/schemas/case.ts";
import {
  caseRecord as baseCaseRecord,
  homesteadApplication,
  stepRecord,
  ZHANG_HOUSEHOLD,
} from "../support/fixtures.ts";

const policy = getShippedPolicy("sichuan-default");

const caseRecord = (overrides: Partial<CaseRecord>): CaseRecord =>
  baseCaseRecord({ caseId: "3f2a9c1e-0000-4000-8000-000000000001", status: "in_joint_review", ...overrides });

const reviewStep = (department: string): StepRecord =>
  stepRecord({
    stepId: `joint_review#${department}#1`,
    step: "joint_review",
    department: department as StepRecord["department"],
  });

describe("a household of one", () => {
  it("submits without listing members", () => {
    const { members: _none, ...alone } = homesteadApplication(ZHANG_HOUSEHOLD);
    const result = validateApplication(alone, "complete");
    expect(result.success ? result.data.members : result.errors).toEqual([]);
  });
});

describe("the draft refuses what the submission refuses", () => {
  it.each([
    ["currentHomestead", { areaM2: 0 }],
    ["proposedPlot", { houseLandAreaM2: 0 }],
    ["building", { floorAreaM2: 0 }],
    ["building", { heightM: 0 }],
    ["building", { floors: 0 }],
  ])("%s %j", (section, value) => {
    const draft = validateApplication({ [section]: value }, "draft");
    expect(draft.success).toBe(false);
    const complete = validateApplication(
      { ...homesteadApplication(ZHANG_HOUSEHOLD), [section]: value },
      "complete",
    );
    expect(complete.success).toBe(false);
  });
});

describe("while the departments review", () => {
  it("names each department, not the step three times", () => {
    const expected = expectedOf(
      caseRecord({}),
      { steps: ["agriculture", "natural_resources", "housing_construction"].map(reviewStep) },
      policy,
    );
    const names = ["agriculture", "natural_resources", "housing_construction"].map(
      (id) => policy.departments.find((department) => department.id === id)?.name,
    );
    for (const name of names) {
      expect(expected.message.zh).toContain(name?.zh);
      expect(expected.message.en).toContain(name?.en);
    }
    expect(expected.message.zh).not.toMatch(/部门联审、部门联审/);
  });
});

describe("a case summary", () => {
  it("carries what tells two cases apart: short number and plot address", () => {
    const summary = summaryOf(caseRecord({}));
    expect(summary).toMatchObject({
      shortNumber: "3f2a9c1e",
      plotAddress: homesteadApplication(ZHANG_HOUSEHOLD).proposedPlot.address,
    });
  });
});

describe("a pre-check finding points at the field at fault", () => {
  it("names form paths the application has, for every rule about the form", () => {
    for (const [ruleId, paths] of Object.entries(FINDING_FIELDS)) {
      expect(PRECHECK_RULES.some((rule) => rule.id === ruleId || ruleId.startsWith(rule.id))).toBe(true);
      for (const path of paths)
        expect(path).toMatch(/^(head|members|currentHomestead|proposedPlot|building)\b/);
    }
    expect(fieldsOfFinding("house-land-area")).toEqual(["proposedPlot.houseLandAreaM2"]);
    expect(fieldsOfFinding("building-height")).toEqual(["building.heightM"]);
    expect(fieldsOfFinding("no-such-rule")).toEqual([]);
  });
});
