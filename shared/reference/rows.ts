/**
 * What an import row may hold: one zod schema per reference type.
 *
 * Rows come from CSV (every value a string, empty = absent) or GeoJSON
 * features (properties with JSON types, the geometry as `polygon`), so the
 * field schemas accept both spellings. Field names are the CSV column names,
 * which is what a rejected row's report names.
 */
import * as z from "zod";
import { landClassSchema } from "../schemas/common.ts";
import { EXISTING_HOMESTEAD_STATUSES } from "../schemas/precheck.ts";
import { areaAgrees, type Polygon, type Position, polygonAreaM2, polygonProblems } from "./geometry.ts";

export const REFERENCE_TYPES = [
  "township",
  "village",
  "household",
  "homestead",
  "parcel",
  "boundary",
] as const;
export const referenceTypeSchema = z.enum(REFERENCE_TYPES);
export type ReferenceType = z.infer<typeof referenceTypeSchema>;

const blank = (value: unknown) =>
  value === undefined || value === null || (typeof value === "string" && value.trim() === "");
const missing = (iss: { input?: unknown }) => (blank(iss.input) ? "missing" : undefined);

/** A required text field; surrounding blanks are not part of a code. */
const text = (pattern?: RegExp, what?: string) => {
  const base = z
    .string({ error: (iss) => missing(iss) ?? "not text" })
    .trim()
    .min(1, "missing");
  return pattern ? base.regex(pattern, what ?? `does not match ${pattern}`) : base;
};
const optionalText = z.preprocess(
  (value) => (blank(value) ? undefined : value),
  z.string().trim().optional(),
);

const number = z.preprocess(
  (value) => (typeof value === "string" ? (value.trim() === "" ? undefined : Number(value)) : value),
  z.number({ error: (iss) => missing(iss) ?? "not a number" }).finite("not a number"),
);

const TRUE = new Set(["true", "1", "yes", "y", "是"]);
const FALSE = new Set(["false", "0", "no", "n", "否"]);
const toBoolean = (value: unknown) => {
  if (typeof value !== "string") return value;
  const word = value.trim().toLowerCase();
  if (word === "") return undefined;
  return TRUE.has(word) ? true : FALSE.has(word) ? false : value;
};
const flag = z.preprocess(
  toBoolean,
  z.boolean({ error: (iss) => missing(iss) ?? "not a yes/no value (true/false, 1/0, 是/否)" }),
);
const optionalFlag = z.preprocess(
  toBoolean,
  z.boolean({ error: "not a yes/no value (true/false, 1/0, 是/否)" }).optional(),
);

const polygonShape = z.object({
  type: z.literal("Polygon", { error: "not a GeoJSON Polygon" }),
  coordinates: z.array(z.array(z.tuple([z.number(), z.number()]).rest(z.number())), {
    error: "coordinates are not an array of rings of [longitude, latitude] positions",
  }),
});

/** A GeoJSON Polygon (object, or JSON text in a CSV cell) that passes polygonProblems. */
const polygon = z.preprocess(
  (value) => {
    if (typeof value !== "string") return value;
    if (value.trim() === "") return undefined;
    try {
      return JSON.parse(value);
    } catch {
      return Symbol.for("invalid-json");
    }
  },
  z
    .unknown()
    .superRefine((value, ctx) => {
      if (value === undefined) ctx.addIssue({ code: "custom", message: "missing" });
      else if (value === Symbol.for("invalid-json"))
        ctx.addIssue({ code: "custom", message: "not valid JSON" });
    })
    .pipe(
      polygonShape.superRefine((shape, ctx) => {
        for (const problem of polygonProblems(
          shape.coordinates.map((ring) => ring.map(([lng, lat]) => [lng, lat] as Position)),
        )) {
          ctx.addIssue({ code: "custom", message: problem });
        }
      }),
    )
    .transform(
      (shape): Polygon => ({
        type: "Polygon",
        coordinates: shape.coordinates.map((ring) => ring.map(([lng, lat]) => [lng, lat] as Position)),
      }),
    ),
);

const townshipCode = text(/^\d{9}$/, "not a 9-digit township code");
const villageCode = text(/^\d{12}$/, "not a 12-digit village code");
const id = text(/^[\w.-]{1,64}$/, "not an id (letters, digits, - _ . ; at most 64)");

export const townshipRowSchema = z.object({ townshipCode, nameZh: text(), nameEn: optionalText });

export const villageRowSchema = z
  .object({
    villageCode,
    townshipCode,
    nameZh: text(),
    nameEn: optionalText,
    /** A terrain class id of the county policy (plains, hills, mountains in Sichuan). */
    terrainClass: text(/^[a-z][a-z_]*$/, "not a terrain class id"),
  })
  .superRefine((row, ctx) => {
    if (!row.villageCode.startsWith(row.townshipCode)) {
      ctx.addIssue({
        code: "custom",
        path: ["villageCode"],
        message: `does not lie in township ${row.townshipCode}`,
      });
    }
  });

export const householdRowSchema = z.object({
  householdId: id,
  /**
   * The head of household's ID number as a keyed hash (HMAC-SHA-256, hex), made by
   * the exporting bureau with the county's key: the platform never stores the number.
   */
  headIdHash: text(/^[0-9a-f]{64}$/, "not a 64-hex-digit keyed hash"),
  membersCount: number.pipe(
    z.int("not a whole number").min(1, "must be at least 1").max(50, "must be at most 50"),
  ),
  registrationVillageCode: villageCode,
});

export const homesteadRowSchema = z.object({
  homesteadId: id,
  householdId: id,
  parcelId: optionalText,
  areaM2: number.pipe(z.number().min(0, "must not be negative").max(10_000, "must be at most 10000 m²")),
  titleCertificateNo: optionalText,
  status: z.enum(EXISTING_HOMESTEAD_STATUSES, {
    error: (iss) => missing(iss) ?? `not one of ${EXISTING_HOMESTEAD_STATUSES.join(", ")}`,
  }),
  willBeReturned: flag,
});

export const parcelRowSchema = z.object({
  parcelId: id,
  villageCode,
  landClass: z.enum(landClassSchema.options, {
    error: (iss) => missing(iss) ?? `not one of ${landClassSchema.options.join(", ")}`,
  }),
  areaM2: number.pipe(z.number().positive("must be positive")),
  cropland: optionalFlag,
  permanentBasicFarmland: flag,
  forestLand: flag,
  waterProtectionZone: flag,
  roadSetback: flag,
  powerLine: flag,
  polygon,
});

/**
 * The area rule: the declared (surveyed) area agrees with the drawn polygon within
 * 10 %. Run after the row parsed, so a broken polygon is reported once, as itself.
 */
export function parcelAreaProblems(row: ParcelRow): { field: string; reason: string }[] {
  if (areaAgrees(row.areaM2, row.polygon)) return [];
  const drawn = Math.round(polygonAreaM2(row.polygon) * 100) / 100;
  return [
    {
      field: "areaM2",
      reason: `declared ${row.areaM2} m² differs from the polygon's ${drawn} m² by more than 10%`,
    },
  ];
}

export const boundaryRowSchema = z.object({ villageCode, polygon });

export type TownshipRow = z.infer<typeof townshipRowSchema>;
export type VillageRow = z.infer<typeof villageRowSchema>;
export type HouseholdRow = z.infer<typeof householdRowSchema>;
export type HomesteadRow = z.infer<typeof homesteadRowSchema>;
export type ParcelRow = z.infer<typeof parcelRowSchema>;
export type BoundaryRow = z.infer<typeof boundaryRowSchema>;
