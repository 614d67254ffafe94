/**
 * The HTTP front of the local DynamoDB.
 *
 * Why it exists: dynalite implements neither TransactWriteItems nor
 * TransactGetItems, and it interleaves concurrent requests freely. The front
 * owns the public port, answers the two transaction operations itself (see
 * dynamodb-transactions.ts) and forwards everything else to dynalite byte for
 * byte. A read-write lock gives transactions isolation: a transaction holds it
 * exclusively, every forwarded request holds it shared until dynalite has
 * answered, so no request can observe (or interleave with) a transaction that
 * is half-applied or being undone.
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
import type { Before, CapacityMeter } from "./dynamodb-meter.ts";
import type { ReadWriteLock } from "./dynamodb-rwlock.ts";
import type { CallDynalite, JsonResponse, Transactions } from "./dynamodb-transactions.ts";
import type { DynamoDbUsage, LocalMeter } from "./meter.ts";

const TRANSACT_WRITE = "DynamoDB_20120810.TransactWriteItems";
const TRANSACT_GET = "DynamoDB_20120810.TransactGetItems";
/** Operations after which cached key schemas may be stale. */
const SCHEMA_CHANGES = new Set(["CreateTable", "DeleteTable", "UpdateTable"]);
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
  lock: ReadWriteLock;
  transactions: Transactions;
  /** Optional: report consumed capacity to `observer.dynamoDb` (looked up per request). */
  meter?: { readonly observer: LocalMeter; readonly capacity: CapacityMeter } | undefined;
}): Promise<Front> {
  const { lock, transactions, agent, upstreamPort, meter } = options;

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
    if (target === TRANSACT_WRITE) {
      const prepared = await transactions.prepareWrite(body);
      if ("status" in prepared) return prepared;
      return lock.withExclusive(() => transactions.applyWrite(prepared));
    }
    const prepared = await transactions.prepareGet(body);
    if ("status" in prepared) return prepared;
    return lock.withShared(() => transactions.applyGet(prepared));
  }

  async function forward(req: IncomingMessage, res: ServerResponse, raw: Buffer) {
    const release = await lock.acquireShared();
    const operation = String(req.headers["x-amz-target"] ?? "").split(".")[1] ?? "";
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      if (SCHEMA_CHANGES.has(operation)) transactions.shapes.clear();
      release();
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
        // dynalite has finished the operation once it answers; the lock is held until
        // the answer is fully relayed only to keep the bookkeeping simple.
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
      if (!done) outgoing.destroy();
    });
    outgoing.end(raw);
  }

  /** dynalite's answer, buffered: the meter needs it before the caller gets it. */
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
   * Forwards a request the meter sizes. A write holds the lock exclusively, so
   * the images read before and after it are its own; a read holds it shared
   * (every write does, while metering), so re-reading its items sees what it saw.
   */
  async function forwardMetered(
    req: IncomingMessage,
    res: ServerResponse,
    raw: Buffer,
    operation: string,
    capacity: CapacityMeter,
    observe: (usage: DynamoDbUsage) => void,
  ) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString("utf8"));
    } catch {
      return forward(req, res, raw);
    }
    const release = await (capacity.isWrite(operation) ? lock.acquireExclusive() : lock.acquireShared());
    try {
      let before: Before | undefined;
      try {
        before = await capacity.before(operation, parsed);
      } catch {
        before = undefined;
      }
      const answer = await relay(req, raw);
      let body: unknown;
      try {
        body = JSON.parse(answer.body.toString("utf8") || "{}");
      } catch {
        body = undefined;
      }
      const usage = before
        ? await capacity.measure(operation, parsed, before, { status: answer.status, body })
        : { operation, readUnits: 0, writeUnits: 0, indexWriteUnits: 0, unmetered: true };
      res.writeHead(answer.status, forwardableHeaders(answer.headers));
      res.end(answer.body);
      observe(usage);
    } finally {
      release();
    }
  }

  const server = createServer((req, res) => {
    readBody(req)
      .then(async (raw) => {
        const target = String(req.headers["x-amz-target"] ?? "");
        const operation = target.split(".")[1] ?? "";
        const observe = meter?.observer.dynamoDb;
        if (target === TRANSACT_WRITE || target === TRANSACT_GET) {
          sendJson(res, await answerTransaction(target, raw, observe));
        } else if (observe && meter?.capacity.measures(operation)) {
          await forwardMetered(req, res, raw, operation, meter.capacity, observe);
        } else {
          await forward(req, res, raw);
        }
      })
      .catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, internalError(error));
        else res.destroy();
      });
  });

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
