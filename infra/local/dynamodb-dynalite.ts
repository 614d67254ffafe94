/**
 * DynamoDB's wire format at the local front: answers and errors as JSON, the
 * front's HTTP bodies, and the table shapes dynalite's engine describes.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { crc32 } from "node:zlib";
import * as z from "zod";
import type { AttributeMap, TableShape } from "./dynamodb-capacity.ts";

/** A JSON answer in DynamoDB's wire format (status + body). */
export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
}

/** Sends one DynamoDB JSON operation straight to dynalite's engine (bypassing the front and its locks). */
export type CallDynalite = (operation: string, request: Record<string, unknown>) => Promise<JsonResponse>;

/** The item under a key as it is, and whether the request's condition holds for it (nothing written). */
export type ReadAndCheck = (
  request: { readonly TableName: string; readonly Key: Record<string, unknown> } & Record<string, unknown>,
) => Promise<{ readonly item: AttributeMap | undefined; readonly passed: boolean } | JsonResponse>;

export const ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#";

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

/** What DynamoDB answers a target it does not know. */
export const UNKNOWN_OPERATION: JsonResponse = {
  status: 400,
  body: { __type: "com.amazon.coral.service#UnknownOperationException" },
};

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

const errorAnswer = z.object({ __type: z.string() });

/** The exception name of an error answer (`ConditionalCheckFailedException`, …). */
export function errorName(response: JsonResponse): string | undefined {
  const parsed = errorAnswer.safeParse(response.body);
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
