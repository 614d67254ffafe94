import { randomUUID } from "node:crypto";
import { DescribeExecutionCommand, ListExecutionsCommand } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SICHUAN_DEFAULT_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import { seedRequiredDocuments } from "../support/documents.ts";
import { homesteadApplication, LI_HOUSEHOLD } from "../support/fixtures.ts";
import { eventually, startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { authHeader, signInAs } from "../support/tokens.ts";

let env: TestCloud;
let wang: string;
let li: string;
let api: (path: string, init?: RequestInit & { token?: string }) => Promise<Response>;

beforeAll(async () => {
  env = await startTestCloud();
  wang = await signInAs(env.cloud.endpoints, "villager-wang");
  li = await signInAs(env.cloud.endpoints, "villager-li");
  api = (path, init = {}) =>
    fetch(`${env.cloud.endpoints.api}${path}`, {
      ...init,
      headers: {
        "content-type": "application/json",
        ...authHeader(init.token ?? wang),
        ...(init.headers as Record<string, string> | undefined),
      },
    });
});
afterAll(async () => {
  await env?.stop();
});

async function newDraft(kind = "homestead"): Promise<string> {
  const response = await api("/cases", { method: "POST", body: JSON.stringify({ kind }) });
  expect(response.status).toBe(201);
  const body = (await response.json()) as { caseId: string };
  return body.caseId;
}

/** Confirmed documents of every type the kind requires (as the documents API leaves them). */
const confirmAllDocuments = (caseId: string) =>
  seedRequiredDocuments(env, caseId, {
    requirements: SICHUAN_DEFAULT_POLICY.requiredDocuments.homestead,
    uploadedBy: "villager-wang",
  });

describe("villager drafts", () => {
  it("creates a draft that only the household can see", async () => {
    const caseId = await newDraft();
    const mine = await api(`/cases/${caseId}`);
    expect(mine.status).toBe(200);
    expect(await mine.json()).toMatchObject({
      caseId,
      kind: "homestead",
      status: "draft",
      expected: { action: "complete_and_submit" },
    });
    const theirs = await api(`/cases/${caseId}`, { token: li });
    expect(theirs.status).toBe(404);
    const list = (await (await api("/cases")).json()) as { cases: { caseId: string }[] };
    expect(list.cases.map((item) => item.caseId)).toContain(caseId);
    const otherList = (await (await api("/cases", { token: li })).json()) as { cases: { caseId: string }[] };
    expect(otherList.cases.map((item) => item.caseId)).not.toContain(caseId);
  });

  it("autosaves partial forms, including half-typed ID numbers", async () => {
    const caseId = await newDraft();
    const response = await api(`/cases/${caseId}/application`, {
      method: "PUT",
      body: JSON.stringify({ head: { name: "王建国", idNumber: "51142419" } }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      application: { head: { name: "王建国", idNumber: "51142419" } },
    });
  });

  it("refuses server-owned fields in the body (mass assignment)", async () => {
    const caseId = await newDraft();
    const response = await api(`/cases/${caseId}/application`, {
      method: "PUT",
      body: JSON.stringify({ status: "approved", head: { name: "王建国" } }),
    });
    expect(response.status).toBe(400);
    const after = (await (await api(`/cases/${caseId}`)).json()) as { status: string };
    expect(after.status).toBe("draft");
  });

  it("answers 401 without a token", async () => {
    const response = await fetch(`${env.cloud.endpoints.api}/cases`);
    expect(response.status).toBe(401);
  });
});

describe("submitting", () => {
  it("requires an Idempotency-Key", async () => {
    const caseId = await newDraft();
    const response = await api(`/cases/${caseId}/submit`, { method: "POST" });
    expect(response.status).toBe(400);
  });

  it("lists exactly the missing fields and documents (422)", async () => {
    const caseId = await newDraft();
    await api(`/cases/${caseId}/application`, {
      method: "PUT",
      body: JSON.stringify({ ...homesteadApplication(), reason: undefined }),
    });
    const response = await api(`/cases/${caseId}/submit`, {
      method: "POST",
      headers: { "idempotency-key": randomUUID() },
    });
    expect(response.status).toBe(422);
    const body = (await response.json()) as {
      error: {
        details: { fields: { path: string; zh: string; en: string }[]; documents: { typeId: string }[] };
      };
    };
    expect(body.error.details.fields.map((field) => field.path)).toEqual(["reason"]);
    expect(body.error.details.fields[0]?.zh).toBeTruthy();
    const required = SICHUAN_DEFAULT_POLICY.requiredDocuments.homestead
      .filter((requirement) => requirement.condition === "always")
      .map((requirement) => requirement.typeId);
    expect(body.error.details.documents.map((document) => document.typeId).sort()).toEqual(required.sort());
  });

  it("submits once, starts one workflow, and replays the first answer for a retried key", async () => {
    const caseId = await newDraft();
    await api(`/cases/${caseId}/application`, {
      method: "PUT",
      body: JSON.stringify(homesteadApplication()),
    });
    await confirmAllDocuments(caseId);
    const key = randomUUID();
    const submit = () =>
      api(`/cases/${caseId}/submit`, { method: "POST", headers: { "idempotency-key": key } });

    const first = await submit();
    expect(first.status).toBe(202);
    const firstBody = await first.text();
    const retried = await submit();
    expect(retried.status).toBe(202);
    expect(await retried.text()).toBe(firstBody);

    const executions = await env.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: env.cloud.endpoints.stateMachineArn }),
    );
    const runs = (executions.executions ?? []).filter((execution) => execution.name === `${caseId}-r1`);
    expect(runs).toHaveLength(1);
    const run = await env.sfn.send(new DescribeExecutionCommand({ executionArn: runs[0]?.executionArn }));
    expect(JSON.parse(run.input ?? "{}")).toEqual({ caseId });

    const sameKeyOtherBody = await api(`/cases/${caseId}/submit`, {
      method: "POST",
      headers: { "idempotency-key": key },
      body: JSON.stringify({ note: "different" }),
    });
    expect(sameKeyOtherBody.status).toBe(422);

    const newKey = await api(`/cases/${caseId}/submit`, {
      method: "POST",
      headers: { "idempotency-key": randomUUID() },
    });
    expect(newKey.status).toBe(422); // already submitted: a new key is a new request, refused by the status
  });
});

describe("withdrawing", () => {
  it("withdraws a submitted case and stops its workflow", async () => {
    // 李秀英's household (王's has its open case above: one household, one open homestead case),
    // rebuilding on the plot it holds, so the pre-check passes.
    const created = await api("/cases", {
      method: "POST",
      body: JSON.stringify({ kind: "homestead" }),
      token: li,
    });
    expect(created.status).toBe(201);
    const { caseId } = (await created.json()) as { caseId: string };
    const application = homesteadApplication(LI_HOUSEHOLD);
    await api(`/cases/${caseId}/application`, {
      method: "PUT",
      token: li,
      body: JSON.stringify({
        ...application,
        proposedPlot: { ...application.proposedPlot, situation: "rebuild_on_old_plot" },
      }),
    });
    await confirmAllDocuments(caseId);
    await api(`/cases/${caseId}/submit`, {
      method: "POST",
      token: li,
      headers: { "idempotency-key": randomUUID() },
    });
    // The pre-check passes and the workflow waits out the public notice (days under the Sichuan policy).
    await eventually(async () => {
      const view = (await (await api(`/cases/${caseId}`, { token: li })).json()) as { status: string };
      return view.status === "in_public_notice" ? view : undefined;
    });

    const response = await api(`/cases/${caseId}/withdraw`, {
      method: "POST",
      token: li,
      body: JSON.stringify({ reason: "家庭计划有变" }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; expected: { action: string } };
    expect(body.status).toBe("withdrawn");
    expect(body.expected.action).toBe("none");
    const executions = await env.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: env.cloud.endpoints.stateMachineArn }),
    );
    const run = (executions.executions ?? []).find((execution) => execution.name === `${caseId}-r1`);
    expect(run?.status).toBe("ABORTED");

    const again = await api(`/cases/${caseId}/withdraw`, { method: "POST", body: "{}", token: li });
    expect(again.status).toBe(422);
  });
});
