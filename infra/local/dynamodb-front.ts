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
import type { ReadWriteLock } from "./dynamodb-rwlock.ts";
import type { CallDynalite, JsonResponse, Transactions } from "./dynamodb-transactions.ts";

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

export async function startFront(options: {
  port: number;
  upstreamPort: number;
  agent: Agent;
  lock: ReadWriteLock;
  transactions: Transactions;
}): Promise<Front> {
  const { lock, transactions, agent, upstreamPort } = options;

  async function answerTransaction(target: string, raw: Buffer): Promise<JsonResponse> {
    let body: unknown;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      return { status: 400, body: { __type: "com.amazon.coral.service#SerializationException" } };
    }
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

  const server = createServer((req, res) => {
    readBody(req)
      .then(async (raw) => {
        const target = String(req.headers["x-amz-target"] ?? "");
        if (target === TRANSACT_WRITE || target === TRANSACT_GET) {
          sendJson(res, await answerTransaction(target, raw));
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
