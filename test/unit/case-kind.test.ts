import { describe, expect, it } from "vitest";
import {
  certificatesFor,
  departmentIdsFor,
  deriveCaseRequirements,
  documentsFor,
  siteVisitsFor,
} from "#shared/domain/case-kind.ts";
import { GUANGXI_CONTRAST_POLICY, SICHUAN_DEFAULT_POLICY } from "#shared/domain/policy/shipped-policies.ts";

const sichuan = SICHUAN_DEFAULT_POLICY;
const guangxi = GUANGXI_CONTRAST_POLICY;

describe("case requirements by kind", () => {
  describe("certificates", () => {
    it("issues the homestead approval certificate and the planning permit for a homestead", () => {
      expect(certificatesFor("homestead")).toEqual([
        "homestead_approval_certificate",
        "rural_construction_planning_permit",
      ]);
    });

    it("issues only the planning permit for a farmhouse rebuild", () => {
      expect(certificatesFor("farmhouse")).toEqual(["rural_construction_planning_permit"]);
    });
  });

  describe("joint-review departments (Sichuan)", () => {
    it("consults agriculture, natural resources and housing for a plain homestead", () => {
      expect(departmentIdsFor("homestead", sichuan, {})).toEqual([
        "agriculture",
        "natural_resources",
        "housing_construction",
      ]);
    });

    it("leaves agriculture out of a farmhouse rebuild, which needs no land approval", () => {
      expect(departmentIdsFor("farmhouse", sichuan, {})).toEqual([
        "natural_resources",
        "housing_construction",
      ]);
    });

    it.each([
      ["touchesForestLand", "forestry"],
      ["nearWater", "water"],
      ["nearPowerLine", "power"],
      ["nearRoad", "roads"],
    ] as const)("brings in %s → %s", (flag, department) => {
      expect(departmentIdsFor("homestead", sichuan, { [flag]: true })).toContain(department);
      expect(departmentIdsFor("homestead", sichuan, { [flag]: false })).not.toContain(department);
    });

    it("brings in every conditional department when every flag is raised", () => {
      expect(
        departmentIdsFor("homestead", sichuan, {
          touchesForestLand: true,
          nearWater: true,
          nearRoad: true,
          nearPowerLine: true,
        }),
      ).toEqual([
        "agriculture",
        "natural_resources",
        "housing_construction",
        "forestry",
        "water",
        "power",
        "roads",
      ]);
    });
  });

  describe("joint-review departments (Guangxi contrast)", () => {
    it("consults housing only for farmhouses and has no power department", () => {
      expect(departmentIdsFor("homestead", guangxi, { nearPowerLine: true })).toEqual([
        "agriculture",
        "natural_resources",
      ]);
      expect(departmentIdsFor("farmhouse", guangxi, {})).toEqual([
        "agriculture",
        "natural_resources",
        "housing_construction",
      ]);
    });

    it("consults water only for homestead cases", () => {
      expect(departmentIdsFor("homestead", guangxi, { nearWater: true })).toContain("water");
      expect(departmentIdsFor("farmhouse", guangxi, { nearWater: true })).not.toContain("water");
    });
  });

  describe("documents", () => {
    it("asks a homestead for the commitment letter and a farmhouse for the title certificate (Sichuan)", () => {
      const homestead = documentsFor("homestead", sichuan, {}).map((document) => document.typeId);
      const farmhouse = documentsFor("farmhouse", sichuan, {}).map((document) => document.typeId);
      expect(homestead).toContain("commitment_letter");
      expect(homestead).not.toContain("title_certificate");
      expect(farmhouse).toContain("title_certificate");
      expect(farmhouse).not.toContain("commitment_letter");
    });

    it("adds flag-conditional documents only when the flag is raised", () => {
      expect(documentsFor("homestead", sichuan, {}).map((document) => document.typeId)).not.toContain(
        "forest_land_opinion",
      );
      expect(
        documentsFor("homestead", sichuan, { touchesForestLand: true }).map((document) => document.typeId),
      ).toContain("forest_land_opinion");
      expect(
        documentsFor("homestead", guangxi, { nearWater: true }).map((document) => document.typeId),
      ).toContain("water_opinion");
    });

    it("carries names in both languages and a minimum count", () => {
      for (const document of documentsFor("farmhouse", sichuan, {})) {
        expect(document.name.zh).not.toBe("");
        expect(document.name.en).not.toBe("");
        expect(document.minCount).toBeGreaterThanOrEqual(1);
      }
      expect(
        documentsFor("farmhouse", sichuan, {}).find((document) => document.typeId === "site_photo")?.minCount,
      ).toBe(2);
    });
  });

  describe("site visits", () => {
    it("has three visits in Sichuan for both kinds", () => {
      expect(siteVisitsFor("homestead", sichuan).map((visit) => visit.id)).toEqual([
        "site_check",
        "staking_out",
        "completion_inspection",
      ]);
    });

    it("has four visits in Guangxi for a homestead, site selection not applying to a rebuild", () => {
      expect(siteVisitsFor("homestead", guangxi)).toHaveLength(4);
      expect(siteVisitsFor("farmhouse", guangxi).map((visit) => visit.id)).not.toContain("site_selection");
    });
  });

  it("derives all four lists together", () => {
    const requirements = deriveCaseRequirements("farmhouse", sichuan, { nearRoad: true });
    expect(requirements.certificates).toEqual(["rural_construction_planning_permit"]);
    expect(requirements.departments.map((department) => department.id)).toEqual([
      "natural_resources",
      "housing_construction",
      "roads",
    ]);
    expect(requirements.documents.length).toBeGreaterThan(0);
    expect(requirements.siteVisits).toHaveLength(3);
  });
});
