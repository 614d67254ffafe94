/**
 * One household, one homestead (一户一宅) on the local cloud: one open
 * homestead case per household (also under concurrent submits), the homestead
 * register written at approval (pending) and completion (held, old plot to be
 * returned), and the pre-check comparing the applicant's people with the
 * register and with other households' cases by keyed hash.
 */
import { randomUUID } from "node:crypto";
import { BatchWriteCommand, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SICHUAN_DEFAULT_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import { ENTITIES } from "#shared/reference/entities.ts";
import type { ApplicationComplete } from "#shared/schemas/application.ts";
import type { CaseRecord } from "#shared/schemas/case.ts";
import { CaseStore } from "#shared/store/case-store.ts";
import { openCaseKey } from "#shared/store/household-items.ts";
import { ApiDriver } from "../support/api.ts";
import { seedRequiredDocuments } from "../support/documents.ts";
import { homesteadApplication, idNumber } from "../support/fixtures.ts";
import { eventually, startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { TEST_WAIT_SCALE, WorkflowDriver } from "../support/workflow.ts";

vi.mock("#shared/domain/policy/shipped-policies.ts", async (importOriginal) => {
  const { withTestPolicies } = await import("../support/policies.ts");
  return withTestPolicies(await importOriginal());
});

const TOWNSHIP = "511424100";
const VILLAGE = "511424100001";

let env: TestCloud;
let driver: WorkflowDriver;
let store: CaseStore;
let table: string;

beforeAll(async () => {
  env = await startTestCloud({ waitScale: TEST_WAIT_SCALE });
  driver = new WorkflowDriver(env);
  store = new CaseStore(env.dynamodb, env.cloud.endpoints.tableName);
  table = env.cloud.endpoints.tableName;
});
afterAll(async () => {
  await env?.stop();
});

const { apiAs } = new ApiDriver(() => env.cloud.endpoints);
const api = async (
  user: string,
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => (await apiAs(user))(method, path, body, headers);

/** A filled draft with every required document confirmed, ready to submit. */
async function readyDraft(user: string, application: ApplicationComplete): Promise<string> {
  const created = await api(user, "POST", "/cases", { kind: "homestead" });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const caseId = String(created.body.caseId);
  expect((await api(user, "PUT", `/cases/${caseId}/application`, application)).status).toBe(200);
  await seedRequiredDocuments(env, caseId, {
    requirements: SICHUAN_DEFAULT_POLICY.requiredDocuments.homestead,
    uploadedBy: user,
  });
  return caseId;
}

const submit = (user: string, caseId: string) =>
  api(user, "POST", `/cases/${caseId}/submit`, undefined, { "idempotency-key": randomUUID() });

async function marker(householdId: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await env.dynamodb.send(
    new GetCommand({ TableName: table, Key: openCaseKey(householdId), ConsistentRead: true }),
  );
  return Item;
}

/** Register rows written through the importer's item builder (as a county import would). */
async function seedRegister(
  households: { householdId: string; headIdHash: string; membersCount: number }[],
  homesteads: {
    homesteadId: string;
    householdId: string;
    status: string;
    areaM2: number;
    willBeReturned: boolean;
  }[],
): Promise<void> {
  const items = [
    ...households.map((row) => ENTITIES.household.items({ ...row, registrationVillageCode: VILLAGE }).head),
    ...homesteads.map((row) => ENTITIES.homestead.items(row).head),
  ];
  await env.dynamodb.send(
    new BatchWriteCommand({ RequestItems: { [table]: items.map((Item) => ({ PutRequest: { Item } })) } }),
  );
}

async function householdPartition(householdId: string): Promise<Record<string, unknown>[]> {
  const { Items } = await env.dynamodb.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": `HOUSEHOLD#${householdId}` },
      ConsistentRead: true,
    }),
  );
  return Items ?? [];
}

/** An application of a household of three whose people nobody else in this file uses. */
function applicationOf(serial: number, overrides: Partial<ApplicationComplete> = {}): ApplicationComplete {
  const base = homesteadApplication();
  const s = String(serial).padStart(2, "0");
  return {
    ...base,
    head: { ...base.head, idNumber: idNumber("511424", "19800314", `${s}1`) },
    members: [
      {
        ...base.members[0],
        name: "成员甲",
        relation: "spouse",
        age: 44,
        idNumber: idNumber("511424", "19820521", `${s}4`),
      },
      {
        ...base.members[1],
        name: "成员乙",
        relation: "child",
        age: 17,
        idNumber: idNumber("511424", "20090101", `${s}6`),
      },
    ],
    ...overrides,
  } as ApplicationComplete;
}

async function seedAndStart(caseId: string, householdId: string, application: ApplicationComplete) {
  await driver.seedCase({
    caseId,
    householdId,
    villageCode: VILLAGE,
    townshipCode: TOWNSHIP,
    policyId: "test-fast",
    application,
  });
  return driver.start(caseId);
}

async function precheckOf(caseId: string): Promise<CaseRecord> {
  return eventually(async () => {
    const record = await store.require(caseId);
    return record.precheck ? record : undefined;
  });
}

describe("one open homestead case per household", () => {
  it("refuses a second homestead case while one is open, and frees the household when it is withdrawn", async () => {
    const first = await readyDraft("villager-wang", homesteadApplication());
    expect((await submit("villager-wang", first)).status).toBe(202);
    expect(await marker("511424100001-H0001")).toMatchObject({ caseId: first });

    const second = await api("villager-wang", "POST", "/cases", { kind: "homestead" });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({
      error: { code: "household_has_open_case", details: { openCaseId: first } },
    });
    // A farmhouse case (no new plot) is not a second homestead.
    expect((await api("villager-wang", "POST", "/cases", { kind: "farmhouse" })).status).toBe(201);

    // Withdraw once the pre-check has moved the case on (a withdrawal racing the pre-check's write is a 409 of its own).
    await eventually(async () =>
      ["submitted", "prechecked"].includes((await store.require(first)).status) ? undefined : true,
    );
    const withdrawn = await api("villager-wang", "POST", `/cases/${first}/withdraw`, {
      reason: "改日再申请",
    });
    expect(withdrawn.status).toBe(200);
    expect(await marker("511424100001-H0001")).toBeUndefined();
    expect((await api("villager-wang", "POST", "/cases", { kind: "homestead" })).status).toBe(201);
  });

  it("lets exactly one of two concurrent submits of one household through", async () => {
    // Both drafts exist before either is submitted; then both are submitted at once.
    const application = applicationOf(1, {
      head: { ...homesteadApplication().head, name: "李秀英" },
      // Li keeps the plot she lives on: a new plot is one too many (the pre-check returns the case).
      currentHomestead: { areaM2: 95, houseFloorAreaM2: 120, oldPlotDisposition: "keep" },
    });
    const drafts = [
      await readyDraft("villager-li", application),
      await readyDraft("villager-li", application),
    ];
    const answers = await Promise.all(drafts.map((caseId) => submit("villager-li", caseId)));
    const statuses = answers.map((answer) => answer.status).sort();
    if (statuses[1] === 202) {
      // Both through: right only if the first was returned by its pre-check (the household free
      // again) before the second claimed it — a submit that waited its turn behind the pre-check.
      // Never two open homestead cases at the same moment.
      const submits = await Promise.all(
        drafts.map(async (caseId) => {
          const { events } = await store.load(caseId);
          return { events, submittedAt: events.find((event) => event.action === "submit")?.at ?? "" };
        }),
      );
      const [first, second] = submits.sort((a, b) => a.submittedAt.localeCompare(b.submittedAt));
      const released = first?.events.find((event) => event.toStatus === "returned")?.at;
      expect(released, "the first case was returned before the second was submitted").toBeDefined();
      expect((released ?? "") <= (second?.submittedAt ?? "")).toBe(true);
      return;
    }
    expect(statuses).toEqual([202, 409]);
    const refused = answers.find((answer) => answer.status === 409);
    expect(refused?.body).toMatchObject({ error: { code: "household_has_open_case" } });
    const winner = drafts[answers.findIndex((answer) => answer.status === 202)];
    const loser = drafts.find((caseId) => caseId !== winner) ?? "";
    expect((await store.require(loser)).status).toBe("draft");
    // Li keeps her old plot, so the pre-check returns the new-plot case: the household is free again.
    await driver.status(winner ?? "", "returned");
    expect(await marker("511424100001-H0002")).toBeUndefined();
    expect((await store.require(winner ?? "")).householdClaim).toBeUndefined();
    expect((await submit("villager-li", loser)).status).toBe(202);
  });
});

describe("the homestead register", () => {
  it("enters an approved case as pending and a completed one as held, and follows up the returned old plot", async () => {
    const householdId = `${VILLAGE}-H0101`;
    await seedRegister(
      [{ householdId, headIdHash: "b".repeat(64), membersCount: 3 }],
      [{ homesteadId: "ZJD-OLD-0101", householdId, status: "in_use", areaM2: 110, willBeReturned: false }],
    );
    const caseId = "reg-1";
    await seedAndStart(caseId, householdId, applicationOf(2));
    const prechecked = await precheckOf(caseId);
    expect(prechecked.precheck?.blocked, JSON.stringify(prechecked.precheck?.findings)).toBe(false);
    expect(prechecked.oldPlotReturn).toEqual({ homesteadIds: ["ZJD-OLD-0101"], withinMonths: 3 });

    await driver.decideNext(caseId, "village_review", "approved");
    await driver.decideNext(caseId, "township_acceptance", "approved");
    for (const department of prechecked.departments ?? []) {
      await driver.decideNext(caseId, "joint_review", "approved", department);
    }
    await driver.decideNext(caseId, "township_approval", "approved");
    await driver.status(caseId, "approved");
    const pending = (await householdPartition(householdId)).find((item) => item.sk === `HOMESTEAD#${caseId}`);
    expect(pending).toMatchObject({ status: "approved_unbuilt", caseId, areaM2: 120, willBeReturned: false });

    await driver.decideNext(caseId, "site_visit_staking", "approved");
    // The construction period: the household reports the house built before the inspection opens
    // (as POST /cases/{caseId}/completion-report does; this register household has no demo user).
    await driver.status(caseId, "staked_out");
    await driver.decideNext(caseId, "completion_report", "approved");
    await driver.status(caseId, "completion_reported");
    await driver.decideNext(caseId, "site_visit_completion", "approved");
    await driver.status(caseId, "completed");
    const partition = await householdPartition(householdId);
    expect(partition.filter((item) => String(item.sk).startsWith("HOMESTEAD#"))).toHaveLength(2);
    expect(partition.find((item) => item.sk === `HOMESTEAD#${caseId}`)).toMatchObject({ status: "in_use" });
    const followUp = partition.find((item) => item.sk === "RETURN#ZJD-OLD-0101");
    expect(followUp).toMatchObject({ status: "to_be_returned", caseId });
    // Sichuan's policy: the old plot goes back within 3 months of completion.
    const completedAt = new Date(String(followUp?.completedAt));
    const due = new Date(String(followUp?.dueBy));
    expect(due.getUTCMonth()).toBe((completedAt.getUTCMonth() + 3) % 12);

    // A second new plot while keeping the held one: blocked (the old plot is being returned, so it does not count).
    await seedAndStart(
      "reg-2",
      householdId,
      applicationOf(2, {
        currentHomestead: { areaM2: 120, houseFloorAreaM2: 200, oldPlotDisposition: "keep" },
      }),
    );
    const second = await precheckOf("reg-2");
    expect(second.precheck?.blocked).toBe(true);
    expect(second.precheck?.findings).toContainEqual(
      expect.objectContaining({
        ruleId: "one-household-one-homestead",
        evidence: expect.objectContaining({ keptHomesteadIds: [caseId] }),
      }),
    );
  });
});

describe("the pre-check compares people across households", () => {
  it("blocks a head who holds a homestead in another household (keyed hash against the register)", async () => {
    const application = applicationOf(3);
    const headIdHash = await store.lookupHash("idNumber", application.head.idNumber);
    await seedRegister(
      [
        { householdId: `${VILLAGE}-H0102`, headIdHash: "c".repeat(64), membersCount: 3 },
        { householdId: `${VILLAGE}-H0103`, headIdHash, membersCount: 2 },
      ],
      [
        {
          homesteadId: "ZJD-H0103",
          householdId: `${VILLAGE}-H0103`,
          status: "in_use",
          areaM2: 100,
          willBeReturned: false,
        },
      ],
    );
    await seedAndStart("ppl-head", `${VILLAGE}-H0102`, application);
    const record = await driver.status("ppl-head", "returned");
    expect(record.precheck?.findings).toContainEqual(
      expect.objectContaining({
        ruleId: "head-holds-homestead-elsewhere",
        severity: "block",
        evidence: expect.objectContaining({ households: [`${VILLAGE}-H0103`] }),
      }),
    );
    // The finding carries household ids, never the hash or the number.
    expect(JSON.stringify(record.precheck)).not.toContain(headIdHash);
    expect(JSON.stringify(record.precheck)).not.toContain(application.head.idNumber);
  });

  it("warns when a member is in another household's open case", async () => {
    await seedRegister(
      [
        { householdId: `${VILLAGE}-H0104`, headIdHash: "d".repeat(64), membersCount: 3 },
        { householdId: `${VILLAGE}-H0105`, headIdHash: "e".repeat(64), membersCount: 3 },
      ],
      [],
    );
    const first = applicationOf(4);
    await seedAndStart("ppl-a", `${VILLAGE}-H0104`, first);
    await driver.openStep("ppl-a", "village_review");
    // The second household lists the first household's spouse as its own member.
    const second = applicationOf(5);
    const shared = {
      ...second.members[0],
      idNumber: first.members[0]?.idNumber,
    } as ApplicationComplete["members"][number];
    await seedAndStart("ppl-b", `${VILLAGE}-H0105`, {
      ...second,
      members: [shared, ...second.members.slice(1)],
    });
    const record = await precheckOf("ppl-b");
    expect(record.precheck?.blocked).toBe(false);
    expect(record.precheck?.findings).toContainEqual(
      expect.objectContaining({
        ruleId: "persons-in-other-households",
        severity: "warn",
        evidence: {
          people: [
            {
              person: "members.0",
              householdId: `${VILLAGE}-H0104`,
              source: "case",
              caseId: "ppl-a",
              holdsHomestead: false,
              openCase: true,
            },
          ],
        },
      }),
    );
  });
});
