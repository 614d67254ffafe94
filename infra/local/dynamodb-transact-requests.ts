/**
 * TransactWriteItems and TransactGetItems requests of the local DynamoDB,
 * checked before anything is locked: their shape, the action limit, one
 * action per item, and each write turned into the dynalite request it makes
 * (see dynamodb-transactions.ts for how they are applied).
 */
import * as z from "zod";
import type { AttributeMap, TableShape } from "./dynamodb-capacity.ts";
import { isResponse, type JsonResponse, type TableShapes, validationError } from "./dynamodb-dynalite.ts";
import { itemLockId } from "./dynamodb-rwlock.ts";

const MAX_ACTIONS = 100;

export const attributeMap = z.record(z.string(), z.unknown());
const expressionFields = {
  TableName: z.string(),
  ConditionExpression: z.string().optional(),
  ExpressionAttributeNames: z.record(z.string(), z.string()).optional(),
  ExpressionAttributeValues: attributeMap.optional(),
  ReturnValuesOnConditionCheckFailure: z.enum(["ALL_OLD", "NONE"]).optional(),
};
const transactWriteRequest = z.object({
  TransactItems: z.array(
    z.object({
      Put: z.object({ ...expressionFields, Item: attributeMap }).optional(),
      Update: z.object({ ...expressionFields, Key: attributeMap, UpdateExpression: z.string() }).optional(),
      Delete: z.object({ ...expressionFields, Key: attributeMap }).optional(),
      ConditionCheck: z
        .object({ ...expressionFields, Key: attributeMap, ConditionExpression: z.string() })
        .optional(),
    }),
  ),
  ReturnConsumedCapacity: z.enum(["INDEXES", "TOTAL", "NONE"]).optional(),
  ReturnItemCollectionMetrics: z.enum(["SIZE", "NONE"]).optional(),
  ClientRequestToken: z.string().min(1).max(36).optional(),
});
const transactGetRequest = z.object({
  TransactItems: z.array(
    z.object({
      Get: z.object({
        TableName: z.string(),
        Key: attributeMap,
        ProjectionExpression: z.string().optional(),
        ExpressionAttributeNames: z.record(z.string(), z.string()).optional(),
      }),
    }),
  ),
  ReturnConsumedCapacity: z.enum(["INDEXES", "TOTAL", "NONE"]).optional(),
});

type ActionKind = "Put" | "Update" | "Delete" | "ConditionCheck";
type TransactItem = z.infer<typeof transactWriteRequest>["TransactItems"][number];

export interface WriteAction {
  readonly kind: ActionKind;
  readonly tableName: string;
  readonly key: AttributeMap;
  /** The dynalite request without TableName-independent extras; conditions are passed through verbatim. */
  readonly fields: Record<string, unknown>;
  readonly returnOldOnFailure: boolean;
  /** The condition alone (expression and the names and values it uses), checked before anything is written. */
  readonly condition: Record<string, unknown> | undefined;
}

/** A prepared TransactWriteItems: its actions and the items (plus token) to lock while it runs. */
export interface PreparedWrite {
  readonly actions: WriteAction[];
  readonly request: z.infer<typeof transactWriteRequest>;
  readonly lockIds: string[];
}

/** A prepared TransactGetItems and the items to lock (shared) while it reads. */
export interface PreparedGet {
  readonly request: z.infer<typeof transactGetRequest>;
  readonly lockIds: string[];
}

/** Identity of an item for the "same item twice" rule and for its lock. */
function itemIdentity(shape: TableShape, key: AttributeMap): string {
  return itemLockId(shape.tableName, shape.keyAttributes, key);
}

/** The entries of an expression map (names or values) the expression uses; dynalite refuses unused ones. */
export function usedBy<T>(
  expression: string | undefined,
  map: Record<string, T> | undefined,
): Record<string, T> | undefined {
  if (expression === undefined || map === undefined) return undefined;
  const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const used = Object.entries(map).filter(([token]) =>
    new RegExp(`${literal(token)}(?![A-Za-z0-9_])`).test(expression),
  );
  return used.length > 0 ? Object.fromEntries(used) : undefined;
}

function pickKey(shape: TableShape, item: AttributeMap): { key: AttributeMap } | JsonResponse {
  const key: AttributeMap = {};
  for (const name of shape.keyAttributes) {
    if (!(name in item)) {
      return validationError(
        `One or more parameter values were invalid: Missing the key ${name} in the item`,
      );
    }
    key[name] = item[name];
  }
  return { key };
}

function conditionFields(action: {
  ConditionExpression?: string | undefined;
  ExpressionAttributeNames?: Record<string, string> | undefined;
  ExpressionAttributeValues?: AttributeMap | undefined;
}): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (action.ConditionExpression !== undefined) fields.ConditionExpression = action.ConditionExpression;
  if (action.ExpressionAttributeNames !== undefined)
    fields.ExpressionAttributeNames = action.ExpressionAttributeNames;
  if (action.ExpressionAttributeValues !== undefined) {
    fields.ExpressionAttributeValues = action.ExpressionAttributeValues;
  }
  return fields;
}

function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join(".")}: ${issue.message}` : "invalid request";
}

function checkActionCount(count: number): JsonResponse | undefined {
  if (count < 1) {
    return validationError(
      "1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  }
  if (count > MAX_ACTIONS) {
    return validationError(
      `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ACTIONS}`,
    );
  }
  return undefined;
}

/** Validation that needs no lock (shape, limits, duplicates). Returns the actions or an error answer. */
export async function prepareWrite(
  shapes: TableShapes,
  body: unknown,
): Promise<PreparedWrite | JsonResponse> {
  const parsed = transactWriteRequest.safeParse(body);
  if (!parsed.success) return validationError(describeZodError(parsed.error));
  const request = parsed.data;
  const sizeError = checkActionCount(request.TransactItems.length);
  if (sizeError) return sizeError;

  const actions: WriteAction[] = [];
  const seen = new Set<string>();
  for (const entry of request.TransactItems) {
    const present = (["Put", "Update", "Delete", "ConditionCheck"] as const).filter(
      (k) => entry[k] !== undefined,
    );
    const kind = present[0];
    if (present.length !== 1 || kind === undefined) {
      return validationError("TransactItems can only contain one of Check, Put, Update or Delete");
    }
    const action = await toAction(shapes, kind, entry);
    if (isResponse(action)) return action;
    const shape = await shapes.get(action.tableName);
    if (isResponse(shape)) return shape;
    const identity = itemIdentity(shape, action.key);
    if (seen.has(identity)) {
      return validationError("Transaction request cannot include multiple operations on one item");
    }
    seen.add(identity);
    actions.push(action);
  }
  // Two requests with one ClientRequestToken run one after the other, so the second sees the first's answer.
  const token = request.ClientRequestToken === undefined ? [] : [`token:${request.ClientRequestToken}`];
  return { actions, request, lockIds: [...seen, ...token] };
}

/** What every kind of action shares: its table, its condition alone, and whether it returns the old item. */
function actionBase(kind: ActionKind, spec: NonNullable<TransactItem[ActionKind]>) {
  const names = usedBy(spec.ConditionExpression, spec.ExpressionAttributeNames);
  const values = usedBy(spec.ConditionExpression, spec.ExpressionAttributeValues);
  return {
    kind,
    tableName: spec.TableName,
    returnOldOnFailure: spec.ReturnValuesOnConditionCheckFailure === "ALL_OLD",
    condition:
      spec.ConditionExpression === undefined
        ? undefined
        : {
            ConditionExpression: spec.ConditionExpression,
            ...(names ? { ExpressionAttributeNames: names } : {}),
            ...(values ? { ExpressionAttributeValues: values } : {}),
          },
  };
}

async function toAction(
  shapes: TableShapes,
  kind: ActionKind,
  entry: TransactItem,
): Promise<WriteAction | JsonResponse> {
  if (kind === "Put" && entry.Put) {
    const shape = await shapes.get(entry.Put.TableName);
    if (isResponse(shape)) return shape;
    const picked = pickKey(shape, entry.Put.Item);
    if (isResponse(picked)) return picked;
    return {
      ...actionBase(kind, entry.Put),
      key: picked.key,
      fields: { Item: entry.Put.Item, ...conditionFields(entry.Put) },
    };
  }
  if (kind === "Update" && entry.Update) {
    const fields = { Key: entry.Update.Key, UpdateExpression: entry.Update.UpdateExpression };
    return {
      ...actionBase(kind, entry.Update),
      key: entry.Update.Key,
      fields: { ...fields, ...conditionFields(entry.Update) },
    };
  }
  if (kind === "Delete" && entry.Delete) {
    return {
      ...actionBase(kind, entry.Delete),
      key: entry.Delete.Key,
      fields: { Key: entry.Delete.Key, ...conditionFields(entry.Delete) },
    };
  }
  if (kind === "ConditionCheck" && entry.ConditionCheck) {
    return {
      ...actionBase(kind, entry.ConditionCheck),
      key: entry.ConditionCheck.Key,
      fields: conditionFields(entry.ConditionCheck),
    };
  }
  return validationError("TransactItems can only contain one of Check, Put, Update or Delete");
}

/** TransactGetItems: validation, and the items to lock (see Transactions.applyGet). */
export async function prepareGet(shapes: TableShapes, body: unknown): Promise<PreparedGet | JsonResponse> {
  const parsed = transactGetRequest.safeParse(body);
  if (!parsed.success) return validationError(describeZodError(parsed.error));
  const sizeError = checkActionCount(parsed.data.TransactItems.length);
  if (sizeError) return sizeError;
  const seen = new Set<string>();
  for (const { Get } of parsed.data.TransactItems) {
    const shape = await shapes.get(Get.TableName);
    if (isResponse(shape)) return shape;
    const identity = itemIdentity(shape, Get.Key);
    if (seen.has(identity)) {
      return validationError("Transaction request cannot include multiple operations on one item");
    }
    seen.add(identity);
  }
  return { request: parsed.data, lockIds: [...seen] };
}
