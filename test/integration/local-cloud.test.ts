import { readFile } from "node:fs/promises";
import path from "node:path";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { localActivityReported, localChangeCount } from "#infra/local/changes.ts";
import { logger } from "#shared/logger.ts";
import { stepKey, tokenKey } from "#shared/store/keys.ts";
import { stepIdOf } from "#shared/workflow/steps.ts";
import { eventually, startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { TEST_LOG_LEVEL } from "../support/test-log-level.ts";
import { demoHouseholdCase, TEST_WAIT_SCALE, WorkflowDriver } from "../support/workflow.ts";

// A one-day notice and long step limits (see withTestPolicies), shrunk by waitScale.
vi.mock("#shared/domain/policy/shipped-policies.ts", async (importOriginal) => {
  const { withTestPolicies } = await import("../support/policies.ts");
  return withTestPolicies(await importOriginal());
});

let env: TestCloud;
beforeAll(async () => {
  env = await startTestCloud({ waitScale: TEST_WAIT_SCALE });
});
afterAll(async () => {
  await env?.stop();
});

describe("local HTTP API", () => {
  it("routes GET /health through the real handler to the case table", async () => {
    const response = await fetch(`${env.cloud.endpoints.api}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("apigw-requestid")).toBeTruthy();
    expect(await response.json()).toMatchObject({ status: "ok", table: "reachable" });
  });

  it("logs its Lambdas' warnings, not a line per answered request, at the run's level", async () => {
    const written: string[] = [];
    const spies = [process.stdout, process.stderr].map((stream) =>
      vi.spyOn(stream, "write").mockImplementation((chunk) => {
        written.push(String(chunk));
        return true;
      }),
    );
    try {
      expect((await fetch(`${env.cloud.endpoints.api}/health`)).status).toBe(200);
      logger.warn("A warning of this test");
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    const lines = written.join("");
    // NONGFANG_TEST_LOG_LEVEL=ERROR keeps the warnings out too; INFO (or DEBUG) brings the request lines back.
    expect(lines.includes("A warning of this test")).toBe(TEST_LOG_LEVEL !== "ERROR");
    expect(lines.includes('"message":"Request answered"')).toBe(["DEBUG", "INFO"].includes(TEST_LOG_LEVEL));
  });

  it("answers an unknown route with API Gateway's 404 body", async () => {
    const response = await fetch(`${env.cloud.endpoints.api}/no-such-route`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: "Not Found" });
  });

  it("records its endpoints for CLI tools and benchmarks", async () => {
    const written = JSON.parse(await readFile(path.join(env.dataDir, "endpoints.json"), "utf8"));
    expect(written).toEqual(env.cloud.endpoints);
  });
});

describe("activity the tests' waits hear of (infra/local/changes.ts)", () => {
  it("reports each answered write and each workflow step, not reads", async () => {
    expect(localActivityReported()).toBe(true);
    const { tableName } = env.cloud.endpoints;
    const key = { pk: "TEST#activity", sk: "TEST#activity" };
    const before = localChangeCount();
    await env.dynamodb.send(new GetCommand({ TableName: tableName, Key: key }));
    expect(localChangeCount()).toBe(before);
    await env.dynamodb.send(new PutCommand({ TableName: tableName, Item: { ...key, n: 1 } }));
    expect(localChangeCount()).toBe(before + 1);
    const { executionArn } = await env.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: env.cloud.endpoints.stateMachineArn,
        name: "case-activity",
        input: JSON.stringify({ caseId: "activity" }),
      }),
    );
    expect(localChangeCount()).toBeGreaterThan(before + 1);
    await eventually(async () => {
      const execution = await env.sfn.send(new DescribeExecutionCommand({ executionArn }));
      return execution.status === "RUNNING" ? undefined : execution;
    });
  });
});

describe("local S3", () => {
  it("accepts a browser-style PUT to a presigned URL and serves the same bytes back", async () => {
    const bytes = Buffer.from("农房 photo bytes \u0000\u0001\u0002", "utf8");
    const key = "cases/test/documents/photo.jpg";
    const url = await getSignedUrl(
      env.s3,
      new PutObjectCommand({ Bucket: env.cloud.endpoints.bucketName, Key: key, ContentType: "image/jpeg" }),
      { expiresIn: 300 },
    );
    const put = await fetch(url, { method: "PUT", body: bytes, headers: { "content-type": "image/jpeg" } });
    expect(put.status).toBe(200);

    const got = await env.s3.send(new GetObjectCommand({ Bucket: env.cloud.endpoints.bucketName, Key: key }));
    expect(Buffer.from((await got.Body?.transformToByteArray()) ?? [])).toEqual(bytes);
    expect(got.ContentType).toBe("image/jpeg");
  });
});

describe("local Step Functions running the synthesized approval workflow", () => {
  const villageReview = stepIdOf("village_review");
  // A submitted case the pre-check passes (demo household and plot), so the run reaches the village review.
  const start = async (caseId: string) => {
    await new WorkflowDriver(env).seedCase(demoHouseholdCase(caseId));
    const { executionArn } = await env.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: env.cloud.endpoints.stateMachineArn,
        name: `case-${caseId}`,
        input: JSON.stringify({ caseId }),
      }),
    );
    if (!executionArn) throw new Error("no execution");
    // The open-step task stores the step and, separately, its token.
    const token = await eventually(async () => {
      const item = await env.dynamodb.send(
        new GetCommand({ TableName: env.cloud.endpoints.tableName, Key: tokenKey(caseId, villageReview) }),
      );
      return item.Item?.taskToken as string | undefined;
    });
    return { executionArn, token };
  };

  const statesEntered = async (executionArn: string) => {
    const history = await env.sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    return history.events?.flatMap((event) => event.stateEnteredEventDetails?.name ?? []) ?? [];
  };

  const finished = (executionArn: string) =>
    eventually(async () => {
      const execution = await env.sfn.send(new DescribeExecutionCommand({ executionArn }));
      return execution.status === "RUNNING" ? undefined : execution;
    });

  it("runs the pre-check, waits at the village review with a stored task token and moves on on SendTaskSuccess", async () => {
    const { executionArn, token } = await start("c-approve");
    const step = await env.dynamodb.send(
      new GetCommand({
        TableName: env.cloud.endpoints.tableName,
        Key: stepKey("c-approve", villageReview),
      }),
    );
    expect(step.Item).toMatchObject({ status: "awaiting_response", step: "village_review" });
    expect(step.Item).not.toHaveProperty("taskToken");
    expect((await env.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe("RUNNING");

    await env.sfn.send(
      new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ outcome: "approved" }) }),
    );
    // The decision routes the run to the next human step, which opens in its turn.
    const entered = await eventually(async () => {
      const history = await env.sfn.send(new GetExecutionHistoryCommand({ executionArn }));
      const names = history.events?.flatMap((event) => event.stateEnteredEventDetails?.name ?? []) ?? [];
      return names.includes("TownshipAcceptance") ? names : undefined;
    });
    expect(entered).toEqual(
      expect.arrayContaining(["Precheck", "PublicNotice", "VillageReview", "VillageReviewDecision"]),
    );
    expect((await env.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe("RUNNING");
  });

  it("records a SendTaskFailure on the case as a task_failed incident and keeps the run waiting for the operator", async () => {
    const { executionArn, token } = await start("c-fail");
    await env.sfn.send(
      new SendTaskFailureCommand({ taskToken: token, error: "ReviewAbandoned", cause: "test" }),
    );
    // The wait is retried (each retry reopens the review with a new token), so the reviewer's side
    // fails every attempt; past its retries the failure becomes an incident on the case (the operator loop).
    const driver = new WorkflowDriver(env);
    let current = token;
    const { record, events } = await eventually(async () => {
      const loaded = await driver.store.load("c-fail");
      if (loaded.record.incidents?.length) return loaded;
      const item = await env.dynamodb.send(
        new GetCommand({ TableName: env.cloud.endpoints.tableName, Key: tokenKey("c-fail", villageReview) }),
      );
      const next = item.Item?.taskToken as string | undefined;
      if (next && next !== current) {
        current = next;
        await env.sfn.send(
          new SendTaskFailureCommand({ taskToken: next, error: "ReviewAbandoned", cause: "test" }),
        );
      }
      return undefined;
    });
    expect(record.failure?.error).toBe("ReviewAbandoned");
    expect(record.incidents).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({
      action: "openIncident",
      data: expect.objectContaining({
        kind: "task_failed",
        error: "ReviewAbandoned",
        state: "VillageReview",
      }),
    });
    // The run stays alive, waiting for the operator's decision.
    expect(await statesEntered(executionArn)).toContain("VillageReviewFailed");
    expect((await env.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe("RUNNING");
  });

  it("ends in the workflow's Rejected state (a business outcome, not a failure) when the reviewer rejects", async () => {
    const { executionArn, token } = await start("c-reject");
    await env.sfn.send(
      new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ outcome: "rejected" }) }),
    );
    const execution = await finished(executionArn);
    expect(execution.status).toBe("SUCCEEDED");
    const history = await env.sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(history.events?.flatMap((event) => event.stateEnteredEventDetails?.name ?? [])).toContain(
      "Rejected",
    );
  });
});
