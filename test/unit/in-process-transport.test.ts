import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-dynamodb";
import { afterEach, describe, expect, it } from "vitest";
import type { JsonResponse } from "#infra/local/dynamodb-dynalite.ts";
import type { ServiceFault } from "#infra/local/faults.ts";
import { InProcessTransport } from "#infra/local/in-process-transport.ts";

const clients: DynamoDBClient[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
});

/** A real SDK client whose requests go through `transport` (retries fast, as the local cloud's would). */
function clientOver(transport: InProcessTransport): DynamoDBClient {
  const client = new DynamoDBClient({
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    requestHandler: transport,
    maxAttempts: 3,
  });
  clients.push(client);
  return client;
}

/** A stand-in that records what it was asked and answers one item. */
function standIn(label: string) {
  const asked: { target: string; body: unknown }[] = [];
  const answer = async (target: string, raw: Buffer): Promise<JsonResponse> => {
    asked.push({ target, body: JSON.parse(raw.toString("utf8")) });
    return { status: 200, body: { Item: { pk: { S: "CASE#1" }, from: { S: label } } } };
  };
  return { asked, answer };
}

const getCase = (client: DynamoDBClient) =>
  client.send(new GetItemCommand({ TableName: "t", Key: { pk: { S: "CASE#1" } } }));

describe("the in-process transport of the local Lambdas", () => {
  it("hands the SDK's request to the stand-in and its answer back, parsed by the SDK", async () => {
    const transport = new InProcessTransport("dynamodb");
    const first = standIn("first");
    transport.attach(first.answer);
    const { Item } = await getCase(clientOver(transport));
    expect(Item).toEqual({ pk: { S: "CASE#1" }, from: { S: "first" } });
    expect(first.asked).toEqual([
      { target: "DynamoDB_20120810.GetItem", body: { TableName: "t", Key: { pk: { S: "CASE#1" } } } },
    ]);
  });

  it("reads the SDK's byte bodies as bytes, never through their string conversion", async () => {
    // The SDK's JSON writer hands over a Uint8Array whose valueOf/toString warn (JsonBytesStringAdapter).
    class WarningBytes extends Uint8Array {
      override valueOf(): never {
        throw new Error("read as a string");
      }
    }
    const transport = new InProcessTransport("dynamodb");
    const stand = standIn("bytes");
    transport.attach(stand.answer);
    const json = JSON.stringify({ TableName: "t", Key: { pk: { S: "农房" } } });
    const bytes = Buffer.from(json);
    const body = new WarningBytes(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const { response } = await transport.handle({
      method: "POST",
      protocol: "http:",
      hostname: "localhost",
      path: "/",
      query: {},
      headers: { "x-amz-target": "DynamoDB_20120810.GetItem" },
      body,
    } as Parameters<InProcessTransport["handle"]>[0]);
    expect(response.statusCode).toBe(200);
    expect(stand.asked[0]?.body).toEqual(JSON.parse(json));
    // And through a real client, a large item arrives whole.
    const text = "农房".repeat(20_000);
    await clientOver(transport).send(
      new PutItemCommand({ TableName: "t", Item: { pk: { S: "CASE#1" }, text: { S: text } } }),
    );
    expect(stand.asked[1]?.body).toEqual({
      TableName: "t",
      Item: { pk: { S: "CASE#1" }, text: { S: text } },
    });
  });

  it("passes error answers on as the SDK's exception classes", async () => {
    const transport = new InProcessTransport("dynamodb");
    transport.attach(async () => ({
      status: 400,
      body: { __type: "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", message: "no table" },
    }));
    await expect(getCase(clientOver(transport))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it("meets the fault hooks as over a socket: a reset and a throttle are retried by the SDK", async () => {
    const transport = new InProcessTransport("dynamodb");
    const stand = standIn("after faults");
    const planned: ServiceFault[] = ["reset", "throttle"];
    const seen: string[] = [];
    transport.attach(stand.answer, (call) => {
      seen.push(`${call.service} ${call.operation}`);
      return planned.shift();
    });
    const { Item } = await getCase(clientOver(transport));
    expect(Item?.from).toEqual({ S: "after faults" });
    expect(seen).toEqual(["dynamodb GetItem", "dynamodb GetItem", "dynamodb GetItem"]);
    expect(stand.asked).toHaveLength(1);
  });

  it("reaches the stand-in started after a restart from a client built before it", async () => {
    const transport = new InProcessTransport("dynamodb");
    const client = clientOver(transport);
    const before = standIn("before");
    transport.attach(before.answer);
    await getCase(client);
    const after = standIn("after");
    transport.attach(after.answer);
    // The first stand-in's close comes late: it must not take the new one away.
    transport.detach(before.answer);
    const { Item } = await getCase(client);
    expect(Item?.from).toEqual({ S: "after" });
  });

  it("fails like a refused connection when no stand-in is running, instead of hanging", async () => {
    const transport = new InProcessTransport("dynamodb");
    const stand = standIn("gone");
    transport.attach(stand.answer);
    transport.detach(stand.answer);
    await expect(getCase(clientOver(transport))).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });
});
