/**
 * The homestead area standard of a county, as numbers for one household.
 *
 * Kept apart from the rules so the reviewer console and the property tests can
 * ask "what is the ceiling for this household?" without running a pre-check.
 */
import type { AreaLimit, CountyPolicy, HouseholdSizeBand } from "../../schemas/policy.ts";

export class UnknownTerrainClassError extends Error {
  override readonly name = "UnknownTerrainClassError";
  readonly terrainClass: string;
  constructor(terrainClass: string, policyId: string) {
    super(`Terrain class "${terrainClass}" is not defined in county policy "${policyId}"`);
    this.terrainClass = terrainClass;
  }
}

/** How many persons a household of `householdSize` counts as (e.g. Sichuan: 2 → 3, 7 → 5). */
export function countedPersons(bands: readonly HouseholdSizeBand[], householdSize: number): number {
  if (!Number.isInteger(householdSize) || householdSize < 1) {
    throw new RangeError(`household size must be a whole number ≥ 1, got ${householdSize}`);
  }
  const band = bands.find(
    (candidate) =>
      householdSize >= candidate.minMembers &&
      (candidate.maxMembers === undefined || householdSize <= candidate.maxMembers),
  );
  // The policy schema guarantees contiguous bands from 1 with an open end, so this only fires on unparsed input.
  if (!band) throw new RangeError(`no household size band covers ${householdSize} members`);
  return band.countedPersons;
}

export interface AreaCeilings {
  readonly terrainClass: string;
  readonly householdSize: number;
  readonly countedPersons: number;
  readonly usesCropland: boolean;
  /** Undefined when the county sets no separate house-land ceiling. */
  readonly houseLandM2?: number;
  /** Undefined when the county sets no total ceiling. Includes the no-cropland bonus when it applies. */
  readonly totalM2?: number;
}

function ceiling(limit: AreaLimit, terrainClass: string, persons: number, policyId: string): number {
  const value = limit.byTerrainM2[terrainClass];
  if (value === undefined) throw new UnknownTerrainClassError(terrainClass, policyId);
  return limit.basis === "per_person" ? value * persons : value;
}

export function areaCeilings(
  policy: CountyPolicy,
  terrainClass: string,
  householdSize: number,
  options: { readonly usesCropland: boolean },
): AreaCeilings {
  if (!policy.terrainClasses.some((terrain) => terrain.id === terrainClass)) {
    throw new UnknownTerrainClassError(terrainClass, policy.policyId);
  }
  const { houseLand, total, householdSizeBands } = policy.areaStandards;
  const persons = countedPersons(householdSizeBands, householdSize);
  const bonus = total && !options.usesCropland ? total.bonusPerHouseholdIfNoCroplandM2 : 0;
  return {
    terrainClass,
    householdSize,
    countedPersons: persons,
    usesCropland: options.usesCropland,
    ...(houseLand ? { houseLandM2: ceiling(houseLand, terrainClass, persons, policy.policyId) } : {}),
    ...(total ? { totalM2: ceiling(total, terrainClass, persons, policy.policyId) + bonus } : {}),
  };
}

// Areas are surveyed to 0.01 m²; the tolerance only absorbs binary floating-point noise.
const AREA_TOLERANCE_M2 = 1e-9;

export function exceeds(areaM2: number, ceilingM2: number): boolean {
  return areaM2 > ceilingM2 + AREA_TOLERANCE_M2;
}
