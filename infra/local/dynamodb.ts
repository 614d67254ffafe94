/**
 * The local DynamoDB stand-in used by `npm start` and the integration tests.
 *
 * dynalite (DynamoDB on LevelDB) does the storage, queries and condition
 * expressions; it listens on an internal port. In front of it sits our own
 * HTTP server on the public port (dynamodb-front.ts) that adds what dynalite
 * lacks: TransactWriteItems/TransactGetItems with all-or-nothing semantics and
 * isolation from every other request. Tables are created from the same
 * TableDesign the CDK stack uses, so local and deployed tables cannot drift.
 */

import { mkdir } from "node:fs/promises";
import { Agent, type Server } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from "@aws-sdk/client-dynamodb";
import { keyAttributes, type TableDesign } from "#shared/store/table-design.ts";
import { createDynaliteCaller, TableShapes } from "./dynamodb-dynalite.ts";
import { startFront } from "./dynamodb-front.ts";
import { ItemLocks, ReadWriteLock } from "./dynamodb-rwlock.ts";
import { Transactions } from "./dynamodb-transactions.ts";
import type { LocalFaults } from "./faults.ts";
import type { LocalMeter } from "./meter.ts";

export interface LocalTable {
  readonly name: string;
  readonly design: TableDesign;
}

export interface LocalDynamoDbOptions {
  /** Public port on 127.0.0.1; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Directory for the data; the LevelDB store lives in `<dataDir>/dynalite`. Reopening it finds all items. */
  readonly dataDir: string;
  /** Tables to create when missing (existing tables are left as they are). */
  readonly tables: readonly LocalTable[];
  /** Benchmarks: report every request's consumed capacity to `meter.dynamoDb`, sized by `meter.dynamoDbCapacity`. */
  readonly meter?: LocalMeter;
  /** Tests only: fail requests as DynamoDB may (throttle, 5xx, reset); see faults.ts. */
  readonly faults?: LocalFaults["service"];
}

export interface LocalDynamoDb {
  /** e.g. http://127.0.0.1:4567 — pass as `endpoint` to DynamoDBClient. */
  readonly endpoint: string;
  readonly port: number;
  /** The front's item locks (diagnostics and tests: hold an item as a long transaction would). */
  readonly locks: ItemLocks;
  /** The tables this start created: empty ones (the others were found in the data folder). */
  readonly createdTables: readonly string[];
  /** Stops the front and dynalite and closes LevelDB, so the process can exit and the dataDir be reopened. */
  close(): Promise<void>;
}

/** Thrown when the stand-in cannot start (dynalite missing, port taken, table never becoming ACTIVE). */
export class LocalDynamoDbStartError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "LocalDynamoDbStartError";
  }
}

interface DynaliteOptions {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}
type DynaliteFactory = (options: DynaliteOptions) => Server;

function isDynaliteFactory(value: unknown): value is DynaliteFactory {
  return typeof value === "function";
}

/** dynalite is CommonJS without type declarations; load it through require and check its shape. */
function loadDynalite(): DynaliteFactory {
  const loaded: unknown = createRequire(import.meta.url)("dynalite");
  if (!isDynaliteFactory(loaded))
    throw new LocalDynamoDbStartError("dynalite does not export a factory function");
  return loaded;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      const address = server.address();
      if (address === null || typeof address === "string") {
        reject(new LocalDynamoDbStartError("dynalite is not listening on a TCP port"));
      } else {
        resolve(address.port);
      }
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    // dynalite's close() also waits for pending LevelDB operations and closes the store.
    server.close((error?: Error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

/** The CreateTable input for a design: on-demand, every GSI projecting ALL, like the CDK construct. */
export function createTableInput(name: string, design: TableDesign): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: keyAttributes(design).map((attribute) => ({
      AttributeName: attribute.name,
      AttributeType: attribute.type,
    })),
    KeySchema: [
      { AttributeName: design.partitionKey.name, KeyType: "HASH" },
      { AttributeName: design.sortKey.name, KeyType: "RANGE" },
    ],
    ...(design.globalSecondaryIndexes.length > 0
      ? {
          GlobalSecondaryIndexes: design.globalSecondaryIndexes.map((index) => ({
            IndexName: index.indexName,
            KeySchema: [
              { AttributeName: index.partitionKey.name, KeyType: "HASH" },
              { AttributeName: index.sortKey.name, KeyType: "RANGE" },
            ],
            Projection: { ProjectionType: index.projection ?? "ALL" },
          })),
        }
      : {}),
  };
}

async function isActive(client: DynamoDBClient, name: string): Promise<boolean | undefined> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    const indexes = Table?.GlobalSecondaryIndexes ?? [];
    return Table?.TableStatus === "ACTIVE" && indexes.every((index) => index.IndexStatus === "ACTIVE");
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/** Creates the tables the data folder lacks (checking the others' indexes); answers the ones it created. */
async function ensureTables(endpoint: string, tables: readonly LocalTable[]): Promise<string[]> {
  const created: string[] = [];
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  try {
    for (const table of tables) {
      if ((await isActive(client, table.name)) === undefined) {
        await client.send(new CreateTableCommand(createTableInput(table.name, table.design)));
        created.push(table.name);
      } else {
        // dynalite cannot add an index to an existing table (UpdateTable ignores GSI creates).
        const { Table } = await client.send(new DescribeTableCommand({ TableName: table.name }));
        const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
        const projections = new Map(
          (Table?.GlobalSecondaryIndexes ?? []).map((index) => [
            index.IndexName,
            index.Projection?.ProjectionType,
          ]),
        );
        const missing = table.design.globalSecondaryIndexes.filter(
          (index) =>
            !present.has(index.indexName) || projections.get(index.indexName) !== (index.projection ?? "ALL"),
        );
        if (missing.length > 0) {
          throw new LocalDynamoDbStartError(
            `The local table ${table.name} predates index ${missing.map((index) => index.indexName).join(", ")} (or its projection): start with \`npm start -- --reset\` (local data is recreated)`,
          );
        }
      }
      // Even with createTableMs = 0 dynalite flips CREATING → ACTIVE on a timer.
      const deadline = Date.now() + 5_000;
      while (!(await isActive(client, table.name))) {
        if (Date.now() > deadline)
          throw new LocalDynamoDbStartError(`table ${table.name} never became ACTIVE`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    return created;
  } finally {
    client.destroy();
  }
}

/** Starts dynalite (persisted under dataDir) behind the transaction-capable front. */
export async function startLocalDynamoDb(options: LocalDynamoDbOptions): Promise<LocalDynamoDb> {
  const storePath = join(options.dataDir, "dynalite");
  await mkdir(storePath, { recursive: true });
  const dynalite = loadDynalite()({ path: storePath, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });

  let front: Awaited<ReturnType<typeof startFront>> | undefined;
  let createdTables: string[] = [];
  const items = new ItemLocks();
  const close = async () => {
    if (front) await front.close();
    agent.destroy();
    await closeServer(dynalite);
  };

  try {
    const upstreamPort = await listen(dynalite, 0);
    createdTables = await ensureTables(`http://127.0.0.1:${upstreamPort}`, options.tables);
    const call = createDynaliteCaller(upstreamPort, agent);
    const shapes = new TableShapes(call);
    front = await startFront({
      port: options.port ?? 0,
      upstreamPort,
      agent,
      lock: new ReadWriteLock(),
      items,
      transactions: new Transactions(call, shapes),
      meter: options.meter?.dynamoDbCapacity
        ? { observer: options.meter, capacity: options.meter.dynamoDbCapacity({ call, shapes }) }
        : undefined,
      ...(options.faults ? { faults: options.faults } : {}),
    });
  } catch (error) {
    await close().catch(() => undefined);
    throw error instanceof LocalDynamoDbStartError
      ? error
      : new LocalDynamoDbStartError("local DynamoDB failed to start", { cause: error });
  }

  const port = front.port;
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    locks: items,
    createdTables,
    close: () => {
      closing ??= close();
      return closing;
    },
  };
}
