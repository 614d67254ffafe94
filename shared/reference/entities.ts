/**
 * Reference entities: what an import row may hold (zod, one schema per type),
 * and the table items each valid row becomes (key design in
 * infra/constructs/case-table.ts; key builders in shared/store/reference-store.ts).
 *
 * Rows come from CSV (every value a string, empty = absent) or GeoJSON
 * features (properties with JSON types, the geometry as `polygon`), so the
 * field schemas accept both spellings. Field names are the CSV column names,
 * which is what a rejected row's report names.
 *
 * Each row becomes one head item carrying `contentHash` (SHA-256 of the
 * validated row) and `dependentSks` (the sort keys of items that exist only
 * because of it, in the same partition: a parcel's grid-cell index items).
 * An import compares hashes to skip unchanged rows and deletes dependents the
 * new version no longer has.
 */
import { createHash } from "node:crypto";
import * as z from "zod";
import { landClassSchema } from "../schemas/common.ts";
import { EXISTING_HOMESTEAD_STATUSES } from "../schemas/precheck.ts";
import { registerPersonKeys } from "../store/keys.ts";
import {
  boundaryKey,
  gridCellItemKeys,
  homesteadKey,
  householdKey,
  parcelKey,
  townshipKey,
  villageKey,
} from "../store/reference-store.ts";
import {
  areaAgrees,
  gridCells,
  type Polygon,
  type Position,
  polygonAreaM2,
  polygonProblems,
} from "./geometry.ts";

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

export type Item = Record<string, unknown> & { pk: string; sk: string };

export interface RowItems {
  /** Carries contentHash and dependentSks; written last, so a crash never leaves a head newer than its dependents. */
  readonly head: Item;
  /** Items in the head's partition that exist because of it (grid-cell index items). */
  readonly dependents: readonly Item[];
}

/** Canonical JSON (sorted keys) so the hash does not depend on column or property order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

export function contentHash(type: ReferenceType, row: unknown): string {
  return createHash("sha256").update(type).update("\n").update(canonical(row)).digest("hex").slice(0, 32);
}

const defined = (record: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));

function head(
  type: ReferenceType,
  key: { pk: string; sk: string },
  row: unknown,
  attributes: Record<string, unknown>,
  dependentSks: string[] = [],
): Item {
  return { ...key, type, ...defined(attributes), contentHash: contentHash(type, row), dependentSks };
}

/** The facts of a parcel both its head and its grid-cell items carry (the pre-check reads the latter). */
function parcelFacts(row: ParcelRow) {
  return defined({
    parcelId: row.parcelId,
    villageCode: row.villageCode,
    landClass: row.landClass,
    areaM2: row.areaM2,
    cropland: row.cropland,
    permanentBasicFarmland: row.permanentBasicFarmland,
    forestLand: row.forestLand,
    waterProtectionZone: row.waterProtectionZone,
    roadSetback: row.roadSetback,
    powerLine: row.powerLine,
    polygon: row.polygon,
  });
}

export function parcelItems(row: ParcelRow): RowItems {
  const facts = parcelFacts(row);
  const cells = gridCells(row.polygon);
  const dependents = cells.map((cell) => ({
    ...gridCellItemKeys(row.villageCode, row.parcelId, cell),
    type: "parcel_cell",
    ...facts,
  }));
  return {
    head: head(
      "parcel",
      parcelKey(row.villageCode, row.parcelId),
      row,
      { ...facts, cells },
      dependents.map((item) => item.sk),
    ),
    dependents,
  };
}

interface EntityDefinition<T> {
  readonly type: ReferenceType;
  readonly schema: z.ZodType<T>;
  /** CSV header columns a file must have (optional fields may be absent as columns too). */
  readonly requiredColumns: readonly string[];
  /** Duplicate detection within a file, and the head item's identity. */
  readonly idField: string;
  readonly idOf: (row: T) => string;
  readonly items: (row: T) => RowItems;
  /** Rules across fields, run on a parsed row. */
  readonly problems?: (row: T) => { field: string; reason: string }[];
}

const only = (item: Item): RowItems => ({ head: item, dependents: [] });

const TOWNSHIP: EntityDefinition<TownshipRow> = {
  type: "township",
  schema: townshipRowSchema,
  requiredColumns: ["townshipCode", "nameZh"],
  idField: "townshipCode",
  idOf: (row) => row.townshipCode,
  items: (row) =>
    only(
      head("township", townshipKey(row.townshipCode), row, {
        townshipCode: row.townshipCode,
        name: { zh: row.nameZh, en: row.nameEn ?? row.nameZh },
      }),
    ),
};

const VILLAGE: EntityDefinition<VillageRow> = {
  type: "village",
  schema: villageRowSchema,
  requiredColumns: ["villageCode", "townshipCode", "nameZh", "terrainClass"],
  idField: "villageCode",
  idOf: (row) => row.villageCode,
  items: (row) =>
    only(
      head("village", villageKey(row.villageCode), row, {
        villageCode: row.villageCode,
        townshipCode: row.townshipCode,
        terrainClass: row.terrainClass,
        name: { zh: row.nameZh, en: row.nameEn ?? row.nameZh },
      }),
    ),
};

const HOUSEHOLD: EntityDefinition<HouseholdRow> = {
  type: "household",
  schema: householdRowSchema,
  requiredColumns: ["householdId", "headIdHash", "membersCount", "registrationVillageCode"],
  idField: "householdId",
  idOf: (row) => row.householdId,
  // The head's keyed hash also files the entry under byPerson (一户一宅: the pre-check finds a head elsewhere).
  items: (row) =>
    only(
      head("household", householdKey(row.householdId), row, {
        ...row,
        ...registerPersonKeys(row.headIdHash, row.householdId),
      }),
    ),
};

const HOMESTEAD: EntityDefinition<HomesteadRow> = {
  type: "homestead",
  schema: homesteadRowSchema,
  requiredColumns: ["homesteadId", "householdId", "areaM2", "status", "willBeReturned"],
  idField: "homesteadId",
  idOf: (row) => row.homesteadId,
  items: (row) => only(head("homestead", homesteadKey(row.householdId, row.homesteadId), row, { ...row })),
};

const PARCEL: EntityDefinition<ParcelRow> = {
  type: "parcel",
  schema: parcelRowSchema,
  requiredColumns: [
    "parcelId",
    "villageCode",
    "landClass",
    "areaM2",
    "permanentBasicFarmland",
    "forestLand",
    "waterProtectionZone",
    "roadSetback",
    "powerLine",
    "polygon",
  ],
  idField: "parcelId",
  idOf: (row) => row.parcelId,
  items: parcelItems,
  problems: parcelAreaProblems,
};

const BOUNDARY: EntityDefinition<BoundaryRow> = {
  type: "boundary",
  schema: boundaryRowSchema,
  requiredColumns: ["villageCode", "polygon"],
  idField: "villageCode",
  idOf: (row) => row.villageCode,
  items: (row) => only(head("boundary", boundaryKey(row.villageCode), row, { ...row })),
};

/** Erased to `unknown` rows: the importer only passes a schema's output back to the same definition. */
export interface AnyEntityDefinition {
  readonly type: ReferenceType;
  readonly schema: z.ZodType<unknown>;
  readonly requiredColumns: readonly string[];
  readonly idField: string;
  readonly idOf: (row: unknown) => string;
  readonly items: (row: unknown) => RowItems;
  readonly problems?: (row: unknown) => { field: string; reason: string }[];
}

function erase<T>(definition: EntityDefinition<T>): AnyEntityDefinition {
  return definition as unknown as AnyEntityDefinition;
}

export const ENTITIES: Readonly<Record<ReferenceType, AnyEntityDefinition>> = {
  township: erase(TOWNSHIP),
  village: erase(VILLAGE),
  household: erase(HOUSEHOLD),
  homestead: erase(HOMESTEAD),
  parcel: erase(PARCEL),
  boundary: erase(BOUNDARY),
};
