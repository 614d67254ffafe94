/**
 * What the local DynamoDB front knows about the requests it forwards: the item
 * locks each one needs (dynamodb-rwlock.ts), and the old item DynamoDB returns
 * with a failed conditional write that asked for it, which dynalite leaves out.
 */
import * as z from "zod";
import type { CallDynalite, JsonResponse, TableShapes } from "./dynamodb-dynalite.ts";
import { type ItemLockRequest, itemLockId } from "./dynamodb-rwlock.ts";
import { attributeMap } from "./dynamodb-transact-requests.ts";

/** Single-item writes that may ask for the old item on a failed condition. */
export const SINGLE_WRITES = new Set(["PutItem", "UpdateItem", "DeleteItem"]);
const CONDITION_FAILED = "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException";

// Built once: zod compiles an object schema on its first parse, and the front reads every request.
// (bench/support/dynamodb-meter.ts reads the same requests.)
const keyedRequest = z.object({ TableName: z.string(), Key: attributeMap.optional() });
const putRequest = z.object({ TableName: z.string(), Item: attributeMap });
const batchGetRequest = z.object({
  RequestItems: z.record(z.string(), z.object({ Keys: z.array(attributeMap) })),
});
export const batchWriteRequest = z.object({
  RequestItems: z.record(
    z.string(),
    z.array(
      z.object({
        PutRequest: z.object({ Item: attributeMap }).optional(),
        DeleteRequest: z.object({ Key: attributeMap }).optional(),
      }),
    ),
  ),
});
/** A PutItem, UpdateItem or DeleteItem request: its table and its item or key. */
export const writeRequest = z.object({
  TableName: z.string(),
  Key: attributeMap.optional(),
  Item: attributeMap.optional(),
});
/** A GetItem answer (the transactions read items the same way). */
export const itemAnswer = z.object({ Item: attributeMap.optional() });

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The item locks a request needs (none for Query, Scan and table operations, or a body it cannot read). */
export async function itemLocksOf(
  shapes: TableShapes,
  operation: string,
  body: unknown,
): Promise<ItemLockRequest[]> {
  const lockOf = async (tableName: string, key: Record<string, unknown>, exclusive: boolean) => {
    const shape = await shapes.get(tableName);
    if ("status" in shape) return [];
    return [{ id: itemLockId(tableName, shape.keyAttributes, key), exclusive }];
  };
  if (operation === "GetItem" || operation === "UpdateItem" || operation === "DeleteItem") {
    const parsed = keyedRequest.safeParse(body);
    if (!parsed.success || parsed.data.Key === undefined) return [];
    return lockOf(parsed.data.TableName, parsed.data.Key, operation !== "GetItem");
  }
  if (operation === "PutItem") {
    const parsed = putRequest.safeParse(body);
    return parsed.success ? lockOf(parsed.data.TableName, parsed.data.Item, true) : [];
  }
  if (operation === "BatchGetItem") {
    const parsed = batchGetRequest.safeParse(body);
    if (!parsed.success) return [];
    const locks: ItemLockRequest[] = [];
    for (const [tableName, spec] of Object.entries(parsed.data.RequestItems))
      for (const key of spec.Keys) locks.push(...(await lockOf(tableName, key, false)));
    return locks;
  }
  if (operation === "BatchWriteItem") {
    const parsed = batchWriteRequest.safeParse(body);
    if (!parsed.success) return [];
    const locks: ItemLockRequest[] = [];
    for (const [tableName, requests] of Object.entries(parsed.data.RequestItems))
      for (const request of requests) {
        const key = request.PutRequest?.Item ?? request.DeleteRequest?.Key;
        if (key) locks.push(...(await lockOf(tableName, key, true)));
      }
    return locks;
  }
  return [];
}

/**
 * A failed conditional single-item write that asked for ALL_OLD, answered as
 * DynamoDB does: ConditionalCheckFailedException with the item as it is
 * (read while the item's lock is still held, so it is the image the condition saw).
 */
export async function withOldItem(
  call: CallDynalite,
  shapes: TableShapes,
  operation: string,
  request: unknown,
  status: number,
  answer: unknown,
): Promise<JsonResponse | undefined> {
  if (!SINGLE_WRITES.has(operation) || !isRecord(request) || !isRecord(answer)) return undefined;
  if (request.ReturnValuesOnConditionCheckFailure !== "ALL_OLD" || answer.__type !== CONDITION_FAILED)
    return undefined;
  const parsed = writeRequest.safeParse(request);
  if (!parsed.success) return undefined;
  const shape = await shapes.get(parsed.data.TableName);
  if ("status" in shape) return undefined;
  const source = parsed.data.Key ?? parsed.data.Item ?? {};
  const key = Object.fromEntries(shape.keyAttributes.map((name) => [name, source[name]]));
  const read = await call("GetItem", { TableName: parsed.data.TableName, Key: key, ConsistentRead: true });
  const item = itemAnswer.safeParse(read.body);
  if (read.status !== 200 || !item.success || item.data.Item === undefined) return undefined;
  return { status, body: { ...answer, Item: item.data.Item } };
}
