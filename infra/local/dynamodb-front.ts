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
 * each request consumed (dynamodb-meter.ts); answers stay byte for byte.
 */

import { randomUUID } from "node:crypto";
import {
  type Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from "node:http";
import { crc32 } from "node:zlib";
import * as z from "zod";
import type { Before, CapacityMeter } from "./dynamodb-meter.ts";
import { type ItemLockRequest, type ItemLocks, itemLockId, type ReadWriteLock } from "./dynamodb-rwlock.ts";
import type { CallDynalite, JsonResponse, Transactions } from "./dynamodb-transactions.ts";
import { faultable, type LocalFaults } from "./faults.ts";
import type { DynamoDbUsage, LocalMeter } from "./meter.ts";

const TRANSACT_WRITE = "DynamoDB_20120810.TransactWriteItems";
const TRANSACT_GET = "DynamoDB_20120810.TransactGetItems";
/** Operations after which cached key schemas may be stale. */
const SCHEMA_CHANGES = new Set(["CreateTable", "DeleteTable", "UpdateTable"]);
/** Single-item writes that may ask for the old item on a failed condition. */
const SINGLE_WRITES = new Set(["PutItem", "UpdateItem", "DeleteItem"]);
const CONDITION_FAILED = "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException";
/** Hop-by-hop headers: they describe one connection, not the message, so they are not forwarded. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"]);

/** dynalite insists on a SigV4-looking Authorization header but never checks the signature. */
const INTERNAL_AUTH_HEADERS = {
  authorization:
    "AWS4-HMAC-SHA256 Credential=local/20000101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=local",
  "x-amz-date": "20000101T000000Z",
};

export interface Front {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

function readBody(message: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    message.on("data", (chunk: Buffer) => chunks.push(chunk));
    message.on("end", () => resolve(Buffer.concat(chunks)));
    message.on("error", reject);
  });
}

function forwardableHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())));
}

/** A client for dynalite's internal port, used by the transaction engine (never locked: the caller holds the lock). */
export function createDynaliteCaller(port: number, agent: Agent): CallDynalite {
  return (operation, payload) =>
    new Promise<JsonResponse>((resolve, reject) => {
      const body = Buffer.from(JSON.stringify(payload));
      const outgoing = request(
        {
          host: "127.0.0.1",
          port,
          method: "POST",
          path: "/",
          agent,
          headers: {
            ...INTERNAL_AUTH_HEADERS,
            "content-type": "application/x-amz-json-1.0",
            "content-length": body.length,
            "x-amz-target": `DynamoDB_20120810.${operation}`,
          },
        },
        (incoming) => {
          readBody(incoming).then((raw) => {
            const text = raw.toString("utf8");
            try {
              const parsed: unknown = text === "" ? {} : JSON.parse(text);
              resolve({ status: incoming.statusCode ?? 500, body: parsed });
            } catch (error) {
              reject(error);
            }
          }, reject);
        },
      );
      outgoing.on("error", reject);
      outgoing.end(body);
    });
}

function sendJson(res: ServerResponse, response: JsonResponse): void {
  const text = JSON.stringify(response.body);
  res.writeHead(response.status, {
    "content-type": "application/x-amz-json-1.0",
    "content-length": Buffer.byteLength(text),
    "x-amz-crc32": String(crc32(text)),
    "x-amzn-requestid": randomUUID(),
  });
  res.end(text);
}

function internalError(error: unknown): JsonResponse {
  return {
    status: 500,
    body: {
      __type: "com.amazonaws.dynamodb.v20120810#InternalServerError",
      message: error instanceof Error ? error.message : String(error),
    },
  };
}

function parseAnswer(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString("utf8") || "{}");
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

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

export async function startFront(options: {
  port: number;
  upstreamPort: number;
  agent: Agent;
  /** The table-level lock: shared by every request, exclusive for schema changes. */
  lock: ReadWriteLock;
  /** One lock per item. */
  items: ItemLocks;
  transactions: Transactions;
  /** Optional: report consumed capacity to `observer.dynamoDb` (looked up per request). */
  meter?: { readonly observer: LocalMeter; readonly capacity: CapacityMeter } | undefined;
  /** Tests only: may answer a request with a throttle, a 5xx or a reset instead (faults.ts). */
  faults?: LocalFaults["service"];
}): Promise<Front> {
  const { lock, items, transactions, agent, upstreamPort, meter } = options;
  const call = createDynaliteCaller(upstreamPort, agent);

  /** The item locks a request needs (none for Query, Scan and table operations, or a body it cannot read). */
  async function itemLocksOf(operation: string, body: unknown): Promise<ItemLockRequest[]> {
    const keyed = z.object({ TableName: z.string(), Key: z.record(z.string(), z.unknown()).optional() });
    const lockOf = async (tableName: string, key: Record<string, unknown>, exclusive: boolean) => {
      const shape = await transactions.shapes.get(tableName);
      if ("status" in shape) return [];
      return [{ id: itemLockId(tableName, shape.keyAttributes, key), exclusive }];
    };
    if (operation === "GetItem" || operation === "UpdateItem" || operation === "DeleteItem") {
      const parsed = keyed.safeParse(body);
      if (!parsed.success || parsed.data.Key === undefined) return [];
      return lockOf(parsed.data.TableName, parsed.data.Key, operation !== "GetItem");
    }
    if (operation === "PutItem") {
      const parsed = z
        .object({ TableName: z.string(), Item: z.record(z.string(), z.unknown()) })
        .safeParse(body);
      return parsed.success ? lockOf(parsed.data.TableName, parsed.data.Item, true) : [];
    }
    if (operation === "BatchGetItem") {
      const parsed = z
        .object({
          RequestItems: z.record(z.string(), z.object({ Keys: z.array(z.record(z.string(), z.unknown())) })),
        })
        .safeParse(body);
      if (!parsed.success) return [];
      const locks: ItemLockRequest[] = [];
      for (const [tableName, spec] of Object.entries(parsed.data.RequestItems))
        for (const key of spec.Keys) locks.push(...(await lockOf(tableName, key, false)));
      return locks;
    }
    if (operation === "BatchWriteItem") {
      const entry = z.object({
        PutRequest: z.object({ Item: z.record(z.string(), z.unknown()) }).optional(),
        DeleteRequest: z.object({ Key: z.record(z.string(), z.unknown()) }).optional(),
      });
      const parsed = z.object({ RequestItems: z.record(z.string(), z.array(entry)) }).safeParse(body);
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

  async function answerTransaction(
    target: string,
    raw: Buffer,
    observe: ((usage: DynamoDbUsage) => void) | undefined,
  ): Promise<JsonResponse> {
    let body: unknown;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      return { status: 400, body: { __type: "com.amazon.coral.service#SerializationException" } };
    }
    if (observe && meter && isRecord(body)) {
      // The engine sizes transactions itself; ask it for the detail and hand the caller what it asked for.
      const asked = body.ReturnConsumedCapacity;
      const operation = target.split(".")[1] ?? target;
      const metered = await runTransaction(target, { ...body, ReturnConsumedCapacity: "INDEXES" });
      if (metered.status === 200) observe(meter.capacity.transaction(operation, metered));
      return restoreCapacityMode(metered, asked);
    }
    return runTransaction(target, body);
  }

  async function runTransaction(target: string, body: unknown): Promise<JsonResponse> {
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

  /** Relays a request to dynalite and its answer back as it streams; resolves once the answer is relayed. */
  function forward(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        resolve();
      };
      const outgoing = request(
        {
          host: "127.0.0.1",
          port: upstreamPort,
          method: req.method,
          path: req.url,
          agent,
          headers: { ...forwardableHeaders(req.headers), "content-length": raw.length },
        },
        (incoming) => {
          res.writeHead(incoming.statusCode ?? 502, forwardableHeaders(incoming.headers));
          incoming.pipe(res);
          incoming.on("end", finish);
          incoming.on("close", finish);
          incoming.on("error", finish);
        },
      );
      outgoing.on("error", (error) => {
        finish();
        if (!res.headersSent) sendJson(res, internalError(error));
        else res.destroy(error);
      });
      res.on("close", () => {
        if (!done) {
          outgoing.destroy();
          finish();
        }
      });
      outgoing.end(raw);
    });
  }

  /** dynalite's answer, buffered: the meter or the old item needs it before the caller gets it. */
  function relay(
    req: IncomingMessage,
    raw: Buffer,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const outgoing = request(
        {
          host: "127.0.0.1",
          port: upstreamPort,
          method: req.method,
          path: req.url,
          agent,
          headers: { ...forwardableHeaders(req.headers), "content-length": raw.length },
        },
        (incoming) => {
          readBody(incoming).then(
            (body) => resolve({ status: incoming.statusCode ?? 502, headers: incoming.headers, body }),
            reject,
          );
        },
      );
      outgoing.on("error", reject);
      outgoing.end(raw);
    });
  }

  /**
   * A failed conditional single-item write that asked for ALL_OLD, answered as
   * DynamoDB does: ConditionalCheckFailedException with the item as it is
   * (read while the item's lock is still held, so it is the image the condition saw).
   */
  async function withOldItem(
    operation: string,
    request: unknown,
    status: number,
    answer: unknown,
  ): Promise<JsonResponse | undefined> {
    if (!SINGLE_WRITES.has(operation) || !isRecord(request) || !isRecord(answer)) return undefined;
    if (request.ReturnValuesOnConditionCheckFailure !== "ALL_OLD" || answer.__type !== CONDITION_FAILED)
      return undefined;
    const parsed = z
      .object({
        TableName: z.string(),
        Key: z.record(z.string(), z.unknown()).optional(),
        Item: z.record(z.string(), z.unknown()).optional(),
      })
      .safeParse(request);
    if (!parsed.success) return undefined;
    const shape = await transactions.shapes.get(parsed.data.TableName);
    if ("status" in shape) return undefined;
    const source = parsed.data.Key ?? parsed.data.Item ?? {};
    const key = Object.fromEntries(shape.keyAttributes.map((name) => [name, source[name]]));
    const read = await call("GetItem", { TableName: parsed.data.TableName, Key: key, ConsistentRead: true });
    const item = z.object({ Item: z.record(z.string(), z.unknown()).optional() }).safeParse(read.body);
    if (read.status !== 200 || !item.success || item.data.Item === undefined) return undefined;
    return { status, body: { ...answer, Item: item.data.Item } };
  }

  /** Forwards a request whose answer may need the old item (see withOldItem). Call holding the item's lock. */
  async function forwardBuffered(
    req: IncomingMessage,
    res: ServerResponse,
    raw: Buffer,
    operation: string,
    parsed: unknown,
  ) {
    const answer = await relay(req, raw);
    const augmented = await withOldItem(operation, parsed, answer.status, parseAnswer(answer.body));
    if (augmented) sendJson(res, augmented);
    else {
      res.writeHead(answer.status, forwardableHeaders(answer.headers));
      res.end(answer.body);
    }
  }

  /**
   * Forwards a request the meter sizes. Call holding the request's item locks:
   * a write holds its items exclusively, so the images read before and after it
   * are its own; a read holds them shared, so re-reading its items sees what it saw.
   */
  async function forwardMetered(
    req: IncomingMessage,
    res: ServerResponse,
    raw: Buffer,
    operation: string,
    parsed: unknown,
    capacity: CapacityMeter,
    observe: (usage: DynamoDbUsage) => void,
  ) {
    let before: Before | undefined;
    try {
      before = await capacity.before(operation, parsed);
    } catch {
      before = undefined;
    }
    const answer = await relay(req, raw);
    const body = parseAnswer(answer.body);
    const usage = before
      ? await capacity.measure(operation, parsed, before, { status: answer.status, body })
      : { operation, readUnits: 0, writeUnits: 0, indexWriteUnits: 0, unmetered: true };
    const augmented = await withOldItem(operation, parsed, answer.status, body);
    if (augmented) sendJson(res, augmented);
    else {
      res.writeHead(answer.status, forwardableHeaders(answer.headers));
      res.end(answer.body);
    }
    observe(usage);
  }

  async function answer(req: IncomingMessage, res: ServerResponse, raw: Buffer, target: string) {
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
      const releaseItems = await items.acquire(await itemLocksOf(operation, parsed));
      try {
        if (observe && meter?.capacity.measures(operation) && parsed !== undefined) {
          await forwardMetered(req, res, raw, operation, parsed, meter.capacity, observe);
        } else if (
          SINGLE_WRITES.has(operation) &&
          isRecord(parsed) &&
          parsed.ReturnValuesOnConditionCheckFailure === "ALL_OLD"
        ) {
          await forwardBuffered(req, res, raw, operation, parsed);
        } else {
          await forward(req, res, raw);
        }
      } finally {
        releaseItems();
      }
    } finally {
      if (schemaChange) transactions.shapes.clear();
      releaseTable();
    }
  }

  const server = createServer(
    faultable("dynamodb", options.faults, (req, res) => {
      readBody(req)
        .then(async (raw) => {
          const target = String(req.headers["x-amz-target"] ?? "");
          if (target === TRANSACT_WRITE || target === TRANSACT_GET) {
            sendJson(res, await answerTransaction(target, raw, meter?.observer.dynamoDb));
          } else {
            await answer(req, res, raw, target);
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
