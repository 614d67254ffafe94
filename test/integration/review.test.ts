import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetExecutionHistoryCommand } from "@aws-sdk/client-sfn";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Actor } from "#shared/auth/actor.ts";
import { getShippedPolicy } from "#shared/domain/policy/shipped-policies.ts";
import { decideStep, type ReviewDeps } from "#shared/review/decide.ts";
import type { StepRecord } from "#shared/schemas/case.ts";
import { CaseStore } from "#shared/store/case-store.ts";
import { caseKey, escalationKey, stepKey } from "#shared/store/keys.ts";
import { stepItem } from "#shared/store/step-store.ts";
import { markOverdue } from "#shared/workflow/mark-overdue.ts";
import { stepIdOf } from "#shared/workflow/steps.ts";
import { ApiDriver } from "../support/api.ts";
import { uploadDocument } from "../support/documents.ts";
import { stepRecord } from "../support/fixtures.ts";
import { eventually, startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import {
  demoHouseholdCase,
  type SeededCase,
  TEST_WAIT_SCALE,
  unreachableSfn,
  WorkflowDriver,
} from "../support/workflow.ts";

// Fast county policies for the Lambdas the local cloud runs in this process (see withTestPolicies).
vi.mock("#shared/domain/policy/shipped-policies.ts", async (importOriginal) => {
  const { withTestPolicies } = await import("../support/policies.ts");
  return withTestPolicies(await importOriginal());
});

const TOWNSHIP_A = "511424100";
const TOWNSHIP_B = "511424101";
const VILLAGE_A = "511424100001";
const HOUSEHOLD_WANG = "511424100001-H0001";
/** The demo village officer of VILLAGE_A, as the decide use case sees them. */
const VILLAGE_OFFICER_A: Actor = {
  id: "village-officer-a",
  name: "赵志刚",
  role: "village_officer",
  townships: [TOWNSHIP_A],
  villageCode: VILLAGE_A,
};

let env: TestCloud;
let driver: WorkflowDriver;
let store: CaseStore;
/** Every response body this file receives: none may contain a task token. */
const bodies: string[] = [];
const caseIds = new Set<string>();

const USERS = [
  "villager-wang",
  "villager-li",
  "village-officer-a",
  "clerk-a",
  "clerk-b",
  "reviewer-agriculture-a",
  "reviewer-natural-resources-a",
  "reviewer-agriculture-b",
  "head-a",
  "inspector-a",
  "auditor",
] as const;
type User = (typeof USERS)[number];

beforeAll(async () => {
  env = await startTestCloud({ waitScale: TEST_WAIT_SCALE });
  driver = new WorkflowDriver(env);
  store = driver.store;
});
afterAll(async () => {
  await env?.stop();
});

const api = new ApiDriver(() => env.cloud.endpoints, {
  onResponse: ({ text }) => bodies.push(text),
});

const call = async (user: User, method: "GET" | "POST", path: string, body?: unknown) =>
  (await api.apiAs(user))(method, path, body);

const decisionPath = (caseId: string, stepId: string, action: "decision" | "redrive" = "decision") =>
  `/review/cases/${caseId}/steps/${encodeURIComponent(stepId)}/${action}`;

/** Household 511424100001-H0001 (王建国) of the demo reference set; the plot passes the pre-check. */
function homesteadCase(caseId: string): SeededCase {
  caseIds.add(caseId);
  return demoHouseholdCase(caseId, {
    householdId: HOUSEHOLD_WANG,
    villageCode: VILLAGE_A,
    townshipCode: TOWNSHIP_A,
  });
}

/** Runs the real synthesized workflow until the village review waits on its task token. */
async function atVillageReview(caseId: string): Promise<{ executionArn: string; step: StepRecord }> {
  await driver.seedCase(homesteadCase(caseId));
  const executionArn = await driver.start(caseId);
  const step = await driver.openStep(caseId, "village_review");
  return { executionArn, step };
}

/** The village officer asks the household for a correction; the correction step opens. */
async function askForCorrection(
  caseId: string,
  stepId: string,
  request: { fields?: string[]; documents?: string[]; comment: string },
): Promise<void> {
  const asked = await call("village-officer-a", "POST", decisionPath(caseId, stepId), {
    outcome: "correction_requested",
    ...request,
  });
  expect(asked.status).toBe(200);
  await driver.status(caseId, "correction_requested");
  await driver.openStep(caseId, "correction");
}

/** A step item exactly as the open-step task writes it (stepItem), without a workflow behind it. */
async function seedStep(step: StepRecord): Promise<void> {
  await env.dynamodb.send(new PutCommand({ TableName: env.cloud.endpoints.tableName, Item: stepItem(step) }));
}

async function seedCaseRecord(caseId: string, townshipCode = TOWNSHIP_A): Promise<void> {
  caseIds.add(caseId);
  await store.create(
    {
      caseId,
      kind: "homestead",
      householdId: HOUSEHOLD_WANG,
      ownerId: "villager-wang",
      townshipCode,
      villageCode: townshipCode === TOWNSHIP_A ? VILLAGE_A : "511424101001",
      policyId: "test-fast",
      application: { kind: "homestead", head: { name: `申请人 ${caseId}` } },
    },
    { id: "villager-wang", role: "villager" },
  );
}

const jointStep = (
  caseId: string,
  department: "agriculture" | "natural_resources",
  extra: Partial<StepRecord> = {},
) =>
  stepRecord({
    caseId,
    stepId: stepIdOf("joint_review", department, 1),
    step: "joint_review",
    department,
    townshipCode: TOWNSHIP_A,
    openedAt: new Date().toISOString(),
    deadline: "2031-01-10T00:00:00.000Z",
    ...extra,
  });

/** Callback results in the execution's history: one per SendTaskSuccess that reached it. */
async function decisionsReceived(executionArn: string): Promise<number> {
  const history = await env.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return (history.events ?? []).filter(
    (event) =>
      event.type === "TaskSucceeded" && event.taskSucceededEventDetails?.output?.includes("decidedBy"),
  ).length;
}

describe("GET /queues/{queue}", () => {
  it("shows a department reviewer only their department's steps in their township, overdue first", async () => {
    for (const id of ["q-1", "q-2", "q-3", "q-4"]) await seedCaseRecord(id);
    await seedCaseRecord("q-b", TOWNSHIP_B);
    await seedStep(jointStep("q-1", "agriculture", { deadline: "2031-03-01T00:00:00.000Z" }));
    await seedStep(jointStep("q-2", "agriculture", { deadline: "2031-05-01T00:00:00.000Z", overdue: true }));
    await seedStep(jointStep("q-3", "agriculture", { deadline: "2031-01-01T00:00:00.000Z" }));
    await seedStep(jointStep("q-4", "natural_resources"));
    await seedStep(jointStep("q-b", "agriculture", { townshipCode: TOWNSHIP_B }));

    const { status, body } = await call(
      "reviewer-agriculture-a",
      "GET",
      `/queues/agriculture?township=${TOWNSHIP_A}`,
    );
    expect(status).toBe(200);
    const items = body.items as { caseId: string; overdue: boolean; applicantName: string; kind: string }[];
    expect(items.map((item) => item.caseId)).toEqual(["q-2", "q-3", "q-1"]);
    expect(items[0]).toMatchObject({ overdue: true, applicantName: "申请人 q-2", kind: "homestead" });

    const overdueOnly = await call("reviewer-agriculture-a", "GET", "/queues/agriculture?status=overdue");
    expect((overdueOnly.body.items as { caseId: string }[]).map((item) => item.caseId)).toEqual(["q-2"]);
  });

  it("refuses another department's queue and another township", async () => {
    expect((await call("reviewer-agriculture-a", "GET", "/queues/natural_resources")).status).toBe(403);
    expect(
      (await call("reviewer-agriculture-a", "GET", `/queues/agriculture?township=${TOWNSHIP_B}`)).status,
    ).toBe(403);
    expect((await call("clerk-a", "GET", "/queues/township_head")).status).toBe(403);
    // Function level (shared/auth/policy.ts): villagers have no queue route at all.
    expect((await call("villager-wang", "GET", "/queues/village_officer")).status).toBe(403);
  });
});

describe("POST …/decision on the real workflow", () => {
  it("lets exactly one of 20 concurrent decisions win; the workflow gets it once and moves on", async () => {
    const { executionArn, step } = await atVillageReview("r-race");
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call("village-officer-a", "POST", decisionPath("r-race", step.stepId), {
          outcome: "approved",
          comment: `第 ${i} 位`,
        }),
      ),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(19);

    const { events } = await store.load("r-race");
    expect(events.filter((event) => event.action === "forwardToTownship")).toHaveLength(1);
    // The workflow resumed with the decision once and opened the township acceptance.
    await driver.openStep("r-race", "township_acceptance");
    expect(await decisionsReceived(executionArn)).toBe(1);
    const decided = (await store.load("r-race")).steps.find((candidate) => candidate.stepId === step.stepId);
    expect(decided).toMatchObject({ status: "responded", decision: { outcome: "approved" } });
    expect(decided?.sentAt).toBeDefined();
  });

  it("answers 403 to a reviewer of the wrong department and 404 to another township", async () => {
    await seedCaseRecord("r-dept");
    const step = jointStep("r-dept", "agriculture");
    await seedStep(step);
    const body = { outcome: "approved" };
    expect(
      (await call("reviewer-natural-resources-a", "POST", decisionPath("r-dept", step.stepId), body)).status,
    ).toBe(403);
    expect(
      (await call("reviewer-agriculture-b", "POST", decisionPath("r-dept", step.stepId), body)).status,
    ).toBe(404);
    expect((await call("clerk-a", "POST", decisionPath("r-dept", step.stepId), body)).status).toBe(403);
    // Nothing was written by the refused callers.
    expect((await store.load("r-dept")).events.map((event) => event.action)).toEqual(["create"]);
  });

  it("refuses a correction request without fields or reason, and outcomes the step does not take", async () => {
    await seedCaseRecord("r-bad");
    const step = jointStep("r-bad", "agriculture");
    await seedStep(step);
    const path = decisionPath("r-bad", step.stepId);
    // [why, body, status, what the answer names]
    const refusals: [string, Record<string, unknown>, number, string?][] = [
      [
        "a correction without fields",
        { outcome: "correction_requested", comment: "请补充" },
        400,
        "body.fields",
      ],
      ["a correction without a reason", { outcome: "correction_requested", fields: ["head.phone"] }, 400],
      ["measurements on a step that takes none", { outcome: "approved", measurements: { floors: 2 } }, 422],
      // What the county never asks a household for cannot be asked back: nobody could answer it.
      [
        "a document the county never asks for",
        { outcome: "correction_requested", documents: ["passport"], comment: "请补充护照" },
        422,
        "passport",
      ],
      // The kind of case is fixed at creation: not a field to redo.
      ["the kind of case", { outcome: "correction_requested", fields: ["kind"], comment: "请改为农房" }, 400],
    ];
    for (const [why, body, status, names] of refusals) {
      const answer = await call("reviewer-agriculture-a", "POST", path, body);
      expect(answer.status, why).toBe(status);
      if (names) expect(JSON.stringify(answer.body), why).toContain(names);
    }
    expect((await store.load("r-bad")).events.map((event) => event.action)).toEqual(["create"]);
  });
});

describe("GET /review/cases/{caseId}", () => {
  it("shows staff of the township the form, steps, decisions and timeline; 404 for others", async () => {
    await seedCaseRecord("d-1");
    const decision = await call("reviewer-agriculture-a", "GET", "/review/cases/d-1");
    expect(decision.status).toBe(200);
    expect(decision.body).toMatchObject({
      case: { caseId: "d-1", townshipCode: TOWNSHIP_A },
      application: { kind: "homestead" },
      timeline: [expect.objectContaining({ action: "create" })],
    });
    expect((await call("clerk-b", "GET", "/review/cases/d-1")).status).toBe(404);
    // Function level (shared/auth/policy.ts): the reviewer's case view is not a villager route.
    expect((await call("villager-wang", "GET", "/review/cases/d-1")).status).toBe(403);
  });
});

/** The review case view as far as these tests read it. */
type Detail = {
  steps: {
    step: string;
    department?: string;
    siteVisit?: { id: string };
    decide?: {
      outcomes: string[];
      measurements: boolean;
      photos: boolean;
      objections: boolean;
      correctable?: {
        sections: { section: string; fields: string[] }[];
        documents: { typeId: string; name: { zh: string; en: string } }[];
      };
    };
  }[];
};

describe("GET /review/cases/{caseId}: what the caller may decide (issues 16, 17)", () => {
  it("marks only the caller's open step with its outcomes and what a correction may name", async () => {
    await seedCaseRecord("d-2");
    await seedStep(jointStep("d-2", "agriculture"));
    await seedStep(jointStep("d-2", "natural_resources"));
    const mine = (await call("reviewer-agriculture-a", "GET", "/review/cases/d-2")).body as Detail;
    const agriculture = mine.steps.find((step) => step.department === "agriculture");
    const decide = agriculture?.decide;
    expect(decide).toMatchObject({
      outcomes: ["approved", "rejected", "correction_requested"],
      measurements: false,
      objections: false,
    });
    // Agriculture joins the policy's site check (三到场 ①): it may cite photos, not measure.
    expect(agriculture?.siteVisit).toBeDefined();
    expect(decide?.photos).toBe(true);
    expect(decide?.correctable?.sections).toContainEqual({
      section: "building",
      fields: ["building.floorAreaM2", "building.floors", "building.heightM"],
    });
    expect(decide?.correctable?.sections.map((entry) => entry.section)).not.toContain("kind");
    // The documents are the county's for this kind of case, named for people.
    const required = getShippedPolicy("test-fast").requiredDocuments.homestead;
    expect(decide?.correctable?.documents).toEqual(
      required.map((requirement) => ({ typeId: requirement.typeId, name: requirement.name })),
    );
    // One copy of the rules: the step says it, the case does not repeat it.
    expect(mine).not.toHaveProperty("correctable");
    expect(mine.steps.find((step) => step.department === "natural_resources")?.decide).toBeUndefined();
    // Names, not codes: the village and township from the reference data, the code beside.
    expect((mine as unknown as { places: unknown }).places).toEqual({
      village: { code: VILLAGE_A, name: { zh: "龙鹄村", en: "Longhu Village" } },
      township: { code: TOWNSHIP_A, name: { zh: "丹棱镇", en: "Danling Town" } },
    });
    // A township clerk sees the same case and decides none of its steps.
    const clerk = (await call("clerk-a", "GET", "/review/cases/d-2")).body as Detail;
    expect(clerk.steps.every((step) => step.decide === undefined)).toBe(true);
  });

  it("offers a staking-out visit approval alone, with measurements and photos, and refuses the rest", async () => {
    await seedCaseRecord("d-3");
    const staking = {
      ...jointStep("d-3", "agriculture"),
      stepId: stepIdOf("site_visit_staking"),
      step: "site_visit_staking",
      department: undefined,
    } satisfies StepRecord;
    await seedStep(staking);
    const detail = (await call("inspector-a", "GET", "/review/cases/d-3")).body as Detail;
    expect(detail.steps.find((step) => step.step === "site_visit_staking")?.decide).toEqual({
      outcomes: ["approved"],
      measurements: true,
      photos: true,
      objections: false,
    });
    // An outcome the step does not offer is refused as before, and nothing is written.
    const path = decisionPath("d-3", staking.stepId);
    const refused = await call("inspector-a", "POST", path, {
      outcome: "rejected",
      measurements: { plotAreaM2: 120 },
    });
    expect(refused.status).toBe(422);
    expect(JSON.stringify(refused.body)).toContain("accepts only approved");
    const correction = await call("inspector-a", "POST", path, {
      outcome: "correction_requested",
      fields: ["building.heightM"],
      comment: "请核实高度",
      measurements: { plotAreaM2: 120 },
    });
    expect(correction.status).toBe(422);
    expect((await store.load("d-3")).events.map((event) => event.action)).toEqual(["create"]);
  });
});

describe("names instead of codes, and a correction of one field (issue 16)", () => {
  it("records who decided by display name and lets a reviewer ask for the height alone", async () => {
    const { step } = await atVillageReview("n-1");
    const queue = await call("village-officer-a", "GET", `/queues/village_officer?township=${TOWNSHIP_A}`);
    expect(queue.status).toBe(200);
    expect((queue.body as { items: unknown[] }).items).toContainEqual(
      expect.objectContaining({
        caseId: "n-1",
        village: VILLAGE_A,
        villageName: { zh: "龙鹄村", en: "Longhu Village" },
        shortId: "n-1".slice(0, 8),
      }),
    );
    await askForCorrection("n-1", step.stepId, {
      fields: ["building.heightM"],
      comment: "房屋高度超过规定，请核实 / the height is over the limit",
    });
    const correction = await call("villager-wang", "GET", "/cases/n-1/correction");
    expect(correction.body).toMatchObject({ fields: ["building.heightM"] });
    // Only the height may change: the floors are the household's as they were.
    const floors = await call("villager-wang", "POST", "/cases/n-1/correction", {
      application: { building: { floors: 3 } },
    });
    expect(floors.status).toBe(422);

    type Detail = {
      decisions: { decidedBy: { id: string; name?: string }; fields?: string[] }[];
      timeline: { action: string; actor: { id: string; name?: string } }[];
    };
    const detail = (await call("clerk-a", "GET", "/review/cases/n-1")).body as Detail;
    expect(detail.decisions).toContainEqual(
      expect.objectContaining({
        decidedBy: expect.objectContaining({ id: "village-officer-a", name: "赵志刚" }),
        fields: ["building.heightM"],
      }),
    );
    expect(detail.timeline).toContainEqual(
      expect.objectContaining({
        action: "requestCorrection",
        actor: expect.objectContaining({ id: "village-officer-a", name: "赵志刚" }),
      }),
    );
    // A villager's own events carry no name: it stays in the sealed application.
    expect(detail.timeline.find((event) => event.action === "create")?.actor.name).toBeUndefined();

    const history = await call("auditor", "GET", "/audit/cases/n-1/events");
    expect(history.status).toBe(200);
    expect(history.body).toMatchObject({
      township: { code: TOWNSHIP_A, name: { zh: "丹棱镇" } },
      village: { code: VILLAGE_A, name: { zh: "龙鹄村" } },
    });
  });
});

describe("villager correction round trip", () => {
  it("asks for fields, accepts only those, resubmits and resumes the workflow", async () => {
    const { executionArn, step } = await atVillageReview("c-1");
    await askForCorrection("c-1", step.stepId, {
      fields: ["head.phone"],
      documents: ["id_card"],
      comment: "电话号码无法接通 / the phone number does not answer",
    });

    const correction = await call("villager-wang", "GET", "/cases/c-1/correction");
    expect(correction.status).toBe(200);
    expect(correction.body).toMatchObject({
      fields: ["head.phone"],
      documents: ["id_card"],
      open: true,
      requests: [expect.objectContaining({ reason: expect.stringContaining("电话") })],
    });
    expect((await call("villager-li", "GET", "/cases/c-1/correction")).status).toBe(404);

    const tooMuch = await call("villager-wang", "POST", "/cases/c-1/correction", {
      application: { head: { phone: "13912345678" }, reason: "改了理由" },
    });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body).toMatchObject({ error: { details: { notRequested: ["reason"] } } });

    const invalid = await call("villager-wang", "POST", "/cases/c-1/correction", {
      application: { head: { phone: "12345" } },
    });
    expect(invalid.status).toBe(422);
    expect(JSON.stringify(invalid.body)).toContain("application.head.phone");

    // The asked document comes again, uploaded and confirmed after the request.
    await uploadDocument(await api.apiAs("villager-wang"), "c-1", {
      type: "id_card",
      bytes: Buffer.from("%PDF-1.4\n%%EOF\n"),
    });

    const done = await call("villager-wang", "POST", "/cases/c-1/correction", {
      application: { head: { phone: "13912345678" } },
      comment: "已更正",
    });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ caseStatus: "in_village_review", changedFields: ["head.phone"] });
    const record = await store.require("c-1");
    expect(record.application.head?.phone).toBe("13912345678");
    expect(record.resumeTo).toBeUndefined();
    // The workflow resumed: a second village review round opens.
    const again = await eventually(async () =>
      (await driver.steps("c-1")).find(
        (candidate) => candidate.step === "village_review" && candidate.round === 2,
      ),
    );
    expect(again.status).toBe("awaiting_response");
    expect(await decisionsReceived(executionArn)).toBe(2);
  });
});

describe("POST …/redrive", () => {
  it("re-sends a decision whose send was lost, exactly once", async () => {
    const { executionArn, step } = await atVillageReview("rd-1");
    // The first send goes to a dead endpoint: the decision is stored, not delivered.
    const deadSfn = unreachableSfn(env);
    const deps: ReviewDeps = driver.reviewDeps({
      sfn: deadSfn,
      retry: { attempts: 2, baseDelayMs: 10 },
    });
    const officer = VILLAGE_OFFICER_A;
    const lost = await decideStep(deps, officer, "rd-1", step.stepId, { outcome: "approved" });
    deadSfn.destroy();
    expect(lost.delivery.status).toBe("pending");
    expect(await decisionsReceived(executionArn)).toBe(0);
    expect((await store.require("rd-1")).status).toBe("awaiting_acceptance");

    expect((await call("clerk-b", "POST", decisionPath("rd-1", step.stepId, "redrive"))).status).toBe(404);
    const redriven = await call("head-a", "POST", decisionPath("rd-1", step.stepId, "redrive"));
    expect(redriven.status).toBe(200);
    expect(redriven.body).toMatchObject({ delivery: { status: "sent" } });
    const again = await call("head-a", "POST", decisionPath("rd-1", step.stepId, "redrive"));
    expect(again.status).toBe(409);

    await driver.openStep("rd-1", "township_acceptance");
    expect(await decisionsReceived(executionArn)).toBe(1);
  });

  it("re-sends when sentAt was lost after a send: the workflow moved on, so it is recorded as sent, never delivered twice", async () => {
    const { executionArn, step } = await atVillageReview("rd-2");
    expect(
      (await call("village-officer-a", "POST", decisionPath("rd-2", step.stepId), { outcome: "approved" }))
        .status,
    ).toBe(200);
    await driver.openStep("rd-2", "township_acceptance");
    await env.dynamodb.send(
      new UpdateCommand({
        TableName: env.cloud.endpoints.tableName,
        Key: stepKey("rd-2", step.stepId),
        UpdateExpression: "REMOVE sentAt, sendingUntil",
      }),
    );
    const redriven = await call("village-officer-a", "POST", decisionPath("rd-2", step.stepId, "redrive"));
    // The task is closed and the acceptance step opened after the decision: the workflow has it.
    expect(redriven.status).toBe(200);
    expect(redriven.body).toMatchObject({ delivery: { status: "sent" } });
    expect(await decisionsReceived(executionArn)).toBe(1);
  });
});

describe("a decision racing the step's time limit", () => {
  it("takes the escalation it did not see when it read the step out of the township head's queue", async () => {
    await seedCaseRecord("r-esc");
    const step = jointStep("r-esc", "agriculture");
    await seedStep(step);
    const tableName = env.cloud.endpoints.tableName;
    // The case store's client lets the time limit run out (MarkOverdue, as the workflow runs it) just
    // before the decision's first transaction: after decideStep read the step, not overdue.
    const raw = new DynamoDBClient({
      region: env.cloud.endpoints.region,
      credentials: env.cloud.endpoints.credentials,
      endpoint: env.cloud.endpoints.dynamodb,
    });
    let timerFired = false;
    raw.middlewareStack.add(
      (next, context) => async (args) => {
        if (!timerFired && context.commandName === "TransactWriteItemsCommand") {
          timerFired = true;
          const overdue = await markOverdue(
            { client: env.dynamodb, tableName, now: () => new Date() },
            { caseId: "r-esc", step: "joint_review", department: "agriculture", round: 1 },
          );
          expect(overdue.escalated).toBe(true);
        }
        return next(args);
      },
      { step: "initialize" },
    );
    const racing = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
    const reviewer: Actor = {
      id: "reviewer-agriculture-a",
      name: "刘洋",
      role: "department_reviewer",
      department: "agriculture",
      townships: [TOWNSHIP_A],
    };
    await decideStep(
      {
        client: env.dynamodb,
        tableName,
        cases: new CaseStore(racing, tableName),
        sfn: env.sfn,
        now: () => new Date(),
        retry: { attempts: 1, baseDelayMs: 10 },
        reopenWait: { attempts: 1, delayMs: 10 },
      },
      reviewer,
      "r-esc",
      step.stepId,
      { outcome: "approved" },
    );
    racing.destroy();
    expect(timerFired).toBe(true);
    const escalation = await env.dynamodb.send(
      new GetCommand({
        TableName: tableName,
        Key: escalationKey("r-esc", step.stepId),
        ConsistentRead: true,
      }),
    );
    expect(escalation.Item).toBeUndefined();
    const escalations = await call("head-a", "GET", `/queues/escalations?township=${TOWNSHIP_A}`);
    expect((escalations.body.items as { caseId: string }[]).map((item) => item.caseId)).not.toContain(
      "r-esc",
    );
  });
});

describe("a stored decision the workflow did not get, when the step's time limit runs out", () => {
  it("keeps the run alive, and the reopened step answers itself with the stored decision", async () => {
    // test-late: the village review times out after 50 hours, ~2 s at this wait scale.
    await driver.seedCase({ ...homesteadCase("rd-late"), policyId: "test-late" });
    const executionArn = await driver.start("rd-late");
    const step = await driver.openStep("rd-late", "village_review");
    const deadSfn = unreachableSfn(env);
    const officer = VILLAGE_OFFICER_A;
    const lost = await decideStep(
      driver.reviewDeps({
        sfn: deadSfn,
        retry: { attempts: 1, baseDelayMs: 10 },
      }),
      officer,
      "rd-late",
      step.stepId,
      { outcome: "approved" },
    );
    deadSfn.destroy();
    expect(lost.delivery.status).toBe("pending");

    // The limit runs out: the workflow chases the step (reopens it overdue) instead of failing the run.
    const states = await eventually(async () => {
      const history = await env.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
      const entered = (history.events ?? []).flatMap((event) => event.stateEnteredEventDetails?.name ?? []);
      return entered.includes("VillageReviewOverdue") || entered.includes("RecordFailure")
        ? entered
        : undefined;
    }, 30_000);
    expect(states).not.toContain("RecordFailure");

    // The reopened step finds its decision and answers its own new token: nobody has to redrive.
    await driver.openStep("rd-late", "township_acceptance");
    const redriven = await call("village-officer-a", "POST", decisionPath("rd-late", step.stepId, "redrive"));
    expect(redriven.status).toBe(409);
    expect(redriven.body).toMatchObject({ error: { code: "delivery_not_needed" } });
  });
});

describe("task tokens", () => {
  it("never appear in any response body of this file", async () => {
    const stored: string[] = [];
    for (const caseId of caseIds) {
      const { Items } = await env.dynamodb.send(
        new QueryCommand({
          TableName: env.cloud.endpoints.tableName,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :token)",
          ExpressionAttributeValues: { ":pk": caseKey(caseId).pk, ":token": "TOKEN#" },
        }),
      );
      for (const item of Items ?? []) stored.push(String(item.taskToken));
    }
    expect(stored.length).toBeGreaterThan(3);
    expect(bodies.length).toBeGreaterThan(20);
    for (const body of bodies) {
      expect(body).not.toMatch(/taskToken/i);
      for (const token of stored) expect(body.includes(token)).toBe(false);
    }
    // Sanity: the TOKEN items are still there (reading them is the only way to a token).
    const one = await env.dynamodb.send(
      new GetCommand({ TableName: env.cloud.endpoints.tableName, Key: caseKey("r-race") }),
    );
    expect(one.Item).toBeDefined();
  });
});
