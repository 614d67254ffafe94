/**
 * The application form (农村宅基地和建房（规划许可）申请表), as the household fills it in.
 *
 * Two schemas:
 * - `applicationDraftSchema`: every field optional and only type/length checked, so
 *   the phone form can save half-typed values (a half-typed ID number is not yet
 *   wrong, it is unfinished);
 * - `applicationCompleteSchema`: what submission requires, with ID checksums,
 *   mobile numbers, coordinates and cross-field rules.
 *
 * The villager group and village opinions on the paper form are written by
 * reviewers, not the household, so they are review records, not form fields.
 * Custom issue messages are codes from ./messages.ts.
 */
import * as z from "zod";
import { checkIdNumber } from "../domain/id-number.ts";
import { isMainlandMobile, normalizePhone } from "../domain/phone.ts";
import { caseKindSchema, landClassSchema } from "./common.ts";
import { codeErrorMap, type FieldError, toFieldErrors } from "./messages.ts";

export const SEXES = ["male", "female"] as const;
export const MEMBER_RELATIONS = [
  "spouse",
  "child",
  "child_in_law",
  "grandchild",
  "parent",
  "parent_in_law",
  "grandparent",
  "sibling",
  "other",
] as const;
export const OLD_PLOT_DISPOSITIONS = ["keep", "return", "other"] as const;
export const PLOT_SITUATIONS = ["rebuild_on_old_plot", "new_plot", "change_or_enlarge"] as const;

// Sanity bounds only; the county caps are checked by the pre-check against policy.
const MAX_AREA_M2 = 10_000;
const MAX_MEMBERS = 30;
// A generous box around mainland China, catching swapped longitude/latitude.
const LNG_RANGE = [73, 136] as const;
const LAT_RANGE = [3, 54] as const;

const text = (max: number) => z.string().trim().min(1).max(max);
const personName = text(50);
const areaM2 = z.number().positive().max(MAX_AREA_M2);

const idNumber = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    const check = checkIdNumber(value);
    if (!check.valid) ctx.addIssue({ code: "custom", message: `id_number.${check.problem}` });
  })
  .transform((value) => value.toUpperCase());

const mobilePhone = z
  .string()
  .trim()
  .refine(isMainlandMobile, { error: "phone.mobile" })
  .transform(normalizePhone);

const lng = z
  .number()
  .min(LNG_RANGE[0], { error: "location.outside_china" })
  .max(LNG_RANGE[1], { error: "location.outside_china" });
const lat = z
  .number()
  .min(LAT_RANGE[0], { error: "location.outside_china" })
  .max(LAT_RANGE[1], { error: "location.outside_china" });
const position = z.tuple([lng, lat]);

/** GeoJSON Point: `coordinates` is [longitude, latitude] (WGS 84 / CGCS2000). */
export const pointSchema = z.strictObject({ type: z.literal("Point"), coordinates: position });

/** GeoJSON Polygon: closed rings of at least 4 positions; the first ring is the outer boundary. */
export const polygonSchema = z.strictObject({
  type: z.literal("Polygon"),
  coordinates: z
    .array(
      z
        .array(position)
        .min(4)
        .superRefine((ring, ctx) => {
          const first = ring[0];
          const last = ring[ring.length - 1];
          if (first && last && (first[0] !== last[0] || first[1] !== last[1])) {
            ctx.addIssue({ code: "custom", message: "location.ring_not_closed" });
          }
        }),
    )
    .min(1),
});

export const locationSchema = z.discriminatedUnion("type", [pointSchema, polygonSchema]);
export type PlotLocation = z.infer<typeof locationSchema>;

export const headOfHouseholdSchema = z.strictObject({
  name: personName,
  sex: z.enum(SEXES),
  age: z.int().min(18, { error: "head.adult" }).max(130),
  phone: mobilePhone,
  idNumber,
  householdRegistrationPlace: text(200),
});

export const householdMemberSchema = z.strictObject({
  name: personName,
  age: z.int().min(0).max(130),
  relation: z.enum(MEMBER_RELATIONS),
  idNumber,
});

export const currentHomesteadSchema = z
  .strictObject({
    areaM2,
    houseFloorAreaM2: z.number().min(0).max(MAX_AREA_M2),
    /** Many old plots were never certified, so the number is optional. */
    titleCertificateNo: text(50).optional(),
    oldPlotDisposition: z.enum(OLD_PLOT_DISPOSITIONS),
    oldPlotDispositionNote: text(200).optional(),
  })
  .superRefine((homestead, ctx) => {
    if (homestead.oldPlotDisposition === "other" && homestead.oldPlotDispositionNote === undefined) {
      ctx.addIssue({ code: "custom", path: ["oldPlotDispositionNote"], message: "old_plot.note_required" });
    }
  });

export const boundariesSchema = z.strictObject({
  east: text(100),
  south: text(100),
  west: text(100),
  north: text(100),
});

export const proposedPlotSchema = z.strictObject({
  houseLandAreaM2: areaM2,
  ancillaryLandAreaM2: z.number().min(0).max(MAX_AREA_M2),
  address: text(200),
  boundaries: boundariesSchema,
  location: locationSchema,
  situation: z.enum(PLOT_SITUATIONS),
  landClass: landClassSchema,
});

export const buildingSchema = z.strictObject({
  floorAreaM2: areaM2,
  floors: z.int().min(1).max(20),
  heightM: z.number().positive().max(100),
});

export const applicationCompleteSchema = z
  .strictObject({
    kind: caseKindSchema,
    head: headOfHouseholdSchema,
    /** Everyone in the household except the head: none for a household of one (absent means none). */
    members: z.array(householdMemberSchema).max(MAX_MEMBERS).default([]),
    /** Absent when the household holds no homestead today. */
    currentHomestead: currentHomesteadSchema.optional(),
    proposedPlot: proposedPlotSchema,
    building: buildingSchema,
    neighboursConsulted: z.boolean(),
    reason: text(500),
  })
  .superRefine((application, ctx) => {
    const { situation } = application.proposedPlot;
    if (application.kind === "farmhouse" && situation !== "rebuild_on_old_plot") {
      ctx.addIssue({
        code: "custom",
        path: ["proposedPlot", "situation"],
        message: "situation.farmhouse_rebuild_only",
      });
    }
    if (situation !== "new_plot" && application.currentHomestead === undefined) {
      ctx.addIssue({ code: "custom", path: ["currentHomestead"], message: "current_homestead.required" });
    }
    const headCheck = checkIdNumber(application.head.idNumber);
    if (headCheck.valid && headCheck.sex !== application.head.sex) {
      ctx.addIssue({ code: "custom", path: ["head", "sex"], message: "id_number.sex_mismatch" });
    }
    const seen = new Set([application.head.idNumber]);
    application.members.forEach((member, index) => {
      if (seen.has(member.idNumber)) {
        ctx.addIssue({
          code: "custom",
          path: ["members", index, "idNumber"],
          message: "id_number.duplicate",
        });
      }
      seen.add(member.idNumber);
    });
  });
export type ApplicationComplete = z.infer<typeof applicationCompleteSchema>;
export type HeadOfHousehold = z.infer<typeof headOfHouseholdSchema>;
export type HouseholdMember = z.infer<typeof householdMemberSchema>;
export type ProposedPlot = z.infer<typeof proposedPlotSchema>;

// Draft: same shape, every field optional, values only type- and length-checked.
const draftText = (max: number) => z.string().max(max).optional();
const draftNumber = z.number().min(0).max(MAX_AREA_M2).optional();
/** An area that must be above 0 on submission is refused at 0 in a draft too (one rule, told at once). */
const draftArea = areaM2.optional();

export const applicationDraftSchema = z.strictObject({
  kind: caseKindSchema.optional(),
  head: z
    .strictObject({
      name: draftText(50),
      sex: z.enum(SEXES).optional(),
      age: z.int().min(0).max(130).optional(),
      phone: draftText(20),
      idNumber: draftText(18),
      householdRegistrationPlace: draftText(200),
    })
    .optional(),
  members: z
    .array(
      z.strictObject({
        name: draftText(50),
        age: z.int().min(0).max(130).optional(),
        relation: z.enum(MEMBER_RELATIONS).optional(),
        idNumber: draftText(18),
      }),
    )
    .max(MAX_MEMBERS)
    .optional(),
  currentHomestead: z
    .strictObject({
      areaM2: draftArea,
      houseFloorAreaM2: draftNumber,
      titleCertificateNo: draftText(50),
      oldPlotDisposition: z.enum(OLD_PLOT_DISPOSITIONS).optional(),
      oldPlotDispositionNote: draftText(200),
    })
    .optional(),
  proposedPlot: z
    .strictObject({
      houseLandAreaM2: draftArea,
      ancillaryLandAreaM2: draftNumber,
      address: draftText(200),
      boundaries: z
        .strictObject({
          east: draftText(100),
          south: draftText(100),
          west: draftText(100),
          north: draftText(100),
        })
        .optional(),
      // A location is captured whole (GPS fix or drawn polygon), never half, so it keeps its full schema.
      location: locationSchema.optional(),
      situation: z.enum(PLOT_SITUATIONS).optional(),
      landClass: landClassSchema.optional(),
    })
    .optional(),
  building: z
    .strictObject({
      floorAreaM2: draftArea,
      floors: z.int().min(1).max(20).optional(),
      heightM: z.number().positive().max(100).optional(),
    })
    .optional(),
  neighboursConsulted: z.boolean().optional(),
  reason: draftText(500),
});
export type ApplicationDraft = z.infer<typeof applicationDraftSchema>;

export type ApplicationStage = "draft" | "complete";

export type ApplicationValidation<T> =
  | { readonly success: true; readonly data: T }
  | { readonly success: false; readonly errors: FieldError[] };

/** Validates the form for a partial save (`draft`) or for submission (`complete`), with bilingual errors. */
export function validateApplication(input: unknown, stage: "draft"): ApplicationValidation<ApplicationDraft>;
export function validateApplication(
  input: unknown,
  stage: "complete",
): ApplicationValidation<ApplicationComplete>;
export function validateApplication(
  input: unknown,
  stage: ApplicationStage,
): ApplicationValidation<ApplicationDraft | ApplicationComplete> {
  const schema = stage === "draft" ? applicationDraftSchema : applicationCompleteSchema;
  const result = schema.safeParse(input, { error: codeErrorMap });
  return result.success
    ? { success: true, data: result.data }
    : { success: false, errors: toFieldErrors(result.error.issues) };
}

/** Household size as the form states it: the head plus the listed members. */
export function formHouseholdSize(application: Pick<ApplicationComplete, "members">): number {
  return 1 + application.members.length;
}
