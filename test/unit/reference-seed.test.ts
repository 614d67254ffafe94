/**
 * The demo set on a new table goes in batches (infra/local/seed.ts): every
 * item once, the parcels' grid cells before any record's head (so a start that
 * stops in between is completed by the next), and what DynamoDB leaves
 * unprocessed sent again.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { referenceItems, seedReferenceData } from "#infra/local/seed.ts";

const TABLE = "cases";
const ddbMock = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" }));

type Put = { PutRequest: { Item: Record<string, unknown> } };
const putsOf = (call: number) =>
  (ddbMock.commandCalls(BatchWriteCommand)[call]?.args[0].input.RequestItems?.[TABLE] ?? []) as Put[];

beforeEach(() => {
  ddbMock.reset();
});

describe("seeding the demo set into a new table", () => {
  it("writes every item once, grid cells before heads, in batches of at most 25", async () => {
    ddbMock.on(BatchWriteCommand).resolves({ UnprocessedItems: {} });
    await seedReferenceData(client, TABLE, { tableIsNew: true });

    const batches = ddbMock.commandCalls(BatchWriteCommand).map((_, index) => putsOf(index));
    const written = batches.flat().map((put) => put.PutRequest.Item);
    expect(written).toHaveLength(referenceItems().length);
    expect(new Set(written.map((item) => `${item.pk}|${item.sk}`)).size).toBe(written.length);
    expect(batches.every((batch) => batch.length > 0 && batch.length <= 25)).toBe(true);
    // A parcel's grid cells exist only with it: all of them go before the first head.
    const types = written.map((item) => item.type);
    expect(types).toContain("parcel_cell");
    expect(types.lastIndexOf("parcel_cell")).toBeLessThan(types.findIndex((type) => type !== "parcel_cell"));
    // No Get or Put one by one: the table is new.
    expect(ddbMock.commandCalls(GetCommand)).toHaveLength(0);
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(0);
  });

  it("sends again what DynamoDB left unprocessed", async () => {
    ddbMock
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { [TABLE]: [{ PutRequest: { Item: { pk: "X", sk: "Y" } } }] } })
      .resolves({ UnprocessedItems: {} });
    await seedReferenceData(client, TABLE, { tableIsNew: true });
    expect(putsOf(1)).toEqual([{ PutRequest: { Item: { pk: "X", sk: "Y" } } }]);
  });
});
