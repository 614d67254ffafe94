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
 *   VILLAGE#<villageCode>    PARCEL#<parcelId>     land class, flags, polygon
 *
 * Geometry (Turf) is computed here so the pure pre-check only sees booleans.
 */

import { type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { booleanIntersects } from "@turf/boolean-intersects";
import { booleanPointInPolygon } from "@turf/boolean-point-in-polygon";
import { booleanWithin } from "@turf/boolean-within";
import { z } from "zod";
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

export const householdKey = (householdId: string) =>
  ({ pk: `HOUSEHOLD#${householdId}`, sk: "HOUSEHOLD" }) as const;
export const homesteadKey = (householdId: string, homesteadId: string) =>
  ({ pk: `HOUSEHOLD#${householdId}`, sk: `HOMESTEAD#${homesteadId}` }) as const;
export const villageKey = (villageCode: string) => ({ pk: `VILLAGE#${villageCode}`, sk: "VILLAGE" }) as const;
export const boundaryKey = (villageCode: string) =>
  ({ pk: `VILLAGE#${villageCode}`, sk: "BOUNDARY" }) as const;
export const parcelKey = (villageCode: string, parcelId: string) =>
  ({ pk: `VILLAGE#${villageCode}`, sk: `PARCEL#${parcelId}` }) as const;

export const villageItemSchema = z.object({
  villageCode: z.string().min(1),
  townshipCode: z.string().min(1),
  /** A terrain class id of the county policy. */
  terrainClass: z.string().min(1),
  name: z.object({ zh: z.string(), en: z.string() }).optional(),
});
export const boundaryItemSchema = z.object({ villageCode: z.string().min(1), polygon: polygonSchema });
export const parcelItemSchema = overlappingParcelSchema.extend({
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
    return {
      household: householdRecordSchema.parse(stripKeys(entry)),
      homesteads: items
        .filter((item) => String(item.sk).startsWith("HOMESTEAD#"))
        .map((item) => existingHomesteadSchema.parse(stripKeys(item))),
    };
  }

  async village(
    villageCode: string,
  ): Promise<{ village: VillageItem; boundary?: BoundaryItem; parcels: ParcelItem[] }> {
    const items = await this.partition(villageKey(villageCode).pk);
    const entry = items.find((item) => item.sk === "VILLAGE");
    if (!entry) throw new ReferenceDataMissingError(`Village ${villageCode} has no reference data`);
    const boundary = items.find((item) => item.sk === "BOUNDARY");
    return {
      village: villageItemSchema.parse(stripKeys(entry)),
      ...(boundary ? { boundary: boundaryItemSchema.parse(stripKeys(boundary)) } : {}),
      parcels: items
        .filter((item) => String(item.sk).startsWith("PARCEL#"))
        .map((item) => parcelItemSchema.parse(stripKeys(item))),
    };
  }

  /**
   * The facts the pre-check needs for one plot. A village without a recorded
   * construction boundary counts as outside it: the policy then warns or blocks,
   * which is safer than assuming the plot fits the village plan.
   */
  async factsFor(householdId: string, villageCode: string, location: PlotLocation): Promise<ReferenceFacts> {
    const [{ household, homesteads }, { village, boundary, parcels }] = await Promise.all([
      this.household(householdId),
      this.village(villageCode),
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
