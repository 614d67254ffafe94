import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  accessLogLine,
  billedGbSeconds,
  type CaseOperations,
  costLines,
  dynamoDbStoredBytes,
  GB,
  loadPrices,
  type Prices,
  pricesSchema,
  s3PriceClass,
  smsLine,
  smsParts,
  stateTransitions,
  stepFunctionsLogRecord,
  storageLines,
  totalUsd,
} from "../../bench/support/cost-model.ts";
import {
  failedConditionalWriteCapacity,
  readUnits,
  type TableShape,
  transactionalWriteCapacity,
  writeCapacity,
} from "../../infra/local/dynamodb-capacity.ts";

const PRICES_FILE = path.resolve(import.meta.dirname, "../../bench/prices.json");

const TABLE: TableShape = {
  tableName: "cases",
  keyAttributes: ["pk", "sk"],
  globalSecondaryIndexes: [
    { indexName: "byQueue", keyAttributes: ["gsi1pk", "gsi1sk"], nonKeyAttributes: undefined },
    { indexName: "byOwner", keyAttributes: ["gsi2pk", "gsi2sk"], nonKeyAttributes: undefined },
  ],
};

/** An item of about `kb` KB: one string attribute padded to size. */
function item(kb: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { pk: { S: "CASE#1" }, sk: { S: "META" }, body: { S: "x".repeat(kb * 1024 - 40) }, ...extra };
}

const NONE: CaseOperations = {
  lambdaRequests: 0,
  lambdaGbSeconds: {},
  dynamoDbReadUnits: 0,
  dynamoDbWriteUnits: 0,
  stateTransitions: 0,
  s3PutCopyPostList: 0,
  s3GetAndOther: 0,
  httpApiRequests: 0,
  kmsRequests: 0,
  smsParts: 0,
  logBytes: 0,
  xrayTraces: 0,
};

describe("bench/prices.json", () => {
  it("validates: us-east-1, a date, an https source for every service", async () => {
    const prices = await loadPrices(PRICES_FILE);
    expect(prices.region).toBe("us-east-1");
    for (const service of Object.values(prices.services)) expect(service.source).toMatch(/^https:\/\//);
  });

  it("rejects a table with a missing price or a non-https source", async () => {
    const prices = await loadPrices(PRICES_FILE);
    const withoutPrice = structuredClone(prices) as { services: { kms: Partial<Prices["services"]["kms"]> } };
    delete withoutPrice.services.kms.requestsPerTenThousand;
    expect(pricesSchema.safeParse(withoutPrice).success).toBe(false);
    const insecure = structuredClone(prices);
    insecure.services.s3.source = "http://aws.amazon.com/s3/pricing/";
    expect(pricesSchema.safeParse(insecure).success).toBe(false);
  });
});

describe("costLines", () => {
  it("prices each dimension at its unit: per million, per thousand, per ten thousand, per GB", async () => {
    const prices = await loadPrices(PRICES_FILE);
    const lines = costLines(
      {
        ...NONE,
        httpApiRequests: 1e6,
        lambdaRequests: 1e6,
        lambdaGbSeconds: { arm64: 1, x86_64: 1 },
        dynamoDbWriteUnits: 1e6,
        dynamoDbReadUnits: 1e6,
        stateTransitions: 1000,
        s3PutCopyPostList: 1000,
        s3GetAndOther: 1000,
        kmsRequests: 10_000,
        logBytes: GB,
        xrayTraces: 1e6,
        smsParts: 1,
      },
      prices,
    );
    const byService = Object.fromEntries(lines.map((line) => [line.service, line.usd]));
    const { services } = prices;
    expect(byService).toEqual({
      "API Gateway HTTP API": services.httpApi.requestsPerMillion,
      "Lambda requests": services.lambda.requestsPerMillion,
      "Lambda duration": services.lambda.gbSecond.arm64 + services.lambda.gbSecond.x86_64,
      "DynamoDB writes": services.dynamodb.writeRequestUnitsPerMillion,
      "DynamoDB reads": services.dynamodb.readRequestUnitsPerMillion,
      "Step Functions (Standard)": services.stepFunctions.standardTransitionsPerThousand,
      "S3 PUT/COPY/POST/LIST": services.s3.putCopyPostListPerThousand,
      "S3 GET and other": services.s3.getAndOtherPerThousand,
      KMS: services.kms.requestsPerTenThousand,
      "CloudWatch Logs ingestion": services.cloudWatchLogs.ingestionPerGb,
      "X-Ray traces": services.xray.tracesRecordedPerMillion,
    });
    // SMS are priced apart (a carrier charge, not the platform's cost).
    expect(smsLine({ ...NONE, smsParts: 3 }, prices).usd).toBeCloseTo(
      3 * services.sms.perMessagePartChina,
      12,
    );
  });

  it("bills a Chinese SMS as one part up to 70 characters, then 67 per part", () => {
    expect(smsParts("字".repeat(70))).toBe(1);
    expect(smsParts("字".repeat(71))).toBe(2);
    expect(smsParts("字".repeat(134))).toBe(2);
    expect(smsParts("字".repeat(135))).toBe(3);
  });

  it("adds the lines into the total per permit", async () => {
    const prices = await loadPrices(PRICES_FILE);
    // 40 transitions at $0.025 per 1,000 = $0.001: the whole goal on their own.
    expect(totalUsd(costLines({ ...NONE, stateTransitions: 40 }, prices))).toBeCloseTo(0.001, 12);
  });

  it("reports storage per GB-month apart", async () => {
    const prices = await loadPrices(PRICES_FILE);
    const lines = storageLines(
      { documentBytes: GB, certificateBytes: 0, dynamoDbBytes: GB, logBytes: 0 },
      prices,
    );
    expect(lines.find((line) => line.what.startsWith("S3 Standard: documents"))?.usdPerMonth).toBe(
      prices.services.s3.standardGbMonth,
    );
    expect(lines.find((line) => line.what === "DynamoDB table + GSIs")?.usdPerMonth).toBe(
      prices.services.dynamodb.storageGbMonth,
    );
  });
});

describe("billedGbSeconds", () => {
  it("rounds each invocation up to the next millisecond and scales by memory", () => {
    expect(billedGbSeconds(12.01, 512)).toBeCloseTo(0.0065, 10);
    expect(billedGbSeconds(1000, 1024)).toBe(1);
  });
});

describe("DynamoDB capacity rules", () => {
  it("charges a standard write 1 unit per started KB of the larger image, plus each GSI entry", () => {
    const before = item(1.5);
    const after = item(3.2, { gsi1pk: { S: "QUEUE#clerk" }, gsi1sk: { S: "1" } });
    const capacity = writeCapacity(TABLE, before, after);
    expect(capacity.table).toBe(4);
    // The item enters byQueue: one put of the projected (ALL) entry.
    expect(capacity.indexes).toEqual(new Map([["byQueue", 4]]));
  });

  it("charges an index key change as a delete of the old entry plus a put of the new one", () => {
    const before = item(1, { gsi1pk: { S: "QUEUE#clerk" }, gsi1sk: { S: "1" } });
    const after = item(1, { gsi1pk: { S: "QUEUE#head" }, gsi1sk: { S: "1" } });
    expect(writeCapacity(TABLE, before, after).indexes).toEqual(new Map([["byQueue", 4]]));
  });

  it("doubles only the table part of a transactional write", () => {
    const after = item(0.5, { gsi2pk: { S: "OWNER#1" }, gsi2sk: { S: "x" } });
    const capacity = transactionalWriteCapacity(TABLE, undefined, after);
    expect(capacity.table).toBe(2);
    expect(capacity.indexes).toEqual(new Map([["byOwner", 1]]));
  });

  it("charges a failed conditional write the existing item, at least one unit", () => {
    expect(failedConditionalWriteCapacity(item(2.5)).table).toBe(3);
    expect(failedConditionalWriteCapacity(undefined).table).toBe(1);
  });

  it("charges reads per started 4 KB, at least one, halved when eventually consistent", () => {
    expect(readUnits(0, true)).toBe(1);
    expect(readUnits(4096, true)).toBe(1);
    expect(readUnits(4097, true)).toBe(2);
    expect(readUnits(10 * 1024, false)).toBe(1.5);
  });

  it("stores each item and each of its GSI entries with 100 bytes of overhead", () => {
    const stored = item(1, { gsi1pk: { S: "Q" }, gsi1sk: { S: "1" } });
    const bare = dynamoDbStoredBytes({ ...TABLE, globalSecondaryIndexes: [] }, stored);
    expect(dynamoDbStoredBytes(TABLE, stored)).toBe(bare * 2);
  });
});

describe("stateTransitions", () => {
  it("counts every state entered plus the retries of a task, not the execution events", () => {
    const events = [
      { type: "ExecutionStarted" },
      { type: "TaskStateEntered" },
      { type: "LambdaFunctionScheduled" },
      { type: "LambdaFunctionFailed" },
      { type: "LambdaFunctionScheduled" },
      { type: "LambdaFunctionSucceeded" },
      { type: "TaskStateExited" },
      { type: "ChoiceStateEntered" },
      { type: "ChoiceStateExited" },
      { type: "ParallelStateEntered" },
      { type: "TaskStateEntered" },
      { type: "TaskScheduled" },
      { type: "TaskSucceeded" },
      { type: "SucceedStateEntered" },
      { type: "ExecutionSucceeded" },
    ];
    expect(stateTransitions(events)).toEqual({ entered: 5, retries: 1, transitions: 6 });
  });
});

describe("s3PriceClass", () => {
  it("puts PUT, POST and LIST in one class, GET, HEAD and OPTIONS in the other, DELETE free", () => {
    expect(s3PriceClass("PUT", "/documents/cases/1/a.pdf?X-Amz-Signature=1")).toBe("putCopyPostList");
    expect(s3PriceClass("POST", "/documents/cases/1/a.pdf?uploads")).toBe("putCopyPostList");
    expect(s3PriceClass("GET", "/documents?list-type=2&prefix=cases/")).toBe("putCopyPostList");
    expect(s3PriceClass("GET", "/documents/cases/1/a.pdf")).toBe("getAndOther");
    expect(s3PriceClass("HEAD", "/documents/cases/1/a.pdf")).toBe("getAndOther");
    expect(s3PriceClass("OPTIONS", "/documents/cases/1/a.pdf")).toBe("getAndOther");
    expect(s3PriceClass("DELETE", "/documents/cases/1/a.pdf?versionId=2")).toBe("free");
  });
});

describe("log lines", () => {
  it("renders the stage's access-log format with the request's values", () => {
    const line = accessLogLine(
      '$context.identity.sourceIp - [$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.requestId',
      { method: "POST", routePath: "/cases", path: "/cases", status: 201, responseBytes: 57 },
    );
    expect(line).toBe(
      '203.0.113.24 - [25/Nov/2026:09:30:00 +0000] "POST /cases HTTP/1.1" 201 57 Vx0kUhlPoAMEVxg=',
    );
  });

  it("writes a Step Functions log record with the event's details and the execution ARN", () => {
    const record = JSON.parse(
      stepFunctionsLogRecord(
        {
          id: 2,
          previousEventId: 1,
          timestamp: new Date(1_000),
          type: "TaskStateEntered",
          stateEnteredEventDetails: { name: "Precheck", input: "{}" },
        },
        "arn:aws:states:us-east-1:1:execution:m:c",
      ),
    );
    expect(record).toEqual({
      id: "2",
      type: "TaskStateEntered",
      details: { name: "Precheck", input: "{}" },
      previous_event_id: "1",
      event_timestamp: "1000",
      execution_arn: "arn:aws:states:us-east-1:1:execution:m:c",
      redrive_count: "0",
    });
  });
});
