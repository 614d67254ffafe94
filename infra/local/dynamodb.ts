/**
 * The local DynamoDB stand-in used by `npm start` and the integration tests.
 *
 * dynalite (DynamoDB on LevelDB) does the storage, queries and condition
 * expressions, in process (dynamodb-engine.ts). In front of it sits our own
 * HTTP server on the public port (dynamodb-front.ts) that adds what dynalite
 * lacks: TransactWriteItems/TransactGetItems with all-or-nothing semantics and
 * isolation from every other request. Tables are created from the same
 * TableDesign the CDK stack uses, so local and deployed tables cannot drift.
 */

import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import * as z from "zod";
import { keyAttributes, type TableDesign } from "#shared/store/table-design.ts";
import { type CallDynalite, errorName, TableShapes } from "./dynamodb-dynalite.ts";
import { openDynaliteEngine } from "./dynamodb-engine.ts";
import { startFront } from "./dynamodb-front.ts";
import { ItemLocks, ReadWriteLock } from "./dynamodb-rwlock.ts";
import { Transactions } from "./dynamodb-transactions.ts";
import type { LocalFaults } from "./faults.ts";
import type { JsonAnswerer } from "./in-process-transport.ts";
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
  /**
   * Keep the items in memory, not in LevelDB under dataDir: for a store nobody reopens (a test
   * file's cloud). The same dynalite engine answers; only its storage differs (memory-level vs
   * classic-level), and the integration suite spends ≈ 8 % less CPU (docs/testing.md#suite-time).
   */
  readonly inMemory?: boolean;
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
  /** What the port answers, as a function call (for the in-process Lambdas: in-process-transport.ts). */
  readonly answer: JsonAnswerer;
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

const describedStatus = z.object({
  Table: z.object({
    TableStatus: z.string(),
    GlobalSecondaryIndexes: z
      .array(
        z.object({
          IndexName: z.string(),
          IndexStatus: z.string().optional(),
          Projection: z.object({ ProjectionType: z.string().optional() }).optional(),
        }),
      )
      .optional(),
  }),
});

/** The table's status, read from the engine: ACTIVE with every index ACTIVE, something else, or absent. */
async function tableState(call: CallDynalite, name: string): Promise<"active" | "pending" | "absent"> {
  const answer = await call("DescribeTable", { TableName: name });
  if (errorName(answer) === "ResourceNotFoundException") return "absent";
  const described = describedStatus.safeParse(answer.body);
  if (answer.status !== 200 || !described.success)
    throw new LocalDynamoDbStartError(`DescribeTable ${name} failed: ${JSON.stringify(answer.body)}`);
  const { TableStatus, GlobalSecondaryIndexes = [] } = described.data.Table;
  return TableStatus === "ACTIVE" && GlobalSecondaryIndexes.every((index) => index.IndexStatus === "ACTIVE")
    ? "active"
    : "pending";
}

/** Creates the tables the data folder lacks (checking the others' indexes); answers the ones it created. */
async function ensureTables(call: CallDynalite, tables: readonly LocalTable[]): Promise<string[]> {
  const created: string[] = [];
  for (const table of tables) {
    if ((await tableState(call, table.name)) === "absent") {
      const answer = await call("CreateTable", { ...createTableInput(table.name, table.design) });
      if (answer.status !== 200)
        throw new LocalDynamoDbStartError(`CreateTable ${table.name} failed: ${JSON.stringify(answer.body)}`);
      created.push(table.name);
    } else {
      // dynalite cannot add an index to an existing table (UpdateTable ignores GSI creates).
      const described = describedStatus.parse((await call("DescribeTable", { TableName: table.name })).body);
      const indexes = described.Table.GlobalSecondaryIndexes ?? [];
      const projections = new Map(
        indexes.map((index) => [index.IndexName, index.Projection?.ProjectionType]),
      );
      const missing = table.design.globalSecondaryIndexes.filter(
        (index) =>
          !projections.has(index.indexName) ||
          projections.get(index.indexName) !== (index.projection ?? "ALL"),
      );
      if (missing.length > 0) {
        throw new LocalDynamoDbStartError(
          `The local table ${table.name} predates index ${missing.map((index) => index.indexName).join(", ")} (or its projection): start with \`npm start -- --reset\` (local data is recreated)`,
        );
      }
    }
    // Even with createTableMs = 0 dynalite flips CREATING → ACTIVE on a timer.
    const deadline = Date.now() + 5_000;
    while ((await tableState(call, table.name)) !== "active") {
      if (Date.now() > deadline) throw new LocalDynamoDbStartError(`table ${table.name} never became ACTIVE`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  return created;
}

/** Starts dynalite (persisted under dataDir unless `inMemory`) behind the transaction-capable front. */
export async function startLocalDynamoDb(options: LocalDynamoDbOptions): Promise<LocalDynamoDb> {
  const storePath = join(options.dataDir, "dynalite");
  if (!options.inMemory) await mkdir(storePath, { recursive: true });
  const engine = openDynaliteEngine({
    ...(options.inMemory ? {} : { path: storePath }),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });

  let front: Awaited<ReturnType<typeof startFront>> | undefined;
  let createdTables: string[] = [];
  const items = new ItemLocks();
  const close = async () => {
    if (front) await front.close();
    await engine.close();
  };

  try {
    createdTables = await ensureTables(engine.call, options.tables);
    const call = engine.call;
    const shapes = new TableShapes(call);
    front = await startFront({
      port: options.port ?? 0,
      call,
      lock: new ReadWriteLock(),
      items,
      transactions: new Transactions(call, engine.readAndCheck, shapes),
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
    answer: front.answer,
    createdTables,
    close: () => {
      closing ??= close();
      return closing;
    },
  };
}
