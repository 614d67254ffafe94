import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  ResourceNotFoundException,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";
import { type LocalDynamoDb, startLocalDynamoDb } from "#infra/local/dynamodb.ts";
import { itemLockId } from "#infra/local/dynamodb-rwlock.ts";
import { CASE_TABLE } from "#shared/store/table-design.ts";

const TABLE = "nongfang-cases";
const tables = [{ name: TABLE, design: CASE_TABLE }];
const tempDirs: string[] = [];
const clients: DynamoDBClient[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "nongfang-ddb-"));
  tempDirs.push(dir);
  return dir;
}

function documentClient(endpoint: string): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
  clients.push(client);
  return DynamoDBDocumentClient.from(client);
}

async function captureError(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

function reasonCodes(error: unknown): (string | undefined)[] {
  if (!(error instanceof TransactionCanceledException)) throw error;
  return (error.CancellationReasons ?? []).map((reason) => reason.Code);
}

let db: LocalDynamoDb;
let doc: DynamoDBDocumentClient;

beforeAll(async () => {
  db = await startLocalDynamoDb({ port: 0, dataDir: await tempDir(), tables });
  doc = documentClient(db.endpoint);
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await db?.close();
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A transaction item that holds only while the item under `key` does not exist. */
const absent = (key: Record<string, string>) => ({
  ConditionCheck: { TableName: TABLE, Key: key, ConditionExpression: "attribute_not_exists(pk)" },
});

/** The items in one TransactGetItems call (one snapshot). */
const getTogether = (...keys: Record<string, string>[]) =>
  doc.send(
    new TransactGetCommand({ TransactItems: keys.map((Key) => ({ Get: { TableName: TABLE, Key } })) }),
  );

async function get(pk: string, sk: string, client = doc): Promise<Record<string, unknown> | undefined> {
  const { Item } = await client.send(
    new GetCommand({ TableName: TABLE, Key: { pk, sk }, ConsistentRead: true }),
  );
  return Item;
}

describe("local DynamoDB (dynalite behind the transaction front)", () => {
  it("puts and gets an item", async () => {
    await doc.send(
      new PutCommand({ TableName: TABLE, Item: { pk: "CASE#1", sk: "META", village: "Lijia" } }),
    );
    expect(await get("CASE#1", "META")).toEqual({ pk: "CASE#1", sk: "META", village: "Lijia" });
  });

  it("answers a broken request as DynamoDB does: not JSON, unknown operation, invalid input", async () => {
    const send = async (target: string, body: string) => {
      const response = await fetch(db.endpoint, {
        method: "POST",
        headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": target },
        body,
      });
      const type = z.object({ __type: z.string() }).parse(await response.json()).__type;
      return { status: response.status, type: type.split("#").pop() };
    };
    expect(await send("DynamoDB_20120810.GetItem", "{not json")).toEqual({
      status: 400,
      type: "SerializationException",
    });
    expect(await send("DynamoDB_20120810.FlyToTheMoon", "{}")).toEqual({
      status: 400,
      type: "UnknownOperationException",
    });
    expect(await send("DynamoDB_20120810.GetItem", JSON.stringify({ TableName: TABLE }))).toEqual({
      status: 400,
      type: "ValidationException",
    });
    expect(
      await send("DynamoDB_20120810.GetItem", JSON.stringify({ TableName: "no-such-table", Key: {} })),
    ).toMatchObject({ status: 400 });
    // And the SDK reads dynalite's errors as their classes.
    const error = await captureError(
      doc.send(new GetCommand({ TableName: "no-such-table", Key: { pk: "a", sk: "b" } })),
    );
    expect(error).toBeInstanceOf(ResourceNotFoundException);
  });

  it("rejects a conditional update whose condition fails and changes nothing", async () => {
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: "CASE#2", sk: "META", status: "DRAFT" } }));
    const error = await captureError(
      doc.send(
        new UpdateCommand({
          TableName: TABLE,
          Key: { pk: "CASE#2", sk: "META" },
          UpdateExpression: "SET #s = :approved",
          ConditionExpression: "#s = :submitted",
          ExpressionAttributeNames: { "#s": "status" },
          ExpressionAttributeValues: { ":approved": "APPROVED", ":submitted": "SUBMITTED" },
        }),
      ),
    );
    expect(error).toBeInstanceOf(ConditionalCheckFailedException);
    expect(await get("CASE#2", "META")).toEqual({ pk: "CASE#2", sk: "META", status: "DRAFT" });
  });

  it("queries the byQueue GSI", async () => {
    for (const [id, at] of [
      ["A", "2024-03-02"],
      ["B", "2024-03-01"],
      ["C", "2024-03-03"],
    ] as const) {
      await doc.send(
        new PutCommand({
          TableName: TABLE,
          Item: { pk: `CASE#Q${id}`, sk: "META", gsi1pk: "QUEUE#township-review", gsi1sk: `${at}#${id}` },
        }),
      );
    }
    await doc.send(
      new PutCommand({
        TableName: TABLE,
        Item: { pk: "CASE#QX", sk: "META", gsi1pk: "QUEUE#other", gsi1sk: "2024-03-01#X" },
      }),
    );
    const { Items } = await doc.send(
      new QueryCommand({
        TableName: TABLE,
        IndexName: "byQueue",
        KeyConditionExpression: "gsi1pk = :queue AND begins_with(gsi1sk, :month)",
        ExpressionAttributeValues: { ":queue": "QUEUE#township-review", ":month": "2024-03" },
      }),
    );
    expect(Items?.map((item) => item.pk)).toEqual(["CASE#QB", "CASE#QA", "CASE#QC"]);
  });

  it("commits a TransactWriteItems with Put, Update, ConditionCheck and Delete", async () => {
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: "CASE#3", sk: "META", version: 1 } }));
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: "CASE#3", sk: "DRAFT" } }));
    await doc.send(
      new PutCommand({ TableName: TABLE, Item: { pk: "APPLICANT#9", sk: "META", active: true } }),
    );
    const result = await doc.send(
      new TransactWriteCommand({
        ReturnConsumedCapacity: "TOTAL",
        TransactItems: [
          {
            Put: {
              TableName: TABLE,
              Item: { pk: "CASE#3", sk: "EVENT#1", kind: "SUBMITTED" },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          {
            Update: {
              TableName: TABLE,
              Key: { pk: "CASE#3", sk: "META" },
              UpdateExpression: "SET version = version + :one",
              ConditionExpression: "version = :v",
              ExpressionAttributeValues: { ":one": 1, ":v": 1 },
            },
          },
          {
            ConditionCheck: {
              TableName: TABLE,
              Key: { pk: "APPLICANT#9", sk: "META" },
              ConditionExpression: "active = :yes",
              ExpressionAttributeValues: { ":yes": true },
            },
          },
          {
            Delete: {
              TableName: TABLE,
              Key: { pk: "CASE#3", sk: "DRAFT" },
              ConditionExpression: "attribute_exists(pk)",
            },
          },
        ],
      }),
    );
    expect(await get("CASE#3", "EVENT#1")).toEqual({ pk: "CASE#3", sk: "EVENT#1", kind: "SUBMITTED" });
    expect(await get("CASE#3", "META")).toEqual({ pk: "CASE#3", sk: "META", version: 2 });
    expect(await get("APPLICANT#9", "META")).toEqual({ pk: "APPLICANT#9", sk: "META", active: true });
    expect(await get("CASE#3", "DRAFT")).toBeUndefined();
    // 4 small items, 2 WCU each for a transactional write.
    expect(result.ConsumedCapacity).toEqual([{ TableName: TABLE, CapacityUnits: 8, WriteCapacityUnits: 8 }]);
  });

  it("a ConditionCheck on an absent item leaves no trace", async () => {
    await doc.send(
      new TransactWriteCommand({
        TransactItems: [
          absent({ pk: "NOBODY", sk: "META" }),
          { Put: { TableName: TABLE, Item: { pk: "CASE#4", sk: "META" } } },
        ],
      }),
    );
    expect(await get("NOBODY", "META")).toBeUndefined();
    expect(await get("CASE#4", "META")).toEqual({ pk: "CASE#4", sk: "META" });
  });

  it("cancels the whole transaction when the 2nd condition fails and reports every reason", async () => {
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: "CASE#5", sk: "META", status: "DRAFT" } }));
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: "CASE#5", sk: "OLD", n: 1 } }));
    const error = await captureError(
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: TABLE, Item: { pk: "CASE#5", sk: "EVENT#1", kind: "APPROVED" } } },
            {
              Update: {
                TableName: TABLE,
                Key: { pk: "CASE#5", sk: "META" },
                UpdateExpression: "SET #s = :approved",
                ConditionExpression: "#s = :submitted",
                ExpressionAttributeNames: { "#s": "status" },
                ExpressionAttributeValues: { ":approved": "APPROVED", ":submitted": "SUBMITTED" },
                ReturnValuesOnConditionCheckFailure: "ALL_OLD",
              },
            },
            {
              Update: {
                TableName: TABLE,
                Key: { pk: "CASE#5", sk: "OLD" },
                UpdateExpression: "SET n = n + :one",
                ExpressionAttributeValues: { ":one": 1 },
              },
            },
            { Delete: { TableName: TABLE, Key: { pk: "CASE#5", sk: "OLD2" } } },
          ],
        }),
      ),
    );
    expect(reasonCodes(error)).toEqual(["None", "ConditionalCheckFailed", "None", "None"]);
    if (!(error instanceof TransactionCanceledException)) throw error;
    expect(error.message).toBe(
      "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed, None, None]",
    );
    expect(error.CancellationReasons?.[1]?.Item).toEqual({
      pk: { S: "CASE#5" },
      sk: { S: "META" },
      status: { S: "DRAFT" },
    });
    expect(await get("CASE#5", "EVENT#1")).toBeUndefined();
    expect(await get("CASE#5", "META")).toEqual({ pk: "CASE#5", sk: "META", status: "DRAFT" });
    expect(await get("CASE#5", "OLD")).toEqual({ pk: "CASE#5", sk: "OLD", n: 1 });
  });

  it("reports every failing condition, not only the first", async () => {
    const error = await captureError(
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            absent({ pk: "CASE#1", sk: "META" }),
            { Put: { TableName: TABLE, Item: { pk: "CASE#6", sk: "META" } } },
            {
              Delete: {
                TableName: TABLE,
                Key: { pk: "CASE#2", sk: "META" },
                ConditionExpression: "attribute_not_exists(pk)",
              },
            },
          ],
        }),
      ),
    );
    expect(reasonCodes(error)).toEqual(["ConditionalCheckFailed", "None", "ConditionalCheckFailed"]);
    expect(await get("CASE#6", "META")).toBeUndefined();
    expect(await get("CASE#2", "META")).toBeDefined();
  });

  it("refuses a transaction whose condition does not parse, writing none of it", async () => {
    const error = await captureError(
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: TABLE, Item: { pk: "CASE#8", sk: "META" } } },
            {
              ConditionCheck: {
                TableName: TABLE,
                Key: { pk: "CASE#1", sk: "META" },
                ConditionExpression: "attribute_exists(pk) AND AND",
              },
            },
          ],
        }),
      ),
    );
    expect(error).toMatchObject({
      name: "ValidationException",
      message: expect.stringMatching(/Invalid ConditionExpression/),
    });
    expect(await get("CASE#8", "META")).toBeUndefined();
  });

  it("validates like AWS: no item twice, at most 100 actions", async () => {
    const twice = await captureError(
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: TABLE, Item: { pk: "CASE#7", sk: "META", a: 1 } } },
            {
              Update: {
                TableName: TABLE,
                Key: { pk: "CASE#7", sk: "META" },
                UpdateExpression: "SET b = :b",
                ExpressionAttributeValues: { ":b": 2 },
              },
            },
          ],
        }),
      ),
    );
    expect(twice).toMatchObject({
      name: "ValidationException",
      message: "Transaction request cannot include multiple operations on one item",
    });
    const tooMany = await captureError(
      doc.send(
        new TransactWriteCommand({
          TransactItems: Array.from({ length: 101 }, (_, i) => ({
            Put: { TableName: TABLE, Item: { pk: "CASE#8", sk: `ITEM#${i}` } },
          })),
        }),
      ),
    );
    expect(tooMany).toMatchObject({ name: "ValidationException" });
    expect(await get("CASE#7", "META")).toBeUndefined();
    expect(await get("CASE#8", "ITEM#0")).toBeUndefined();
  });

  it("honours ClientRequestToken idempotency", async () => {
    const command = () =>
      new TransactWriteCommand({
        ClientRequestToken: "token-1",
        TransactItems: [
          {
            Update: {
              TableName: TABLE,
              Key: { pk: "CASE#9", sk: "COUNTER" },
              UpdateExpression: "ADD n :one",
              ExpressionAttributeValues: { ":one": 1 },
            },
          },
        ],
      });
    await doc.send(command());
    await doc.send(command());
    expect(await get("CASE#9", "COUNTER")).toEqual({ pk: "CASE#9", sk: "COUNTER", n: 1 });
  });

  it("lets exactly one of 20 concurrent transactions claim the same step", async () => {
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: "CASE#10", sk: "STEP#township" } }));
    const attempts = Array.from({ length: 20 }, (_, attempt) =>
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: TABLE, Item: { pk: "CASE#10", sk: `ATTEMPT#${attempt}`, attempt } } },
            {
              Update: {
                TableName: TABLE,
                Key: { pk: "CASE#10", sk: "STEP#township" },
                UpdateExpression: "SET decision = :decision",
                ConditionExpression: "attribute_not_exists(decision)",
                ExpressionAttributeValues: { ":decision": `APPROVED-BY-${attempt}` },
              },
            },
          ],
        }),
      ),
    );
    const outcomes = await Promise.allSettled(attempts);
    const winners = outcomes.flatMap((outcome, attempt) => (outcome.status === "fulfilled" ? [attempt] : []));
    expect(winners).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === "rejected")
        expect(reasonCodes(outcome.reason)).toEqual(["None", "ConditionalCheckFailed"]);
    }
    const { Items } = await doc.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :attempt)",
        ExpressionAttributeValues: { ":pk": "CASE#10", ":attempt": "ATTEMPT#" },
        ConsistentRead: true,
      }),
    );
    expect(Items?.map((item) => item.attempt)).toEqual(winners);
    expect((await get("CASE#10", "STEP#township"))?.decision).toBe(`APPROVED-BY-${winners[0]}`);
  });

  it("never shows readers a half-applied or half-undone transaction", async () => {
    const total = 1_000;
    const keyA = { pk: "ACCOUNT#A", sk: "BALANCE" };
    const keyB = { pk: "ACCOUNT#B", sk: "BALANCE" };
    await doc.send(new PutCommand({ TableName: TABLE, Item: { ...keyA, amount: total } }));
    await doc.send(new PutCommand({ TableName: TABLE, Item: { ...keyB, amount: 0 } }));

    const move = (from: typeof keyA, to: typeof keyA, amount: number) =>
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: TABLE,
                Key: from,
                UpdateExpression: "SET amount = amount - :x",
                ConditionExpression: "amount >= :x",
                ExpressionAttributeValues: { ":x": amount },
              },
            },
            {
              Update: {
                TableName: TABLE,
                Key: to,
                UpdateExpression: "SET amount = amount + :x",
                ExpressionAttributeValues: { ":x": amount },
              },
            },
          ],
        }),
      );
    // Writes A, then fails on B: only the undo keeps readers from seeing the poison.
    const poisoned = () =>
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: TABLE,
                Key: keyA,
                UpdateExpression: "SET amount = amount - :x, poison = :yes",
                ExpressionAttributeValues: { ":x": 500, ":yes": true },
              },
            },
            absent(keyB),
          ],
        }),
      );

    let writing = true;
    const sums: number[] = [];
    const singles: Record<string, unknown>[] = [];
    const transactReader = async () => {
      while (writing) {
        const { Responses } = await getTogether(keyA, keyB);
        const [a, b] = (Responses ?? []).map((response) => response?.Item);
        expect(a?.poison).toBeUndefined();
        sums.push(Number(a?.amount) + Number(b?.amount));
      }
    };
    const singleReader = async () => {
      while (writing) {
        const item = await get(keyA.pk, keyA.sk);
        if (item) singles.push(item);
      }
    };
    const readers = [transactReader(), transactReader(), singleReader(), singleReader()];

    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i += 1) {
      writes.push(move(keyA, keyB, 7 + i).catch(() => "cancelled"));
      writes.push(move(keyB, keyA, 3 + i).catch(() => "cancelled"));
      if (i % 3 === 0) writes.push(poisoned().catch(() => "cancelled"));
    }
    const results = await Promise.all(writes);
    writing = false;
    await Promise.all(readers);

    expect(results.filter((result) => result !== "cancelled").length).toBeGreaterThan(10);
    expect(sums.length).toBeGreaterThan(0);
    expect(new Set(sums)).toEqual(new Set([total]));
    expect(singles.length).toBeGreaterThan(0);
    expect(singles.filter((item) => item.poison !== undefined)).toEqual([]);
    const [a, b] = [await get(keyA.pk, keyA.sk), await get(keyB.pk, keyB.sk)];
    expect(Number(a?.amount) + Number(b?.amount)).toBe(total);
  });

  it("returns TransactGetItems responses in order, {} for missing items, with capacity", async () => {
    const client = documentClient(db.endpoint);
    const { Responses, ConsumedCapacity } = await client.send(
      new TransactGetCommand({
        ReturnConsumedCapacity: "TOTAL",
        TransactItems: [
          { Get: { TableName: TABLE, Key: { pk: "CASE#1", sk: "META" } } },
          { Get: { TableName: TABLE, Key: { pk: "MISSING", sk: "META" } } },
          { Get: { TableName: TABLE, Key: { pk: "CASE#2", sk: "META" }, ProjectionExpression: "pk" } },
        ],
      }),
    );
    expect(Responses?.map((response) => response.Item)).toEqual([
      { pk: "CASE#1", sk: "META", village: "Lijia" },
      undefined,
      { pk: "CASE#2" },
    ]);
    expect(ConsumedCapacity).toEqual([{ TableName: TABLE, CapacityUnits: 6, ReadCapacityUnits: 6 }]);
  });

  it("keeps data across close and reopen of the same dataDir", async () => {
    const dataDir = await tempDir();
    const first = await startLocalDynamoDb({ dataDir, tables });
    const firstClient = new DynamoDBClient({
      endpoint: first.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    await firstClient.send(
      new TransactWriteItemsCommand({
        TransactItems: [{ Put: { TableName: TABLE, Item: { pk: { S: "CASE#P" }, sk: { S: "META" } } } }],
      }),
    );
    firstClient.destroy();
    await first.close();

    const second = await startLocalDynamoDb({ dataDir, tables });
    try {
      expect(await get("CASE#P", "META", documentClient(second.endpoint))).toEqual({
        pk: "CASE#P",
        sk: "META",
      });
    } finally {
      await second.close();
    }
  });

  it("keeps a store started in memory out of its dataDir: a reopen starts empty", async () => {
    const dataDir = await tempDir();
    const first = await startLocalDynamoDb({ dataDir, tables, inMemory: true });
    await documentClient(first.endpoint).send(
      new PutCommand({ TableName: TABLE, Item: { pk: "CASE#M", sk: "META" } }),
    );
    expect(await get("CASE#M", "META", documentClient(first.endpoint))).toEqual({ pk: "CASE#M", sk: "META" });
    await first.close();
    expect(await readdir(dataDir)).toEqual([]);

    const second = await startLocalDynamoDb({ dataDir, tables, inMemory: true });
    try {
      expect(second.createdTables).toEqual([TABLE]);
      expect(await get("CASE#M", "META", documentClient(second.endpoint))).toBeUndefined();
    } finally {
      await second.close();
    }
  });

  it("sorts a store in memory as DynamoDB does: sort keys in UTF-8 byte order, items and values intact", async () => {
    // memory-level keeps this store as strings (infra/local/dynamodb-engine.ts); JavaScript compares
    // strings by UTF-16 units, where an emoji (a surrogate pair) sorts before U+FF5E — in UTF-8, after.
    const memory = await startLocalDynamoDb({ dataDir: await tempDir(), tables, inMemory: true });
    try {
      const client = documentClient(memory.endpoint);
      const sortKeys = ["NOTE#😀", "NOTE#～", "NOTE#中", "NOTE#Z", "NOTE#A", "NOTE#"];
      for (const sk of sortKeys) {
        await client.send(
          new PutCommand({ TableName: TABLE, Item: { pk: "CASE#ORDER", sk, text: `申请 ${sk}`, n: 1.5 } }),
        );
      }
      const { Items } = await client.send(
        new QueryCommand({
          TableName: TABLE,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": "CASE#ORDER" },
        }),
      );
      const byBytes = [...sortKeys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      expect(byBytes).toEqual(["NOTE#", "NOTE#A", "NOTE#Z", "NOTE#中", "NOTE#～", "NOTE#😀"]);
      expect(Items?.map((item) => item.sk)).toEqual(byBytes);
      expect(Items?.[5]).toEqual({ pk: "CASE#ORDER", sk: "NOTE#😀", text: "申请 NOTE#😀", n: 1.5 });
    } finally {
      await memory.close();
    }
  });

  it("keeps instances with different dataDirs apart", async () => {
    const [one, two] = await Promise.all([
      startLocalDynamoDb({ dataDir: await tempDir(), tables }),
      startLocalDynamoDb({ dataDir: await tempDir(), tables }),
    ]);
    try {
      const docOne = documentClient(one.endpoint);
      const docTwo = documentClient(two.endpoint);
      await docOne.send(new PutCommand({ TableName: TABLE, Item: { pk: "ONLY#ONE", sk: "META" } }));
      expect(await get("ONLY#ONE", "META", docOne)).toBeDefined();
      expect(await get("ONLY#ONE", "META", docTwo)).toBeUndefined();
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});

/** The front's lock identity of an item of the case table (pk, sk). */
const lockOf = (pk: string, sk: string) => itemLockId(TABLE, ["pk", "sk"], { pk: { S: pk }, sk: { S: sk } });

/** Tracks when a promise settles, so a test can ask "has it finished yet?" without a clock. */
function tracked<T>(promise: Promise<T>): { promise: Promise<T>; readonly settled: boolean } {
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  return {
    promise: watched,
    get settled() {
      return settled;
    },
  };
}

const bump = (pk: string) => ({
  Update: {
    TableName: TABLE,
    Key: { pk, sk: "LOCKS" },
    UpdateExpression: "ADD n :one",
    ExpressionAttributeValues: { ":one": 1 },
  },
});

describe("local DynamoDB: item locks instead of one table lock", () => {
  it("runs transactions on disjoint items while another item is locked, and queues those on it", async () => {
    // The test holds item A exactly as a long transaction on it would.
    const releaseA = await db.locks.acquire([{ id: lockOf("LOCK#A", "LOCKS"), exclusive: true }]);
    const onA = tracked(
      doc.send(new TransactWriteCommand({ TransactItems: [bump("LOCK#A"), bump("LOCK#B")] })),
    );
    const readA = tracked(get("LOCK#A", "LOCKS"));
    // Disjoint items (B, C) and a single-item write and read on D go through while A is held...
    await doc.send(new TransactWriteCommand({ TransactItems: [bump("LOCK#B"), bump("LOCK#C")] }));
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: "LOCK#D", sk: "LOCKS", n: 1 } }));
    expect(await get("LOCK#D", "LOCKS")).toMatchObject({ n: 1 });
    expect(await get("LOCK#B", "LOCKS")).toMatchObject({ n: 1 });
    // ...while the transaction and the read that need A have not finished (they wait for its lock).
    expect(onA.settled).toBe(false);
    expect(readA.settled).toBe(false);
    releaseA();
    await onA.promise;
    expect(await readA.promise).toMatchObject({ n: 1 });
    expect(await get("LOCK#B", "LOCKS")).toMatchObject({ n: 2 });
    expect(db.locks.size).toBe(0);
  });

  it("never deadlocks on overlapping items taken in opposite orders", async () => {
    const keys = ["DL#A", "DL#B", "DL#C"];
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i += 1) {
      const order = i % 2 === 0 ? keys : [...keys].reverse();
      writes.push(doc.send(new TransactWriteCommand({ TransactItems: order.map(bump) })));
      writes.push(
        doc.send(new TransactWriteCommand({ TransactItems: [bump(order[1] ?? ""), bump(order[0] ?? "")] })),
      );
      writes.push(doc.send(new UpdateCommand(bump(order[2] ?? "").Update)));
    }
    await Promise.all(writes);
    const counts = await Promise.all(keys.map(async (pk) => Number((await get(pk, "LOCKS"))?.n)));
    // 30 three-item transactions, 30 two-item ones and 30 single updates, each adding 1 per item.
    expect(counts.reduce((a, b) => a + b, 0)).toBe(30 * 3 + 30 * 2 + 30);
    expect(db.locks.size).toBe(0);
  });

  it("answers TransactGetItems with one snapshot of its items", async () => {
    const keyA = { pk: "SNAP#A", sk: "LOCKS" };
    const keyB = { pk: "SNAP#B", sk: "LOCKS" };
    await doc.send(new PutCommand({ TableName: TABLE, Item: { ...keyA, v: 0 } }));
    await doc.send(new PutCommand({ TableName: TABLE, Item: { ...keyB, v: 0 } }));
    const setBoth = (v: number) =>
      doc.send(
        new TransactWriteCommand({
          TransactItems: [keyA, keyB].map((Key) => ({
            Update: {
              TableName: TABLE,
              Key,
              UpdateExpression: "SET v = :v",
              ExpressionAttributeValues: { ":v": v },
            },
          })),
        }),
      );
    let writing = true;
    const pairs: [unknown, unknown][] = [];
    const reader = async () => {
      while (writing) {
        const { Responses } = await getTogether(keyA, keyB);
        pairs.push([Responses?.[0]?.Item?.v, Responses?.[1]?.Item?.v]);
      }
    };
    const readers = [reader(), reader()];
    await Promise.all(Array.from({ length: 40 }, (_, i) => setBoth(i + 1)));
    writing = false;
    await Promise.all(readers);
    expect(pairs.length).toBeGreaterThan(0);
    expect(pairs.filter(([a, b]) => a !== b)).toEqual([]);
  });

  it("never lets a Query see the writes of a cancelled transaction", async () => {
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: "PHANTOM", sk: "GUARD", open: false } }));
    const cancelled = (i: number) =>
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: TABLE, Item: { pk: "PHANTOM", sk: `ITEM#${i}` } } },
            {
              ConditionCheck: {
                TableName: TABLE,
                Key: { pk: "PHANTOM", sk: "GUARD" },
                ConditionExpression: "#open = :yes",
                ExpressionAttributeNames: { "#open": "open" },
                ExpressionAttributeValues: { ":yes": true },
              },
            },
          ],
        }),
      );
    let writing = true;
    const seen: unknown[] = [];
    const reader = async () => {
      while (writing) {
        const { Items } = await doc.send(
          new QueryCommand({
            TableName: TABLE,
            KeyConditionExpression: "pk = :pk AND begins_with(sk, :item)",
            ExpressionAttributeValues: { ":pk": "PHANTOM", ":item": "ITEM#" },
          }),
        );
        seen.push(...(Items ?? []));
      }
    };
    const readers = [reader(), reader()];
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => cancelled(i).catch((e) => e)));
    writing = false;
    await Promise.all(readers);
    expect(results.every((result) => result instanceof TransactionCanceledException)).toBe(true);
    expect(seen).toEqual([]);
  });
});

describe("local DynamoDB: ReturnValuesOnConditionCheckFailure ALL_OLD on single-item writes", () => {
  const raw = () =>
    new DynamoDBClient({
      endpoint: db.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      maxAttempts: 1,
    });
  const old = { pk: { S: "OLD#1" }, sk: { S: "META" }, status: { S: "COMPLETED" }, n: { N: "7" } };
  const failing = {
    ConditionExpression: "attribute_not_exists(pk) OR #status = :inprogress",
    ExpressionAttributeNames: { "#status": "status" },
    ExpressionAttributeValues: { ":inprogress": { S: "INPROGRESS" } },
    ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
  };

  it("returns the item as it is with the ConditionalCheckFailedException of Put, Update and Delete", async () => {
    const client = raw();
    clients.push(client);
    await client.send(new PutItemCommand({ TableName: TABLE, Item: old }));
    const put = await captureError(
      client.send(
        new PutItemCommand({ TableName: TABLE, Item: { ...old, status: { S: "INPROGRESS" } }, ...failing }),
      ),
    );
    const update = await captureError(
      client.send(
        new UpdateItemCommand({
          TableName: TABLE,
          Key: { pk: old.pk, sk: old.sk },
          UpdateExpression: "SET n = :n",
          ...failing,
          ExpressionAttributeValues: { ...failing.ExpressionAttributeValues, ":n": { N: "8" } },
        }),
      ),
    );
    const remove = await captureError(
      client.send(new DeleteItemCommand({ TableName: TABLE, Key: { pk: old.pk, sk: old.sk }, ...failing })),
    );
    for (const error of [put, update, remove]) {
      expect(error).toBeInstanceOf(ConditionalCheckFailedException);
      expect((error as ConditionalCheckFailedException).Item).toEqual(old);
    }
    expect(await get("OLD#1", "META")).toEqual({ pk: "OLD#1", sk: "META", status: "COMPLETED", n: 7 });
  });

  it("returns no item when the condition failed without ALL_OLD", async () => {
    const client = raw();
    clients.push(client);
    const { ReturnValuesOnConditionCheckFailure: _all, ...withoutOld } = failing;
    const error = await captureError(
      client.send(new PutItemCommand({ TableName: TABLE, Item: old, ...withoutOld })),
    );
    expect(error).toBeInstanceOf(ConditionalCheckFailedException);
    expect((error as ConditionalCheckFailedException).Item).toBeUndefined();
  });
});
