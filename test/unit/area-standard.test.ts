import fc from "fast-check";
import { describe, expect, it } from "vitest";
import sichuanJson from "#shared/domain/policy/counties/sichuan-default.json" with { type: "json" };
import { loadPolicy } from "#shared/domain/policy/load-policy.ts";
import { GUANGXI_CONTRAST_POLICY, SICHUAN_DEFAULT_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import { areaCeilings, countedPersons, exceeds } from "#shared/domain/precheck/area-standard.ts";
import { runPrecheck } from "#shared/domain/precheck/run-precheck.ts";
import type { CountyPolicy } from "#shared/schemas/policy.ts";
import { homesteadApplication, validFacts, ZHANG_HOUSEHOLD } from "../support/fixtures.ts";

const POLICIES = [SICHUAN_DEFAULT_POLICY, GUANGXI_CONTRAST_POLICY] as const;

const policyArb = fc.constantFrom(...POLICIES);
const caseArb = policyArb.chain((policy) =>
  fc.record({
    policy: fc.constant(policy),
    terrain: fc.constantFrom(...policy.terrainClasses.map((terrain) => terrain.id)),
    householdSize: fc.integer({ min: 1, max: 20 }),
    usesCropland: fc.boolean(),
  }),
);
/** An excess of at least 0.01 m² — the survey precision. */
const excessArb = fc.double({ min: 0.01, max: 1000, noNaN: true });

function areaFindings(
  policy: CountyPolicy,
  terrain: string,
  householdSize: number,
  houseLandAreaM2: number,
  ancillaryLandAreaM2: number,
  usesCropland: boolean,
) {
  const application = homesteadApplication(ZHANG_HOUSEHOLD);
  application.members = [];
  application.proposedPlot.houseLandAreaM2 = houseLandAreaM2;
  application.proposedPlot.ancillaryLandAreaM2 = ancillaryLandAreaM2;
  application.proposedPlot.landClass = usesCropland ? "farmland" : "construction_land";
  const facts = validFacts();
  facts.household.membersCount = householdSize;
  facts.village.terrainClass = terrain;
  facts.overlappingParcels = [];
  const { findings } = runPrecheck(application, policy, facts);
  return findings.filter(
    (finding) => finding.ruleId === "house-land-area" || finding.ruleId === "total-area",
  );
}

function blockedRules(findings: ReturnType<typeof areaFindings>): string[] {
  return findings.filter((finding) => finding.severity === "block").map((finding) => finding.ruleId);
}

describe("area standard (property-based, both counties)", () => {
  it("passes a plot exactly at the standard for every household size and terrain", () => {
    fc.assert(
      fc.property(caseArb, ({ policy, terrain, householdSize, usesCropland }) => {
        const ceilings = areaCeilings(policy, terrain, householdSize, { usesCropland });
        const total = ceilings.totalM2 ?? Number.POSITIVE_INFINITY;
        const houseLand = Math.min(ceilings.houseLandM2 ?? total, total);
        const ancillary = Number.isFinite(total) ? total - houseLand : 0;
        expect(
          blockedRules(areaFindings(policy, terrain, householdSize, houseLand, ancillary, usesCropland)),
        ).toEqual([]);
      }),
    );
  });

  it("blocks any house land above its standard", () => {
    fc.assert(
      fc.property(caseArb, excessArb, ({ policy, terrain, householdSize, usesCropland }, excess) => {
        const ceilings = areaCeilings(policy, terrain, householdSize, { usesCropland });
        fc.pre(ceilings.houseLandM2 !== undefined);
        const houseLand = (ceilings.houseLandM2 ?? 0) + excess;
        expect(
          blockedRules(areaFindings(policy, terrain, householdSize, houseLand, 0, usesCropland)),
        ).toContain("house-land-area");
      }),
    );
  });

  it("blocks any total area above its standard, however it is split", () => {
    fc.assert(
      fc.property(
        caseArb,
        excessArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        ({ policy, terrain, householdSize, usesCropland }, excess, share) => {
          const { totalM2 } = areaCeilings(policy, terrain, householdSize, { usesCropland });
          fc.pre(totalM2 !== undefined);
          const total = (totalM2 ?? 0) + excess;
          const houseLand = Math.max(total * share, 0.01);
          expect(
            blockedRules(
              areaFindings(policy, terrain, householdSize, houseLand, total - houseLand, usesCropland),
            ),
          ).toContain("total-area");
        },
      ),
    );
  });

  it("never blocks on area when both parts are within their standards", () => {
    fc.assert(
      fc.property(
        caseArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        ({ policy, terrain, householdSize, usesCropland }, houseShare, ancillaryShare) => {
          const ceilings = areaCeilings(policy, terrain, householdSize, { usesCropland });
          const total = ceilings.totalM2 ?? 10_000;
          const houseLand = Math.max(Math.min(ceilings.houseLandM2 ?? total, total) * houseShare, 0.01);
          const ancillary = Math.max(total - houseLand, 0) * ancillaryShare;
          expect(
            blockedRules(areaFindings(policy, terrain, householdSize, houseLand, ancillary, usesCropland)),
          ).toEqual([]);
        },
      ),
    );
  });

  it("never lowers the standard as a household grows", () => {
    fc.assert(
      fc.property(
        caseArb,
        fc.integer({ min: 0, max: 10 }),
        ({ policy, terrain, householdSize, usesCropland }, more) => {
          const smaller = areaCeilings(policy, terrain, householdSize, { usesCropland });
          const larger = areaCeilings(policy, terrain, householdSize + more, { usesCropland });
          expect(larger.countedPersons).toBeGreaterThanOrEqual(smaller.countedPersons);
          expect(larger.houseLandM2 ?? 0).toBeGreaterThanOrEqual(smaller.houseLandM2 ?? 0);
          expect(larger.totalM2 ?? 0).toBeGreaterThanOrEqual(smaller.totalM2 ?? 0);
        },
      ),
    );
  });

  it("adds the no-cropland bonus exactly once per household", () => {
    fc.assert(
      fc.property(caseArb, ({ policy, terrain, householdSize }) => {
        const withCropland = areaCeilings(policy, terrain, householdSize, { usesCropland: true });
        const without = areaCeilings(policy, terrain, householdSize, { usesCropland: false });
        const bonus = policy.areaStandards.total?.bonusPerHouseholdIfNoCroplandM2 ?? 0;
        expect((without.totalM2 ?? 0) - (withCropland.totalM2 ?? 0)).toBeCloseTo(bonus, 9);
      }),
    );
  });

  it("ignores household size where the basis is per household (Guangxi)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("plains", "hills"),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 30 }),
        (terrain, a, b) => {
          const options = { usesCropland: true };
          expect(areaCeilings(GUANGXI_CONTRAST_POLICY, terrain, a, options).totalM2).toBe(
            areaCeilings(GUANGXI_CONTRAST_POLICY, terrain, b, options).totalM2,
          );
        },
      ),
    );
  });

  it("scales the Sichuan standard with the counted household size (3, 4, 5)", () => {
    const bands = SICHUAN_DEFAULT_POLICY.areaStandards.householdSizeBands;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), (size) => {
        expect(countedPersons(bands, size)).toBe(Math.min(Math.max(size, 3), 5));
        expect(
          areaCeilings(SICHUAN_DEFAULT_POLICY, "mountains", size, { usesCropland: true }).houseLandM2,
        ).toBe(50 * Math.min(Math.max(size, 3), 5));
      }),
    );
  });

  it("keeps counted persons monotone for any band table the policy schema accepts", () => {
    // Generates contiguous bands with non-decreasing counts, loads them as a policy, then probes sizes.
    const bandsArb = fc
      .array(fc.record({ width: fc.integer({ min: 1, max: 4 }), step: fc.integer({ min: 0, max: 3 }) }), {
        minLength: 1,
        maxLength: 6,
      })
      .map((specs) => {
        let min = 1;
        let counted = 0;
        return specs.map(({ width, step }, index) => {
          counted += step === 0 && index === 0 ? 1 : step;
          const band =
            index === specs.length - 1
              ? { minMembers: min, countedPersons: Math.max(counted, 1) }
              : { minMembers: min, maxMembers: min + width - 1, countedPersons: Math.max(counted, 1) };
          min += width;
          return band;
        });
      });
    fc.assert(
      fc.property(bandsArb, fc.integer({ min: 1, max: 40 }), (householdSizeBands, size) => {
        const policy = loadPolicy({
          ...sichuanJson,
          areaStandards: { ...sichuanJson.areaStandards, householdSizeBands },
        });
        const bands = policy.areaStandards.householdSizeBands;
        expect(countedPersons(bands, size + 1)).toBeGreaterThanOrEqual(countedPersons(bands, size));
      }),
    );
  });

  it("tolerates floating-point noise but not a hundredth of a square metre", () => {
    expect(exceeds(0.1 + 0.2, 0.3)).toBe(false);
    expect(exceeds(90.01, 90)).toBe(true);
  });

  it("refuses household sizes below one", () => {
    expect(() => countedPersons(SICHUAN_DEFAULT_POLICY.areaStandards.householdSizeBands, 0)).toThrow(
      RangeError,
    );
  });
});
