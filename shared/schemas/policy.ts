/**
 * The county policy: every number and list that differs between counties.
 *
 * Policies ship as JSON files (shared/domain/policy/counties/) and are parsed
 * with this schema at load time, so a typo in a file fails loudly instead of
 * silently disabling a rule. Objects are strict for the same reason.
 */
import * as z from "zod";
import {
  CASE_KINDS,
  caseKindSchema,
  departmentIdSchema,
  localizedTextSchema,
  precheckFlagSchema,
} from "./common.ts";
import { notificationPolicySchema } from "./notifications.ts";
import { areaStandardsSchema, buildingLimitsSchema, checkBands } from "./policy-area.ts";

export * from "./policy-area.ts";

const idSchema = z.string().regex(/^[a-z][a-z0-9_]*$/, { error: "ids are lower_snake_case" });

export const terrainClassSchema = z.strictObject({
  id: idSchema,
  name: localizedTextSchema,
});
export type TerrainClass = z.infer<typeof terrainClassSchema>;

/** `days` are calendar days; `working_days` skip weekends; `hours` are clock hours. */
export const durationSchema = z.strictObject({
  value: z.number().positive(),
  unit: z.enum(["hours", "days", "working_days"]),
});
export type Duration = z.infer<typeof durationSchema>;

/**
 * Every time limit a county sets. Each governs exactly one clock of the workflow
 * (shared/workflow/steps.ts names the step of each; `acceptance_to_decision` is
 * the case's overall clock, shared/domain/overall-clock.ts); a limit nobody
 * reads is not listed (test/unit/workflow-plan.test.ts checks both ways).
 */
export const TIME_LIMITED_STEPS = [
  "village_review",
  "township_acceptance",
  "department_review",
  "township_decision",
  "correction_response",
  "staking_out",
  "completion_inspection",
  "acceptance_to_decision",
] as const;
export type TimeLimitedStep = (typeof TIME_LIMITED_STEPS)[number];

export const timeLimitsSchema = z.strictObject(
  Object.fromEntries(TIME_LIMITED_STEPS.map((step) => [step, durationSchema])) as Record<
    TimeLimitedStep,
    typeof durationSchema
  >,
);
export type TimeLimits = z.infer<typeof timeLimitsSchema>;

export const publicNoticeSchema = z.strictObject({
  // 0 is allowed: some counties post the notice before the application reaches the platform.
  days: z.int().min(0),
  workingDays: z.boolean(),
  /**
   * True: a photo of the paper notice the villager group posted before the application
   * (document requirement with condition `paper_public_notice`) replaces publication on the
   * platform, and no notice runs after submission. False or absent: the platform publishes the
   * notice when the pre-check passes (public page, objections) and the photo is not asked for.
   */
  paperPhotoAllowed: z.boolean().optional(),
});
export type PublicNotice = z.infer<typeof publicNoticeSchema>;

/**
 * The construction period, between staking-out and the household's report that
 * building is finished (申请竣工验收). It lasts as long as the approval is valid
 * (the shortest `validityMonths` of the certificates the case was issued).
 */
export const constructionPolicySchema = z.strictObject({
  /** How long before the approval's validity ends the household is reminded to finish and report. */
  reminderBeforeValidityEnds: durationSchema,
  /** Whether an approval whose house is not reported built by then expires (else the household may still report). */
  unbuiltApprovalExpires: z.boolean(),
});
export type ConstructionPolicy = z.infer<typeof constructionPolicySchema>;

/** `always`, or a pre-check flag that brings the department (or document) in. */
export const conditionSchema = z.union([z.literal("always"), precheckFlagSchema]);
export type PolicyCondition = z.infer<typeof conditionSchema>;

const caseKindsSchema = z.array(caseKindSchema).min(1);

export const departmentPolicySchema = z.strictObject({
  id: departmentIdSchema,
  name: localizedTextSchema,
  condition: conditionSchema,
  appliesTo: caseKindsSchema,
});
export type DepartmentPolicy = z.infer<typeof departmentPolicySchema>;

/** Where in the procedure a site visit happens; the workflow opens the visit at that point. */
export const SITE_VISIT_STAGES = [
  "before_acceptance",
  "joint_review",
  "before_construction",
  "during_construction",
  "after_completion",
] as const;

export const siteVisitPolicySchema = z.strictObject({
  id: idSchema,
  name: localizedTextSchema,
  stage: z.enum(SITE_VISIT_STAGES),
  departments: z.array(departmentIdSchema).min(1),
  appliesTo: caseKindsSchema,
});
export type SiteVisitPolicy = z.infer<typeof siteVisitPolicySchema>;

export const documentRequirementSchema = z.strictObject({
  typeId: idSchema,
  name: localizedTextSchema,
  minCount: z.int().min(1),
  /** `paper_public_notice`: asked for only when `publicNotice.paperPhotoAllowed` (the photo replaces publication). */
  condition: z.union([conditionSchema, z.literal("paper_public_notice")]).default("always"),
});
export type DocumentRequirement = z.infer<typeof documentRequirementSchema>;

export const uploadRuleSchema = z.strictObject({
  contentType: z.string().regex(/^[a-z]+\/[a-z0-9.+-]+$/),
  maxBytes: z.int().positive(),
});
export type UploadRule = z.infer<typeof uploadRuleSchema>;

export const certificatePolicySchema = z.strictObject({
  validityMonths: z.int().min(1),
  /** ASCII so certificate numbers are safe in keys and URLs. */
  numberPrefix: z.string().regex(/^[A-Z0-9-]+$/),
});
export type CertificatePolicy = z.infer<typeof certificatePolicySchema>;

/** A PNG (by its magic bytes) as base64, at most 256 KB: a township's electronic seal. */
const sealPngSchema = z
  .base64()
  .max(350_000)
  .refine((value) => Buffer.from(value, "base64").subarray(0, 8).equals(PNG_MAGIC), {
    error: "not a PNG image",
  });
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * The printed papers (shared/papers/): each township's electronic seal, what a
 * refusal cites and which rights it names, how a certificate is extended, and
 * how far a built house may exceed an approved area before the inspection
 * record flags it.
 */
export const papersPolicySchema = z.strictObject({
  /** By township code: the seal printed on that township's papers; a township without one prints "no seal configured". */
  townships: z.record(
    z.string().regex(/^\d{9}$/),
    z.strictObject({
      /** Overrides the township's name from the reference data (e.g. "丹棱镇" → "丹棱镇人民政府" is added by the paper). */
      name: localizedTextSchema.optional(),
      sealPngBase64: sealPngSchema.optional(),
    }),
  ),
  refusal: z.strictObject({
    /** ASCII prefix of refusal notice numbers (不予批准决定书), e.g. "511424-BYPZ". */
    numberPrefix: z.string().regex(/^[A-Z0-9-]+$/),
    /** The provisions every refusal cites (the township adds its own reasons). */
    legalBasis: z.array(z.string().min(1)).min(1),
    /** Administrative reconsideration (行政复议): where, and within how many days of receipt. */
    reconsideration: z.strictObject({ body: z.string().min(1), days: z.int().min(1) }),
    /** Administrative litigation (行政诉讼): which court, within how many months of receipt. */
    litigation: z.strictObject({ court: z.string().min(1), months: z.int().min(1) }),
  }),
  /** Extension of a certificate's validity (延期): how often, by how many months each time. */
  extension: z.strictObject({ maxExtensions: z.int().min(0), months: z.int().min(1) }),
  /** A measured area above approved × (1 + tolerance) is flagged on the completion inspection record. */
  areaTolerance: z.number().min(0).max(0.2),
});
export type PapersPolicy = z.infer<typeof papersPolicySchema>;

export const countyPolicySchema = z
  .strictObject({
    policyId: z.string().regex(/^[a-z][a-z0-9-]*$/),
    county: z.strictObject({
      /** The 6-digit administrative division code (行政区划代码). */
      code: z.string().regex(/^\d{6}$/),
      name: localizedTextSchema,
      province: localizedTextSchema,
    }),
    terrainClasses: z.array(terrainClassSchema).min(1),
    areaStandards: areaStandardsSchema,
    building: buildingLimitsSchema,
    publicNotice: publicNoticeSchema,
    /** Months after completion within which a promised old plot is returned (承诺书); absent: no due date. */
    oldPlotReturnMonths: z.int().min(1).max(60).optional(),
    timeLimits: timeLimitsSchema,
    /**
     * Every this long a human step waits without a decision, it is reminded (the
     * workflow's HeartbeatSeconds; shared/workflow/remind.ts). Steps whose limit
     * is shorter are never reminded before they fall due; overdue steps keep
     * being reminded at this cadence.
     */
    reminderInterval: durationSchema,
    construction: constructionPolicySchema,
    /** What a plot outside the village construction boundary gets: a warning or a block. */
    outsideVillageConstructionBoundary: z.enum(["warn", "block"]),
    departments: z.array(departmentPolicySchema).min(1),
    siteVisits: z.array(siteVisitPolicySchema),
    requiredDocuments: z.strictObject({
      homestead: z.array(documentRequirementSchema),
      farmhouse: z.array(documentRequirementSchema),
    }),
    uploads: z.array(uploadRuleSchema).min(1),
    certificates: z.strictObject({
      homestead_approval_certificate: certificatePolicySchema,
      rural_construction_planning_permit: certificatePolicySchema,
    }),
    papers: papersPolicySchema,
    /** Who is told what, by SMS and in the app; absent: nobody is notified (shared/schemas/notifications.ts). */
    notifications: notificationPolicySchema.optional(),
    /** Provenance of the numbers; free text, never read by code. */
    notes: z.array(z.string()).optional(),
  })
  .superRefine((policy, ctx) => {
    const terrainIds = policy.terrainClasses.map((terrain) => terrain.id);
    reportDuplicates(terrainIds, ["terrainClasses"], ctx);

    const { houseLand, total, householdSizeBands } = policy.areaStandards;
    if (!houseLand && !total) {
      ctx.addIssue({
        code: "custom",
        path: ["areaStandards"],
        message: "at least one of houseLand or total must be set",
      });
    }
    for (const [key, limit] of [
      ["houseLand", houseLand],
      ["total", total],
    ] as const) {
      if (!limit) continue;
      for (const terrainId of terrainIds) {
        if (limit.byTerrainM2[terrainId] === undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["areaStandards", key, "byTerrainM2", terrainId],
            message: `no area set for terrain class "${terrainId}"`,
          });
        }
      }
      for (const terrainId of Object.keys(limit.byTerrainM2)) {
        if (!terrainIds.includes(terrainId)) {
          ctx.addIssue({
            code: "custom",
            path: ["areaStandards", key, "byTerrainM2", terrainId],
            message: `unknown terrain class "${terrainId}"`,
          });
        }
      }
    }
    checkBands(householdSizeBands, ctx);

    reportDuplicates(
      policy.departments.map((department) => department.id),
      ["departments"],
      ctx,
    );
    const declared = new Set(policy.departments.map((department) => department.id));
    policy.siteVisits.forEach((visit, index) => {
      visit.departments.forEach((departmentId, departmentIndex) => {
        if (!declared.has(departmentId)) {
          ctx.addIssue({
            code: "custom",
            path: ["siteVisits", index, "departments", departmentIndex],
            message: `site visit names department "${departmentId}" that the policy does not declare`,
          });
        }
      });
    });
    reportDuplicates(
      policy.siteVisits.map((visit) => visit.id),
      ["siteVisits"],
      ctx,
    );
    for (const kind of CASE_KINDS) {
      reportDuplicates(
        policy.requiredDocuments[kind].map((document) => document.typeId),
        ["requiredDocuments", kind],
        ctx,
      );
    }
    reportDuplicates(
      policy.uploads.map((rule) => rule.contentType),
      ["uploads"],
      ctx,
    );
  });
export type CountyPolicy = z.infer<typeof countyPolicySchema>;
/** What a policy file contains before defaults are applied. */
export type CountyPolicyInput = z.input<typeof countyPolicySchema>;

type RefinementContext = z.RefinementCtx;

function reportDuplicates(
  values: readonly string[],
  path: (string | number)[],
  ctx: RefinementContext,
): void {
  const seen = new Set<string>();
  values.forEach((value, index) => {
    if (seen.has(value)) {
      ctx.addIssue({ code: "custom", path: [...path, index], message: `duplicate id "${value}"` });
    }
    seen.add(value);
  });
}
