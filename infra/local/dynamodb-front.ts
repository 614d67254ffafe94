/**
 * The HTTP front of the local DynamoDB.
 *
 * Why it exists: dynalite implements neither TransactWriteItems nor
 * TransactGetItems, and it interleaves concurrent requests freely. The front
 * owns the public port, answers the two transaction operations itself (see
 * dynamodb-transactions.ts) and hands everything else to dynalite's engine, in
 * process (dynamodb-engine.ts). Item locks give transactions isolation (dynamodb-rwlock.ts): a
 * transaction holds the locks of the items it touches exclusively, a
 * single-item or batch write those of its items exclusively, GetItem,
 * BatchGetItem and TransactGetItems those of their items shared, so no request
 * on an item can observe (or interleave with) a transaction that is half
 * applied, while requests on other items go on side by side. Query and Scan
 * lock nothing (DynamoDB's are not isolated from transactions either). A
 * table-level lock is held shared by every request and exclusively by
 * CreateTable/DeleteTable/UpdateTable.
 *
 * DynamoDB answers a failed conditional PutItem/UpdateItem/DeleteItem that
 * asked for `ReturnValuesOnConditionCheckFailure: ALL_OLD` with the item as it
 * is; dynalite does not, so the front reads it (under the item's lock) and adds it.
 *
 * With a meter (LocalMeter.dynamoDb set), the front also reports the capacity
 * each request consumed (LocalMeter.dynamoDbCapacity); answers stay as they were.
 *
 * DynamoDB's wire format (answers, errors, table shapes) is in dynamodb-dynalite.ts;
 * the locks and old items of single-item requests in dynamodb-item-requests.ts.
 */

import { createServer, type Server } from "node:http";
import { noteLocalChange, reportLocalActivity } from "./changes.ts";
import {
  type CallDynalite,
  internalError,
  type JsonResponse,
  readBody,
  sendJson,
  UNKNOWN_OPERATION,
} from "./dynamodb-dynalite.ts";
import { isRecord, itemLocksOf, withOldItem } from "./dynamodb-item-requests.ts";
import type { ItemLocks, ReadWriteLock } from "./dynamodb-rwlock.ts";
import type { Transactions } from "./dynamodb-transactions.ts";
import { faultable, type LocalFaults } from "./faults.ts";
import type { DynamoDbCapacityMeter, DynamoDbUsage, LocalMeter } from "./meter.ts";

const TRANSACT_WRITE = "DynamoDB_20120810.TransactWriteItems";
const TRANSACT_GET = "DynamoDB_20120810.TransactGetItems";
/** Operations after which cached key schemas may be stale. */
const SCHEMA_CHANGES = new Set(["CreateTable", "DeleteTable", "UpdateTable"]);
/** Targets whose success changes items (what waits in this process hears of: ./changes.ts). */
const ITEM_WRITES = new Set(
  ["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"].map(
    (operation) => `DynamoDB_20120810.${operation}`,
  ),
);

export interface Front {
  readonly server: Server;
  readonly port: number;
  /** What the port answers, as a function call (the in-process Lambdas' transport, in-process-transport.ts). */
  readonly answer: (target: string, raw: Buffer) => Promise<JsonResponse>;
  close(): Promise<void>;
}

export interface FrontOptions {
  port: number;
  /** dynalite's engine, in process (dynamodb-engine.ts). */
  call: CallDynalite;
  /** The table-level lock: shared by every request, exclusive for schema changes. */
  lock: ReadWriteLock;
  /** One lock per item. */
  items: ItemLocks;
  transactions: Transactions;
  /** Optional: report consumed capacity to `observer.dynamoDb` (looked up per request). */
  meter?: { readonly observer: LocalMeter; readonly capacity: DynamoDbCapacityMeter } | undefined;
  /** Tests only: may answer a request with a throttle, a 5xx or a reset instead (faults.ts). */
  faults?: LocalFaults["service"];
}

const SERIALIZATION_ERROR: JsonResponse = {
  status: 400,
  body: { __type: "com.amazon.coral.service#SerializationException" },
};

type Observe = (usage: DynamoDbUsage) => void;

/** Gives a metered transaction's answer the capacity detail its caller asked for (the meter asked for INDEXES). */
function restoreCapacityMode(response: JsonResponse, asked: unknown): JsonResponse {
  if (asked === "INDEXES" || !isRecord(response.body) || !Array.isArray(response.body.ConsumedCapacity))
    return response;
  const { ConsumedCapacity, ...rest } = response.body;
  if (asked !== "TOTAL") return { ...response, body: rest };
  const totals = ConsumedCapacity.map((entry: unknown) => {
    if (!isRecord(entry)) return entry;
    const { Table: _table, GlobalSecondaryIndexes: _indexes, ...kept } = entry;
    return kept;
  });
  return { ...response, body: { ...rest, ConsumedCapacity: totals } };
}

async function answerTransaction(
  front: FrontOptions,
  target: string,
  raw: Buffer,
  observe: Observe | undefined,
): Promise<JsonResponse> {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString("utf8"));
  } catch {
    return SERIALIZATION_ERROR;
  }
  const meter = front.meter;
  if (observe && meter && isRecord(body)) {
    // The engine sizes transactions itself; ask it for the detail and hand the caller what it asked for.
    const asked = body.ReturnConsumedCapacity;
    const operation = target.split(".")[1] ?? target;
    const metered = await runTransaction(front, target, { ...body, ReturnConsumedCapacity: "INDEXES" });
    if (metered.status === 200) observe(meter.capacity.transaction(operation, metered));
    return restoreCapacityMode(metered, asked);
  }
  return runTransaction(front, target, body);
}

async function runTransaction(front: FrontOptions, target: string, body: unknown): Promise<JsonResponse> {
  const { lock, items, transactions } = front;
  return lock.withShared(async () => {
    if (target === TRANSACT_WRITE) {
      const prepared = await transactions.prepareWrite(body);
      if ("status" in prepared) return prepared;
      const locks = prepared.lockIds.map((id) => ({ id, exclusive: true }));
      return items.with(locks, () => transactions.applyWrite(prepared));
    }
    const prepared = await transactions.prepareGet(body);
    if ("status" in prepared) return prepared;
    const locks = prepared.lockIds.map((id) => ({ id, exclusive: false }));
    return items.with(locks, () => transactions.applyGet(prepared));
  });
}

/** The operation a request names (`DynamoDB_20120810.GetItem` → `GetItem`); undefined for any other target. */
function operationOf(target: string): string | undefined {
  const [api, operation, ...rest] = target.split(".");
  return api === "DynamoDB_20120810" && operation && rest.length === 0 ? operation : undefined;
}

/**
 * dynalite's answer to a request the meter sizes. Call holding the request's
 * item locks: a write holds its items exclusively, so the images read before
 * and after it are its own; a read holds them shared, so re-reading its items
 * sees what it saw.
 */
async function answerMetered(
  front: FrontOptions,
  operation: string,
  parsed: Record<string, unknown>,
  capacity: DynamoDbCapacityMeter,
  observe: Observe,
): Promise<JsonResponse> {
  let before: { readonly images: unknown } | undefined;
  try {
    before = { images: await capacity.before(operation, parsed) };
  } catch {
    before = undefined;
  }
  const answered = await front.call(operation, { ...parsed });
  const usage = before
    ? await capacity.measure(operation, parsed, before.images, answered)
    : { operation, readUnits: 0, writeUnits: 0, indexWriteUnits: 0, unmetered: true };
  observe(usage);
  return answered;
}

/** Every operation but the transactions: answered by dynalite holding the table's and the items' locks. */
async function answer(front: FrontOptions, raw: Buffer, target: string): Promise<JsonResponse> {
  const operation = operationOf(target);
  if (operation === undefined) return UNKNOWN_OPERATION;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString("utf8"));
  } catch {
    return SERIALIZATION_ERROR;
  }
  if (!isRecord(parsed)) return SERIALIZATION_ERROR;
  const { lock, items, meter } = front;
  const observe = meter?.observer.dynamoDb;
  const schemaChange = SCHEMA_CHANGES.has(operation);
  const releaseTable = await (schemaChange ? lock.acquireExclusive() : lock.acquireShared());
  try {
    const releaseItems = await items.acquire(await itemLocksOf(front.transactions.shapes, operation, parsed));
    try {
      // dynalite gets a copy of the top level: it drops the members it does not know from what it is
      // given, and withOldItem reads one of them (ReturnValuesOnConditionCheckFailure).
      const answered =
        observe && meter?.capacity.measures(operation)
          ? await answerMetered(front, operation, parsed, meter.capacity, observe)
          : await front.call(operation, { ...parsed });
      // DynamoDB returns the item with a failed condition when asked to; dynalite does not (withOldItem).
      const augmented = await withOldItem(
        front.call,
        front.transactions.shapes,
        operation,
        parsed,
        answered.status,
        answered.body,
      );
      return augmented ?? answered;
    } finally {
      releaseItems();
    }
  } finally {
    if (schemaChange) front.transactions.shapes.clear();
    releaseTable();
  }
}

export async function startFront(options: FrontOptions): Promise<Front> {
  const front = options;
  const answerRequest = async (target: string, raw: Buffer): Promise<JsonResponse> => {
    try {
      const answered =
        target === TRANSACT_WRITE || target === TRANSACT_GET
          ? await answerTransaction(front, target, raw, front.meter?.observer.dynamoDb)
          : await answer(front, raw, target);
      if (answered.status === 200 && ITEM_WRITES.has(target)) noteLocalChange();
      return answered;
    } catch (error) {
      return internalError(error);
    }
  };
  const server = createServer(
    faultable("dynamodb", options.faults, (req, res) => {
      readBody(req)
        .then(async (raw) =>
          sendJson(res, await answerRequest(String(req.headers["x-amz-target"] ?? ""), raw)),
        )
        .catch((error: unknown) => {
          if (!res.headersSent) sendJson(res, internalError(error));
          else res.destroy();
        });
    }),
  );

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string")
    throw new Error("front is not listening on a TCP port");
  const stopReporting = reportLocalActivity();

  return {
    server,
    port: address.port,
    answer: answerRequest,
    close: () =>
      new Promise<void>((resolve, reject) => {
        stopReporting();
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets of SDK clients would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}
