import { describe, expect, it } from "vitest";
import guangxiJson from "#shared/domain/policy/counties/guangxi-contrast.json" with { type: "json" };
import sichuanJson from "#shared/domain/policy/counties/sichuan-default.json" with { type: "json" };
import { InvalidPolicyError, loadPolicy } from "#shared/domain/policy/load-policy.ts";
import {
  GUANGXI_CONTRAST_POLICY,
  getShippedPolicy,
  SHIPPED_POLICIES,
  SICHUAN_DEFAULT_POLICY,
  UnknownPolicyError,
} from "#shared/domain/policy/shipped-policies.ts";
import { DEPARTMENT_IDS } from "#shared/schemas/common.ts";
import { TIME_LIMITED_STEPS } from "#shared/schemas/policy.ts";

function clone<T>(value: T): T {
  return structuredClone(value);
}

function issuesOf(json: unknown): readonly { path: string; message: string }[] {
  try {
    loadPolicy(json);
  } catch (error) {
    if (error instanceof InvalidPolicyError) return error.issues;
    throw error;
  }
  throw new Error("expected the policy to be invalid");
}

describe("county policy loading", () => {
  it.each([
    ["sichuan-default.json", sichuanJson],
    ["guangxi-contrast.json", guangxiJson],
  ])("parses the shipped file %s", (_name, json) => {
    expect(() => loadPolicy(json)).not.toThrow();
  });

  it("ships the policies keyed by id, the real default found by county code", () => {
    expect(Object.keys(SHIPPED_POLICIES).sort()).toEqual([
      "danling-demo",
      "guangxi-contrast",
      "sichuan-default",
    ]);
    expect(getShippedPolicy("511424")).toBe(SICHUAN_DEFAULT_POLICY);
    expect(getShippedPolicy("guangxi-contrast")).toBe(GUANGXI_CONTRAST_POLICY);
    expect(() => getShippedPolicy("999999")).toThrow(UnknownPolicyError);
  });

  it("carries the Sichuan numbers from the procedure reference", () => {
    const { areaStandards, building, publicNotice, timeLimits } = SICHUAN_DEFAULT_POLICY;
    expect(areaStandards.houseLand).toEqual({
      basis: "per_person",
      byTerrainM2: { plains: 30, hills: 40, mountains: 50 },
    });
    expect(areaStandards.total).toMatchObject({ basis: "per_person", bonusPerHouseholdIfNoCroplandM2: 30 });
    expect(areaStandards.total?.byTerrainM2.plains).toBe(70);
    expect(areaStandards.householdSizeBands.map((band) => band.countedPersons)).toEqual([3, 4, 5]);
    expect(building.maxFloors).toBe(3);
    expect(building.maxBuildingFloorAreaM2).toBeUndefined();
    expect(publicNotice).toEqual({ days: 5, workingDays: true, paperPhotoAllowed: false });
    expect(timeLimits.acceptance_to_decision).toEqual({ value: 20, unit: "days" });
    expect(SICHUAN_DEFAULT_POLICY.siteVisits).toHaveLength(3);
  });

  it("carries the contrasting Guangxi numbers", () => {
    const { areaStandards, building, publicNotice } = GUANGXI_CONTRAST_POLICY;
    expect(areaStandards.total).toMatchObject({
      basis: "per_household",
      byTerrainM2: { plains: 100, hills: 150 },
    });
    expect(areaStandards.houseLand).toBeUndefined();
    expect(building.maxBuildingFloorAreaM2).toBe(450);
    expect(publicNotice).toEqual({ days: 7, workingDays: false, paperPhotoAllowed: false });
    expect(GUANGXI_CONTRAST_POLICY.siteVisits).toHaveLength(4);
    expect(GUANGXI_CONTRAST_POLICY.departments.map((department) => department.id)).not.toContain("power");
  });

  it.each([
    ["sichuan", SICHUAN_DEFAULT_POLICY],
    ["guangxi", GUANGXI_CONTRAST_POLICY],
  ])("gives every human step of %s a time limit and every department a known id", (_name, policy) => {
    expect(Object.keys(policy.timeLimits).sort()).toEqual([...TIME_LIMITED_STEPS].sort());
    for (const department of policy.departments) expect(DEPARTMENT_IDS).toContain(department.id);
  });

  it("lists every issue of an invalid file with its path", () => {
    const broken: Record<string, unknown> = clone(sichuanJson);
    const areaStandards = clone(sichuanJson.areaStandards);
    // Missing terrain value, unknown terrain key, a gap in the household bands and a shrinking count.
    areaStandards.houseLand.byTerrainM2 = { plains: 30, hills: 40, volcano: 60 } as never;
    areaStandards.householdSizeBands[1] = { minMembers: 5, maxMembers: 5, countedPersons: 2 };
    broken.areaStandards = areaStandards;
    broken.publicNotice = { days: -1, workingDays: true };
    broken.county = { ...sichuanJson.county, code: "5114" };
    const { timeLimits } = clone(sichuanJson);
    delete (timeLimits as Partial<typeof timeLimits>).staking_out;
    broken.timeLimits = timeLimits;
    broken.departments = [
      ...sichuanJson.departments,
      { ...sichuanJson.departments[0], condition: "nearVolcano" },
    ];
    broken.unexpected = true;

    const paths = issuesOf(broken).map((issue) => issue.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "county.code",
        "publicNotice.days",
        "timeLimits.staking_out",
        "departments.7.condition",
        "",
      ]),
    );
    // Refinements run only once the shape parses, so check them on a shape-valid file.
    const shapeValid: Record<string, unknown> = clone(sichuanJson);
    shapeValid.areaStandards = areaStandards;
    shapeValid.siteVisits = [
      ...sichuanJson.siteVisits,
      { ...sichuanJson.siteVisits[0], departments: ["roads"] },
    ];
    const refinementPaths = issuesOf({
      ...shapeValid,
      departments: sichuanJson.departments.filter((department) => department.id !== "roads"),
    }).map((issue) => issue.path);
    expect(refinementPaths).toEqual(
      expect.arrayContaining([
        "areaStandards.houseLand.byTerrainM2.mountains",
        "areaStandards.houseLand.byTerrainM2.volcano",
        "areaStandards.householdSizeBands.1.minMembers",
        "areaStandards.householdSizeBands.1.countedPersons",
        "areaStandards.householdSizeBands.2.minMembers",
        "siteVisits.3.departments.0",
        "siteVisits.3",
      ]),
    );
  });

  it("names the file and each issue in the error message", () => {
    expect(() => loadPolicy({ policyId: "x" }, "broken.json")).toThrow(
      expect.objectContaining({
        name: "InvalidPolicyError",
        message: expect.stringMatching(/broken\.json[\s\S]*county/),
      }),
    );
  });

  it("requires the last household band to be open-ended and at least one area ceiling", () => {
    const areaStandards = {
      householdSizeBands: [{ minMembers: 1, maxMembers: 3, countedPersons: 3 }],
    };
    const paths = issuesOf({ ...clone(sichuanJson), areaStandards }).map((issue) => issue.path);
    expect(paths).toEqual(
      expect.arrayContaining(["areaStandards", "areaStandards.householdSizeBands.0.maxMembers"]),
    );
  });
});
