/**
 * Loads the demo reference data (households, homesteads, villages with their
 * construction boundaries, land parcels) for Danling County into the case
 * table, so the pre-check has facts to run on locally. Idempotent: items are
 * put by their fixed keys, so every start writes the same set again. Parcels go
 * through the importer's item builder, so they get their byGridCell entries.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { parcelItems } from "#shared/reference/entities.ts";
import { polygonAreaM2 } from "#shared/reference/geometry.ts";
import { existingHomesteadSchema, householdRecordSchema } from "#shared/schemas/precheck.ts";
import {
  boundaryItemSchema,
  boundaryKey,
  homesteadKey,
  householdKey,
  parcelItemSchema,
  villageItemSchema,
  villageKey,
} from "#shared/store/reference-store.ts";
import reference from "./seed/reference.json" with { type: "json" };

const referenceSetSchema = z.object({
  villages: z.array(villageItemSchema),
  boundaries: z.array(boundaryItemSchema),
  parcels: z.array(parcelItemSchema),
  households: z.array(householdRecordSchema.extend({ homesteads: z.array(existingHomesteadSchema) })),
});

/** The demo set, validated with the same schemas the reference store reads with. */
export function referenceItems(): Record<string, unknown>[] {
  const set = referenceSetSchema.parse(reference);
  return [
    ...set.villages.map((village) => ({ ...villageKey(village.villageCode), type: "village", ...village })),
    ...set.boundaries.map((boundary) => ({
      ...boundaryKey(boundary.villageCode),
      type: "boundary",
      ...boundary,
    })),
    // The hand-made squares carry no surveyed area: the drawn one stands in.
    ...set.parcels.flatMap((parcel) => {
      const { head, dependents } = parcelItems({ ...parcel, areaM2: polygonAreaM2(parcel.polygon) });
      return [head, ...dependents];
    }),
    ...set.households.flatMap(({ homesteads, ...household }) => [
      { ...householdKey(household.householdId), type: "household", ...household },
      ...homesteads.map((homestead) => ({
        ...homesteadKey(household.householdId, homestead.homesteadId),
        type: "homestead",
        ...homestead,
      })),
    ]),
  ];
}

export async function seedReferenceData(client: DynamoDBDocumentClient, tableName: string): Promise<number> {
  const items = referenceItems();
  for (let i = 0; i < items.length; i += 25) {
    let pending: Record<string, unknown>[] = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const { UnprocessedItems } = await client.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: pending } }),
      );
      pending = (UnprocessedItems?.[tableName] ?? []) as Record<string, unknown>[];
    }
  }
  return items.length;
}
