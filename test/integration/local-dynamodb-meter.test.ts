import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type LocalDynamoDb, startLocalDynamoDb } from "#infra/local/dynamodb.ts";
import type { DynamoDbUsage, LocalMeter } from "#infra/local/meter.ts";
import { CASE_TABLE } from "#shared/store/table-design.ts";
import { dynamoDbCapacity } from "../../bench/support/dynamodb-meter.ts";

const TABLE = "nongfang-cases";
let dir: string;
let db: LocalDynamoDb;
let client: DynamoDBClient;
let doc: DynamoDBDocumentClient;
const usages: DynamoDbUsage[] = [];
const meter: LocalMeter = { dynamoDb: (usage) => usages.push(usage), dynamoDbCapacity };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "nongfang-ddb-meter-"));
  db = await startLocalDynamoDb({
    port: 0,
    dataDir: dir,
    tables: [{ name: TABLE, design: CASE_TABLE }],
    meter,
  });
  client = new DynamoDBClient({
    endpoint: db.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
  doc = DynamoDBDocumentClient.from(client);
});

afterAll(async () => {
  client?.destroy();
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  usages.length = 0;
});

/** 700 Chinese characters: 2,100 bytes in UTF-8 (dynalite would count 700). */
const NOTE = "审".repeat(700);

describe("local DynamoDB meter (consumed capacity by DynamoDB's rules)", () => {
  it("charges a put on UTF-8 bytes, plus one write per GSI the item enters", async () => {
    await doc.send(
      new PutCommand({
        TableName: TABLE,
        Item: { pk: "CASE#M1", sk: "META", note: NOTE, gsi1pk: "QUEUE#clerk", gsi1sk: "2026-01-01#M1" },
      }),
    );
    // ~2.2 KB → 3 WRU for the table, 3 more for the byQueue entry (projection ALL).
    expect(usages).toEqual([{ operation: "PutItem", readUnits: 0, writeUnits: 6, indexWriteUnits: 3 }]);
  });

  it("charges an update on the larger image and an index key change as a delete plus a put", async () => {
    await doc.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { pk: "CASE#M1", sk: "META" },
        UpdateExpression: "SET gsi1pk = :queue REMOVE note",
        ExpressionAttributeValues: { ":queue": "QUEUE#head" },
      }),
    );
    // Table: max(3 KB before, 1 KB after) = 3; index: old entry 3 + new entry 1.
    expect(usages).toEqual([{ operation: "UpdateItem", readUnits: 0, writeUnits: 7, indexWriteUnits: 4 }]);
  });

  it("charges a failed conditional write the existing item's size, and no index write", async () => {
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: "CASE#M2", sk: "META", note: NOTE } }));
    usages.length = 0;
    await expect(
      doc.send(
        new PutCommand({
          TableName: TABLE,
          Item: { pk: "CASE#M2", sk: "META", gsi1pk: "QUEUE#x", gsi1sk: "x" },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    ).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect(usages).toEqual([{ operation: "PutItem", readUnits: 0, writeUnits: 3, indexWriteUnits: 0 }]);
  });

  it("charges reads on the whole item whatever the projection, halved when eventually consistent", async () => {
    await doc.send(
      new GetCommand({ TableName: TABLE, Key: { pk: "CASE#M2", sk: "META" }, ProjectionExpression: "pk" }),
    );
    await doc.send(
      new GetCommand({ TableName: TABLE, Key: { pk: "CASE#M2", sk: "META" }, ConsistentRead: true }),
    );
    await doc.send(new GetCommand({ TableName: TABLE, Key: { pk: "NOBODY", sk: "META" } }));
    expect(usages.map((usage) => usage.readUnits)).toEqual([0.5, 1, 0.5]);
  });

  it("charges a query for every item evaluated, before the filter, summed then rounded", async () => {
    for (const sk of ["A", "B", "C"]) {
      await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: "CASE#M3", sk, kind: sk, note: NOTE } }));
    }
    usages.length = 0;
    const { Items } = await doc.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: "pk = :pk",
        FilterExpression: "kind = :b",
        ProjectionExpression: "sk",
        ExpressionAttributeValues: { ":pk": "CASE#M3", ":b": "B" },
        ConsistentRead: true,
      }),
    );
    expect(Items).toEqual([{ sk: "B" }]);
    // 3 × ~2.1 KB = ~6.3 KB → 2 RRU (not 3 × 1).
    expect(usages).toEqual([{ operation: "Query", readUnits: 2, writeUnits: 0, indexWriteUnits: 0 }]);
  });

  it("reports transactions at twice the table write and gives the caller the capacity detail it asked for", async () => {
    const answer = await doc.send(
      new TransactWriteCommand({
        ReturnConsumedCapacity: "TOTAL",
        TransactItems: [
          { Put: { TableName: TABLE, Item: { pk: "CASE#M4", sk: "META", gsi2pk: "OWNER#1", gsi2sk: "x" } } },
          { Put: { TableName: TABLE, Item: { pk: "CASE#M4", sk: "EVENT#1" } } },
        ],
      }),
    );
    expect(usages).toEqual([
      { operation: "TransactWriteItems", readUnits: 0, writeUnits: 5, indexWriteUnits: 1 },
    ]);
    expect(answer.ConsumedCapacity).toEqual([{ TableName: TABLE, CapacityUnits: 5, WriteCapacityUnits: 5 }]);
    const quiet = await doc.send(
      new TransactWriteCommand({
        TransactItems: [{ Put: { TableName: TABLE, Item: { pk: "CASE#M4", sk: "EVENT#2" } } }],
      }),
    );
    expect(quiet.ConsumedCapacity).toBeUndefined();
  });

  it("meters nothing once the observer is switched off", async () => {
    meter.dynamoDb = undefined;
    try {
      await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: "CASE#M5", sk: "META" } }));
      expect(usages).toEqual([]);
    } finally {
      meter.dynamoDb = (usage) => usages.push(usage);
    }
  });
});
