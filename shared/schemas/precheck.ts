/**
 * Pre-check inputs and outputs at the workflow boundary.
 *
 * Reference facts are gathered by an adapter (household register, homestead
 * register, land-use layers, village plan) and handed to the pure pre-check;
 * geometry is computed there, so these are booleans and overlap lists.
 */
import * as z from "zod";
import { departmentIdSchema, landClassSchema, localizedTextSchema, precheckFlagSchema } from "./common.ts";

export const householdRecordSchema = z.strictObject({
  householdId: z.string().min(1),
  /** Members on the household register, head included. */
  membersCount: z.int().min(1),
  /** The village the household is registered in (6+ digit village code). */
  registrationVillageCode: z.string().min(1),
});

/**
 * `in_use`: held and built on; `approved_unbuilt`: approved, not yet built;
 * `returned`: already handed back to the collective; `transferred`: the house was
 * sold, rented out or given away (Land Administration Law Art. 62: no new homestead).
 */
export const EXISTING_HOMESTEAD_STATUSES = ["in_use", "approved_unbuilt", "returned", "transferred"] as const;

export const existingHomesteadSchema = z.strictObject({
  homesteadId: z.string().min(1),
  status: z.enum(EXISTING_HOMESTEAD_STATUSES),
  areaM2: z.number().min(0),
  /** The household has committed to return this plot (承诺书). */
  willBeReturned: z.boolean(),
});

export const overlappingParcelSchema = z.strictObject({
  parcelId: z.string().min(1),
  landClass: landClassSchema,
  /** 耕地. Absent means unknown: farmland is then treated as cropland, the stricter reading. */
  cropland: z.boolean().optional(),
  permanentBasicFarmland: z.boolean(),
  forestLand: z.boolean(),
  waterProtectionZone: z.boolean(),
  roadSetback: z.boolean(),
  powerLine: z.boolean(),
});

export const villageFactsSchema = z.strictObject({
  villageCode: z.string().min(1),
  /** A terrain class id from the county policy. */
  terrainClass: z.string().min(1),
  plotInsideConstructionBoundary: z.boolean(),
});

/**
 * A person of the application (by keyed hash of the ID number) found in another
 * household: as the head of its register entry, or as head or member of one of
 * its cases that is open or holds a plot.
 */
export const personMatchSchema = z.strictObject({
  /** `head`, or `members.<index>` of the application. */
  person: z.string().regex(/^(head|members\.\d+)$/),
  householdId: z.string().min(1),
  source: z.enum(["register", "case"]),
  caseId: z.string().min(1).optional(),
  /** The other household holds a homestead, or its case was approved for one. */
  holdsHomestead: z.boolean(),
  /** The other household's case is still being decided. */
  openCase: z.boolean(),
});
export type PersonMatch = z.infer<typeof personMatchSchema>;

export const referenceFactsSchema = z.strictObject({
  household: householdRecordSchema,
  existingHomesteads: z.array(existingHomesteadSchema),
  overlappingParcels: z.array(overlappingParcelSchema),
  village: villageFactsSchema,
  /** The application's people found in other households (absent: not looked up). */
  personMatches: z.array(personMatchSchema).optional(),
});
export type ReferenceFacts = z.infer<typeof referenceFactsSchema>;
export type ExistingHomestead = z.infer<typeof existingHomesteadSchema>;
export type OverlappingParcel = z.infer<typeof overlappingParcelSchema>;

export const FINDING_SEVERITIES = ["block", "warn", "info"] as const;

export const findingSchema = z.strictObject({
  ruleId: z.string().min(1),
  severity: z.enum(FINDING_SEVERITIES),
  message: localizedTextSchema,
  evidence: z.record(z.string(), z.unknown()),
});
export type Finding = z.infer<typeof findingSchema>;
export type FindingSeverity = Finding["severity"];

export const precheckFlagsSchema = z.record(precheckFlagSchema, z.boolean());
export type PrecheckFlagRecord = z.infer<typeof precheckFlagsSchema>;

export const precheckResultSchema = z.strictObject({
  findings: z.array(findingSchema),
  blocked: z.boolean(),
  flags: precheckFlagsSchema,
  departments: z.array(departmentIdSchema),
});
export type PrecheckResult = z.infer<typeof precheckResultSchema>;
