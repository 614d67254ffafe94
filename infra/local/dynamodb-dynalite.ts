/**
 * Talking to dynalite, the storage behind the local DynamoDB front: JSON calls
 * on its internal port, requests relayed to it as they came, its answers and
 * errors in DynamoDB's wire format, and the table shapes it describes.
 */
import { randomUUID } from "node:crypto";
import {
  type Agent,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type RequestOptions,
  request,
  type ServerResponse,
} from "node:http";
import { crc32 } from "node:zlib";
import * as z from "zod";
import type { TableShape } from "./dynamodb-capacity.ts";

/** A JSON answer in DynamoDB's wire format (status + body). */
export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
}

/** Sends one DynamoDB JSON operation straight to dynalite (bypassing the front and its lock). */
export type CallDynalite = (operation: string, request: Record<string, unknown>) => Promise<JsonResponse>;

/** dynalite's internal port and the connection pool to reach it. */
export interface Upstream {
  readonly port: number;
  readonly agent: Agent;
}

export const ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#";

/** Hop-by-hop headers: they describe one connection, not the message, so they are not forwarded. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"]);

/** dynalite insists on a SigV4-looking Authorization header but never checks the signature. */
const INTERNAL_AUTH_HEADERS = {
  authorization:
    "AWS4-HMAC-SHA256 Credential=local/20000101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=local",
  "x-amz-date": "20000101T000000Z",
};

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

export function internalError(error: unknown): JsonResponse {
  return {
    status: 500,
    body: {
      __type: "com.amazonaws.dynamodb.v20120810#InternalServerError",
      message: error instanceof Error ? error.message : String(error),
    },
  };
}

/** The exception name of an error answer (`ConditionalCheckFailedException`, …). */
export function errorName(response: JsonResponse): string | undefined {
  const parsed = z.object({ __type: z.string() }).safeParse(response.body);
  return parsed.success ? parsed.data.__type.split("#").pop() : undefined;
}

/** Tells an error answer from a result; results (shapes, actions, keys) never have both fields. */
export function isResponse<T extends object>(value: T | JsonResponse): value is JsonResponse {
  return "status" in value && "body" in value;
}

export function readBody(message: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    message.on("data", (chunk: Buffer) => chunks.push(chunk));
    message.on("end", () => resolve(Buffer.concat(chunks)));
    message.on("error", reject);
  });
}

export function forwardableHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())));
}

/** A dynalite answer read as JSON; undefined when it is not JSON. */
export function parseAnswer(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString("utf8") || "{}");
  } catch {
    return undefined;
  }
}

export function sendJson(res: ServerResponse, response: JsonResponse): void {
  const text = JSON.stringify(response.body);
  res.writeHead(response.status, {
    "content-type": "application/x-amz-json-1.0",
    "content-length": Buffer.byteLength(text),
    "x-amz-crc32": String(crc32(text)),
    "x-amzn-requestid": randomUUID(),
  });
  res.end(text);
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

/** The request to dynalite that carries the caller's method, path, headers and body. */
const relayOptions = (upstream: Upstream, req: IncomingMessage, raw: Buffer): RequestOptions => ({
  host: "127.0.0.1",
  port: upstream.port,
  method: req.method,
  path: req.url,
  agent: upstream.agent,
  headers: { ...forwardableHeaders(req.headers), "content-length": raw.length },
});

/** Relays a request to dynalite and its answer back as it streams; resolves once the answer is relayed. */
export function forward(
  upstream: Upstream,
  req: IncomingMessage,
  res: ServerResponse,
  raw: Buffer,
): Promise<void> {
  return new Promise<void>((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      resolve();
    };
    const outgoing = request(relayOptions(upstream, req, raw), (incoming) => {
      res.writeHead(incoming.statusCode ?? 502, forwardableHeaders(incoming.headers));
      incoming.pipe(res);
      incoming.on("end", finish);
      incoming.on("close", finish);
      incoming.on("error", finish);
    });
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

/** dynalite's answer to a relayed request, buffered (the meter or the old item needs it before the caller gets it). */
export function relay(
  upstream: Upstream,
  req: IncomingMessage,
  raw: Buffer,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(relayOptions(upstream, req, raw), (incoming) => {
      readBody(incoming).then(
        (body) => resolve({ status: incoming.statusCode ?? 502, headers: incoming.headers, body }),
        reject,
      );
    });
    outgoing.on("error", reject);
    outgoing.end(raw);
  });
}

const keySchema = z.array(z.object({ AttributeName: z.string(), KeyType: z.enum(["HASH", "RANGE"]) }));
const describedTable = z.object({
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
});

/** Key attribute names, hash key first. */
const ordered = (schema: z.infer<typeof keySchema>) =>
  [...schema].sort((a, b) => a.KeyType.localeCompare(b.KeyType)).map((element) => element.AttributeName);

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
    const described = describedTable.parse(response.body);
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
