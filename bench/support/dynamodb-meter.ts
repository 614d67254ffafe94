/**
 * Consumed capacity of every request through the local DynamoDB front, by
 * DynamoDB's own rules (infra/local/dynamodb-capacity.ts), for benchmarks that
 * price a case (bench/cost-per-permit.ts). A benchmark plugs it into the local
 * cloud through `LocalMeter.dynamoDbCapacity` (infra/local/meter.ts); the local
 * cloud itself never imports it.
 *
 * Why not dynalite's `ReturnConsumedCapacity` answers: dynalite sizes strings
 * in UTF-16 code units instead of UTF-8 bytes (a Chinese character is 1
 * instead of 3), leaves GSI writes out of a write's capacity and charges
 * nothing for a failed conditional write. And why not ask for
 * `ReturnConsumedCapacity` in the application's store code: it would mean
 * touching every command of the app for a benchmark, and dynalite's numbers
 * would still be wrong. So the front measures instead, around the forwarded
 * request, with dynalite as the source of the item images:
 *
 * - writes (PutItem, UpdateItem, DeleteItem, BatchWriteItem): the item images
 *   before and after, read while the front holds the request's items
 *   exclusively, so they belong to this request alone;
 * - reads (GetItem, BatchGetItem): the whole item, whatever the projection
 *   returned (capacity is charged on the item, not on what is returned);
 * - Query/Scan: the same page again without projection and filter, i.e.
 *   every item evaluated (a filter does not reduce consumed capacity);
 * - transactions: the engine's own transactional capacity
 *   (infra/local/dynamodb-transactions.ts), asked for by the front.
 *
 * The extra reads cost time inside the calling handler, so benchmarks that
 * time handlers switch the meter off (LocalMeter.dynamoDb) for that pass.
 */
import * as z from "zod";
import {
  type AttributeMap,
  type Capacity,
  failedConditionalWriteCapacity,
  itemSize,
  readUnits,
  type TableShape,
  writeCapacity,
} from "#infra/local/dynamodb-capacity.ts";
import type { CallDynalite, JsonResponse, TableShapes } from "#infra/local/dynamodb-dynalite.ts";
import { batchWriteRequest, writeRequest } from "#infra/local/dynamodb-item-requests.ts";
import { usedBy } from "#infra/local/dynamodb-transact-requests.ts";
import type { DynamoDbCapacityMeter, DynamoDbUsage, LocalMeter } from "#infra/local/meter.ts";

const WRITES: ReadonlySet<string> = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"]);
const READS: ReadonlySet<string> = new Set(["GetItem", "BatchGetItem", "Query", "Scan"]);

const attributeMap = z.record(z.string(), z.unknown());
const names = z.record(z.string(), z.string()).optional();

const getItem = z.object({
  TableName: z.string(),
  Key: attributeMap,
  ConsistentRead: z.boolean().optional(),
});
const batchGet = z.object({
  RequestItems: z.record(
    z.string(),
    z.object({ Keys: z.array(attributeMap), ConsistentRead: z.boolean().optional() }),
  ),
});
const pageRequest = z
  .object({
    TableName: z.string(),
    ConsistentRead: z.boolean().optional(),
    KeyConditionExpression: z.string().optional(),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: attributeMap.optional(),
  })
  .loose();
const itemsAnswer = z.object({ Items: z.array(attributeMap).optional() });
const itemAnswer = z.object({ Item: attributeMap.optional() });
const capacityAnswer = z.object({
  ConsumedCapacity: z
    .array(
      z.object({
        CapacityUnits: z.number(),
        GlobalSecondaryIndexes: z.record(z.string(), z.object({ CapacityUnits: z.number() })).optional(),
      }),
    )
    .optional(),
});

/** Fields of a Query/Scan that decide which items are evaluated; projection, filter and Select are dropped. */
const PAGE_FIELDS = [
  "TableName",
  "IndexName",
  "KeyConditionExpression",
  "KeyConditions",
  "ExclusiveStartKey",
  "Limit",
  "ScanIndexForward",
  "ConsistentRead",
  "Segment",
  "TotalSegments",
] as const;

/** One write of a request: the item's key and its image after the write (undefined = deleted). */
interface PlannedWrite {
  readonly shape: TableShape;
  readonly key: AttributeMap;
  readonly after: AttributeMap | undefined;
  readonly before: AttributeMap | undefined;
}

export interface Before {
  readonly writes: readonly PlannedWrite[];
}

function errorName(response: JsonResponse): string | undefined {
  const parsed = z.object({ __type: z.string() }).safeParse(response.body);
  return parsed.success ? parsed.data.__type.split("#").pop() : undefined;
}

function pickKey(shape: TableShape, item: AttributeMap): AttributeMap {
  return Object.fromEntries(shape.keyAttributes.map((name) => [name, item[name]]));
}

function total(capacity: Capacity): { table: number; indexes: number } {
  return { table: capacity.table, indexes: [...capacity.indexes.values()].reduce((a, b) => a + b, 0) };
}

export class CapacityMeter implements DynamoDbCapacityMeter<Before> {
  constructor(
    private readonly call: CallDynalite,
    private readonly shapes: TableShapes,
  ) {}

  /** Operations measured around the forwarded request (transactions are measured by the engine). */
  measures(operation: string): boolean {
    return WRITES.has(operation) || READS.has(operation);
  }

  private async shape(tableName: string): Promise<TableShape> {
    const shape = await this.shapes.get(tableName);
    if ("status" in shape)
      throw new Error(`DescribeTable ${tableName} failed: ${JSON.stringify(shape.body)}`);
    return shape;
  }

  private async item(tableName: string, key: AttributeMap): Promise<AttributeMap | undefined> {
    const response = await this.call("GetItem", { TableName: tableName, Key: key, ConsistentRead: true });
    if (response.status !== 200)
      throw new Error(`GetItem for the meter failed: ${JSON.stringify(response.body)}`);
    return itemAnswer.parse(response.body).Item;
  }

  /** Reads the before images of a write request (call under the exclusive lock, before forwarding it). */
  async before(operation: string, request: unknown): Promise<Before> {
    if (!WRITES.has(operation)) return { writes: [] };
    const planned: Omit<PlannedWrite, "before">[] = [];
    if (operation === "BatchWriteItem") {
      for (const [tableName, requests] of Object.entries(batchWriteRequest.parse(request).RequestItems)) {
        const shape = await this.shape(tableName);
        for (const entry of requests) {
          if (entry.PutRequest) {
            const item = entry.PutRequest.Item;
            planned.push({ shape, key: pickKey(shape, item), after: item });
          } else if (entry.DeleteRequest) {
            planned.push({ shape, key: entry.DeleteRequest.Key, after: undefined });
          }
        }
      }
    } else {
      const parsed = writeRequest.parse(request);
      const shape = await this.shape(parsed.TableName);
      const key = parsed.Item ? pickKey(shape, parsed.Item) : (parsed.Key ?? {});
      // UpdateItem's after image is read once the update is done; PutItem's is the item sent.
      planned.push({ shape, key, after: operation === "PutItem" ? parsed.Item : undefined });
    }
    const writes: PlannedWrite[] = [];
    for (const write of planned) {
      writes.push({ ...write, before: await this.item(write.shape.tableName, write.key) });
    }
    return { writes };
  }

  /** The capacity of a forwarded request, from its answer (call before releasing the lock taken for it). */
  async measure(operation: string, request: unknown, before: Before, response: JsonResponse) {
    try {
      return await this.measureOrThrow(operation, request, before, response);
    } catch {
      return { operation, readUnits: 0, writeUnits: 0, indexWriteUnits: 0, unmetered: true };
    }
  }

  private async measureOrThrow(
    operation: string,
    request: unknown,
    before: Before,
    response: JsonResponse,
  ): Promise<DynamoDbUsage> {
    const usage = (readUnits: number, table = 0, indexes = 0): DynamoDbUsage => ({
      operation,
      readUnits,
      writeUnits: table + indexes,
      indexWriteUnits: indexes,
    });
    if (WRITES.has(operation)) {
      if (response.status !== 200) {
        // A failed condition still costs the existing item's size; a rejected request (validation) costs nothing.
        if (errorName(response) !== "ConditionalCheckFailedException") return usage(0);
        const failed = before.writes.map((write) => total(failedConditionalWriteCapacity(write.before)));
        return usage(
          0,
          failed.reduce((sum, c) => sum + c.table, 0),
        );
      }
      let table = 0;
      let indexes = 0;
      for (const write of before.writes) {
        const after =
          operation === "UpdateItem" ? await this.item(write.shape.tableName, write.key) : write.after;
        const capacity = total(writeCapacity(write.shape, write.before, after));
        table += capacity.table;
        indexes += capacity.indexes;
      }
      return usage(0, table, indexes);
    }
    // Reads that fail (validation, missing table) consume nothing.
    if (response.status !== 200) return usage(0);
    if (operation === "GetItem") {
      const parsed = getItem.parse(request);
      const item = await this.item(parsed.TableName, parsed.Key);
      return usage(readUnits(item ? itemSize(item) : 0, parsed.ConsistentRead === true));
    }
    if (operation === "BatchGetItem") {
      let units = 0;
      for (const [tableName, spec] of Object.entries(batchGet.parse(request).RequestItems)) {
        for (const key of spec.Keys) {
          // Each item of a batch is rounded up on its own, unlike a Query page.
          const item = await this.item(tableName, key);
          units += readUnits(item ? itemSize(item) : 0, spec.ConsistentRead === true);
        }
      }
      return usage(units);
    }
    // Query / Scan: the same page again, without projection or filter: every item evaluated.
    const parsed = pageRequest.parse(request);
    const page: Record<string, unknown> = {};
    for (const field of PAGE_FIELDS) if (parsed[field] !== undefined) page[field] = parsed[field];
    const expressionNames = usedBy(parsed.KeyConditionExpression, parsed.ExpressionAttributeNames);
    const expressionValues = usedBy(parsed.KeyConditionExpression, parsed.ExpressionAttributeValues);
    if (expressionNames) page.ExpressionAttributeNames = expressionNames;
    if (expressionValues) page.ExpressionAttributeValues = expressionValues;
    const again = await this.call(operation, page);
    if (again.status !== 200)
      throw new Error(`${operation} for the meter failed: ${JSON.stringify(again.body)}`);
    const bytes = (itemsAnswer.parse(again.body).Items ?? []).reduce((sum, item) => sum + itemSize(item), 0);
    return usage(readUnits(bytes, parsed.ConsistentRead === true));
  }

  /** A transaction's usage from the ConsumedCapacity (INDEXES) the engine answered with. */
  transaction(operation: string, response: JsonResponse): DynamoDbUsage {
    const parsed = capacityAnswer.safeParse(response.body);
    const entries = parsed.success ? (parsed.data.ConsumedCapacity ?? []) : [];
    const units = entries.reduce((sum, entry) => sum + entry.CapacityUnits, 0);
    const indexes = entries.reduce(
      (sum, entry) =>
        sum +
        Object.values(entry.GlobalSecondaryIndexes ?? {}).reduce((s, index) => s + index.CapacityUnits, 0),
      0,
    );
    // A cancelled transaction answers without capacity; DynamoDB charges it, this meter does not see it.
    return operation === "TransactGetItems"
      ? { operation, readUnits: units, writeUnits: 0, indexWriteUnits: 0 }
      : { operation, readUnits: 0, writeUnits: units, indexWriteUnits: indexes };
  }
}

/** The meter for a local cloud's `LocalMeter.dynamoDbCapacity`: sizes requests from dynalite's item images. */
export const dynamoDbCapacity: NonNullable<LocalMeter["dynamoDbCapacity"]> = ({ call, shapes }) =>
  new CapacityMeter(call, shapes);
