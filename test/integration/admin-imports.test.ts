/**
 * POST /admin/imports answers 202 at once and the import runs to completion in
 * the background (the import workflow on the local Step Functions, its worker
 * on the local Lambda runtime); the admin follows it with
 * GET /admin/imports/{importId}. Real HTTP, real S3 and DynamoDB.
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReferenceStore } from "#shared/store/reference-store.ts";
import { eventually, startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { authHeader, signInAs } from "../support/tokens.ts";

let env: TestCloud;
const tokens = { admin: "", clerk: "" };
const ROWS = 600;

beforeAll(async () => {
  env = await startTestCloud();
  tokens.admin = await signInAs(env.cloud.endpoints, "county-admin");
  tokens.clerk = await signInAs(env.cloud.endpoints, "clerk-a");
  const body = [
    "householdId,headIdHash,membersCount,registrationVillageCode",
    ...Array.from(
      { length: ROWS },
      (_, i) => `511424199020-H${String(i).padStart(4, "0")},${"cd".repeat(32)},${1 + (i % 6)},511424199020`,
    ),
    `511424199020-H9999,${"cd".repeat(32)},0,511424199020`,
  ].join("\n");
  await env.s3.send(
    new PutObjectCommand({
      Bucket: env.cloud.endpoints.bucketName,
      Key: "imports/big-households.csv",
      Body: body,
    }),
  );
}, 120_000);
afterAll(async () => {
  await env?.stop();
});

async function call(method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${env.cloud.endpoints.api}${path}`, {
    method,
    headers: { ...authHeader(token), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: response.status,
    location: response.headers.get("location"),
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe("admin imports in the background", () => {
  it("answers 202 with the queued job at once, then runs the import to completion", async () => {
    const accepted = await call("POST", "/admin/imports", tokens.admin, {
      type: "household",
      key: "imports/big-households.csv",
    });
    expect(accepted.status).toBe(202);
    const importId = String(accepted.body.importId);
    expect(accepted.body).toMatchObject({ status: "queued", entityType: "household", line: 0 });
    expect(accepted.location).toBe(`/admin/imports/${importId}`);

    const done = await eventually(async () => {
      const job = await call("GET", `/admin/imports/${importId}`, tokens.admin);
      expect(job.status).toBe(200);
      expect(["queued", "running", "complete"]).toContain(job.body.status);
      return job.body.status === "complete" ? job.body : undefined;
    }, 120_000);
    expect(done).toMatchObject({
      importId,
      counts: { rows: ROWS + 1, imported: ROWS, unchanged: 0, rejected: 1 },
      rejections: [{ line: ROWS + 2, field: "membersCount" }],
      reportKey: `imports/reports/${importId}.csv`,
      sessions: 1,
    });
    const household = await new ReferenceStore(env.dynamodb, env.cloud.endpoints.tableName).household(
      "511424199020-H0005",
    );
    expect(household.household?.membersCount).toBe(6);
  }, 180_000);

  it("answers 404 for an import that does not exist, 400 for a malformed id and 403 to anyone but the county admin", async () => {
    expect(
      (await call("GET", "/admin/imports/0f0e0d0c-0b0a-4000-8000-000000000000", tokens.admin)).body,
    ).toMatchObject({ error: { code: "not_found" } });
    expect((await call("GET", "/admin/imports/not-an-id", tokens.admin)).status).toBe(400);
    expect(
      (await call("GET", "/admin/imports/0f0e0d0c-0b0a-4000-8000-000000000000", tokens.clerk)).status,
    ).toBe(403);
    expect(
      (
        await call("POST", "/admin/imports", tokens.clerk, {
          type: "household",
          key: "imports/big-households.csv",
        })
      ).status,
    ).toBe(403);
  });
});
