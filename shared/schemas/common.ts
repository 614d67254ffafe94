/**
 * Vocabulary shared by several boundary schemas (policy, application, pre-check).
 *
 * These enums are national (fixed by the Land Administration Law and the 2019
 * notice), so they live in code; everything that differs between counties lives
 * in the county policy files instead.
 */
import * as z from "zod";

/** A user-facing text in both languages; every message we show carries both. */
export const localizedTextSchema = z.strictObject({
  zh: z.string().min(1),
  en: z.string().min(1),
});
export type LocalizedText = z.infer<typeof localizedTextSchema>;

/**
 * `homestead`: a new plot and a house on it (land approval + planning permit).
 * `farmhouse`: rebuild or extend on the household's existing plot (planning permit only).
 */
export const CASE_KINDS = ["homestead", "farmhouse"] as const;
export const caseKindSchema = z.enum(CASE_KINDS);
export type CaseKind = z.infer<typeof caseKindSchema>;

export const DEPARTMENT_IDS = [
  "agriculture",
  "natural_resources",
  "housing_construction",
  "forestry",
  "water",
  "power",
  "roads",
] as const;
export const departmentIdSchema = z.enum(DEPARTMENT_IDS);
export type DepartmentId = z.infer<typeof departmentIdSchema>;

/**
 * Facts the pre-check raises about a plot. Departments and documents in a county
 * policy are brought in by these flags, so the names are part of the policy format.
 */
export const PRECHECK_FLAGS = [
  "touchesForestLand",
  "nearWater",
  "nearRoad",
  "nearPowerLine",
  "farmlandConversionRequired",
  "outsideVillageConstructionBoundary",
] as const;
export const precheckFlagSchema = z.enum(PRECHECK_FLAGS);
export type PrecheckFlag = z.infer<typeof precheckFlagSchema>;

/** 建设用地 / 未利用地 / 农用地 — the three land classes of the Land Administration Law. */
export const LAND_CLASSES = ["construction_land", "unused_land", "farmland"] as const;
export const landClassSchema = z.enum(LAND_CLASSES);
export type LandClass = z.infer<typeof landClassSchema>;

export const CERTIFICATE_TYPES = [
  "homestead_approval_certificate",
  "rural_construction_planning_permit",
] as const;
export const certificateTypeSchema = z.enum(CERTIFICATE_TYPES);
export type CertificateType = z.infer<typeof certificateTypeSchema>;
