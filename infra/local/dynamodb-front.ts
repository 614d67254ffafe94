/**
 * The HTTP front of the local DynamoDB.
 *
 * Why it exists: dynalite implements neither TransactWriteItems nor
 * TransactGetItems, and it interleaves concurrent requests freely. The front
 * owns the public port, answers the two transaction operations itself (see
 * dynamodb-transactions.ts) and forwards everything else to dynalite byte for
 * byte. Item locks give transactions isolation (dynamodb-rwlock.ts): a
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
 * each request consumed (LocalMeter.dynamoDbCapacity); answers stay byte for byte.
 *
 * How it reaches dynalite (calls, relays, answers) is in dynamodb-dynalite.ts;
 * the locks and old items of single-item requests in dynamodb-item-requests.ts.
 */

import { type Agent, createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import {
  createDynaliteCaller,
  forward,
  forwardableHeaders,
  internalError,
  type JsonResponse,
  parseAnswer,
  readBody,
  relay,
  sendJson,
  type Upstream,
} from "./dynamodb-dynalite.ts";
import { isRecord, itemLocksOf, SINGLE_WRITES, withOldItem } from "./dynamodb-item-requests.ts";
import type { ItemLocks, ReadWriteLock } from "./dynamodb-rwlock.ts";
import type { Transactions } from "./dynamodb-transactions.ts";
import { faultable, type LocalFaults } from "./faults.ts";
import type { DynamoDbCapacityMeter, DynamoDbUsage, LocalMeter } from "./meter.ts";

const TRANSACT_WRITE = "DynamoDB_20120810.TransactWriteItems";
const TRANSACT_GET = "DynamoDB_20120810.TransactGetItems";
/** Operations after which cached key schemas may be stale. */
const SCHEMA_CHANGES = new Set(["CreateTable", "DeleteTable", "UpdateTable"]);

export interface Front {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

export interface FrontOptions {
  port: number;
  upstreamPort: number;
  agent: Agent;
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

/** What the front's request handling needs: its locks, the engine, dynalite, the meter. */
interface FrontContext extends FrontOptions {
  readonly upstream: Upstream;
  readonly call: ReturnType<typeof createDynaliteCaller>;
}

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
  front: FrontContext,
  target: string,
  raw: Buffer,
  observe: Observe | undefined,
): Promise<JsonResponse> {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString("utf8"));
  } catch {
    return { status: 400, body: { __type: "com.amazon.coral.service#SerializationException" } };
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

async function runTransaction(front: FrontContext, target: string, body: unknown): Promise<JsonResponse> {
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

/** Sends dynalite's buffered answer, with the old item added when the caller asked for it (see withOldItem). */
async function sendAnswer(
  front: FrontContext,
  res: ServerResponse,
  answer: Awaited<ReturnType<typeof relay>>,
  body: unknown,
  operation: string,
  parsed: unknown,
): Promise<void> {
  const augmented = await withOldItem(
    front.call,
    front.transactions.shapes,
    operation,
    parsed,
    answer.status,
    body,
  );
  if (augmented) sendJson(res, augmented);
  else {
    res.writeHead(answer.status, forwardableHeaders(answer.headers));
    res.end(answer.body);
  }
}

/** Forwards a request whose answer may need the old item (see withOldItem). Call holding the item's lock. */
async function forwardBuffered(
  front: FrontContext,
  req: IncomingMessage,
  res: ServerResponse,
  raw: Buffer,
  operation: string,
  parsed: unknown,
) {
  const answer = await relay(front.upstream, req, raw);
  await sendAnswer(front, res, answer, parseAnswer(answer.body), operation, parsed);
}

/**
 * Forwards a request the meter sizes. Call holding the request's item locks:
 * a write holds its items exclusively, so the images read before and after it
 * are its own; a read holds them shared, so re-reading its items sees what it saw.
 */
async function forwardMetered(
  front: FrontContext,
  req: IncomingMessage,
  res: ServerResponse,
  raw: Buffer,
  operation: string,
  parsed: unknown,
  capacity: DynamoDbCapacityMeter,
  observe: Observe,
) {
  let before: { readonly images: unknown } | undefined;
  try {
    before = { images: await capacity.before(operation, parsed) };
  } catch {
    before = undefined;
  }
  const answer = await relay(front.upstream, req, raw);
  const body = parseAnswer(answer.body);
  const usage = before
    ? await capacity.measure(operation, parsed, before.images, { status: answer.status, body })
    : { operation, readUnits: 0, writeUnits: 0, indexWriteUnits: 0, unmetered: true };
  await sendAnswer(front, res, answer, body, operation, parsed);
  observe(usage);
}

/** Every operation but the transactions: forwarded to dynalite holding the table's and the items' locks. */
async function answer(
  front: FrontContext,
  req: IncomingMessage,
  res: ServerResponse,
  raw: Buffer,
  target: string,
) {
  const { lock, items, meter } = front;
  const operation = target.split(".")[1] ?? "";
  const observe = meter?.observer.dynamoDb;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString("utf8"));
  } catch {
    parsed = undefined;
  }
  const schemaChange = SCHEMA_CHANGES.has(operation);
  const releaseTable = await (schemaChange ? lock.acquireExclusive() : lock.acquireShared());
  try {
    const releaseItems = await items.acquire(await itemLocksOf(front.transactions.shapes, operation, parsed));
    try {
      if (observe && meter?.capacity.measures(operation) && parsed !== undefined) {
        await forwardMetered(front, req, res, raw, operation, parsed, meter.capacity, observe);
      } else if (
        SINGLE_WRITES.has(operation) &&
        isRecord(parsed) &&
        parsed.ReturnValuesOnConditionCheckFailure === "ALL_OLD"
      ) {
        await forwardBuffered(front, req, res, raw, operation, parsed);
      } else {
        await forward(front.upstream, req, res, raw);
      }
    } finally {
      releaseItems();
    }
  } finally {
    if (schemaChange) front.transactions.shapes.clear();
    releaseTable();
  }
}

export async function startFront(options: FrontOptions): Promise<Front> {
  const front: FrontContext = {
    ...options,
    upstream: { port: options.upstreamPort, agent: options.agent },
    call: createDynaliteCaller(options.upstreamPort, options.agent),
  };
  const server = createServer(
    faultable("dynamodb", options.faults, (req, res) => {
      readBody(req)
        .then(async (raw) => {
          const target = String(req.headers["x-amz-target"] ?? "");
          if (target === TRANSACT_WRITE || target === TRANSACT_GET) {
            sendJson(res, await answerTransaction(front, target, raw, front.meter?.observer.dynamoDb));
          } else {
            await answer(front, req, res, raw, target);
          }
        })
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

  return {
    server,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets of SDK clients would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}
