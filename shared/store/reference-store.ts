/**
 * Reference facts for the pre-check (household register, homestead register,
 * villages with their terrain class and construction boundary, land parcels),
 * read from the case table by key only: one Query per household, one per village.
 *
 * Items (documented with the key design in infra/constructs/case-table.ts):
 *   HOUSEHOLD#<householdId>  HOUSEHOLD             the register entry
 *   HOUSEHOLD#<householdId>  HOMESTEAD#<id>        a plot the household holds or held
 *   VILLAGE#<villageCode>    VILLAGE               terrain class, township
 *   VILLAGE#<villageCode>    BOUNDARY              construction boundary polygon (村庄建设边界)
 *   VILLAGE#<villageCode>    PARCEL#<parcelId>     land class, flags, polygon, its grid cells
 *   VILLAGE#<villageCode>    GRID#<cell>#<parcelId> one per grid cell the parcel touches, a copy
 *                                                   of the parcel's facts, on byGridCell:
 *                                                   gsi5pk = GRID#<cell>, gsi5sk = <villageCode>#<parcelId>
 *   TOWNSHIP#<townshipCode>  TOWNSHIP              name
 *
 * Candidate parcels of a plot come from the byGridCell index (one Query per cell the plot's
 * bounding box covers, shared/reference/geometry.ts), de-duplicated; the exact Turf predicates
 * then decide. Geometry is computed here so the pure pre-check only sees booleans.
 */

import { BatchGetCommand, type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { booleanIntersects } from "@turf/boolean-intersects";
import { booleanPointInPolygon } from "@turf/boolean-point-in-polygon";
import { booleanWithin } from "@turf/boolean-within";
import * as z from "zod";
import { GRID_PRECISION, gridCells, MAX_PLOT_CELLS, PlotTooLargeError } from "../reference/geometry.ts";
import { type PlotLocation, polygonSchema } from "../schemas/application.ts";
import { landClassSchema } from "../schemas/common.ts";
import {
  existingHomesteadSchema,
  householdRecordSchema,
  type OverlappingParcel,
  overlappingParcelSchema,
  type ReferenceFacts,
  referenceFactsSchema,
} from "../schemas/precheck.ts";
import {
  boundaryKey,
  gridCellPartition,
  HOMESTEAD_PREFIX,
  householdKey,
  type PersonEntry,
  parsePersonEntry,
  personPartition,
  RETURN_PREFIX,
  villageKey,
} from "./keys.ts";

export {
  boundaryKey,
  gridCellItemKeys,
  gridCellPartition,
  homesteadKey,
  householdKey,
  parcelKey,
  townshipKey,
  villageKey,
} from "./keys.ts";

export const villageItemSchema = z.object({
  villageCode: z.string().min(1),
  townshipCode: z.string().min(1),
  /** A terrain class id of the county policy. */
  terrainClass: z.string().min(1),
  name: z.object({ zh: z.string(), en: z.string() }).optional(),
});
export const boundaryItemSchema = z.object({ villageCode: z.string().min(1), polygon: polygonSchema });
/** Not strict: stored items also carry import bookkeeping (contentHash, cells, areaM2), dropped here. */
export const parcelItemSchema = z.object({
  ...overlappingParcelSchema.shape,
  villageCode: z.string().min(1),
  landClass: landClassSchema,
  polygon: polygonSchema,
});
export type VillageItem = z.infer<typeof villageItemSchema>;
export type BoundaryItem = z.infer<typeof boundaryItemSchema>;
export type ParcelItem = z.infer<typeof parcelItemSchema>;
export type HouseholdItem = z.infer<typeof householdRecordSchema>;
export type HomesteadItem = z.infer<typeof existingHomesteadSchema>;

/** A fact the pre-check needs is not in the register: a reference-data fault, not the household's. */
export class ReferenceDataMissingError extends Error {
  override readonly name = "ReferenceDataMissingError";
}

/** The plot is inside (Point) or within (Polygon) the construction boundary. */
export function insideBoundary(location: PlotLocation, boundary: BoundaryItem["polygon"]): boolean {
  return location.type === "Point"
    ? booleanPointInPolygon(location.coordinates, boundary)
    : booleanWithin(location, boundary);
}

/** Parcels the plot overlaps or touches; a Point overlaps the parcels it lies in. */
export function overlappingParcels(
  location: PlotLocation,
  parcels: readonly ParcelItem[],
): OverlappingParcel[] {
  return parcels
    .filter((parcel) =>
      location.type === "Point"
        ? booleanPointInPolygon(location.coordinates, parcel.polygon)
        : booleanIntersects(location, parcel.polygon),
    )
    .map(({ villageCode: _village, polygon: _polygon, ...facts }) => overlappingParcelSchema.parse(facts));
}

/** The register's items with only the fields the pre-check reads (unknown ones dropped, not refused). */
const householdFields = z.object(householdRecordSchema.shape);
const homesteadFields = z.object(existingHomesteadSchema.shape);

const stripKeys = (item: Record<string, unknown>) => {
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item;
  return rest;
};

export class ReferenceStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private async partition(pk: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": pk },
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  async household(householdId: string): Promise<{ household: HouseholdItem; homesteads: HomesteadItem[] }> {
    const items = await this.partition(householdKey(householdId).pk);
    const entry = items.find((item) => item.sk === "HOUSEHOLD");
    if (!entry)
      throw new ReferenceDataMissingError(`Household ${householdId} is not in the household register`);
    // Old plots a completed case promised to return (shared/store/household-items.ts) count as returned-to-be.
    const toReturn = new Set(
      items
        .filter((item) => String(item.sk).startsWith(RETURN_PREFIX))
        .map((item) => String(item.homesteadId)),
    );
    return {
      // The register holds more than the pre-check reads (head's ID hash, title numbers): keep the known fields.
      household: householdRecordSchema.parse(householdFields.parse(entry)),
      homesteads: items
        .filter((item) => String(item.sk).startsWith(HOMESTEAD_PREFIX))
        .map((item) => existingHomesteadSchema.parse(homesteadFields.parse(item)))
        .map((homestead) =>
          toReturn.has(homestead.homesteadId) ? { ...homestead, willBeReturned: true } : homestead,
        ),
    };
  }

  /** Where a person (keyed hash of the ID number) appears: register heads and case people (byPerson). */
  async personEntries(idHash: string): Promise<PersonEntry[]> {
    const entries: PersonEntry[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: "byPerson",
          KeyConditionExpression: "gsi7pk = :person",
          ExpressionAttributeValues: { ":person": personPartition(idHash) },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const entry = parsePersonEntry(String(item.gsi7sk));
        if (entry) entries.push(entry);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return entries;
  }

  /** The village entry and its construction boundary: two keys, one BatchGetItem. */
  async village(villageCode: string): Promise<{ village: VillageItem; boundary?: BoundaryItem }> {
    const keys = [villageKey(villageCode), boundaryKey(villageCode)];
    let pending: Record<string, unknown>[] = keys;
    const found: Record<string, unknown>[] = [];
    while (pending.length > 0) {
      const page = await this.client.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      found.push(...(page.Responses?.[this.tableName] ?? []));
      pending = page.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }
    const entry = found.find((item) => item.sk === "VILLAGE");
    if (!entry) throw new ReferenceDataMissingError(`Village ${villageCode} has no reference data`);
    const boundary = found.find((item) => item.sk === "BOUNDARY");
    return {
      village: villageItemSchema.parse(stripKeys(entry)),
      ...(boundary ? { boundary: boundaryItemSchema.parse(stripKeys(boundary)) } : {}),
    };
  }

  /**
   * Parcels that may touch the plot: one byGridCell Query per cell of the plot's
   * bounding box, de-duplicated (a parcel is indexed in every cell it covers).
   * A superset: the caller applies the exact predicate.
   */
  async candidateParcels(location: PlotLocation): Promise<ParcelItem[]> {
    const cells = gridCells(location, GRID_PRECISION);
    if (cells.length > MAX_PLOT_CELLS) {
      throw new PlotTooLargeError(`The plot covers ${cells.length} grid cells (at most ${MAX_PLOT_CELLS})`);
    }
    const byId = new Map<string, ParcelItem>();
    await Promise.all(
      cells.map(async (cell) => {
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await this.client.send(
            new QueryCommand({
              TableName: this.tableName,
              IndexName: "byGridCell",
              KeyConditionExpression: "gsi5pk = :cell",
              ExpressionAttributeValues: { ":cell": gridCellPartition(cell) },
              ExclusiveStartKey: startKey,
            }),
          );
          for (const item of page.Items ?? []) {
            const key = String(item.gsi5sk);
            if (!byId.has(key)) byId.set(key, parcelItemSchema.parse(item));
          }
          startKey = page.LastEvaluatedKey;
        } while (startKey);
      }),
    );
    return [...byId.values()].sort((a, b) =>
      a.parcelId < b.parcelId ? -1 : a.parcelId > b.parcelId ? 1 : 0,
    );
  }

  /**
   * The facts the pre-check needs for one plot. A village without a recorded
   * construction boundary counts as outside it: the policy then warns or blocks,
   * which is safer than assuming the plot fits the village plan.
   */
  async factsFor(householdId: string, villageCode: string, location: PlotLocation): Promise<ReferenceFacts> {
    const [{ household, homesteads }, { village, boundary }, parcels] = await Promise.all([
      this.household(householdId),
      this.village(villageCode),
      this.candidateParcels(location),
    ]);
    return referenceFactsSchema.parse({
      household,
      existingHomesteads: homesteads,
      overlappingParcels: overlappingParcels(location, parcels),
      village: {
        villageCode: village.villageCode,
        terrainClass: village.terrainClass,
        plotInsideConstructionBoundary: boundary ? insideBoundary(location, boundary.polygon) : false,
      },
    });
  }
}
