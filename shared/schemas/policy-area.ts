/**
 * The county policy's area standards and building limits: household size
 * bands, area ceilings by terrain, and the check that the bands are sound.
 */
import * as z from "zod";

const positiveArea = z.number().positive();

/**
 * Which size a household counts as, e.g. Sichuan: 1–3 members count as 3, 4 as 4,
 * 5 and more as 5. Bands must start at 1, be contiguous and end open-ended
 * (no `maxMembers`), so every household size falls in exactly one band.
 */
export const householdSizeBandSchema = z.strictObject({
  minMembers: z.int().min(1),
  maxMembers: z.int().min(1).optional(),
  countedPersons: z.int().min(1),
});
export type HouseholdSizeBand = z.infer<typeof householdSizeBandSchema>;

/**
 * An area ceiling in m². `per_person` multiplies the value by the counted household
 * size (Sichuan); `per_household` is the value as is (Guangxi). Values are keyed by
 * terrain class id.
 */
export const areaLimitSchema = z.strictObject({
  basis: z.enum(["per_person", "per_household"]),
  byTerrainM2: z.record(z.string(), positiveArea),
});
export type AreaLimit = z.infer<typeof areaLimitSchema>;

export const totalAreaLimitSchema = areaLimitSchema.extend({
  /** Added once per household when the plot uses no cropland (Sichuan: up to 30 m²). */
  bonusPerHouseholdIfNoCroplandM2: z.number().min(0).default(0),
});
export type TotalAreaLimit = z.infer<typeof totalAreaLimitSchema>;

export const areaStandardsSchema = z.strictObject({
  householdSizeBands: z.array(householdSizeBandSchema).min(1),
  /** Ceiling for the house land (宅基地中的住房用地); absent where the county sets only a total. */
  houseLand: areaLimitSchema.optional(),
  /** Ceiling for the whole plot: house land + ancillary land and yard. */
  total: totalAreaLimitSchema.optional(),
});
export type AreaStandards = z.infer<typeof areaStandardsSchema>;

export const buildingLimitsSchema = z.strictObject({
  maxFloors: z.int().min(1),
  maxHeightM: z.number().positive(),
  maxBuildingFloorAreaM2: z.number().positive().optional(),
});
export type BuildingLimits = z.infer<typeof buildingLimitsSchema>;

/** Bands must cover every household size exactly once and never count a bigger household as fewer persons. */
export function checkBands(bands: readonly HouseholdSizeBand[], ctx: z.RefinementCtx): void {
  let expectedMin = 1;
  let previousCounted = 0;
  bands.forEach((band, index) => {
    const path = ["areaStandards", "householdSizeBands", index];
    if (band.minMembers !== expectedMin) {
      ctx.addIssue({
        code: "custom",
        path: [...path, "minMembers"],
        message: `band must start at ${expectedMin} members so bands are contiguous from 1`,
      });
    }
    if (band.maxMembers !== undefined && band.maxMembers < band.minMembers) {
      ctx.addIssue({
        code: "custom",
        path: [...path, "maxMembers"],
        message: "maxMembers is below minMembers",
      });
    }
    const isLast = index === bands.length - 1;
    if (isLast && band.maxMembers !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: [...path, "maxMembers"],
        message: "the last band must be open-ended (no maxMembers)",
      });
    }
    if (!isLast && band.maxMembers === undefined) {
      ctx.addIssue({
        code: "custom",
        path: [...path, "maxMembers"],
        message: "only the last band may be open-ended",
      });
    }
    if (band.countedPersons < previousCounted) {
      ctx.addIssue({
        code: "custom",
        path: [...path, "countedPersons"],
        message: "countedPersons must not decrease as households grow",
      });
    }
    previousCounted = band.countedPersons;
    expectedMin = (band.maxMembers ?? band.minMembers) + 1;
  });
}
