/**
 * Pre-check rules: pure functions from (application, policy, reference facts) to findings.
 *
 * A rule says nothing when it has nothing to say, except the area rules, which
 * also report the computed ceiling on a pass: that number is what the
 * agriculture office checks, so it belongs in the evidence either way.
 */

import {
  buildingFloorArea,
  buildingFloors,
  buildingHeight,
  conditionalDepartments,
  villageConstructionBoundary,
} from "./building-rules.ts";
import {
  existingPlotRequired,
  householdRegisteredInVillage,
  householdSizeConsistent,
  oneHouseholdOneHomestead,
  personsInOtherHouseholds,
} from "./household-rules.ts";
import {
  farmlandConversion,
  houseLandArea,
  landClassDeclared,
  permanentBasicFarmland,
  totalArea,
} from "./land-rules.ts";
import type { PrecheckRule } from "./rule.ts";

export type { PrecheckRule, RuleInput } from "./rule.ts";

/** In the order findings are reported. */
export const PRECHECK_RULES: readonly PrecheckRule[] = [
  householdRegisteredInVillage,
  oneHouseholdOneHomestead,
  personsInOtherHouseholds,
  existingPlotRequired,
  householdSizeConsistent,
  houseLandArea,
  totalArea,
  permanentBasicFarmland,
  farmlandConversion,
  landClassDeclared,
  buildingFloors,
  buildingHeight,
  buildingFloorArea,
  villageConstructionBoundary,
  conditionalDepartments,
];
