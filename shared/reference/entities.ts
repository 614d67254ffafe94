/**
 * Reference entities: the table items each valid import row becomes (the rows' zod
 * schemas are in rows.ts, re-exported here; key design in
 * infra/constructs/case-table.ts; key builders in shared/store/reference-store.ts).
 *
 * Each row becomes one head item carrying `contentHash` (SHA-256 of the
 * validated row) and `dependentSks` (the sort keys of items that exist only
 * because of it, in the same partition: a parcel's grid-cell index items).
 * An import compares hashes to skip unchanged rows and deletes dependents the
 * new version no longer has.
 */
import { createHash } from "node:crypto";
import type * as z from "zod";
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
import { gridCells } from "./geometry.ts";
import type {
  BoundaryRow,
  HomesteadRow,
  HouseholdRow,
  ParcelRow,
  ReferenceType,
  TownshipRow,
  VillageRow,
} from "./rows.ts";
import {
  boundaryRowSchema,
  homesteadRowSchema,
  householdRowSchema,
  parcelAreaProblems,
  parcelRowSchema,
  townshipRowSchema,
  villageRowSchema,
} from "./rows.ts";

export * from "./rows.ts";

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
