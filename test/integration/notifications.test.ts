/**
 * Notifications (issue 14): each event tells each recipient exactly once — in
 * the app at once, by SMS through the sender — even when the workflow task or
 * the API call that caused it is retried; quiet hours and a household's SMS
 * opt-out hold; an SMS that fails for a while is retried until it goes, and one
 * that never goes is shown to the county admin.
 *
 * The sender is invoked here with the time of a scheduled event (the time it
 * judges quiet hours, batches and backoff by), never on a timer.
 */
import { GetExecutionHistoryCommand } from "@aws-sdk/client-sfn";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LambdaFault, ServiceFault } from "#infra/local/faults.ts";
import type { RecordedSms } from "#infra/local/sms.ts";
import { stepKey, tokenKey } from "#shared/store/keys.ts";
import { ApiDriver } from "../support/api.ts";
import { homesteadApplication, LI_HOUSEHOLD } from "../support/fixtures.ts";
import { eventually, startTestCloud, type TestCloud } from "../support/local-cloud.ts";

const A = "511424100";
let env: TestCloud;
const { apiAs, applyAndSubmit, queued } = new ApiDriver(() => env.cloud.endpoints);

/** Faults the test turns on and off: once per handler (after it ran), and the SMS service. */
const faultOnce = new Set<string>();
const invocations = new Map<string, number>();
let smsFault: ServiceFault | undefined;

beforeAll(async () => {
  env = await startTestCloud({
    context: { countyPolicy: "danling-demo" },
    // The test runs the SMS sender itself, at the times it chooses: no scheduled run in between.
    schedulePeriodMs: 3_600_000,
    faults: {
      lambda: ({ entry }): LambdaFault | undefined => {
        invocations.set(entry, (invocations.get(entry) ?? 0) + 1);
        if (!faultOnce.has(entry)) return undefined;
        faultOnce.delete(entry);
        // The task ran and wrote its event; its answer is lost, so Step Functions runs it again.
        return { when: "after", error: "Lambda.ServiceException" };
      },
      service: ({ service }) => (service === "sms" ? smsFault : undefined),
    },
  });
}, 120_000);
afterAll(async () => {
  await env?.stop();
});

interface Message {
  id: string;
  kind: string;
  caseId: string;
  title: { zh: string; en: string };
  read: boolean;
}
interface Page {
  unread: number;
  items: Message[];
}

async function inbox(user: string): Promise<Page> {
  const call = await apiAs(user);
  const page = await call<Page>("GET", "/messages?limit=100");
  expect(page.status).toBe(200);
  return page.body;
}

const kindsOf = (page: Page, caseId: string) =>
  page.items
    .filter((message) => message.caseId === caseId)
    .map((message) => message.kind)
    .sort();

interface Sweep {
  sent: number;
  deferred: number;
  retrying: number;
  failed: number;
  skipped: number;
  expanded: number;
}

/** One run of the SMS sender as EventBridge's schedule would invoke it at `time`. */
async function sweep(time: Date): Promise<Sweep> {
  const sender = env.cloud.runtime.functions.find((fn) => fn.entry === "functions/notify/send-sms.ts");
  if (!sender) throw new Error("no SMS sender in the template");
  let total: Sweep = { sent: 0, deferred: 0, retrying: 0, failed: 0, skipped: 0, expanded: 0 };
  // Expanded desk jobs are due at once: run again until a run finds nothing new to expand.
  for (let i = 0; i < 5; i++) {
    const result = (await env.cloud.runtime.invoke(sender.arn, {
      "detail-type": "Scheduled Event",
      source: "aws.events",
      time: time.toISOString(),
    })) as Sweep;
    total = Object.fromEntries(
      Object.entries(total).map(([key, value]) => [key, value + result[key as keyof Sweep]]),
    ) as unknown as Sweep;
    if (result.expanded === 0) break;
  }
  return total;
}

/** A local (UTC+8) time on the day after tomorrow: later than anything the test writes. */
function beijing(hour: number, minute = 0, dayOffset = 2): Date {
  const day = new Date();
  day.setUTCHours(0, 0, 0, 0);
  return new Date(day.getTime() + dayOffset * 86_400_000 + (hour - 8) * 3_600_000 + minute * 60_000);
}

async function tokenOf(caseId: string, stepId: string): Promise<unknown> {
  const { Item } = await env.dynamodb.send(
    new GetCommand({
      TableName: env.cloud.endpoints.tableName,
      Key: tokenKey(caseId, stepId),
      ConsistentRead: true,
    }),
  );
  return Item?.taskToken;
}

/** The task token the run waits on now: the one its latest callback task was scheduled with. */
async function awaitedToken(caseId: string, stepId: string): Promise<string | undefined> {
  const { Item } = await env.dynamodb.send(
    new GetCommand({
      TableName: env.cloud.endpoints.tableName,
      Key: stepKey(caseId, stepId),
      ConsistentRead: true,
    }),
  );
  const executionArn = Item?.executionArn as string | undefined;
  if (!executionArn) return undefined;
  const { events = [] } = await env.sfn.send(new GetExecutionHistoryCommand({ executionArn }));
  for (const event of events.toReversed()) {
    const parameters = event.taskScheduledEventDetails?.parameters;
    const token = parameters
      ? (JSON.parse(parameters) as { Payload?: { taskToken?: string } }).Payload?.taskToken
      : undefined;
    if (token) return token;
  }
  return undefined;
}

const smsTo = (messages: readonly RecordedSms[], masked: string) =>
  messages.filter((message) => message.to === masked);

let wangCase = "";

describe("notifications", () => {
  it("tells the household and the village officer once per event, though tasks and requests are retried", async () => {
    // The officer registers a phone for SMS (sealed at rest, shown masked).
    const officer = await apiAs("village-officer-a");
    const saved = await officer("PUT", "/messages/settings", { phone: "139 0000 0001", mode: "batched" });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body).toEqual({ mode: "batched", phone: "139****0001" });

    // The pre-check and the step opener each run twice (their first answer is lost).
    faultOnce.add("functions/workflow/precheck.ts");
    faultOnce.add("functions/workflow/open-step.ts");
    wangCase = await applyAndSubmit("villager-wang", "homestead", homesteadApplication());
    // The submit request is retried with the same key: one submission, one message.
    const wang = await apiAs("villager-wang");
    const again = await wang("POST", `/cases/${wangCase}/submit`, undefined, {
      "idempotency-key": `submit-${wangCase}`,
    });
    expect(again.status).toBe(202);

    const item = await queued("village-officer-a", "village_officer", A, wangCase);
    // The opener's retry has stored its token (the first one died with the lost answer) before anyone
    // decides: the stored token is the one the run waits on now (the retry may have run before the
    // step reached the queue, so "a token other than the first read" would wait for ever).
    await eventually(async () => {
      if ((invocations.get("functions/workflow/open-step.ts") ?? 0) < 2) return undefined;
      const stored = await tokenOf(wangCase, item.stepId);
      return stored !== undefined && stored === (await awaitedToken(wangCase, item.stepId))
        ? true
        : undefined;
    });
    expect(faultOnce.size).toBe(0);
    // The officer asks for a correction; the request is sent again (a retry after a lost answer).
    const decision = {
      outcome: "correction_requested",
      comment: "户主电话号码有误，请更正",
      fields: ["head.phone"],
    };
    const path = `/review/cases/${wangCase}/steps/${encodeURIComponent(item.stepId)}/decision`;
    const first = await officer("POST", path, decision);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const second = await officer<{ error: { code: string } }>("POST", path, decision);
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe("step_already_decided");

    const household = await eventually(async () => {
      const page = await inbox("villager-wang");
      return kindsOf(page, wangCase).includes("correction_requested") ? page : undefined;
    });
    expect(kindsOf(household, wangCase)).toEqual([
      "correction_requested",
      "notice_ended",
      "notice_started",
      "submitted",
    ]);
    const correction = household.items.find((message) => message.kind === "correction_requested");
    expect(correction?.title.zh).toMatch(/需要补正：户主信息。请于\d+月\d+日前登录补正/);
    expect(household.unread).toBe(4);

    const desk = await inbox("village-officer-a");
    expect(kindsOf(desk, wangCase)).toEqual(["step_opened"]);
    // Another township's officer reads none of it.
    expect(kindsOf(await inbox("village-officer-b"), wangCase)).toEqual([]);
  }, 120_000);

  it("marks messages read: the unread count falls and never rises again for them", async () => {
    const page = await inbox("villager-wang");
    const wang = await apiAs("villager-wang");
    const newest = page.items[0];
    if (!newest) throw new Error("no message");
    const marked = await wang<{ unread: number }>("POST", "/messages/read", { ids: [newest.id] });
    expect(marked.status).toBe(200);
    expect(marked.body.unread).toBe(0);
    expect((await inbox("villager-wang")).items.every((message) => message.read)).toBe(true);
    // Someone else's message id is not the caller's to mark.
    const li = await apiAs("villager-li");
    expect((await li("POST", "/messages/read", { ids: [newest.id] })).status).toBe(404);
  });

  it("holds SMS in quiet hours, retries while the SMS service fails, then sends each exactly once", async () => {
    const quiet = await sweep(beijing(23, 0, 1));
    expect(quiet.sent).toBe(0);
    expect(quiet.deferred).toBeGreaterThan(0);
    expect(await env.cloud.sms.messages()).toEqual([]);

    smsFault = "unavailable";
    const failing = await sweep(beijing(8, 30));
    smsFault = undefined;
    expect(failing.sent).toBe(0);
    expect(failing.retrying).toBeGreaterThan(0);
    expect(await env.cloud.sms.messages()).toEqual([]);

    const later = await sweep(beijing(9, 0));
    expect(later.sent).toBeGreaterThan(0);
    const messages = await env.cloud.sms.messages();
    const toWang = smsTo(messages, "138****8000");
    expect(toWang.map((message) => message.context?.templateId).sort()).toEqual([
      "NF_0101",
      "NF_0104",
      "NF_0105",
      "NF_0106",
    ]);
    expect(toWang.every((message) => message.text.startsWith("【丹棱县农房审批】"))).toBe(true);
    expect(toWang.find((message) => message.context?.templateId === "NF_0104")?.text).toContain(
      "需要补正：户主信息",
    );
    const toOfficer = smsTo(messages, "139****0001");
    expect(toOfficer.map((message) => message.context?.templateId)).toEqual(["NF_0201"]);

    // Nothing is owed any more: another run sends nothing.
    expect((await sweep(beijing(9, 5))).sent).toBe(0);
    expect((await env.cloud.sms.messages()).length).toBe(messages.length);
  }, 60_000);

  it("keeps a household that opted out of SMS informed in the app only; texts staff once per batch interval", async () => {
    const li = await apiAs("villager-li");
    const opted = await li("PUT", "/messages/settings", { smsOptOut: true });
    expect(opted.status).toBe(200);
    expect(opted.body).toEqual({ smsOptOut: true });
    expect((await li("PUT", "/messages/settings", { phone: "13900000002" })).status).toBe(403);

    // A rebuild on the household's own plot (a farmhouse case): it goes on to the village review.
    const application = homesteadApplication({ ...LI_HOUSEHOLD, kind: "farmhouse" });
    application.proposedPlot = { ...application.proposedPlot, situation: "rebuild_on_old_plot" };
    const caseId = await applyAndSubmit("villager-li", "farmhouse", application);
    await eventually(async () =>
      (await inbox("villager-li")).items.some((m) => m.caseId === caseId) ? true : undefined,
    );
    // Li's case reaches the village review: a second new step for the officer, within the hour of the first SMS.
    await eventually(
      async () =>
        kindsOf(await inbox("village-officer-a"), caseId).includes("step_opened") ? true : undefined,
      30_000,
    );
    const officerTemplates = async () =>
      smsTo(await env.cloud.sms.messages(), "139****0001").map((message) => message.context?.templateId);
    expect(await officerTemplates()).toEqual(["NF_0201"]);

    const early = await sweep(beijing(9, 30));
    expect(early.skipped).toBeGreaterThan(0);
    expect(smsTo(await env.cloud.sms.messages(), "139****9000")).toEqual([]);
    expect(kindsOf(await inbox("villager-li"), caseId)).toContain("submitted");
    // At most one SMS per staff member per batch interval (60 min after the 09:00 one): it waits.
    expect(early.deferred).toBeGreaterThan(0);
    expect(await officerTemplates()).toEqual(["NF_0201"]);
    await sweep(beijing(10, 5));
    expect(await officerTemplates()).toEqual(["NF_0201", "NF_0201"]);
    expect(smsTo(await env.cloud.sms.messages(), "139****9000")).toEqual([]);
  }, 60_000);

  it("gives up after the policy's attempts and shows the county admin what was not delivered", async () => {
    // A household in township B applies (a farmhouse: no one-household check against the others' cases).
    const application = homesteadApplication({ kind: "farmhouse" });
    application.proposedPlot = { ...application.proposedPlot, situation: "rebuild_on_old_plot" };
    const caseId = await applyAndSubmit("villager-zhang", "farmhouse", application);
    await eventually(async () =>
      (await inbox("villager-zhang")).items.some((m) => m.caseId === caseId) ? true : undefined,
    );

    const admin = await apiAs("county-admin");
    smsFault = "server-error";
    // A job is tried at most maxAttempts (6) times: step the clock past each backoff.
    let failed = 0;
    for (let minute = 0; minute < 6 * 70 && failed === 0; minute += 70)
      failed += (await sweep(new Date(beijing(10, 0, 3).getTime() + minute * 60_000))).failed;
    smsFault = undefined;
    const listed = await admin<{ items: { kind: string; caseId: string; attempts: number }[] }>(
      "GET",
      "/admin/notifications/failed",
    );
    expect(listed.status).toBe(200);
    expect(failed).toBeGreaterThan(0);
    expect(listed.body.items.length).toBe(failed);
    expect(listed.body.items.map((item) => item.caseId)).toContain(caseId);
    expect(listed.body.items.every((item) => item.attempts === 6)).toBe(true);
    expect(JSON.stringify(listed.body)).not.toMatch(/1[3-9]\d{9}/);
    // Staff other than the county admin may not list them.
    expect((await (await apiAs("clerk-a"))("GET", "/admin/notifications/failed")).status).toBe(403);
  }, 120_000);
});
