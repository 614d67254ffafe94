import { describe, expect, it } from "vitest";
import { GUANGXI_CONTRAST_POLICY, SICHUAN_DEFAULT_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import { UnknownTerrainClassError } from "#shared/domain/precheck/area-standard.ts";
import { derivePrecheckFlags, runPrecheck, usesCropland } from "#shared/domain/precheck/run-precheck.ts";
import type { ApplicationComplete } from "#shared/schemas/application.ts";
import type { CountyPolicy } from "#shared/schemas/policy.ts";
import type { Finding, ReferenceFacts } from "#shared/schemas/precheck.ts";
import { homesteadApplication, parcel, validFacts, ZHANG_HOUSEHOLD } from "../support/fixtures.ts";

const sichuan = SICHUAN_DEFAULT_POLICY;
const guangxi = GUANGXI_CONTRAST_POLICY;

/** Guangxi: 100 m² per household on plains, so the Sichuan fixture's 150 m² plot is shrunk to fit. */
function guangxiApplication(): ApplicationComplete {
  const application = homesteadApplication(ZHANG_HOUSEHOLD);
  application.proposedPlot.houseLandAreaM2 = 70;
  application.proposedPlot.ancillaryLandAreaM2 = 30;
  return application;
}

function guangxiFacts(): ReferenceFacts {
  const facts = validFacts();
  facts.household.registrationVillageCode = "450321100201";
  facts.village.villageCode = "450321100201";
  return facts;
}

function run(
  application: ApplicationComplete,
  facts: ReferenceFacts,
  policy: CountyPolicy = sichuan,
): ReturnType<typeof runPrecheck> {
  return runPrecheck(application, policy, facts);
}

function byRule(findings: readonly Finding[], ruleId: string): Finding[] {
  return findings.filter((finding) => finding.ruleId === ruleId);
}

function severities(findings: readonly Finding[], ruleId: string): string[] {
  return byRule(findings, ruleId).map((finding) => finding.severity);
}

describe("pre-check", () => {
  describe("a clean application", () => {
    it.each([
      ["sichuan", sichuan, () => homesteadApplication(ZHANG_HOUSEHOLD), validFacts],
      ["guangxi", guangxi, guangxiApplication, guangxiFacts],
    ] as const)("passes in %s with info findings only", (_name, policy, application, facts) => {
      const result = run(application(), facts(), policy);
      expect(result.blocked).toBe(false);
      expect(result.findings.every((finding) => finding.severity === "info")).toBe(true);
      expect(Object.values(result.flags).every((flag) => flag === false)).toBe(true);
    });

    it("gives every finding a bilingual message", () => {
      const facts = validFacts();
      facts.overlappingParcels = [
        parcel({ landClass: "farmland", forestLand: true, permanentBasicFarmland: true }),
      ];
      for (const finding of run(homesteadApplication(ZHANG_HOUSEHOLD), facts).findings) {
        expect(finding.message.zh).toMatch(/[\u4e00-\u9fff]/);
        expect(finding.message.en).toMatch(/[A-Za-z]/);
      }
    });
  });

  describe("one household, one homestead", () => {
    it("blocks a new plot while the household keeps a plot it does not return", () => {
      const facts = validFacts();
      facts.existingHomesteads = [
        { homesteadId: "Z-1", status: "in_use", areaM2: 120, willBeReturned: false },
      ];
      const result = run(homesteadApplication(ZHANG_HOUSEHOLD), facts);
      expect(severities(result.findings, "one-household-one-homestead")).toEqual(["block"]);
      expect(byRule(result.findings, "one-household-one-homestead")[0]?.evidence).toMatchObject({
        keptHomesteadIds: ["Z-1"],
      });
      expect(result.blocked).toBe(true);
    });

    it("blocks in Guangxi too", () => {
      const facts = guangxiFacts();
      facts.existingHomesteads = [
        { homesteadId: "Z-1", status: "approved_unbuilt", areaM2: 90, willBeReturned: false },
      ];
      expect(run(guangxiApplication(), facts, guangxi).blocked).toBe(true);
    });

    it("passes when the old plot will be returned, or was already", () => {
      const facts = validFacts();
      facts.existingHomesteads = [
        { homesteadId: "Z-1", status: "in_use", areaM2: 120, willBeReturned: true },
        { homesteadId: "Z-0", status: "returned", areaM2: 80, willBeReturned: false },
      ];
      expect(
        byRule(run(homesteadApplication(ZHANG_HOUSEHOLD), facts).findings, "one-household-one-homestead"),
      ).toEqual([]);
    });

    it("passes a new plot when the application commits to return the plot the household lives on", () => {
      const application = homesteadApplication(ZHANG_HOUSEHOLD);
      application.currentHomestead = { areaM2: 120, houseFloorAreaM2: 160, oldPlotDisposition: "return" };
      const facts = validFacts();
      facts.existingHomesteads = [
        { homesteadId: "Z-1", status: "in_use", areaM2: 120, willBeReturned: false },
      ];
      expect(byRule(run(application, facts).findings, "one-household-one-homestead")).toEqual([]);
      // A plot another case was approved for is not the one lived on: it still counts.
      facts.existingHomesteads.push({
        homesteadId: "C-1",
        status: "approved_unbuilt",
        areaM2: 90,
        willBeReturned: false,
      });
      expect(
        byRule(run(application, facts).findings, "one-household-one-homestead")[0]?.evidence,
      ).toMatchObject({
        keptHomesteadIds: ["C-1"],
      });
    });

    it("blocks a head who holds a homestead in another household, warns of members elsewhere", () => {
      const facts = validFacts();
      facts.personMatches = [
        { person: "head", householdId: "H-2", source: "register", holdsHomestead: true, openCase: false },
        {
          person: "members.1",
          householdId: "H-3",
          source: "case",
          caseId: "c-3",
          holdsHomestead: false,
          openCase: true,
        },
        // The applicant's own household and people elsewhere with nothing held or open say nothing.
        {
          person: "members.0",
          householdId: "H-1",
          source: "case",
          caseId: "c-0",
          holdsHomestead: true,
          openCase: false,
        },
        {
          person: "members.0",
          householdId: "H-4",
          source: "register",
          holdsHomestead: false,
          openCase: false,
        },
      ];
      const result = run(homesteadApplication(ZHANG_HOUSEHOLD), facts);
      expect(result.blocked).toBe(true);
      expect(byRule(result.findings, "head-holds-homestead-elsewhere")).toEqual([
        expect.objectContaining({ severity: "block", evidence: { households: ["H-2"], cases: [] } }),
      ]);
      expect(byRule(result.findings, "persons-in-other-households")).toEqual([
        expect.objectContaining({
          severity: "warn",
          evidence: {
            people: [
              {
                person: "members.1",
                householdId: "H-3",
                source: "case",
                caseId: "c-3",
                holdsHomestead: false,
                openCase: true,
              },
            ],
          },
        }),
      ]);
    });

    it("passes a rebuild on the one plot the household holds", () => {
      const application = homesteadApplication(ZHANG_HOUSEHOLD);
      application.kind = "farmhouse";
      application.proposedPlot.situation = "rebuild_on_old_plot";
      const facts = validFacts();
      facts.existingHomesteads = [
        { homesteadId: "Z-1", status: "in_use", areaM2: 120, willBeReturned: false },
      ];
      const result = run(application, facts);
      expect(byRule(result.findings, "one-household-one-homestead")).toEqual([]);
      expect(byRule(result.findings, "existing-plot-required")).toEqual([]);
    });

    it("blocks a new homestead for a household that sold, rented out or gave away its house", () => {
      const facts = validFacts();
      facts.existingHomesteads = [
        { homesteadId: "Z-9", status: "transferred", areaM2: 100, willBeReturned: false },
      ];
      expect(
        severities(run(homesteadApplication(ZHANG_HOUSEHOLD), facts).findings, "one-household-one-homestead"),
      ).toEqual(["block"]);
    });
  });

  it("blocks a rebuild when the household holds no plot", () => {
    const application = homesteadApplication(ZHANG_HOUSEHOLD);
    application.kind = "farmhouse";
    application.proposedPlot.situation = "rebuild_on_old_plot";
    expect(severities(run(application, validFacts()).findings, "existing-plot-required")).toEqual(["block"]);
  });

  it("blocks a household registered in another village", () => {
    const facts = validFacts();
    facts.household.registrationVillageCode = "511424104299";
    expect(
      severities(
        run(homesteadApplication(ZHANG_HOUSEHOLD), facts).findings,
        "household-registered-in-village",
      ),
    ).toEqual(["block"]);
  });

  it("warns when the form's household size differs from the register, and uses the register", () => {
    const facts = validFacts();
    facts.household.membersCount = 5;
    const result = run(homesteadApplication(ZHANG_HOUSEHOLD), facts);
    expect(severities(result.findings, "household-size-consistent")).toEqual(["warn"]);
    expect(byRule(result.findings, "house-land-area")[0]?.evidence).toMatchObject({
      countedPersons: 5,
      limitM2: 150,
    });
  });

  describe("area standard (Sichuan: per person, household of ≤3 counts as 3)", () => {
    it("passes 90 m² of house land for a household of 3 on plains and reports the ceiling", () => {
      const [finding] = byRule(
        run(homesteadApplication(ZHANG_HOUSEHOLD), validFacts()).findings,
        "house-land-area",
      );
      expect(finding).toMatchObject({
        severity: "info",
        evidence: { areaM2: 90, limitM2: 90, countedPersons: 3 },
      });
    });

    it("blocks 90.01 m² of house land on plains", () => {
      const application = homesteadApplication(ZHANG_HOUSEHOLD);
      application.proposedPlot.houseLandAreaM2 = 90.01;
      expect(severities(run(application, validFacts()).findings, "house-land-area")).toEqual(["block"]);
    });

    it("raises the ceiling with terrain: 120 m² passes in the hills, 150 m² in the mountains", () => {
      const application = homesteadApplication(ZHANG_HOUSEHOLD);
      application.proposedPlot.houseLandAreaM2 = 120;
      application.proposedPlot.ancillaryLandAreaM2 = 0;
      const facts = validFacts();
      facts.village.terrainClass = "hills";
      expect(severities(run(application, facts).findings, "house-land-area")).toEqual(["info"]);
      facts.village.terrainClass = "plains";
      expect(severities(run(application, facts).findings, "house-land-area")).toEqual(["block"]);
    });

    it("counts a single-person household as three", () => {
      const application = homesteadApplication(ZHANG_HOUSEHOLD);
      application.members = [];
      const facts = validFacts();
      facts.household.membersCount = 1;
      expect(byRule(run(application, facts).findings, "house-land-area")[0]?.evidence).toMatchObject({
        householdSize: 1,
        countedPersons: 3,
        limitM2: 90,
      });
    });

    it("allows 70 m² per person in total plus 30 m² when no cropland is used", () => {
      const application = homesteadApplication(ZHANG_HOUSEHOLD);
      application.proposedPlot.ancillaryLandAreaM2 = 150; // 90 + 150 = 240 = 3 × 70 + 30
      expect(severities(run(application, validFacts()).findings, "total-area")).toEqual(["info"]);
      application.proposedPlot.ancillaryLandAreaM2 = 150.5;
      expect(severities(run(application, validFacts()).findings, "total-area")).toEqual(["block"]);
    });

    it("withholds the no-cropland bonus when the plot uses cropland", () => {
      const application = homesteadApplication(ZHANG_HOUSEHOLD);
      application.proposedPlot.ancillaryLandAreaM2 = 150;
      application.proposedPlot.landClass = "farmland";
      const facts = validFacts();
      facts.overlappingParcels = [parcel({ landClass: "farmland" })];
      const [finding] = byRule(run(application, facts).findings, "total-area");
      expect(finding).toMatchObject({ severity: "block", evidence: { limitM2: 210, usesCropland: true } });
    });

    it("keeps the bonus for farmland the register marks as not cropland", () => {
      const facts = validFacts();
      facts.overlappingParcels = [parcel({ landClass: "farmland", cropland: false })];
      expect(usesCropland(homesteadApplication(ZHANG_HOUSEHOLD), facts)).toBe(false);
    });

    it("treats a declared farmland plot without register data as cropland", () => {
      const application = homesteadApplication(ZHANG_HOUSEHOLD);
      application.proposedPlot.landClass = "farmland";
      const facts = validFacts();
      facts.overlappingParcels = [];
      expect(usesCropland(application, facts)).toBe(true);
    });
  });

  describe("area standard (Guangxi: per household)", () => {
    it("passes 100 m² on plains and blocks 100.5 m²", () => {
      expect(severities(run(guangxiApplication(), guangxiFacts(), guangxi).findings, "total-area")).toEqual([
        "info",
      ]);
      const application = guangxiApplication();
      application.proposedPlot.ancillaryLandAreaM2 = 30.5;
      expect(severities(run(application, guangxiFacts(), guangxi).findings, "total-area")).toEqual(["block"]);
    });

    it("allows 150 m² in the hills whatever the household size, and has no house-land ceiling", () => {
      const application = guangxiApplication();
      application.proposedPlot.ancillaryLandAreaM2 = 80;
      const facts = guangxiFacts();
      facts.village.terrainClass = "hills";
      facts.household.membersCount = 8;
      application.members = [];
      const result = run(application, facts, guangxi);
      expect(byRule(result.findings, "total-area")[0]).toMatchObject({
        severity: "info",
        evidence: { limitM2: 150 },
      });
      expect(byRule(result.findings, "house-land-area")).toEqual([]);
    });

    it("refuses a terrain class the county does not define, as a data error", () => {
      const facts = guangxiFacts();
      facts.village.terrainClass = "mountains";
      expect(() => run(guangxiApplication(), facts, guangxi)).toThrow(UnknownTerrainClassError);
    });
  });

  describe("land", () => {
    it("blocks a plot on permanent basic farmland", () => {
      const facts = validFacts();
      facts.overlappingParcels = [
        parcel(),
        parcel({ parcelId: "P-2", landClass: "farmland", permanentBasicFarmland: true }),
      ];
      const result = run(homesteadApplication(ZHANG_HOUSEHOLD), facts);
      expect(byRule(result.findings, "permanent-basic-farmland")).toMatchObject([
        { severity: "block", evidence: { parcelIds: ["P-2"] } },
      ]);
    });

    it.each([
      ["sichuan", sichuan],
      ["guangxi", guangxi],
    ] as const)("warns that farmland conversion is required, and flags it (%s)", (_name, policy) => {
      const application = policy === guangxi ? guangxiApplication() : homesteadApplication(ZHANG_HOUSEHOLD);
      application.proposedPlot.landClass = "farmland";
      const facts = policy === guangxi ? guangxiFacts() : validFacts();
      facts.overlappingParcels = [parcel({ landClass: "farmland", cropland: false })];
      const result = run(application, facts, policy);
      expect(severities(result.findings, "farmland-conversion")).toEqual(["warn"]);
      expect(result.flags.farmlandConversionRequired).toBe(true);
      expect(result.blocked).toBe(false);
    });

    it("warns when the declared land class differs from the register", () => {
      const facts = validFacts();
      facts.overlappingParcels = [parcel({ landClass: "unused_land" })];
      expect(
        severities(run(homesteadApplication(ZHANG_HOUSEHOLD), facts).findings, "land-class-declared"),
      ).toEqual(["warn"]);
    });
  });

  describe("building caps", () => {
    it("blocks a fourth floor in Sichuan but not in Guangxi", () => {
      const application = homesteadApplication(ZHANG_HOUSEHOLD);
      application.building.floors = 4;
      expect(severities(run(application, validFacts()).findings, "building-floors")).toEqual(["block"]);
      const contrast = guangxiApplication();
      contrast.building.floors = 4;
      expect(severities(run(contrast, guangxiFacts(), guangxi).findings, "building-floors")).toEqual([]);
    });

    it("blocks a height above the cap and passes one at the cap", () => {
      const application = homesteadApplication(ZHANG_HOUSEHOLD);
      application.building.heightM = sichuan.building.maxHeightM;
      expect(severities(run(application, validFacts()).findings, "building-height")).toEqual([]);
      application.building.heightM = sichuan.building.maxHeightM + 0.1;
      expect(severities(run(application, validFacts()).findings, "building-height")).toEqual(["block"]);
    });

    it("blocks more than 450 m² of floor area in Guangxi; Sichuan sets no floor-area cap", () => {
      const application = guangxiApplication();
      application.building.floorAreaM2 = 450;
      expect(severities(run(application, guangxiFacts(), guangxi).findings, "building-floor-area")).toEqual(
        [],
      );
      application.building.floorAreaM2 = 451;
      expect(severities(run(application, guangxiFacts(), guangxi).findings, "building-floor-area")).toEqual([
        "block",
      ]);
      const sichuanApplication = homesteadApplication(ZHANG_HOUSEHOLD);
      sichuanApplication.building.floorAreaM2 = 900;
      expect(severities(run(sichuanApplication, validFacts()).findings, "building-floor-area")).toEqual([]);
    });
  });

  describe("village construction boundary", () => {
    it("blocks outside the boundary in Sichuan and warns in Guangxi, as each policy says", () => {
      const facts = validFacts();
      facts.village.plotInsideConstructionBoundary = false;
      expect(
        severities(
          run(homesteadApplication(ZHANG_HOUSEHOLD), facts).findings,
          "village-construction-boundary",
        ),
      ).toEqual(["block"]);
      const contrast = guangxiFacts();
      contrast.village.plotInsideConstructionBoundary = false;
      const result = run(guangxiApplication(), contrast, guangxi);
      expect(severities(result.findings, "village-construction-boundary")).toEqual(["warn"]);
      expect(result.blocked).toBe(false);
      expect(result.flags.outsideVillageConstructionBoundary).toBe(true);
    });
  });

  describe("conditional departments", () => {
    it("flags forest, water, road and power line and adds the departments (Sichuan)", () => {
      const facts = validFacts();
      facts.overlappingParcels = [
        parcel({ forestLand: true, waterProtectionZone: true }),
        parcel({ parcelId: "P-2", roadSetback: true, powerLine: true }),
      ];
      const result = run(homesteadApplication(ZHANG_HOUSEHOLD), facts);
      expect(result.flags).toMatchObject({
        touchesForestLand: true,
        nearWater: true,
        nearRoad: true,
        nearPowerLine: true,
      });
      expect(result.departments).toEqual([
        "agriculture",
        "natural_resources",
        "housing_construction",
        "forestry",
        "water",
        "power",
        "roads",
      ]);
      expect(
        byRule(result.findings, "conditional-departments").map((finding) => [
          finding.severity,
          finding.evidence,
        ]),
      ).toEqual([
        ["info", { flag: "touchesForestLand", departmentIds: ["forestry"] }],
        ["info", { flag: "nearWater", departmentIds: ["water"] }],
        ["info", { flag: "nearRoad", departmentIds: ["roads"] }],
        ["info", { flag: "nearPowerLine", departmentIds: ["power"] }],
      ]);
    });

    it("says so when the county has no department for a flag (Guangxi has no power department)", () => {
      const facts = guangxiFacts();
      facts.overlappingParcels = [parcel({ powerLine: true })];
      const result = run(guangxiApplication(), facts, guangxi);
      expect(result.departments).toEqual(["agriculture", "natural_resources"]);
      const [finding] = byRule(result.findings, "conditional-departments");
      expect(finding?.evidence).toEqual({ flag: "nearPowerLine", departmentIds: [] });
      expect(finding?.message.en).toContain("no department configured");
    });

    it("derives the flags from parcels and the village boundary alone", () => {
      const facts = validFacts();
      facts.overlappingParcels = [parcel({ roadSetback: true })];
      expect(derivePrecheckFlags(homesteadApplication(ZHANG_HOUSEHOLD), facts)).toEqual({
        touchesForestLand: false,
        nearWater: false,
        nearRoad: true,
        nearPowerLine: false,
        farmlandConversionRequired: false,
        outsideVillageConstructionBoundary: false,
      });
    });
  });
});
