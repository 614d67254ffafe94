/**
 * Incidents on the local cloud, with real SDK calls: a withdraw and a
 * decision while Step Functions cannot be reached (a client pointed at a port
 * nothing listens on: connection refused, the SDK's own error), what the
 * household and the operator see, and the operator's recovery with a working
 * client.
 */
import { DescribeExecutionCommand, GetExecutionHistoryCommand, type SFNClient } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Actor } from "#shared/auth/actor.ts";
import { getMyCase } from "#shared/cases/villager.ts";
import { withdrawCase } from "#shared/cases/withdraw.ts";
import { SICHUAN_DEFAULT_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import { decideStep, type ReviewDeps } from "#shared/review/decide.ts";
import { listIncidents, recoverIncident } from "#shared/workflow/operator.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { HEAD_A, operatorDeps, villagerActor } from "../support/operator.ts";
import {
  demoHouseholdCase,
  type SeededCase,
  TEST_WAIT_SCALE,
  unreachableSfn,
  WorkflowDriver,
} from "../support/workflow.ts";

vi.mock("#shared/domain/policy/shipped-policies.ts", async (importOriginal) => {
  const { withTestPolicies } = await import("../support/policies.ts");
  return withTestPolicies(await importOriginal());
});

let env: TestCloud;
let driver: WorkflowDriver;
let unreachable: SFNClient;
beforeAll(async () => {
  env = await startTestCloud({ waitScale: TEST_WAIT_SCALE });
  driver = new WorkflowDriver(env);
  unreachable = unreachableSfn(env, 2);
  // A whole local cloud on a small shared machine: its start can take minutes under load.
}, 300_000);
afterAll(async () => {
  unreachable?.destroy();
  await env?.stop();
});

const TOWNSHIP = "511424100";
const HEAD = HEAD_A;
const CLERK: Actor = { id: "clerk-a", name: "Clerk", role: "township_clerk", townships: [TOWNSHIP] };
const HOUSEHOLD = "511424100001-H0001";
const VILLAGER = villagerActor("villager-a", HOUSEHOLD);

const seed = (caseId: string): SeededCase => demoHouseholdCase(caseId);

const villagerDeps = (sfn: SFNClient) => ({ store: driver.store, policy: SICHUAN_DEFAULT_POLICY, sfn });

async function incidentOf(caseId: string) {
  const page = await listIncidents(operatorDeps(env), HEAD, { limit: 200 });
  return page.items.find((item) => item.caseId === caseId);
}

async function executionStatus(executionArn: string): Promise<string | undefined> {
  return (await env.sfn.send(new DescribeExecutionCommand({ executionArn }))).status;
}

describe("withdraw while Step Functions cannot be reached", () => {
  it("answers with the withdrawn case and workflow 'stopping', opens a stop incident, and the operator's stop ends the run", async () => {
    const caseId = "inc-withdraw-outage";
    await driver.seedCase(seed(caseId));
    const executionArn = await driver.startRecorded(caseId);
    await driver.openStep(caseId, "village_review");

    const result = await withdrawCase(villagerDeps(unreachable), VILLAGER, caseId, "changed our plans");
    expect(result.workflow).toBe("stopping");
    expect(result.record.status).toBe("withdrawn");
    expect((await getMyCase(villagerDeps(env.sfn), VILLAGER, caseId)).expected.action).toBe("none");
    expect(await executionStatus(executionArn)).toBe("RUNNING");

    const incident = await incidentOf(caseId);
    expect(incident).toMatchObject({ kind: "stop_failed", action: "stop" });
    if (!incident) throw new Error("no incident");
    await recoverIncident(operatorDeps(env), HEAD, caseId, incident.incidentId);
    expect(await executionStatus(executionArn)).toBe("ABORTED");
    expect(await incidentOf(caseId)).toBeUndefined();
    const { record, events } = await driver.store.load(caseId);
    expect(record.incidents).toEqual([]);
    expect(events.slice(-2).map((event) => event.action)).toEqual(["openIncident", "closeIncident"]);
  });

  it("a run that could not be stopped ends by itself at its next reminder (CaseClosed), and the stop incident then closes", async () => {
    const caseId = "inc-withdraw-ends-itself";
    // Reminded every 10 policy hours (a fraction of a second here): the next task comes soon.
    await driver.seedCase({ ...seed(caseId), policyId: "test-remind" });
    const executionArn = await driver.startRecorded(caseId);
    await driver.openStep(caseId, "village_review");
    const result = await withdrawCase(villagerDeps(unreachable), VILLAGER, caseId, undefined);
    expect(result.workflow).toBe("stopping");

    const execution = await driver.finished(executionArn);
    expect(execution.status).toBe("SUCCEEDED");
    const { events } = await env.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    expect((events ?? []).map((event) => event.stateEnteredEventDetails?.name)).toContain("CaseClosed");
    // Nothing was reminded on the withdrawn case, and the operator's stop finds nothing left to stop.
    const actions = (await driver.store.load(caseId)).events.map((event) => event.action);
    expect(actions.slice(actions.indexOf("withdraw"))).not.toContain("remind");
    const incident = await incidentOf(caseId);
    if (!incident) throw new Error("no stop incident");
    await recoverIncident(operatorDeps(env), HEAD, caseId, incident.incidentId);
    expect(await incidentOf(caseId)).toBeUndefined();
  });

  it("answers 'stopped' when the run could be stopped", async () => {
    const caseId = "inc-withdraw-ok";
    await driver.seedCase(seed(caseId));
    const executionArn = await driver.startRecorded(caseId);
    const result = await withdrawCase(villagerDeps(env.sfn), VILLAGER, caseId, undefined);
    expect(result.workflow).toBe("stopped");
    expect(await executionStatus(executionArn)).toBe("ABORTED");
    expect(await incidentOf(caseId)).toBeUndefined();
  });
});

describe("a decision the workflow did not take", () => {
  it("never shows the household a next step the workflow has not backed; after the redeliver it proceeds", async () => {
    const caseId = "inc-undelivered";
    await driver.seedCase(seed(caseId));
    await driver.start(caseId);
    await driver.decide(await driver.openStep(caseId, "village_review"), "approved");
    const acceptance = await driver.openStep(caseId, "township_acceptance");

    const outage: ReviewDeps = driver.reviewDeps({
      sfn: unreachable,
      retry: { attempts: 2, baseDelayMs: 1 },
      reopenWait: { attempts: 1, delayMs: 1 },
    });
    const decided = await decideStep(outage, CLERK, caseId, acceptance.stepId, { outcome: "approved" });
    expect(decided.delivery.status).toBe("pending");

    // Committed (the status moved), but the household is told of a known problem, not of the next step.
    const view = await getMyCase(villagerDeps(env.sfn), VILLAGER, caseId);
    expect(view.status).toBe("accepted");
    expect(view.expected.action).toBe("problem_known");
    const incident = await incidentOf(caseId);
    expect(incident).toMatchObject({
      kind: "undelivered_decision",
      action: "redeliver",
      stepId: acceptance.stepId,
    });
    if (!incident) throw new Error("no incident");

    await recoverIncident(operatorDeps(env), HEAD, caseId, incident.incidentId);
    // The workflow took it: the joint review opens.
    await driver.openStep(caseId, "joint_review", "agriculture");
    expect(await incidentOf(caseId)).toBeUndefined();
    const after = await getMyCase(villagerDeps(env.sfn), VILLAGER, caseId);
    expect(after.expected.action).toBe("wait");
    await expect(recoverIncident(operatorDeps(env), HEAD, caseId, incident.incidentId)).rejects.toThrow(
      /already closed/,
    );
  });
});

describe("the operator view", () => {
  it("shows another township's incidents to nobody outside it, and lets no other role recover", async () => {
    const other: Actor = { id: "head-b", name: "Head B", role: "township_head", townships: ["511424101"] };
    await expect(listIncidents(operatorDeps(env), other, { township: TOWNSHIP, limit: 10 })).rejects.toThrow(
      /outside your jurisdiction/,
    );
    const county: Actor = { id: "county", name: "County", role: "county_admin", townships: ["511424"] };
    await expect(
      listIncidents(operatorDeps(env), county, { township: TOWNSHIP, limit: 10 }),
    ).resolves.toMatchObject({
      township: TOWNSHIP,
    });
    await expect(listIncidents(operatorDeps(env), CLERK, { limit: 10 })).rejects.toThrow(
      /township_head, county_admin/,
    );
    await expect(recoverIncident(operatorDeps(env), other, "inc-withdraw-outage", "x")).rejects.toThrow(
      /No incident/,
    );
  });

  it("refuses a cursor it did not hand out", async () => {
    await expect(
      listIncidents(operatorDeps(env), HEAD, { limit: 1, cursor: "not-a-cursor" }),
    ).rejects.toThrow(/cursor/);
  });
});
