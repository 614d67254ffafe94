/**
 * Loads the demo reference data (households, homesteads, villages with their
 * construction boundaries, land parcels) for Danling County into the case
 * table, so the pre-check has facts to run on locally. Only where absent: an
 * item is put on the condition that its key is free, so a household, village or
 * parcel a user imported over the demo one is never reverted by a restart.
 * Parcels go through the importer's item builder, so they get their byGridCell entries.
 *
 * A table this start created is empty: there is nothing to keep, and its items
 * go in batches (3 calls instead of ≈ 130, per test file that starts a local cloud).
 */
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from "@aws-sdk/lib-dynamodb";
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
  townshipKey,
  villageItemSchema,
  villageKey,
} from "#shared/store/reference-store.ts";
import reference from "./seed/reference.json" with { type: "json" };

const referenceSetSchema = z.object({
  /** Township names, as the township import stores them (printed on the papers). */
  townships: z.array(
    z.object({ townshipCode: z.string(), name: z.object({ zh: z.string(), en: z.string() }) }),
  ),
  villages: z.array(villageItemSchema),
  boundaries: z.array(boundaryItemSchema),
  parcels: z.array(parcelItemSchema),
  households: z.array(householdRecordSchema.extend({ homesteads: z.array(existingHomesteadSchema) })),
});

type Item = Record<string, unknown>;

/** One record of the demo set: its head item and the items that exist only with it (a parcel's grid cells). */
interface ReferenceRecord {
  readonly head: Item;
  readonly dependents: readonly Item[];
}

function referenceRecords(): ReferenceRecord[] {
  const set = referenceSetSchema.parse(reference);
  const alone = (head: Item): ReferenceRecord => ({ head, dependents: [] });
  return [
    ...set.townships.map((township) =>
      alone({ ...townshipKey(township.townshipCode), type: "township", ...township }),
    ),
    ...set.villages.map((village) =>
      alone({ ...villageKey(village.villageCode), type: "village", ...village }),
    ),
    ...set.boundaries.map((boundary) =>
      alone({ ...boundaryKey(boundary.villageCode), type: "boundary", ...boundary }),
    ),
    // The hand-made squares carry no surveyed area: the drawn one stands in.
    ...set.parcels.map((parcel) => parcelItems({ ...parcel, areaM2: polygonAreaM2(parcel.polygon) })),
    ...set.households.flatMap(({ homesteads, ...household }) => [
      alone({ ...householdKey(household.householdId), type: "household", ...household }),
      ...homesteads.map((homestead) =>
        alone({
          ...homesteadKey(household.householdId, homestead.homesteadId),
          type: "homestead",
          ...homestead,
        }),
      ),
    ]),
  ];
}

/** The demo set, validated with the same schemas the reference store reads with. */
export function referenceItems(): Item[] {
  return referenceRecords().flatMap((record) => [record.head, ...record.dependents]);
}

/** Puts the demo items whose keys are free; answers how many were written and how many kept as found. */
export async function seedReferenceData(
  client: DynamoDBDocumentClient,
  tableName: string,
  options: { readonly tableIsNew?: boolean } = {},
): Promise<{ written: number; kept: number }> {
  if (options.tableIsNew) return seedNewTable(client, tableName);
  let written = 0;
  let kept = 0;
  for (const { head, dependents } of referenceRecords()) {
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: { pk: head.pk, sk: head.sk }, ConsistentRead: true }),
    );
    // A record someone imported over the demo one keeps its own dependents too (its grid cells).
    if (Item) {
      kept++;
      continue;
    }
    // Dependents first, the head last (as the importer writes): a crash in between seeds it again next time.
    for (const dependent of dependents)
      await client.send(new PutCommand({ TableName: tableName, Item: dependent }));
    try {
      await client.send(
        new PutCommand({ TableName: tableName, Item: head, ConditionExpression: "attribute_not_exists(pk)" }),
      );
      written++;
    } catch (error) {
      if ((error as { name?: string }).name !== "ConditionalCheckFailedException") throw error;
      kept++;
    }
  }
  return { written, kept };
}

/** DynamoDB's limit of items per BatchWriteItem. */
const BATCH = 25;

/**
 * An empty table: every item, in batches. Dependents before heads, as the
 * record-by-record path writes them: a start that stops in between leaves
 * heads missing, and the next start (the table no longer new) seeds those records again.
 */
async function seedNewTable(
  client: DynamoDBDocumentClient,
  tableName: string,
): Promise<{ written: number; kept: number }> {
  const records = referenceRecords();
  for (const items of [
    records.flatMap((record) => record.dependents),
    records.map((record) => record.head),
  ]) {
    for (let start = 0; start < items.length; start += BATCH) {
      let requests: BatchWriteCommandInput["RequestItems"] = {
        [tableName]: items.slice(start, start + BATCH).map((Item) => ({ PutRequest: { Item } })),
      };
      for (let attempt = 1; requests && Object.keys(requests).length > 0; attempt++) {
        if (attempt > 10)
          throw new Error(`DynamoDB left demo items unprocessed after ${attempt - 1} batches`);
        ({ UnprocessedItems: requests } = await client.send(
          new BatchWriteCommand({ RequestItems: requests }),
        ));
      }
    }
  }
  return { written: records.length, kept: 0 };
}
