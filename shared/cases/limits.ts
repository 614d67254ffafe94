/**
 * The county's limits for one household, shown while the form is filled: the
 * same numbers the pre-check will apply (terrain class of the household's
 * village, household size on the register, the policy's area standard and
 * building caps), so the household can check as it types instead of learning
 * them from a return.
 */
import { areaCeilings, UnknownTerrainClassError } from "../domain/precheck/area-standard.ts";
import { logger } from "../logger.ts";
import type { CountyPolicy } from "../schemas/policy.ts";
import type { HouseholdLimits } from "../schemas/responses.ts";
import { ReferenceDataMissingError, type ReferenceStore } from "../store/reference-store.ts";

export type { HouseholdLimits };

/** Undefined when the register or the village data is missing: the form then shows no limits. */
export async function householdLimits(
  policy: CountyPolicy,
  references: ReferenceStore,
  householdId: string,
  villageCode: string,
): Promise<HouseholdLimits | undefined> {
  try {
    const [{ household }, { village }] = await Promise.all([
      references.household(householdId),
      references.village(villageCode),
    ]);
    const terrain = policy.terrainClasses.find((candidate) => candidate.id === village.terrainClass);
    if (!terrain) throw new UnknownTerrainClassError(village.terrainClass, policy.policyId);
    const size = household.membersCount;
    const withCropland = areaCeilings(policy, terrain.id, size, { usesCropland: true });
    const withoutCropland = areaCeilings(policy, terrain.id, size, { usesCropland: false });
    return {
      terrainClass: { id: terrain.id, name: terrain.name },
      householdSize: size,
      countedPersons: withCropland.countedPersons,
      ...(withCropland.houseLandM2 !== undefined ? { houseLandM2: withCropland.houseLandM2 } : {}),
      ...(withCropland.totalM2 !== undefined ? { totalM2: withCropland.totalM2 } : {}),
      ...(withoutCropland.totalM2 !== undefined ? { totalWithoutCroplandM2: withoutCropland.totalM2 } : {}),
      maxFloors: policy.building.maxFloors,
      maxHeightM: policy.building.maxHeightM,
      ...(policy.building.maxBuildingFloorAreaM2 !== undefined
        ? { maxBuildingFloorAreaM2: policy.building.maxBuildingFloorAreaM2 }
        : {}),
    };
  } catch (error) {
    if (error instanceof ReferenceDataMissingError || error instanceof UnknownTerrainClassError) {
      logger.warn("No limits for the household's form", { householdId, villageCode, error });
      return undefined;
    }
    throw error;
  }
}
