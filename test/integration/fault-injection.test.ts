/**
 * Issue #11, "Done when" #1: faults injected where the calls happen — the
 * local cloud's Lambda invoker (Sandbox.Timedout, Lambda.ServiceException,
 * throttling, before the handler ran or after it ran and its answer was
 * lost) and the DynamoDB and Step Functions fronts (throttling, 5xx,
 * connection resets) — through infra/local/faults.ts, never a switch in the
 * handlers. Every case still completes, or lands in the operator view with a
 * recovery that works; nothing is done twice or half.
 */
import { DescribeExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { LambdaFault, LocalFaults, ServiceFault } from "#infra/local/faults.ts";
import type { Actor } from "#shared/auth/actor.ts";
import { getMyCase } from "#shared/cases/villager.ts";
import { withdrawCase } from "#shared/cases/withdraw.ts";
import { verifyChain } from "#shared/domain/audit-chain.ts";
import { SICHUAN_DEFAULT_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import { decideStep, type ReviewDeps } from "#shared/review/decide.ts";
import type { StepKind } from "#shared/schemas/case.ts";
import { StepStore } from "#shared/store/step-store.ts";
import { sweepUndeliveredDecisions } from "#shared/workflow/delivery-sweep.ts";
import { openIncident } from "#shared/workflow/incidents.ts";
import { listIncidents, recoverIncident } from "#shared/workflow/operator.ts";
import { restartRun } from "#shared/workflow/restart.ts";
import { idNumber } from "../support/fixtures.ts";
import { registerHouseholdLike } from "../support/households.ts";
import { eventually, startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { HEAD_A, operatorDeps, villagerActor } from "../support/operator.ts";
import { demoHouseholdCase, type SeededCase, TEST_WAIT_SCALE, WorkflowDriver } from "../support/workflow.ts";

vi.mock("#shared/domain/policy/shipped-policies.ts", async (importOriginal) => {
  const { withTestPolicies } = await import("../support/policies.ts");
  return withTestPolicies(await importOriginal());
});

/**
 * Faults armed by the tests, consumed in order, recorded when they fire.
 * Disarmed while the cloud starts (seeding) and between tests.
 */
const describeFault = (fault: LambdaFault) =>
  fault.when === "held" ? "held" : `${fault.when} ${fault.error}`;

class FaultPlan {
  private readonly lambdaFaults = new Map<string, LambdaFault[]>();
  /** Faults for the invocations of one entry whose payload matches, consumed in order. */
  private readonly matchedFaults: {
    entry: string;
    match: (payload: unknown) => boolean;
    fault: LambdaFault;
  }[] = [];
  private readonly serviceFaults = new Map<string, ServiceFault[]>();
  readonly fired: string[] = [];

  armLambda(entry: string, ...faults: LambdaFault[]): void {
    this.lambdaFaults.set(entry, [...(this.lambdaFaults.get(entry) ?? []), ...faults]);
  }

  armLambdaWhen(entry: string, match: (payload: unknown) => boolean, ...faults: LambdaFault[]): void {
    for (const fault of faults) this.matchedFaults.push({ entry, match, fault });
  }

  armService(service: "dynamodb" | "stepfunctions", operation: string, ...faults: ServiceFault[]): void {
    const key = `${service}:${operation}`;
    this.serviceFaults.set(key, [...(this.serviceFaults.get(key) ?? []), ...faults]);
  }

  /** Drops what a test armed and did not fire, so a failed test's faults never reach the next one. */
  disarm(): void {
    this.lambdaFaults.clear();
    this.serviceFaults.clear();
    this.matchedFaults.length = 0;
  }

  /** Faults armed but not fired yet. */
  pending(): string[] {
    return [
      ...[...this.lambdaFaults].flatMap(([entry, faults]) =>
        faults.map((f) => `${entry} ${describeFault(f)}`),
      ),
      ...this.matchedFaults.map(({ entry, fault }) => `${entry} ${describeFault(fault)}`),
      ...[...this.serviceFaults].flatMap(([key, faults]) => faults.map((f) => `${key} ${f}`)),
    ];
  }

  readonly hooks: LocalFaults = {
    lambda: (call) => {
      const matched = this.matchedFaults.findIndex(
        ({ entry, match }) => entry === call.entry && match(call.payload),
      );
      const fault =
        matched >= 0
          ? this.matchedFaults.splice(matched, 1)[0]?.fault
          : this.lambdaFaults.get(call.entry)?.shift();
      if (fault) this.fired.push(`${call.entry} ${describeFault(fault)}`);
      return fault;
    },
    service: (call) => {
      const key = `${call.service}:${call.operation}`;
      const fault = this.serviceFaults.get(key)?.shift();
      if (fault) this.fired.push(`${key} ${fault}`);
      return fault;
    },
  };
}

const plan = new FaultPlan();
let env: TestCloud;
let driver: WorkflowDriver;
beforeAll(async () => {
  env = await startTestCloud({ waitScale: TEST_WAIT_SCALE, faults: plan.hooks });
  driver = new WorkflowDriver(env);
  // A whole local cloud on a small shared machine: its start can take minutes under load.
}, 300_000);
afterEach(() => plan.disarm());
afterAll(async () => {
  await env?.stop();
});

const TOWNSHIP = "511424100";
const HEAD = HEAD_A;
const HOUSEHOLD = "511424100001-H0001";
const VILLAGER = villagerActor("v", HOUSEHOLD);
const DEPARTMENTS = ["agriculture", "natural_resources", "housing_construction"] as const;

const TASKS = {
  precheck: "functions/workflow/precheck.ts",
  openStep: "functions/workflow/open-step.ts",
  aggregate: "functions/workflow/aggregate-joint-review.ts",
  issueCertificates: "functions/workflow/issue-certificates.ts",
  recordFailure: "functions/workflow/record-failure.ts",
} as const;

/** The household member who owns the case (each case has its own household here). */
async function villagerOf(caseId: string): Promise<Actor> {
  return { ...VILLAGER, householdId: (await driver.store.require(caseId)).householdId };
}

let households = 0;

/**
 * Each case its own household and head (a copy of H0001's register entries, a head ID number of its
 * own): one household, one homestead — a case approved earlier in this file would otherwise block the
 * next one at the pre-check.
 */
async function seed(caseId: string): Promise<SeededCase> {
  households += 1;
  const householdId = `511424100001-F${String(households).padStart(4, "0")}`;
  await registerHouseholdLike(env.dynamodb, env.cloud.endpoints.tableName, householdId, HOUSEHOLD);
  const seeded = demoHouseholdCase(caseId, { householdId });
  const { application } = seeded;
  return {
    ...seeded,
    application: {
      ...application,
      head: {
        ...application.head,
        idNumber: idNumber("511424", `198001${String(households).padStart(2, "0")}`, "123"),
      },
    },
  };
}

async function incidentOf(caseId: string) {
  return (await listIncidents(operatorDeps(env), HEAD, { limit: 200 })).items.find(
    (item) => item.caseId === caseId,
  );
}

/** Starts the case's run and records it on the case, as submit does. */
async function submitted(caseId: string): Promise<string> {
  await driver.seedCase(await seed(caseId));
  return driver.startRecorded(caseId);
}

/** The procedure's human steps in order: village review to completion inspection. */
const PROCEDURE: readonly (readonly [StepKind, string?])[] = [
  ["village_review"],
  ["township_acceptance"],
  ...DEPARTMENTS.map((department) => ["joint_review", department] as const),
  ["township_approval"],
  ["site_visit_staking"],
  ["completion_report"],
  ["site_visit_completion"],
];

/** Approves every step from `first` (a kind, or a joint-review department) to the completion inspection. */
async function decideFrom(caseId: string, first: StepKind | (typeof DEPARTMENTS)[number]): Promise<void> {
  const start = PROCEDURE.findIndex(([step, department]) => step === first || department === first);
  for (const [step, department] of PROCEDURE.slice(start))
    await driver.decideNext(caseId, step, "approved", department);
}

/**
 * Village review, acceptance, the three departments, approval, staking-out, the household's completion
 * report (the construction period), completion inspection.
 */
const decideAll = (caseId: string) => decideFrom(caseId, "village_review");

/** Nothing done twice or half: one transition of each kind, one step per kind and round, an intact chain. */
async function expectCompletedOnce(caseId: string): Promise<void> {
  const { record, steps, events } = await driver.store.load(caseId);
  expect(record.status).toBe("completed");
  expect(record.certificates?.map((certificate) => certificate.type).sort()).toEqual([
    "homestead_approval_certificate",
    "rural_construction_planning_permit",
  ]);
  expect(record.incidents ?? []).toEqual([]);
  const actions = events.map((event) => event.action);
  for (const once of ["completePrecheck", "startPublicNotice", "startVillageReview", "startJointReview"]) {
    expect(
      actions.filter((action) => action === once),
      once,
    ).toHaveLength(1);
  }
  expect(actions.filter((action) => action === "consult")).toHaveLength(DEPARTMENTS.length);
  expect(steps.map((step) => step.stepId).sort()).toEqual(
    [
      "village_review#1",
      "township_acceptance#1",
      ...DEPARTMENTS.map((department) => `joint_review#${department}#1`),
      "township_approval#1",
      "site_visit_staking#1",
      "completion_report#1",
      "site_visit_completion#1",
    ].sort(),
  );
  expect(verifyChain(events, { seq: record.eventSeq, hash: record.eventHead })).toEqual({ valid: true });
}

describe("fault injection (local cloud)", () => {
  it("completes a case when every workflow task fails once before and once after its handler ran, and DynamoDB throttles, errs and resets", async () => {
    for (const entry of [TASKS.precheck, TASKS.openStep, TASKS.aggregate, TASKS.issueCertificates]) {
      plan.armLambda(
        entry,
        { when: "before", error: "Sandbox.Timedout" },
        { when: "after", error: "Lambda.ServiceException" },
        { when: "before", error: "Lambda.TooManyRequestsException" },
      );
    }
    // The SDK in the tasks (and the driver) retries these; each is a call on the way of the case.
    plan.armService("dynamodb", "TransactWriteItems", "throttle", "server-error", "reset");
    plan.armService("dynamodb", "Query", "unavailable", "reset");
    plan.armService("dynamodb", "GetItem", "throttle");
    plan.armService("stepfunctions", "SendTaskSuccess", "server-error", "throttle");

    const caseId = "fault-tasks";
    const executionArn = await submitted(caseId);
    await decideAll(caseId);
    const execution = await driver.finished(executionArn);
    expect(execution.status).toBe("SUCCEEDED");
    expect(plan.pending()).toEqual([]);
    expect(plan.fired).toEqual(
      expect.arrayContaining([`${TASKS.issueCertificates} after Lambda.ServiceException`]),
    );
    await expectCompletedOnce(caseId);
  });

  it("puts a task that fails past its retries in the operator view; the operator's retry completes the case", async () => {
    const caseId = "fault-exhausted";
    // One attempt and eight retries, all failing: the operator loop takes it.
    plan.armLambda(
      TASKS.issueCertificates,
      ...Array.from({ length: 9 }, () => ({ when: "before" as const, error: "Sandbox.Timedout" as const })),
    );
    const executionArn = await submitted(caseId);
    await driver.decideNext(caseId, "village_review", "approved");
    await driver.decideNext(caseId, "township_acceptance", "approved");
    for (const department of DEPARTMENTS)
      await driver.decideNext(caseId, "joint_review", "approved", department);
    await driver.decideNext(caseId, "township_approval", "approved");

    const incident = await eventually(() => incidentOf(caseId));
    expect(incident).toMatchObject({ kind: "task_failed", action: "retry", state: "IssueCertificates" });
    expect(incident.cause.en).toContain("took too long");
    expect(plan.pending()).toEqual([]);
    expect((await env.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe("RUNNING");

    await recoverIncident(operatorDeps(env), HEAD, caseId, incident.incidentId);
    await decideFrom(caseId, "site_visit_staking");
    expect((await driver.finished(executionArn)).status).toBe("SUCCEEDED");
    await expectCompletedOnce(caseId);
  });

  it("an execution that failed outside the operator loop becomes a redrive incident; redrive re-runs the failed state and the case completes", async () => {
    const caseId = "fault-redrive";
    // The pre-check fails past its retries, and so does its operator loop's own task: the run FAILS.
    const spent = () =>
      Array.from({ length: 9 }, () => ({ when: "before" as const, error: "Sandbox.Timedout" as const }));
    plan.armLambda(TASKS.precheck, ...spent());
    plan.armLambda(TASKS.recordFailure, ...spent());
    const executionArn = await submitted(caseId);
    expect((await driver.finished(executionArn)).status).toBe("FAILED");

    // The status-change rule (EventBridge) brought the failure to the operator view.
    const incident = await eventually(() => incidentOf(caseId));
    expect(incident).toMatchObject({ kind: "execution_failed", action: "redrive" });
    expect(plan.pending()).toEqual([]);
    await recoverIncident(operatorDeps(env), HEAD, caseId, incident.incidentId);

    // Redriven from the failed state (PrecheckFailed): it records the task failure and waits for the operator.
    const taskIncident = await eventually(async () => {
      const open = await incidentOf(caseId);
      return open?.kind === "task_failed" ? open : undefined;
    });
    expect(taskIncident).toMatchObject({ state: "Precheck", action: "retry" });
    await recoverIncident(operatorDeps(env), HEAD, caseId, taskIncident.incidentId);
    await decideAll(caseId);
    expect((await driver.finished(executionArn)).status).toBe("SUCCEEDED");
    await expectCompletedOnce(caseId);
  });

  it("a decision whose send keeps failing lands in the operator view, the household is not promised the next step, and redeliver resumes the case", async () => {
    const caseId = "fault-decide";
    const executionArn = await submitted(caseId);
    const step = await driver.openStep(caseId, "village_review");
    // The decide path: the commit throttled once (the SDK retries), then each of the three sends fails.
    plan.armService("dynamodb", "TransactWriteItems", "throttle");
    plan.armService("stepfunctions", "SendTaskSuccess", "reset", "server-error", "throttle");
    const { region, credentials, stepFunctions } = env.cloud.endpoints;
    // As in production (shared/clients.ts sfnSendOnceClient): the delivery code retries, the SDK sends once.
    const sfn = new SFNClient({ region, credentials, endpoint: stepFunctions, maxAttempts: 1 });
    const deps: ReviewDeps = driver.reviewDeps({
      sfn,
      retry: { attempts: 3, baseDelayMs: 1 },
      reopenWait: { attempts: 1, delayMs: 1 },
    });
    const officer: Actor = { id: "vo", name: "Officer", role: "village_officer", townships: [TOWNSHIP] };
    try {
      const decided = await decideStep(deps, officer, caseId, step.stepId, { outcome: "approved" });
      expect(decided.delivery.status).toBe("pending");
    } finally {
      sfn.destroy();
    }
    expect(plan.pending()).toEqual([]);
    const view = await getMyCase(
      { store: driver.store, policy: SICHUAN_DEFAULT_POLICY, sfn: env.sfn },
      await villagerOf(caseId),
      caseId,
    );
    expect(view.status).toBe("awaiting_acceptance");
    expect(view.expected.action).toBe("problem_known");
    const incident = await eventually(() => incidentOf(caseId));
    expect(incident).toMatchObject({
      kind: "undelivered_decision",
      action: "redeliver",
      stepId: step.stepId,
    });

    await recoverIncident(operatorDeps(env), HEAD, caseId, incident.incidentId);
    expect(await incidentOf(caseId)).toBeUndefined();
    await driver.openStep(caseId, "township_acceptance");
    expect((await env.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe("RUNNING");
  });

  it("a step decided between a failed opening and its retry is answered by the retry, not opened again", async () => {
    const caseId = "fault-reopened";
    // The approval step's opening stores its token and the step shows, then its answer is lost; the retry
    // waits until the head has decided with the first attempt's (now closed) token.
    const { promise: decided, resolve: releaseRetry } = Promise.withResolvers<void>();
    const approvalOpening = (payload: unknown) =>
      JSON.stringify(payload).includes('"step":"township_approval"');
    plan.armLambdaWhen(
      TASKS.openStep,
      approvalOpening,
      { when: "after", error: "Sandbox.Timedout" },
      { when: "held", until: decided },
    );
    const executionArn = await submitted(caseId);
    await driver.decideNext(caseId, "village_review", "approved");
    await driver.decideNext(caseId, "township_acceptance", "approved");
    for (const department of DEPARTMENTS)
      await driver.decideNext(caseId, "joint_review", "approved", department);
    const step = await driver.openStep(caseId, "township_approval");
    const deps: ReviewDeps = driver.reviewDeps({
      reopenWait: { attempts: 1, delayMs: 1 },
    });
    try {
      const answer = await decideStep(deps, HEAD, caseId, step.stepId, { outcome: "approved" });
      // The first attempt's token is closed: not delivered yet, and the operator view says so.
      expect(answer.delivery).toEqual({ status: "pending", reason: "TaskTimedOut" });
    } finally {
      releaseRetry();
    }
    // The retried opening finds its step decided and answers its own token: no second approval step.
    await decideFrom(caseId, "site_visit_staking");
    expect((await driver.finished(executionArn)).status).toBe("SUCCEEDED");
    expect(plan.pending()).toEqual([]);
    await expectCompletedOnce(caseId);
  });

  it("a decision whose deciding call died between its commit and its send is sent by the delivery sweep", async () => {
    const caseId = "fault-died";
    const executionArn = await submitted(caseId);
    const step = await driver.openStep(caseId, "village_review");
    // The deciding call commits, then its process dies before SendTaskSuccess answers (it never settles).
    const frozen: Pick<SFNClient, "send"> = { send: () => new Promise<never>(() => undefined) };
    const officer: Actor = { id: "vo", name: "Officer", role: "village_officer", townships: [TOWNSHIP] };
    void decideStep(
      driver.reviewDeps({
        sfn: frozen as SFNClient,
      }),
      officer,
      caseId,
      step.stepId,
      { outcome: "approved" },
    );
    const stored = await eventually(async () => {
      const item = await new StepStore(env.dynamodb, env.cloud.endpoints.tableName).get(caseId, step.stepId);
      return item?.decision ? item : undefined;
    });
    expect(stored.sentAt).toBeUndefined();

    const sweepDeps = (now: () => Date) => ({
      client: env.dynamodb,
      tableName: env.cloud.endpoints.tableName,
      sfn: env.sfn,
      now,
    });
    // While the deciding call may still be sending (its lease), the sweep leaves the step alone.
    expect(await sweepUndeliveredDecisions(sweepDeps(() => new Date()))).toMatchObject({ sent: 0 });
    // Once the lease ran out, the sweep sends it and the case moves on.
    const later = () => new Date(Date.now() + 31_000);
    expect(await sweepUndeliveredDecisions(sweepDeps(later))).toMatchObject({ found: 1, sent: 1 });
    expect(await sweepUndeliveredDecisions(sweepDeps(later))).toMatchObject({ found: 0 });
    await decideFrom(caseId, "township_acceptance");
    expect((await driver.finished(executionArn)).status).toBe("SUCCEEDED");
    await expectCompletedOnce(caseId);
  });

  it("a decision the workflow took whose answer was lost is recorded as sent, not put in the operator view", async () => {
    const caseId = "fault-lost-answer";
    await submitted(caseId);
    const step = await driver.openStep(caseId, "village_review");
    // SendTaskSuccess reaches the workflow, then its answer is lost (a reset): every retry finds the task closed.
    let lost = false;
    const losing = {
      send: async (command: Parameters<SFNClient["send"]>[0]) => {
        const answer = await env.sfn.send(command);
        if (!lost) {
          lost = true;
          throw Object.assign(new Error("socket hang up"), { name: "ECONNRESET" });
        }
        return answer;
      },
    } as unknown as SFNClient;
    const officer: Actor = { id: "vo", name: "Officer", role: "village_officer", townships: [TOWNSHIP] };
    const decided = await decideStep(
      driver.reviewDeps({
        sfn: losing,
        retry: { attempts: 2, baseDelayMs: 1 },
      }),
      officer,
      caseId,
      step.stepId,
      { outcome: "approved" },
    );
    expect(lost).toBe(true);
    expect(decided.delivery.status).toBe("sent");
    expect(await incidentOf(caseId)).toBeUndefined();
    await driver.openStep(caseId, "township_acceptance");
  });

  it("a restart from the last consistent step stops the old run quietly and goes on where the case stands", async () => {
    const caseId = "fault-restart";
    const oldRun = await submitted(caseId);
    await driver.decideNext(caseId, "village_review", "approved");
    await driver.openStep(caseId, "township_acceptance");
    const restartDeps = { ...operatorDeps(env), stateMachineArn: env.cloud.endpoints.stateMachineArn };
    const restarted = await restartRun(restartDeps, caseId, "test-restart", { id: HEAD.id, role: HEAD.role });
    expect(restarted.at).toBe("TownshipAcceptance");
    // The same recovery again (a lost answer, a second click) starts no second run.
    expect(await restartRun(restartDeps, caseId, "test-restart", { id: HEAD.id, role: HEAD.role })).toEqual(
      restarted,
    );
    expect((await env.sfn.send(new DescribeExecutionCommand({ executionArn: oldRun }))).status).toBe(
      "ABORTED",
    );
    await driver.decideNext(caseId, "township_acceptance", "approved");
    // Joint review half answered, then restarted again: only the departments still owing an answer reopen.
    await driver.decideNext(caseId, "joint_review", "approved", "agriculture");
    const second = await restartRun(restartDeps, caseId, "test-restart-2", { id: HEAD.id, role: HEAD.role });
    expect(second.at).toBe("JointReview");
    // natural_resources, then housing_construction, approval, and on to the completion inspection.
    await decideFrom(caseId, "natural_resources");
    const { record, events } = await driver.store.load(caseId);
    expect(events.filter((event) => event.action === "restartWorkflow")).toHaveLength(2);
    expect(record.executionArn).not.toBe(oldRun);
    // The stopped runs' ends opened no incident: the case names its current run.
    await expectCompletedOnce(caseId);
  });

  it("a redrive Step Functions refuses falls back to a restart from the last consistent step", async () => {
    const caseId = "fault-unredrivable";
    await submitted(caseId);
    await driver.decideNext(caseId, "village_review", "approved");
    await driver.openStep(caseId, "township_acceptance");
    // The run the case names is gone (expired from Step Functions' history): a redrive cannot reach it.
    const gone = `${env.cloud.endpoints.stateMachineArn.replace(":stateMachine:", ":execution:")}:${caseId}-gone`;
    await driver.recordRun(caseId, gone);
    const { incidentId } = await openIncident(operatorDeps(env), {
      caseId,
      kind: "execution_failed",
      error: "States.Timeout",
      executionArn: gone,
    });
    const answer = await recoverIncident(operatorDeps(env), HEAD, caseId, incidentId);
    expect(answer).toMatchObject({ action: "restart", restart: { at: "TownshipAcceptance" }, closed: true });
    await decideFrom(caseId, "township_acceptance");
    await expectCompletedOnce(caseId);
  });

  it("a withdraw whose StopExecution keeps failing answers 'stopping', and the operator's stop ends the run", async () => {
    const caseId = "fault-withdraw";
    const executionArn = await submitted(caseId);
    await driver.openStep(caseId, "village_review");
    plan.armService("dynamodb", "TransactWriteItems", "server-error");
    plan.armService("stepfunctions", "StopExecution", "reset", "unavailable", "throttle");
    const result = await withdrawCase(
      { store: driver.store, policy: SICHUAN_DEFAULT_POLICY, sfn: env.sfn },
      await villagerOf(caseId),
      caseId,
      "fault test",
    );
    expect(result).toMatchObject({ workflow: "stopping", record: { status: "withdrawn" } });
    expect(plan.pending()).toEqual([]);
    const incident = await eventually(() => incidentOf(caseId));
    expect(incident).toMatchObject({ kind: "stop_failed", action: "stop" });
    await recoverIncident(operatorDeps(env), HEAD, caseId, incident.incidentId);
    expect((await env.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe("ABORTED");
    const { record, events } = await driver.store.load(caseId);
    expect(record.incidents).toEqual([]);
    expect(verifyChain(events, { seq: record.eventSeq, hash: record.eventHead })).toEqual({ valid: true });
  });
});
