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
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stepKey, tokenKey } from "#shared/store/keys.ts";
import { eventually, startTestCloud, type TestCloud } from "../support/local-cloud.ts";

let env: TestCloud;
beforeAll(async () => {
  env = await startTestCloud();
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
  const start = async (caseId: string) => {
    const { executionArn } = await env.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: env.cloud.endpoints.stateMachineArn,
        name: `case-${caseId}`,
        input: JSON.stringify({ caseId, limits: { villageReviewSeconds: 3600 } }),
      }),
    );
    if (!executionArn) throw new Error("no execution");
    // The open-step task stores the step and, separately, its token.
    const token = await eventually(async () => {
      const item = await env.dynamodb.send(
        new GetCommand({ TableName: env.cloud.endpoints.tableName, Key: tokenKey(caseId, "village_review") }),
      );
      return item.Item?.taskToken as string | undefined;
    });
    return { executionArn, token };
  };

  const finished = (executionArn: string) =>
    eventually(async () => {
      const execution = await env.sfn.send(new DescribeExecutionCommand({ executionArn }));
      return execution.status === "RUNNING" ? undefined : execution;
    });

  it("waits at the village review with a stored task token and succeeds on SendTaskSuccess", async () => {
    const { executionArn, token } = await start("c-approve");
    const step = await env.dynamodb.send(
      new GetCommand({
        TableName: env.cloud.endpoints.tableName,
        Key: stepKey("c-approve", "village_review"),
      }),
    );
    expect(step.Item).toMatchObject({ status: "awaiting_response", step: "village_review" });
    expect(step.Item).not.toHaveProperty("taskToken");
    expect((await env.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe("RUNNING");

    await env.sfn.send(
      new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ outcome: "approved" }) }),
    );
    const execution = await finished(executionArn);
    expect(execution.status).toBe("SUCCEEDED");
    expect(JSON.parse(execution.output ?? "{}")).toMatchObject({
      caseId: "c-approve",
      decision: { outcome: "approved" },
    });

    const history = await env.sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    const entered = history.events?.flatMap((event) => event.stateEnteredEventDetails?.name ?? []);
    expect(entered).toEqual(expect.arrayContaining(["VillageReview", "VillageDecision", "Approved"]));
  });

  it("fails the execution on SendTaskFailure", async () => {
    const { executionArn, token } = await start("c-fail");
    await env.sfn.send(
      new SendTaskFailureCommand({ taskToken: token, error: "ReviewAbandoned", cause: "test" }),
    );
    const execution = await finished(executionArn);
    expect(execution.status).toBe("FAILED");
    expect(execution.error).toBe("ReviewAbandoned");
  });

  it("ends in the workflow's Rejected state when the reviewer rejects", async () => {
    const { executionArn, token } = await start("c-reject");
    await env.sfn.send(
      new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ outcome: "rejected" }) }),
    );
    const execution = await finished(executionArn);
    expect(execution.status).toBe("FAILED");
    expect(execution.error).toBe("CaseRejected");
  });
});
