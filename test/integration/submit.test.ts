/**
 * Submitting a case through the HTTP API on the local cloud: the
 * Idempotency-Key header under concurrency (IETF draft), one workflow run per
 * submission round, resubmission after a return, and recovery when the
 * workflow could not be started.
 */
import { randomUUID } from "node:crypto";
import { ListExecutionsCommand, type SFNClient } from "@aws-sdk/client-sfn";
import { DeleteCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CaseStatus, isTerminal } from "#shared/domain/case-status.ts";
import { DANLING_DEMO_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import { sfnClient } from "#shared/runtime.ts";
import type { ApplicationComplete } from "#shared/schemas/application.ts";
import { CASE_ITEM_PREFIX } from "#shared/store/keys.ts";
import { type ApiCall, ApiDriver } from "../support/api.ts";
import { seedRequiredDocuments } from "../support/documents.ts";
import { homesteadApplication, LI_HOUSEHOLD } from "../support/fixtures.ts";
import { eventually, startTestCloud, type TestCloud } from "../support/local-cloud.ts";

let env: TestCloud;
const { apiAs } = new ApiDriver(() => env.cloud.endpoints);
const A = "511424100";

beforeAll(async () => {
  env = await startTestCloud({ context: { countyPolicy: "danling-demo" } });
});
afterAll(async () => {
  await env?.stop();
});

/** Confirmed documents of every type the kind requires (as the documents API leaves them). */
const confirmAllDocuments = (caseId: string, uploadedBy: string) =>
  seedRequiredDocuments(env, caseId, {
    requirements: DANLING_DEMO_POLICY.requiredDocuments.homestead,
    uploadedBy,
  });

/**
 * A complete draft, ready to submit. One household, one open homestead case:
 * the villager's cases an earlier test left open are withdrawn first.
 */
async function readyDraft(villager: string, application: ApplicationComplete): Promise<string> {
  const call = await apiAs(villager);
  const listed = await call<{ cases: { caseId: string; status: CaseStatus }[] }>("GET", "/cases");
  expect(listed.status, listed.text).toBe(200);
  for (const open of listed.body.cases.filter((listedCase) => !isTerminal(listedCase.status))) {
    const withdrawn = await call("POST", `/cases/${open.caseId}/withdraw`, {});
    expect(withdrawn.status, withdrawn.text).toBe(200);
  }
  const created = await call<{ caseId: string }>("POST", "/cases", { kind: "homestead" });
  expect(created.status).toBe(201);
  const { caseId } = created.body;
  expect((await call("PUT", `/cases/${caseId}/application`, application)).status).toBe(200);
  await confirmAllDocuments(caseId, villager);
  return caseId;
}

async function events(
  caseId: string,
): Promise<{ seq: number; action: string; data?: Record<string, unknown> }[]> {
  const { Items } = await env.dynamodb.send(
    new QueryCommand({
      TableName: env.cloud.endpoints.tableName,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :event)",
      ExpressionAttributeValues: { ":pk": `CASE#${caseId}`, ":event": CASE_ITEM_PREFIX.event },
      ConsistentRead: true,
    }),
  );
  return (Items ?? []) as { seq: number; action: string; data?: Record<string, unknown> }[];
}

const countOf = (list: { action: string }[], action: string) =>
  list.filter((event) => event.action === action).length;

/** POST …/submit as `call`, with `key` as the Idempotency-Key (a fresh one unless given). */
const submit = (call: ApiCall, caseId: string, key: string = randomUUID(), body?: unknown) =>
  call("POST", `/cases/${caseId}/submit`, body, { "idempotency-key": key });

/** The case's history holds one submit and one started run, however many requests came. */
async function expectSubmittedOnce(caseId: string): Promise<void> {
  const history = await events(caseId);
  expect(countOf(history, "submit")).toBe(1);
  expect(countOf(history, "startWorkflow")).toBe(1);
}

async function runsOf(caseId: string): Promise<{ name: string; status: string }[]> {
  const runs: { name: string; status: string }[] = [];
  let nextToken: string | undefined;
  do {
    const page = await env.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: env.cloud.endpoints.stateMachineArn, nextToken }),
    );
    for (const execution of page.executions ?? [])
      if (execution.name?.startsWith(caseId))
        runs.push({ name: execution.name, status: String(execution.status) });
    nextToken = page.nextToken;
  } while (nextToken);
  return runs.sort((a, b) => a.name.localeCompare(b.name));
}

async function statusOf(villager: string, caseId: string): Promise<Record<string, unknown>> {
  const view = await (await apiAs(villager))("GET", `/cases/${caseId}`);
  expect(view.status).toBe(200);
  return view.body;
}

const reachesStatus = (villager: string, caseId: string, status: string) =>
  eventually(async () => {
    const view = await statusOf(villager, caseId);
    return view.status === status ? view : undefined;
  }, 30_000);

async function decideFromQueue(
  reviewer: string,
  queue: string,
  caseId: string,
  decision: Record<string, unknown> = { outcome: "approved", comment: "同意" },
): Promise<void> {
  const call = await apiAs(reviewer);
  const item = await eventually(async () => {
    const listed = await call<{ items: { caseId: string; stepId: string }[] }>(
      "GET",
      `/queues/${queue}?township=${A}`,
    );
    return listed.body.items.find((candidate) => candidate.caseId === caseId);
  }, 30_000);
  const decided = await call(
    "POST",
    `/review/cases/${caseId}/steps/${encodeURIComponent(item.stepId)}/decision`,
    decision,
  );
  expect(decided.status, decided.text).toBe(200);
}

describe("Idempotency-Key on submit (IETF draft)", () => {
  it("runs 100 concurrent submits with one key once: one 202 replayed identically, 409 while in progress, no 5xx", async () => {
    const caseId = await readyDraft("villager-wang", homesteadApplication());
    const call = await apiAs("villager-wang");
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 100 }, () => submit(call, caseId, key)));
    const statuses = answers.map((answer) => answer.status);
    expect(
      statuses.filter((status) => status >= 500),
      JSON.stringify(answers.filter((a) => a.status >= 500)),
    ).toEqual([]);
    expect(new Set(statuses.filter((status) => status !== 202 && status !== 409))).toEqual(new Set());
    const accepted = answers.filter((answer) => answer.status === 202);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    // Every 202 is the first answer, replayed byte for byte.
    expect(new Set(accepted.map((answer) => answer.text)).size).toBe(1);
    for (const busy of answers.filter((answer) => answer.status === 409)) {
      expect(busy.body).toMatchObject({ error: { code: "idempotency_request_in_progress" } });
    }
    // Once the first has finished, every retry gets it.
    const retried = await submit(call, caseId, key);
    expect(retried.status).toBe(202);
    expect(retried.text).toBe(accepted[0]?.text);

    expect(await runsOf(caseId)).toEqual([expect.objectContaining({ name: `${caseId}-r1` })]);
    await expectSubmittedOnce(caseId);
  });

  it("answers 422 idempotency_key_reused for the same key with another body, and still replays the first", async () => {
    const caseId = await readyDraft("villager-wang", homesteadApplication());
    const call = await apiAs("villager-wang");
    const key = randomUUID();
    const first = await submit(call, caseId, key);
    expect(first.status).toBe(202);
    const other = await submit(call, caseId, key, { note: "different" });
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ error: { code: "idempotency_key_reused" } });
    const again = await submit(call, caseId, key);
    expect(again.status).toBe(202);
    expect(again.text).toBe(first.text);
  });

  it("answers a retry whose first answer was lost with the case (202), not with the status error", async () => {
    const caseId = await readyDraft("villager-wang", homesteadApplication());
    const call = await apiAs("villager-wang");
    const key = randomUUID();
    expect((await submit(call, caseId, key)).status).toBe(202);
    await reachesStatus("villager-wang", caseId, "in_village_review");
    // The stored answer is gone, as when the first attempt timed out or its answer could not be saved.
    const { Items = [] } = await env.dynamodb.send(
      new QueryCommand({
        TableName: env.cloud.endpoints.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": "IDEMPOTENCY#submit" },
      }),
    );
    const stored = Items.filter((item) => JSON.stringify(item).includes(caseId));
    expect(stored).toHaveLength(1);
    await env.dynamodb.send(
      new DeleteCommand({
        TableName: env.cloud.endpoints.tableName,
        Key: { pk: stored[0]?.pk, sk: stored[0]?.sk },
      }),
    );

    const retried = await submit(call, caseId, key);
    expect(retried.status, retried.text).toBe(202);
    expect(retried.body).toMatchObject({ caseId, status: "in_village_review" });
    // Another key is another request: the case is no draft.
    const other = await submit(call, caseId);
    expect(other.status).toBe(422);
    await expectSubmittedOnce(caseId);
  });

  it("answers 400 idempotency_key_missing without a valid key, before anything runs", async () => {
    const caseId = await readyDraft("villager-wang", homesteadApplication());
    const call = await apiAs("villager-wang");
    const headerSets: Record<string, string>[] = [{}, { "idempotency-key": "short" }];
    for (const headers of headerSets) {
      const answer = await call("POST", `/cases/${caseId}/submit`, undefined, headers);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: { code: "idempotency_key_missing" } });
    }
    expect((await statusOf("villager-wang", caseId)).status).toBe("draft");
  });

  it("starts one run and records one startWorkflow for 8 concurrent submits with different keys", async () => {
    const caseId = await readyDraft("villager-wang", homesteadApplication());
    const call = await apiAs("villager-wang");
    const answers = await Promise.all(Array.from({ length: 8 }, () => submit(call, caseId)));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    expect(statuses).toContain(202);
    // The others found the case submitted (422) or took part in starting its run (202).
    expect(statuses.filter((status) => status !== 202 && status !== 422)).toEqual([]);
    expect(await runsOf(caseId)).toEqual([expect.objectContaining({ name: `${caseId}-r1` })]);
    await expectSubmittedOnce(caseId);
  });
});

describe("resubmission: one workflow run per submission round", () => {
  it("resubmits a case the pre-check returned: a new run -r2 starts and the case proceeds", async () => {
    // 李秀英's household keeps its plot and asks for a new one: the pre-check blocks (one household, one homestead).
    const caseId = await readyDraft("villager-li", homesteadApplication(LI_HOUSEHOLD));
    const call = await apiAs("villager-li");
    expect((await submit(call, caseId)).status).toBe(202);
    await reachesStatus("villager-li", caseId, "returned");

    // The household rebuilds on its own plot instead (no second plot), and submits again with a new key.
    const fixed = homesteadApplication(LI_HOUSEHOLD);
    fixed.proposedPlot = { ...fixed.proposedPlot, situation: "rebuild_on_old_plot" };
    expect((await call("PUT", `/cases/${caseId}/application`, fixed)).status).toBe(200);
    const resubmitted = await submit(call, caseId);
    expect(resubmitted.status, resubmitted.text).toBe(202);

    await decideFromQueue("village-officer-a", "village_officer", caseId);
    await reachesStatus("villager-li", caseId, "awaiting_acceptance");
    const runs = await runsOf(caseId);
    expect(runs.map((run) => run.name)).toEqual([`${caseId}-r1`, `${caseId}-r2`]);
    expect(runs[1]?.status).toBe("RUNNING");
    const history = await events(caseId);
    expect(countOf(history, "submit")).toBe(2);
    const started = history.filter((event) => event.action === "startWorkflow");
    expect(started.map((event) => event.data?.round)).toEqual([1, 2]);
    expect(String(started[1]?.data?.executionArn)).toMatch(new RegExp(`:${caseId}-r2$`));
  });

  it("resubmits a case the township window returned, and the new run reaches the window again", async () => {
    const caseId = await readyDraft("villager-wang", homesteadApplication());
    const call = await apiAs("villager-wang");
    expect((await submit(call, caseId)).status).toBe(202);
    await decideFromQueue("village-officer-a", "village_officer", caseId);
    await decideFromQueue("clerk-a", "township_clerk", caseId, {
      outcome: "rejected",
      comment: "材料不全，请补充",
    });
    await reachesStatus("villager-wang", caseId, "returned");

    const revised = homesteadApplication();
    expect(
      (
        await call("PUT", `/cases/${caseId}/application`, {
          ...revised,
          reason: `${revised.reason}（已补充）`,
        })
      ).status,
    ).toBe(200);
    const resubmitted = await submit(call, caseId);
    expect(resubmitted.status, resubmitted.text).toBe(202);
    await decideFromQueue("village-officer-a", "village_officer", caseId);
    await decideFromQueue("clerk-a", "township_clerk", caseId);
    await reachesStatus("villager-wang", caseId, "in_joint_review");
    expect((await runsOf(caseId)).map((run) => run.name)).toEqual([`${caseId}-r1`, `${caseId}-r2`]);
    // The household reads which departments have it, not "部门联审、部门联审、部门联审" (issue 16).
    const agriculture = DANLING_DEMO_POLICY.departments.find((department) => department.id === "agriculture");
    const waiting = await eventually(async () => {
      const view = (await statusOf("villager-wang", caseId)) as { expected: { message: { zh: string } } };
      return view.expected.message.zh.includes(agriculture?.name.zh ?? "?") ? view : undefined;
    }, 30_000);
    expect(waiting.expected.message.zh).not.toContain("部门联审、部门联审");
  });
});

describe("a workflow start that fails", () => {
  it("leaves the case submitted and recoverable: a retry starts the run and records it once", async () => {
    const caseId = await readyDraft("villager-wang", homesteadApplication());
    const call = await apiAs("villager-wang");
    // The handlers run in this process: refuse their next StartExecution, as an unreachable endpoint would.
    const client: SFNClient = sfnClient();
    let refusals = 1;
    const name = "refuseStartExecutionOnce";
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "StartExecutionCommand" && refusals > 0) {
          refusals -= 1;
          throw Object.assign(new Error("connect ECONNREFUSED (injected)"), {
            name: "ServiceUnavailableException",
          });
        }
        return next(args);
      },
      { step: "initialize", name },
    );
    try {
      const key = randomUUID();
      const failed = await submit(call, caseId, key);
      expect(failed.status).toBe(503);
      expect(failed.body).toMatchObject({ error: { code: "workflow_not_started" } });
      expect(failed.text).not.toContain("ECONNREFUSED");
      expect((await statusOf("villager-wang", caseId)).status).toBe("submitted");
      expect(await runsOf(caseId)).toEqual([]);

      // The retry (same key: the failed attempt left no answer to replay) starts the run.
      const retried = await submit(call, caseId, key);
      expect(retried.status, retried.text).toBe(202);
      expect(await runsOf(caseId)).toEqual([expect.objectContaining({ name: `${caseId}-r1` })]);
      // And a later submit with another key starts nothing more.
      const other = await submit(call, caseId);
      expect([202, 422]).toContain(other.status);
      await decideFromQueue("village-officer-a", "village_officer", caseId);
      await expectSubmittedOnce(caseId);
    } finally {
      client.middlewareStack.remove(name);
    }
  });
});

describe("the villager's form (issue 16)", () => {
  it("resubmits a returned case unchanged (only documents were missing): revised, then submitted", async () => {
    const caseId = await readyDraft("villager-wang", homesteadApplication());
    const call = await apiAs("villager-wang");
    expect((await submit(call, caseId)).status).toBe(202);
    await decideFromQueue("village-officer-a", "village_officer", caseId);
    await decideFromQueue("clerk-a", "township_clerk", caseId, { outcome: "rejected", comment: "材料不清" });
    await reachesStatus("villager-wang", caseId, "returned");
    const again = await submit(call, caseId);
    expect(again.status, again.text).toBe(202);
    const history = await events(caseId);
    expect(countOf(history, "revise")).toBe(1);
    expect(countOf(history, "submit")).toBe(2);
  });

  it("lets a household of one submit: no members listed at all", async () => {
    const { members: _none, ...alone } = homesteadApplication();
    const caseId = await readyDraft("villager-wang", alone as ApplicationComplete);
    const call = await apiAs("villager-wang");
    const submitted = await submit(call, caseId);
    expect(submitted.status, submitted.text).toBe(202);
  });

  it("refuses an old plot of 0 m² in the draft, as submission does", async () => {
    const call = await apiAs("villager-wang");
    const listed = await call<{ cases: { caseId: string; status: CaseStatus }[] }>("GET", "/cases");
    for (const open of listed.body.cases.filter((listedCase) => !isTerminal(listedCase.status)))
      await call("POST", `/cases/${open.caseId}/withdraw`, {});
    const created = await call<{ caseId: string }>("POST", "/cases", { kind: "homestead" });
    const saved = await call<{ error: { code: string; zh: string; details: unknown } }>(
      "PUT",
      `/cases/${created.body.caseId}/application`,
      { currentHomestead: { areaM2: 0 } },
    );
    expect(saved.status, saved.text).toBe(400);
    expect(JSON.stringify(saved.body.error.details)).toContain("currentHomestead.areaM2");
  });

  it("shows the county's limits for this household while the form is editable, and a card tells cases apart", async () => {
    const call = await apiAs("villager-wang");
    const caseId = await readyDraft("villager-wang", homesteadApplication());
    const view = await call<{
      limits?: {
        terrainClass: { id: string };
        countedPersons: number;
        houseLandM2?: number;
        totalM2?: number;
        totalWithoutCroplandM2?: number;
        maxHeightM: number;
        maxFloors: number;
      };
    }>("GET", `/cases/${caseId}`);
    expect(view.status, view.text).toBe(200);
    const limits = view.body.limits;
    expect(limits).toBeDefined();
    const policy = DANLING_DEMO_POLICY;
    const terrain = limits?.terrainClass.id ?? "";
    const persons = limits?.countedPersons ?? 0;
    expect(limits?.houseLandM2).toBe((policy.areaStandards.houseLand?.byTerrainM2[terrain] ?? 0) * persons);
    expect(limits?.totalWithoutCroplandM2).toBe(
      (limits?.totalM2 ?? 0) + (policy.areaStandards.total?.bonusPerHouseholdIfNoCroplandM2 ?? 0),
    );
    expect(limits?.maxHeightM).toBe(policy.building.maxHeightM);
    expect(limits?.maxFloors).toBe(policy.building.maxFloors);

    const listed = await call<{ cases: { caseId: string; shortNumber: string; plotAddress?: string }[] }>(
      "GET",
      "/cases",
    );
    expect(listed.body.cases.find((item) => item.caseId === caseId)).toMatchObject({
      shortNumber: caseId.slice(0, 8),
      plotAddress: homesteadApplication().proposedPlot.address,
    });
  });
});
