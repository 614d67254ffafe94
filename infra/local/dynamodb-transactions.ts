/**
 * TransactWriteItems / TransactGetItems for the local DynamoDB, built on
 * dynalite's own single-item operations.
 *
 * Conditions are evaluated by dynalite, so their semantics are never
 * re-implemented here. A transaction first reads every item and checks its
 * condition with dynalite's own evaluator (ReadAndCheck: a DeleteItem's
 * validation and condition, without the delete), then applies its writes;
 * undo (the prior image written back) is only needed when dynalite refuses a
 * write after the checks passed.
 * Isolation comes from the caller: the front holds the exclusive lock of every
 * item a transaction touches (dynamodb-rwlock.ts, ItemLocks) while it runs, and
 * every single-item request takes its item's lock, so nobody reading or
 * writing those items can observe the transaction half done. Queries take no
 * item lock (DynamoDB's Query is not isolated from transactions either); since
 * writes only start once every condition has passed, a Query never sees the
 * writes of a cancelled transaction.
 *
 * Requests are checked before anything is locked (dynamodb-transact-requests.ts);
 * dynalite's engine runs in process (dynamodb-engine.ts).
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
import {
  type CallDynalite,
  DynaliteInternalError,
  ERROR_PREFIX,
  errorName,
  isResponse,
  type JsonResponse,
  type ReadAndCheck,
  type TableShapes,
} from "./dynamodb-dynalite.ts";
import { itemAnswer } from "./dynamodb-item-requests.ts";
import {
  attributeMap,
  type PreparedGet,
  type PreparedWrite,
  prepareGet,
  prepareWrite,
  type WriteAction,
} from "./dynamodb-transact-requests.ts";

// Module scope: a zod object schema compiles itself on first use, so one built per call costs a compile per call.
const putFields = z.object({ Item: attributeMap });

const IDEMPOTENCY_WINDOW_MS = 10 * 60 * 1000;

interface CancellationReason {
  Code: "None" | "ConditionalCheckFailed";
  Message?: string;
  Item?: AttributeMap;
}

interface IdempotencyRecord {
  readonly fingerprint: string;
  readonly response: JsonResponse;
  readonly expiresAt: number;
}

/** An action whose condition passed, with the table it writes and the item's image before it. */
interface PlannedAction {
  readonly action: WriteAction;
  readonly shape: TableShape;
  readonly prior: AttributeMap | undefined;
}

type WriteOutcome =
  | { kind: "applied"; after: AttributeMap | undefined }
  | { kind: "conditionFailed" }
  | { kind: "error"; response: JsonResponse };

/**
 * The transaction engine. One per front; the caller provides the locking
 * (see the module comment), this class provides all-or-nothing.
 */
export class Transactions {
  private readonly idempotency = new Map<string, IdempotencyRecord>();

  constructor(
    private readonly call: CallDynalite,
    private readonly readAndCheck: ReadAndCheck,
    readonly shapes: TableShapes,
  ) {}

  /** Validation that needs no lock (shape, limits, duplicates). Returns the actions or an error answer. */
  prepareWrite(body: unknown): Promise<PreparedWrite | JsonResponse> {
    return prepareWrite(this.shapes, body);
  }

  /**
   * TransactGetItems: validation, and the items to lock. `applyGet` MUST run
   * holding their shared locks, so no transaction is half-applied while they
   * are read and the answer is one snapshot.
   */
  prepareGet(body: unknown): Promise<PreparedGet | JsonResponse> {
    return prepareGet(this.shapes, body);
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
      if (earlier) return earlier.fingerprint === fingerprint ? earlier.response : idempotentMismatch();
    }
    const planned = await this.checkAll(actions);
    if (isResponse(planned)) return planned;
    const mode = capacityMode(request.ReturnConsumedCapacity);
    const capacities = await this.writeAll(planned, mode !== undefined);
    if (isResponse(capacities)) return capacities;

    const response: JsonResponse = {
      status: 200,
      body: mode ? { ConsumedCapacity: consumedCapacity(capacities, "Write", mode) } : {},
    };
    if (token !== undefined) {
      this.idempotency.set(token, { fingerprint, response, expiresAt: Date.now() + IDEMPOTENCY_WINDOW_MS });
    }
    return response;
  }

  /** 1. Prior images, and every condition checked on them (one read each, nothing written). */
  private async checkAll(actions: readonly WriteAction[]): Promise<PlannedAction[] | JsonResponse> {
    const planned: PlannedAction[] = [];
    const reasons: CancellationReason[] = [];
    for (const action of actions) {
      const shape = await this.shapes.get(action.tableName);
      if (isResponse(shape)) return shape;
      const prior = await this.readAndCheck({
        TableName: action.tableName,
        Key: action.key,
        ...action.condition,
      });
      if (isResponse(prior)) return prior;
      planned.push({ action, shape, prior: prior.item });
      // Keep going: AWS reports every failing condition, not only the first.
      reasons.push(
        prior.passed
          ? { Code: "None" }
          : {
              Code: "ConditionalCheckFailed",
              Message: "The conditional request failed",
              ...(action.returnOldOnFailure && prior.item ? { Item: prior.item } : {}),
            },
      );
    }
    if (reasons.some((reason) => reason.Code !== "None")) return cancelledBy(reasons);
    return planned;
  }

  /**
   * 2. The writes. The items are locked, so the conditions still hold; dynalite may
   * still refuse a write (a type error in an update): then the writes done are undone.
   */
  private async writeAll(
    planned: readonly PlannedAction[],
    /** Whether the caller asked for ConsumedCapacity (sizing every item costs ≈ 1 % of a test's CPU). */
    sized: boolean,
  ): Promise<{ tableName: string; capacity: Capacity }[] | JsonResponse> {
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
      if (sized) {
        capacities.push({
          tableName: action.tableName,
          capacity: transactionalWriteCapacity(shape, prior, outcome.after),
        });
      }
    }
    if (abort) {
      for (const { action, prior } of [...touched].reverse()) await this.restore(action, prior);
      return abort;
    }
    return capacities;
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
    return { item: itemAnswer.parse(response.body).Item };
  }

  private async applyOne(action: WriteAction, prior: AttributeMap | undefined): Promise<WriteOutcome> {
    const table = { TableName: action.tableName };
    let response: JsonResponse;
    let after: AttributeMap | undefined;
    switch (action.kind) {
      case "Put":
        response = await this.call("PutItem", { ...table, ...action.fields });
        after = putFields.parse(action.fields).Item;
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

function idempotentMismatch(): JsonResponse {
  return {
    status: 400,
    body: {
      __type: `${ERROR_PREFIX}IdempotentParameterMismatchException`,
      message: "Specified idempotent token was used with different request parameters",
    },
  };
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

function capacityMode(value: string | undefined): CapacityMode | undefined {
  return value === "TOTAL" || value === "INDEXES" ? value : undefined;
}
