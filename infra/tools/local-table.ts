/**
 * The running local cloud's table, found through `.data/endpoints.json`
 * (written by `npm start`), or a deployed table named with `--table` and the
 * standard AWS environment (profile, region).
 */

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import type { ImportSource } from "#shared/reference/import/importer.ts";
import { formatOf } from "#shared/reference/import/source.ts";
import { REPO_ROOT } from "../constructs/function-metadata.ts";

export const DATA_DIR = path.join(REPO_ROOT, ".data");

const endpointsSchema = z.object({
  dynamodb: z.string().url(),
  region: z.string(),
  credentials: z.object({ accessKeyId: z.string(), secretAccessKey: z.string() }),
  tableName: z.string(),
});

/** No local cloud is running (or it never wrote its endpoints). */
export class LocalCloudNotFoundError extends Error {
  override readonly name = "LocalCloudNotFoundError";
}

export interface TableTarget {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly description: string;
}

export async function tableTarget(options: { table?: string; endpointsFile?: string }): Promise<TableTarget> {
  if (options.table) {
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
      marshallOptions: { removeUndefinedValues: true },
    });
    return { client, tableName: options.table, description: `table ${options.table}` };
  }
  const file = options.endpointsFile ?? path.join(DATA_DIR, "endpoints.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new LocalCloudNotFoundError(`No ${file}: start the local cloud first (npm start), or pass --table`);
  }
  const endpoints = endpointsSchema.parse(JSON.parse(text));
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: endpoints.dynamodb,
      region: endpoints.region,
      credentials: endpoints.credentials,
    }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  return {
    client,
    tableName: endpoints.tableName,
    description: `${endpoints.tableName} at ${endpoints.dynamodb}`,
  };
}

/** A local file as an import source; its identity is its SHA-256 (one quick pass before the import). */
export async function fileSource(file: string): Promise<ImportSource> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  const { size } = await stat(file);
  return {
    name: path.basename(file),
    format: formatOf(file),
    sizeBytes: size,
    identity: `sha256:${hash.digest("hex")}`,
    open: () => createReadStream(file, { highWaterMark: 256 * 1024 }) as AsyncIterable<Uint8Array>,
  };
}
