/**
 * Runs every pre-check rule and derives the flags and joint-review departments.
 *
 * Pure: the caller gathers the reference facts (and any geometry) beforehand.
 */
import type { ApplicationComplete } from "../../schemas/application.ts";
import type { PrecheckFlag } from "../../schemas/common.ts";
import type { CountyPolicy } from "../../schemas/policy.ts";
import type { PrecheckResult, ReferenceFacts } from "../../schemas/precheck.ts";
import { departmentIdsFor } from "../case-kind.ts";
import { areaCeilings } from "./area-standard.ts";
import { PRECHECK_RULES, type PrecheckRule } from "./rules.ts";

/**
 * Does the plot use cropland (耕地)? Parcels say so when the register knows; a
 * farmland parcel of unknown kind, or a declared farmland plot with no register
 * data, counts as cropland — the reading that withholds the no-cropland bonus.
 */
export function usesCropland(application: ApplicationComplete, facts: ReferenceFacts): boolean {
  if (facts.overlappingParcels.length === 0) return application.proposedPlot.landClass === "farmland";
  return facts.overlappingParcels.some((parcel) => parcel.cropland ?? parcel.landClass === "farmland");
}

export function derivePrecheckFlags(
  application: ApplicationComplete,
  facts: ReferenceFacts,
): Record<PrecheckFlag, boolean> {
  const parcels = facts.overlappingParcels;
  // Typed as the full record, so adding a flag to PRECHECK_FLAGS fails to compile until it is derived here.
  return {
    touchesForestLand: parcels.some((parcel) => parcel.forestLand),
    nearWater: parcels.some((parcel) => parcel.waterProtectionZone),
    nearRoad: parcels.some((parcel) => parcel.roadSetback),
    nearPowerLine: parcels.some((parcel) => parcel.powerLine),
    farmlandConversionRequired:
      application.proposedPlot.landClass === "farmland" ||
      parcels.some((parcel) => parcel.landClass === "farmland"),
    outsideVillageConstructionBoundary: !facts.village.plotInsideConstructionBoundary,
  };
}

/**
 * @throws UnknownTerrainClassError when the village's terrain class is not in the policy:
 *   a reference-data fault, not the household's, so it is an error rather than a finding.
 */
export function runPrecheck(
  application: ApplicationComplete,
  policy: CountyPolicy,
  facts: ReferenceFacts,
  rules: readonly PrecheckRule[] = PRECHECK_RULES,
): PrecheckResult {
  const flags = derivePrecheckFlags(application, facts);
  const ceilings = areaCeilings(policy, facts.village.terrainClass, facts.household.membersCount, {
    usesCropland: usesCropland(application, facts),
  });
  const findings = rules.flatMap((rule) => rule.run({ application, policy, facts, flags, ceilings }));
  return {
    findings,
    blocked: findings.some((finding) => finding.severity === "block"),
    flags,
    departments: departmentIdsFor(application.kind, policy, flags),
  };
}
