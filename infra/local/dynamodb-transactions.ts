/**
 * TransactWriteItems / TransactGetItems for the local DynamoDB, built on
 * dynalite's own single-item operations.
 *
 * Conditions are evaluated by dynalite, so their semantics are never
 * re-implemented here. A transaction first checks every condition with a
 * no-op conditional write (the item's own image put back, or a delete of an
 * absent item), then applies its writes; undo (the prior image written back)
 * is only needed when dynalite refuses a write after the checks passed.
 * Isolation comes from the caller: the front holds the exclusive lock of every
 * item a transaction touches (dynamodb-rwlock.ts, ItemLocks) while it runs, and
 * every single-item request takes its item's lock, so nobody reading or
 * writing those items can observe the transaction half done. Queries take no
 * item lock (DynamoDB's Query is not isolated from transactions either); since
 * writes only start once every condition has passed, a Query never sees the
 * writes of a cancelled transaction.
 */
import * as z from "zod";
import {
  type AttributeMap,
  type Capacity,
  type CapacityMode,
  consumedCapacity,
  type TableShape,
  transactionalReadCapacity,
  transactionalWriteCapacity,
} from "./dynamodb-capacity.ts";
import { itemLockId } from "./dynamodb-rwlock.ts";

/** A JSON answer in DynamoDB's wire format (status + body). */
export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
}

/** Sends one DynamoDB JSON operation straight to dynalite (bypassing the front and its lock). */
export type CallDynalite = (operation: string, request: Record<string, unknown>) => Promise<JsonResponse>;

const ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#";
const MAX_ACTIONS = 100;
const IDEMPOTENCY_WINDOW_MS = 10 * 60 * 1000;

/** Thrown when dynalite answers an internal call (prior-image read, undo) in a way that must not happen. */
export class DynaliteInternalError extends Error {
  constructor(
    message: string,
    readonly response: JsonResponse,
  ) {
    super(`${message}: ${JSON.stringify(response.body)}`);
    this.name = "DynaliteInternalError";
  }
}

export function validationError(message: string): JsonResponse {
  return { status: 400, body: { __type: "com.amazon.coral.validate#ValidationException", message } };
}

function errorName(response: JsonResponse): string | undefined {
  const parsed = z.object({ __type: z.string() }).safeParse(response.body);
  return parsed.success ? parsed.data.__type.split("#").pop() : undefined;
}

const attributeMap = z.record(z.string(), z.unknown());
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

interface WriteAction {
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

interface CancellationReason {
  Code: "None" | "ConditionalCheckFailed";
  Message?: string;
  Item?: AttributeMap;
}

/** Key schema and indexes per table, read once from dynalite's DescribeTable. */
export class TableShapes {
  private readonly cache = new Map<string, TableShape>();

  constructor(private readonly call: CallDynalite) {}

  /** Forget everything (after CreateTable/DeleteTable/UpdateTable went through the front). */
  clear(): void {
    this.cache.clear();
  }

  async get(tableName: string): Promise<TableShape | JsonResponse> {
    const cached = this.cache.get(tableName);
    if (cached) return cached;
    const response = await this.call("DescribeTable", { TableName: tableName });
    if (response.status !== 200) return response;
    const keySchema = z.array(z.object({ AttributeName: z.string(), KeyType: z.enum(["HASH", "RANGE"]) }));
    const described = z
      .object({
        Table: z.object({
          KeySchema: keySchema,
          GlobalSecondaryIndexes: z
            .array(
              z.object({
                IndexName: z.string(),
                KeySchema: keySchema,
                Projection: z
                  .object({
                    ProjectionType: z.string().optional(),
                    NonKeyAttributes: z.array(z.string()).optional(),
                  })
                  .optional(),
              }),
            )
            .optional(),
        }),
      })
      .parse(response.body);
    const ordered = (schema: z.infer<typeof keySchema>) =>
      [...schema].sort((a, b) => a.KeyType.localeCompare(b.KeyType)).map((element) => element.AttributeName);
    const shape: TableShape = {
      tableName,
      keyAttributes: ordered(described.Table.KeySchema),
      globalSecondaryIndexes: (described.Table.GlobalSecondaryIndexes ?? []).map((index) => ({
        indexName: index.IndexName,
        keyAttributes: ordered(index.KeySchema),
        nonKeyAttributes:
          index.Projection?.ProjectionType === "ALL" || index.Projection?.ProjectionType === undefined
            ? undefined
            : (index.Projection.NonKeyAttributes ?? []),
      })),
    };
    this.cache.set(tableName, shape);
    return shape;
  }
}

/** Tells an error answer from a result; results (shapes, actions, keys) never have both fields. */
function isResponse<T extends object>(value: T | JsonResponse): value is JsonResponse {
  return "status" in value && "body" in value;
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

interface IdempotencyRecord {
  readonly fingerprint: string;
  readonly response: JsonResponse;
  readonly expiresAt: number;
}

/**
 * The transaction engine. One per front; the caller provides the locking
 * (see the module comment), this class provides all-or-nothing.
 */
export class Transactions {
  private readonly idempotency = new Map<string, IdempotencyRecord>();

  constructor(
    private readonly call: CallDynalite,
    readonly shapes: TableShapes,
  ) {}

  /** Validation that needs no lock (shape, limits, duplicates). Returns the actions or an error answer. */
  async prepareWrite(body: unknown): Promise<PreparedWrite | JsonResponse> {
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
      const action = await this.toAction(kind, entry);
      if (isResponse(action)) return action;
      const shape = await this.shapes.get(action.tableName);
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

  private async toAction(
    kind: ActionKind,
    entry: z.infer<typeof transactWriteRequest>["TransactItems"][number],
  ): Promise<WriteAction | JsonResponse> {
    const base = (spec: NonNullable<(typeof entry)[ActionKind]>) => {
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
    };
    if (kind === "Put" && entry.Put) {
      const shape = await this.shapes.get(entry.Put.TableName);
      if (isResponse(shape)) return shape;
      const picked = pickKey(shape, entry.Put.Item);
      if (isResponse(picked)) return picked;
      return {
        ...base(entry.Put),
        key: picked.key,
        fields: { Item: entry.Put.Item, ...conditionFields(entry.Put) },
      };
    }
    if (kind === "Update" && entry.Update) {
      const fields = { Key: entry.Update.Key, UpdateExpression: entry.Update.UpdateExpression };
      return {
        ...base(entry.Update),
        key: entry.Update.Key,
        fields: { ...fields, ...conditionFields(entry.Update) },
      };
    }
    if (kind === "Delete" && entry.Delete) {
      return {
        ...base(entry.Delete),
        key: entry.Delete.Key,
        fields: { Key: entry.Delete.Key, ...conditionFields(entry.Delete) },
      };
    }
    if (kind === "ConditionCheck" && entry.ConditionCheck) {
      return {
        ...base(entry.ConditionCheck),
        key: entry.ConditionCheck.Key,
        fields: conditionFields(entry.ConditionCheck),
      };
    }
    return validationError("TransactItems can only contain one of Check, Put, Update or Delete");
  }

  /**
   * Applies a prepared transaction. MUST run holding the exclusive lock of
   * every item in `prepared.lockIds`: between the checks and the last write
   * (or an undo), other requests on those items would see half of it.
   */
  async applyWrite(prepared: PreparedWrite): Promise<JsonResponse> {
    const { actions, request } = prepared;
    const token = request.ClientRequestToken;
    const fingerprint = JSON.stringify(request.TransactItems);
    if (token !== undefined) {
      const earlier = this.rememberedResponse(token);
      if (earlier) {
        if (earlier.fingerprint === fingerprint) return earlier.response;
        return {
          status: 400,
          body: {
            __type: `${ERROR_PREFIX}IdempotentParameterMismatchException`,
            message: "Specified idempotent token was used with different request parameters",
          },
        };
      }
    }

    // 1. Prior images, and every condition checked by a write that changes nothing.
    const planned: { action: WriteAction; shape: TableShape; prior: AttributeMap | undefined }[] = [];
    const reasons: CancellationReason[] = [];
    for (const action of actions) {
      const shape = await this.shapes.get(action.tableName);
      if (isResponse(shape)) return shape;
      const prior = await this.readItem(action.tableName, action.key);
      if (!("item" in prior)) return prior;
      const check = await this.checkCondition(action, prior.item);
      if (check.kind === "error") return check.response;
      planned.push({ action, shape, prior: prior.item });
      // Keep going: AWS reports every failing condition, not only the first.
      reasons.push(
        check.kind === "passed"
          ? { Code: "None" }
          : {
              Code: "ConditionalCheckFailed",
              Message: "The conditional request failed",
              ...(action.returnOldOnFailure && prior.item ? { Item: prior.item } : {}),
            },
      );
    }
    if (reasons.some((reason) => reason.Code !== "None")) return cancelledBy(reasons);

    // 2. The writes. The items are locked, so the conditions still hold; dynalite may
    // still refuse a write (a type error in an update): then the writes done are undone.
    const touched: { action: WriteAction; prior: AttributeMap | undefined }[] = [];
    const capacities: { tableName: string; capacity: Capacity }[] = [];
    let abort: JsonResponse | undefined;
    for (const { action, shape, prior } of planned) {
      const outcome = await this.applyOne(action, prior);
      if (outcome.kind !== "applied") {
        abort =
          outcome.kind === "error"
            ? outcome.response
            : cancelledBy(
                planned.map((entry) =>
                  entry.action === action
                    ? { Code: "ConditionalCheckFailed", Message: "The conditional request failed" }
                    : { Code: "None" },
                ),
              );
        break;
      }
      if (action.kind !== "ConditionCheck") touched.push({ action, prior });
      capacities.push({
        tableName: action.tableName,
        capacity: transactionalWriteCapacity(shape, prior, outcome.after),
      });
    }
    if (abort) {
      for (const { action, prior } of [...touched].reverse()) await this.restore(action, prior);
      return abort;
    }

    const mode = capacityMode(request.ReturnConsumedCapacity);
    const response: JsonResponse = {
      status: 200,
      body: mode ? { ConsumedCapacity: consumedCapacity(capacities, "Write", mode) } : {},
    };
    if (token !== undefined) {
      this.idempotency.set(token, { fingerprint, response, expiresAt: Date.now() + IDEMPOTENCY_WINDOW_MS });
    }
    return response;
  }

  /**
   * Evaluates an action's condition without changing anything: the item's own
   * image put back under the condition, or, for an absent item, a conditional
   * delete of nothing (no placeholder item that a Query could see).
   */
  private async checkCondition(
    action: WriteAction,
    prior: AttributeMap | undefined,
  ): Promise<{ kind: "passed" | "failed" } | { kind: "error"; response: JsonResponse }> {
    if (action.condition === undefined) return { kind: "passed" };
    const table = { TableName: action.tableName, ...action.condition };
    const response = prior
      ? await this.call("PutItem", { ...table, Item: prior })
      : await this.call("DeleteItem", { ...table, Key: action.key });
    if (response.status === 200) return { kind: "passed" };
    if (errorName(response) === "ConditionalCheckFailedException") return { kind: "failed" };
    return { kind: "error", response };
  }

  /**
   * TransactGetItems: validation, and the items to lock. `applyGet` MUST run
   * holding their shared locks, so no transaction is half-applied while they
   * are read and the answer is one snapshot.
   */
  async prepareGet(body: unknown): Promise<PreparedGet | JsonResponse> {
    const parsed = transactGetRequest.safeParse(body);
    if (!parsed.success) return validationError(describeZodError(parsed.error));
    const sizeError = checkActionCount(parsed.data.TransactItems.length);
    if (sizeError) return sizeError;
    const seen = new Set<string>();
    for (const { Get } of parsed.data.TransactItems) {
      const shape = await this.shapes.get(Get.TableName);
      if (isResponse(shape)) return shape;
      const identity = itemIdentity(shape, Get.Key);
      if (seen.has(identity)) {
        return validationError("Transaction request cannot include multiple operations on one item");
      }
      seen.add(identity);
    }
    return { request: parsed.data, lockIds: [...seen] };
  }

  async applyGet({ request }: PreparedGet): Promise<JsonResponse> {
    const mode = capacityMode(request.ReturnConsumedCapacity);
    const results = await Promise.all(
      request.TransactItems.map(async ({ Get }) => {
        const projection: Record<string, unknown> = {};
        if (Get.ProjectionExpression !== undefined)
          projection.ProjectionExpression = Get.ProjectionExpression;
        if (Get.ExpressionAttributeNames !== undefined) {
          projection.ExpressionAttributeNames = Get.ExpressionAttributeNames;
        }
        const read = await this.readItem(Get.TableName, Get.Key, projection);
        if (!("item" in read)) return read;
        // Capacity is billed on the whole item, whatever the projection returns.
        let billed = read.item;
        if (mode && Get.ProjectionExpression !== undefined) {
          const full = await this.readItem(Get.TableName, Get.Key);
          if (!("item" in full)) return full;
          billed = full.item;
        }
        return { item: read.item, tableName: Get.TableName, capacity: transactionalReadCapacity(billed) };
      }),
    );
    const failure = results.find((result) => !("item" in result));
    if (failure && !("item" in failure)) return failure;
    const reads = results.filter((result) => "item" in result);
    return {
      status: 200,
      body: {
        Responses: reads.map((read) => (read.item ? { Item: read.item } : {})),
        ...(mode ? { ConsumedCapacity: consumedCapacity(reads, "Read", mode) } : {}),
      },
    };
  }

  private rememberedResponse(token: string): IdempotencyRecord | undefined {
    const now = Date.now();
    for (const [key, record] of this.idempotency) if (record.expiresAt < now) this.idempotency.delete(key);
    return this.idempotency.get(token);
  }

  private async readItem(
    tableName: string,
    key: AttributeMap,
    extra: Record<string, unknown> = {},
  ): Promise<{ item: AttributeMap | undefined } | JsonResponse> {
    const response = await this.call("GetItem", {
      TableName: tableName,
      Key: key,
      ConsistentRead: true,
      ...extra,
    });
    if (response.status !== 200) return response;
    return { item: z.object({ Item: attributeMap.optional() }).parse(response.body).Item };
  }

  private async applyOne(
    action: WriteAction,
    prior: AttributeMap | undefined,
  ): Promise<
    | { kind: "applied"; after: AttributeMap | undefined }
    | { kind: "conditionFailed" }
    | { kind: "error"; response: JsonResponse }
  > {
    const table = { TableName: action.tableName };
    let response: JsonResponse;
    let after: AttributeMap | undefined;
    switch (action.kind) {
      case "Put":
        response = await this.call("PutItem", { ...table, ...action.fields });
        after = z.object({ Item: attributeMap }).parse(action.fields).Item;
        break;
      case "Update":
        response = await this.call("UpdateItem", { ...table, ...action.fields, ReturnValues: "ALL_NEW" });
        if (response.status === 200) {
          after = z.object({ Attributes: attributeMap.optional() }).parse(response.body).Attributes;
        }
        break;
      case "Delete":
        response = await this.call("DeleteItem", { ...table, ...action.fields });
        after = undefined;
        break;
      case "ConditionCheck":
        // Checked before any write (checkCondition); the item is locked, so it still holds.
        return { kind: "applied", after: prior };
    }
    if (response.status === 200) return { kind: "applied", after };
    if (errorName(response) === "ConditionalCheckFailedException") return { kind: "conditionFailed" };
    return { kind: "error", response };
  }

  private async restore(action: WriteAction, prior: AttributeMap | undefined): Promise<void> {
    const response = prior
      ? await this.call("PutItem", { TableName: action.tableName, Item: prior })
      : await this.call("DeleteItem", { TableName: action.tableName, Key: action.key });
    if (response.status !== 200)
      throw new DynaliteInternalError("undo of a cancelled transaction failed", response);
  }
}

function cancelledBy(reasons: readonly CancellationReason[]): JsonResponse {
  return {
    status: 400,
    body: {
      __type: `${ERROR_PREFIX}TransactionCanceledException`,
      message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons
        .map((reason) => reason.Code)
        .join(", ")}]`,
      CancellationReasons: reasons,
    },
  };
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

function capacityMode(value: string | undefined): CapacityMode | undefined {
  return value === "TOTAL" || value === "INDEXES" ? value : undefined;
}
