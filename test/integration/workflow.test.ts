import { DescribeExecutionCommand, GetExecutionHistoryCommand } from "@aws-sdk/client-sfn";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Actor } from "#shared/auth/actor.ts";
import { rectangle } from "#shared/reference/geometry.ts";
import type { ApplicationComplete } from "#shared/schemas/application.ts";
import { queuePartition } from "#shared/store/keys.ts";
import { listIncidents, recoverIncident } from "#shared/workflow/operator.ts";
import { idNumber } from "../support/fixtures.ts";
import { registerHouseholdLike } from "../support/households.ts";
import { eventually, startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { operatorDeps } from "../support/operator.ts";
import { demoHouseholdCase, type SeededCase, TEST_WAIT_SCALE, WorkflowDriver } from "../support/workflow.ts";

// Fast county policies for the Lambdas the local cloud runs in this process (see withTestPolicies).
vi.mock("#shared/domain/policy/shipped-policies.ts", async (importOriginal) => {
  const { withTestPolicies } = await import("../support/policies.ts");
  return withTestPolicies(await importOriginal());
});

let env: TestCloud;
let driver: WorkflowDriver;
beforeAll(async () => {
  env = await startTestCloud({ waitScale: TEST_WAIT_SCALE });
  driver = new WorkflowDriver(env);
});
afterAll(async () => {
  await env?.stop();
});

/** Household 511424100001-H0001 of the demo reference set: 3 members, old plot to be returned. */
function homesteadCase(caseId: string, overrides: Partial<SeededCase> = {}): SeededCase {
  const seeded = demoHouseholdCase(caseId);
  return {
    ...seeded,
    application: {
      ...seeded.application,
      // The household returns the plot it lives on (so the plot an earlier case here completed is not a second one).
      currentHomestead: { areaM2: 110, houseFloorAreaM2: 150, oldPlotDisposition: "return" },
    },
    ...overrides,
  };
}

/** A plot whose north edge lies on the forest parcel P-511424100001-04. */
function touchingForest(application: ApplicationComplete): ApplicationComplete {
  const [w, s, e, n] = [103.5015, 30.0025, 103.5025, 30.003];
  return {
    ...application,
    proposedPlot: {
      ...application.proposedPlot,
      location: rectangle(w, s, e, n),
    },
  };
}

async function statesEntered(executionArn: string): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await env.sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken }));
    names.push(...(page.events ?? []).flatMap((event) => event.stateEnteredEventDetails?.name ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return names;
}

/** Drives a fresh case through village review and acceptance to the joint review. */
async function toJointReview(seed: SeededCase): Promise<string> {
  await driver.seedCase(seed);
  const executionArn = await driver.start(seed.caseId);
  await driver.decideNext(seed.caseId, "village_review", "approved");
  await driver.decideNext(seed.caseId, "township_acceptance", "approved");
  return executionArn;
}

/** The township head of the demo township: the operator of its incidents. */
const HEAD: Actor = {
  id: "head-511424100",
  name: "Township head",
  role: "township_head",
  townships: ["511424100"],
};

const CORE_DEPARTMENTS = ["agriculture", "natural_resources", "housing_construction"];

describe("approval workflow on the local cloud", () => {
  it("takes a homestead case from submission to completion with one status change per step", async () => {
    const caseId = "wf-happy";
    const executionArn = await toJointReview(homesteadCase(caseId));
    for (const department of CORE_DEPARTMENTS) {
      await driver.decideNext(caseId, "joint_review", "approved", department);
    }
    await driver.decideNext(caseId, "township_approval", "approved");
    await driver.decideNext(caseId, "site_visit_staking", "approved");
    // Staked out: the approval run hands over to the construction period's first phase run.
    const execution = await driver.finished(executionArn);
    expect(execution.status).toBe("SUCCEEDED");
    expect(await statesEntered(executionArn)).toContain("Building");
    await driver.decideNext(caseId, "completion_report", "approved");
    await driver.decideNext(caseId, "site_visit_completion", "approved");
    const phaseRun = (await driver.store.require(caseId)).executionArn ?? "";
    expect(phaseRun).toMatch(/:wf-happy-construction-1$/);
    expect((await driver.finished(phaseRun)).status).toBe("SUCCEEDED");
    expect(await statesEntered(phaseRun)).toContain("Completed");
    const output = JSON.parse(execution.output ?? "{}") as { certificates?: { type: string }[] };
    expect(output.certificates?.map((certificate) => certificate.type).sort()).toEqual([
      "homestead_approval_certificate",
      "rural_construction_planning_permit",
    ]);

    const { record, events, steps } = await driver.store.load(caseId);
    expect(record.status).toBe("completed");
    expect(record.departments).toEqual(CORE_DEPARTMENTS);
    expect(events.flatMap((event) => event.toStatus ?? [])).toEqual([
      "draft",
      "submitted",
      "prechecked",
      "in_public_notice",
      "in_village_review",
      "awaiting_acceptance",
      "accepted",
      "in_joint_review",
      "awaiting_decision",
      "approved",
      "staked_out",
      "completion_reported",
      "completed",
    ]);
    expect(
      events.filter((event) => event.action === "consult").map((event) => event.data?.department),
    ).toEqual(expect.arrayContaining(CORE_DEPARTMENTS));
    expect(steps.every((step) => step.status === "responded" && !step.overdue)).toBe(true);
    expect(steps.map((step) => step.stepId).sort()).toEqual(
      [
        "village_review#1",
        "township_acceptance#1",
        ...CORE_DEPARTMENTS.map((department) => `joint_review#${department}#1`),
        "township_approval#1",
        "site_visit_staking#1",
        "completion_report#1",
        "site_visit_completion#1",
      ].sort(),
    );
  });

  it("returns a case the pre-check blocks, with its findings for the villager", async () => {
    // 511424100001-H0002 keeps its old plot: a new one breaks one household, one homestead.
    const caseId = "wf-blocked";
    const seed = homesteadCase(caseId, { householdId: "511424100001-H0002" });
    await driver.seedCase({
      ...seed,
      application: {
        ...seed.application,
        currentHomestead: { areaM2: 95, houseFloorAreaM2: 120, oldPlotDisposition: "keep" },
      },
    });
    const execution = await driver.finished(await driver.start(caseId));
    expect(execution.status).toBe("SUCCEEDED");
    expect(await statesEntered(execution.executionArn ?? "")).toContain("Returned");

    const record = await driver.store.require(caseId);
    expect(record.status).toBe("returned");
    expect(record.precheck?.blocked).toBe(true);
    expect(record.precheck?.findings).toContainEqual(
      expect.objectContaining({ ruleId: "one-household-one-homestead", severity: "block" }),
    );
    expect(await driver.steps(caseId)).toEqual([]);
  });

  it("consults forestry in the joint review when the plot touches forest land", async () => {
    const caseId = "wf-forest";
    const seed = homesteadCase(caseId);
    await toJointReview({ ...seed, application: touchingForest(seed.application) });
    const departments = await eventually(async () => {
      const open = (await driver.steps(caseId)).filter((step) => step.step === "joint_review");
      return open.length === 4 ? open.map((step) => step.department).sort() : undefined;
    });
    expect(departments).toEqual([...CORE_DEPARTMENTS, "forestry"].sort());
    expect((await driver.store.require(caseId)).precheck?.flags.touchesForestLand).toBe(true);
  });

  it("after a joint-review correction asks only the departments that requested it again", async () => {
    const caseId = "wf-correction";
    await toJointReview(homesteadCase(caseId));
    await driver.decideNext(caseId, "joint_review", "approved", "agriculture");
    await driver.decideNext(caseId, "joint_review", "correction_requested", "natural_resources");
    await driver.decideNext(caseId, "joint_review", "approved", "housing_construction");

    const correction = await driver.openStep(caseId, "correction");
    const paused = await driver.store.require(caseId);
    expect(paused).toMatchObject({ status: "correction_requested", resumeTo: "in_joint_review" });
    await driver.decide(correction, "approved");

    const roundTwo = await driver.openStep(caseId, "joint_review", "natural_resources");
    expect(roundTwo.stepId).toBe("joint_review#natural_resources#2");
    expect((await driver.store.require(caseId)).status).toBe("in_joint_review");
    await driver.decide(roundTwo, "approved");

    await driver.openStep(caseId, "township_approval");
    expect((await driver.store.require(caseId)).status).toBe("awaiting_decision");
    const jointSteps = (await driver.steps(caseId)).filter((step) => step.step === "joint_review");
    expect(jointSteps.filter((step) => step.round === 2).map((step) => step.department)).toEqual([
      "natural_resources",
    ]);
  });

  it("rejects the case when one consulted department rejects", async () => {
    const caseId = "wf-dept-reject";
    const executionArn = await toJointReview(homesteadCase(caseId));
    await driver.decideNext(caseId, "joint_review", "approved", "agriculture");
    await driver.decideNext(caseId, "joint_review", "rejected", "natural_resources");
    await driver.decideNext(caseId, "joint_review", "approved", "housing_construction");

    const execution = await driver.finished(executionArn);
    expect(execution.status).toBe("SUCCEEDED");
    expect(await statesEntered(executionArn)).toContain("Rejected");
    const { record, events } = await driver.store.load(caseId);
    expect(record.status).toBe("rejected");
    expect(events.slice(-2).map((event) => event.action)).toEqual(["completeJointReview", "reject"]);
  });

  it("marks a step overdue and escalates it when its limit passes, keeps it open, and moves on once decided", async () => {
    const caseId = "wf-late";
    const executionArn = await driver.start(
      (await driver.seedCase(homesteadCase(caseId, { policyId: "test-late" }))).caseId,
    );
    const first = await driver.openStep(caseId, "village_review");
    const firstToken = await driver.token(caseId, first.stepId);

    const overdue = await eventually(async () => {
      const step = (await driver.steps(caseId)).find((candidate) => candidate.stepId === first.stepId);
      return step?.overdue ? step : undefined;
    });
    expect(overdue).toMatchObject({ status: "awaiting_response", deadline: first.deadline });
    const { Items: escalations = [] } = await env.dynamodb.send(
      new QueryCommand({
        TableName: env.cloud.endpoints.tableName,
        IndexName: "byQueue",
        KeyConditionExpression: "gsi1pk = :queue",
        ExpressionAttributeValues: { ":queue": queuePartition("township_head", "511424100") },
      }),
    );
    expect(escalations).toContainEqual(
      expect.objectContaining({ type: "escalation", caseId, stepId: first.stepId }),
    );
    const { events } = await driver.store.load(caseId);
    expect(events.at(-1)).toMatchObject({
      action: "escalate",
      data: expect.objectContaining({ stepId: first.stepId }),
    });

    // The step is reopened with a new token and no timeout: it waits for its reviewer.
    await eventually(async () => {
      const token = await driver.token(caseId, first.stepId);
      return token && token !== firstToken ? token : undefined;
    });
    expect(await statesEntered(executionArn)).toContain("VillageReviewOverdue");
    const late = await driver.openStep(caseId, "village_review");
    expect(late).toMatchObject({ stepId: first.stepId, overdue: true });
    await driver.decide(late, "approved");
    await driver.openStep(caseId, "township_acceptance");
    expect((await driver.store.require(caseId)).status).toBe("awaiting_acceptance");
  });

  it("reminds a waiting step every interval without moving its deadline, then escalates it and keeps reminding", async () => {
    // test-remind: the village review's limit is 50 hours, the reminder interval 10 hours.
    const caseId = "wf-remind";
    const executionArn = await driver.start(
      (await driver.seedCase(homesteadCase(caseId, { policyId: "test-remind" }))).caseId,
    );
    const first = await driver.openStep(caseId, "village_review");
    const remindedWhileOverdue = await eventually(async () => {
      const { events } = await driver.store.load(caseId);
      return events.some((event) => event.action === "remind" && event.data?.overdue === true)
        ? events
        : undefined;
    }, 30_000);
    // Reminded at 10, 20, 30 and 40 hours; the last 10 hours wait without a heartbeat; then escalated.
    const chased = remindedWhileOverdue
      .filter((event) => event.action === "remind" || event.action === "escalate")
      .map((event) => (event.action === "remind" ? `remind#${String(event.data?.reminders)}` : "escalate"));
    expect(chased.slice(0, 6)).toEqual([
      "remind#1",
      "remind#2",
      "remind#3",
      "remind#4",
      "escalate",
      "remind#5",
    ]);
    expect(remindedWhileOverdue.find((event) => event.action === "remind")?.data).toMatchObject({
      stepId: first.stepId,
      deadline: first.deadline,
      overdue: false,
    });
    const step = (await driver.steps(caseId)).find((candidate) => candidate.stepId === first.stepId);
    expect(step).toMatchObject({ status: "awaiting_response", overdue: true, deadline: first.deadline });
    expect(step?.reminders).toBeGreaterThanOrEqual(5);
    const entered = await statesEntered(executionArn);
    expect(entered).toEqual(
      expect.arrayContaining(["VillageReviewRemind", "VillageReviewLastWait", "VillageReviewRemindOverdue"]),
    );

    // Decided at last: the case moves on, and nobody reminds a decided step.
    const late = await driver.openStep(caseId, "village_review");
    await driver.decide(late, "approved");
    await driver.openStep(caseId, "township_acceptance");
    expect((await driver.store.require(caseId)).status).toBe("awaiting_acceptance");
  });

  it("puts a task that keeps failing in the operator view, keeps the run alive, and the operator's retry runs it again", async () => {
    // A household missing from the register: the pre-check cannot gather its facts (a final error).
    const caseId = "wf-failure";
    const householdId = "511424100001-H9999";
    // People of their own: an earlier case here completed with the fixture's head, and one head
    // holding a homestead in another household is blocked by the pre-check (一户一宅).
    const seeded = homesteadCase(caseId, { householdId });
    const application = {
      ...seeded.application,
      head: { ...seeded.application.head, idNumber: idNumber("511424", "19750505", "321") },
      members: seeded.application.members.map((member, index) => ({
        ...member,
        idNumber: idNumber("511424", `1990060${index + 1}`, "432"),
      })),
    };
    await driver.seedCase({ ...seeded, application });
    const executionArn = await driver.start(caseId);

    const operators = operatorDeps(env);
    const listed = await eventually(async () => {
      const page = await listIncidents(operators, HEAD, { limit: 50 });
      return page.items.find((item) => item.caseId === caseId);
    });
    expect(listed).toMatchObject({
      kind: "task_failed",
      action: "retry",
      state: "Precheck",
      error: "ReferenceDataMissingError",
      shortNumber: caseId.slice(0, 8),
      townshipCode: "511424100",
    });
    expect(listed.cause.zh).toContain("Precheck");
    expect(JSON.stringify(listed)).not.toContain("taskToken");
    // Not a dead end: the run waits for the operator.
    expect((await env.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe("RUNNING");
    const { record, events } = await driver.store.load(caseId);
    expect(record.failure?.error).toBe("ReferenceDataMissingError");
    expect(record.incidents).toEqual([listed.incidentId]);
    expect(events.at(-1)).toMatchObject({
      action: "openIncident",
      data: expect.objectContaining({
        kind: "task_failed",
        error: "ReferenceDataMissingError",
        state: "Precheck",
      }),
    });

    // The data is put right (the household registered), then the operator retries.
    await registerHouseholdLike(
      env.dynamodb,
      env.cloud.endpoints.tableName,
      householdId,
      "511424100001-H0001",
    );
    const recovered = await recoverIncident(operators, HEAD, caseId, listed.incidentId);
    expect(recovered).toMatchObject({ action: "retry", closed: true });
    await driver.openStep(caseId, "village_review");
    const after = await driver.store.load(caseId);
    expect(after.record.incidents).toEqual([]);
    expect(after.events.map((event) => event.action)).toContain("closeIncident");
    expect(
      (await listIncidents(operators, HEAD, { limit: 50 })).items.map((item) => item.caseId),
    ).not.toContain(caseId);
    expect(await statesEntered(executionArn)).toEqual(
      expect.arrayContaining([
        "Precheck",
        "PrecheckFailed",
        "RecoverFailedTask",
        "PublicNotice",
        "VillageReview",
      ]),
    );
  });
});
