import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from "@aws-sdk/client-pinpoint-sms-voice-v2";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { appendEvent } from "#shared/domain/audit-chain.ts";
import { DANLING_DEMO_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import { inboxesOf } from "#shared/notify/desks.ts";
import { caseRef, messagesFor } from "#shared/notify/messages.ts";
import { outboxWrites, render, smsParams } from "#shared/notify/outbox.ts";
import { AwsSmsSender, HttpGatewaySmsSender, SmsSendError } from "#shared/notify/sms.ts";
import { backoffMs, quietUntil } from "#shared/notify/sms-timing.ts";
import type { CaseRecord } from "#shared/schemas/case.ts";
import { notificationPolicySchema } from "#shared/schemas/notifications.ts";

const notifications = DANLING_DEMO_POLICY.notifications;
if (!notifications) throw new Error("the demo policy notifies");

const record = {
  caseId: "5f0c1e2a-1111-2222-3333-444455556666",
  kind: "homestead",
  householdId: "511424100001-H0001",
  ownerId: "villager-wang",
  townshipCode: "511424100",
  villageCode: "511424100001",
  policyId: "danling-demo",
  application: {},
  status: "in_village_review",
  createdAt: "2026-12-01T00:00:00.000Z",
  updatedAt: "2026-12-01T00:00:00.000Z",
  eventSeq: 12,
  eventHead: "0".repeat(64),
} as CaseRecord;

const event = (fields: { action: string; toStatus?: string | null; comment?: string; data?: object }) =>
  appendEvent(undefined, {
    caseId: record.caseId,
    at: "2026-12-03T02:00:00.000Z",
    actor: { id: "x", role: "village_officer" },
    action: fields.action,
    fromStatus: fields.toStatus ? record.status : null,
    toStatus: (fields.toStatus ?? null) as never,
    ...(fields.comment ? { comment: fields.comment } : {}),
    ...(fields.data ? { data: fields.data as Record<string, never> } : {}),
  });

describe("who is told what (messagesFor)", () => {
  it("tells the household what to correct and by when, in Chinese", () => {
    const drafts = messagesFor(
      DANLING_DEMO_POLICY,
      record,
      event({
        action: "requestCorrection",
        toStatus: "correction_requested",
        data: { fields: ["head.phone", "proposedPlot.area"] },
      }),
    );
    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({
      kind: "correction_requested",
      recipient: { type: "household", id: record.householdId },
      params: { caseRef: "5F0C1E2A", fields: "户主信息、拟用地" },
    });
    expect(drafts[0]?.params.deadline).toMatch(/^\d+月\d+日$/);
  });

  it("tells the desk of a newly opened step, batched, and the household when a site visit is due", () => {
    const opened = messagesFor(
      DANLING_DEMO_POLICY,
      record,
      event({
        action: "openStep",
        data: {
          stepId: "site_visit_staking#1",
          step: "site_visit_staking",
          round: 1,
          deadline: "2026-12-10T02:00:00.000Z",
        },
      }),
    );
    expect(opened.map((draft) => [draft.kind, draft.recipient.id, draft.batched])).toEqual([
      ["step_opened", "site_inspector@511424100", true],
      ["visit_scheduled", record.householdId, false],
    ]);
  });

  it("sends a department's consultation to that department's desk and an escalation to the township head", () => {
    const consult = messagesFor(
      DANLING_DEMO_POLICY,
      record,
      event({
        action: "consult",
        data: {
          stepId: "joint_review#water#1",
          step: "joint_review",
          department: "water",
          deadline: "2026-12-10T02:00:00.000Z",
        },
      }),
    );
    expect(consult.map((draft) => draft.recipient.id)).toEqual(["water@511424100"]);
    const escalated = messagesFor(
      DANLING_DEMO_POLICY,
      record,
      event({ action: "escalate", data: { stepId: "village_review#1", step: "village_review" } }),
    );
    expect(escalated.map((draft) => [draft.kind, draft.recipient.id])).toEqual([
      ["escalated", "township_head@511424100"],
    ]);
  });

  it("tells nobody of an event without a template, or when the county has no notifications", () => {
    expect(messagesFor(DANLING_DEMO_POLICY, record, event({ action: "confirmDocument" }))).toEqual([]);
    const { notifications: _none, ...silent } = DANLING_DEMO_POLICY;
    expect(messagesFor(silent, record, event({ action: "submit", toStatus: "submitted" }))).toEqual([]);
  });

  it("writes each message and its SMS job with conditional puts keyed by case, event and kind", () => {
    const submitted = event({ action: "submit", toStatus: "submitted" });
    const writes = outboxWrites(
      "T",
      notifications,
      record,
      submitted,
      messagesFor(DANLING_DEMO_POLICY, record, submitted),
    );
    expect(writes).toHaveLength(2);
    for (const write of writes) expect(write.Put?.ConditionExpression).toBe("attribute_not_exists(pk)");
    expect(writes[0]?.Put?.Item).toMatchObject({
      pk: `INBOX#household:${record.householdId}`,
      sk: `MSG#${submitted.at}#${record.caseId}#0000000001#submitted`,
    });
    expect(writes[1]?.Put?.Item).toMatchObject({
      pk: "OUTBOX#due",
      jobId: `${record.caseId}#0000000001#submitted#household:${record.householdId}`,
    });
  });
});

describe("templates", () => {
  it("fills placeholders; SMS parameters are cut to the policy's length", () => {
    const template = notifications.templates.rejected;
    if (!template) throw new Error("no template");
    const reason = "宅基地面积超过县里规定的标准一百平方米，且占用了基本农田，不符合规划";
    expect(render(template.zh, { caseRef: "AB", reason })).toContain(reason);
    const params = smsParams(template, { caseRef: "AB", reason, kind: "ignored" }, 20);
    expect(Object.keys(params)).toEqual(["caseRef", "reason"]);
    expect([...(params.reason ?? "")]).toHaveLength(20);
  });

  it("refuses a template whose text uses a parameter it does not declare", () => {
    const bad = {
      ...notifications,
      templates: { submitted: { templateId: "X1", zh: "{reason}", en: "x", params: [] } },
    };
    expect(notificationPolicySchema.safeParse(bad).success).toBe(false);
  });
});

describe("quiet hours and backoff", () => {
  it("holds SMS from 21:00 to 08:00 Beijing time, across midnight", () => {
    expect(quietUntil(new Date("2026-12-03T10:00:00Z"), notifications)).toBeUndefined(); // 18:00
    expect(quietUntil(new Date("2026-12-03T14:00:00Z"), notifications)?.toISOString()).toBe(
      "2026-12-04T00:00:00.000Z", // 22:00 → 08:00 the next morning
    );
    expect(quietUntil(new Date("2026-12-03T23:30:00Z"), notifications)?.toISOString()).toBe(
      "2026-12-04T00:00:00.000Z", // 07:30 → 08:00
    );
    expect(quietUntil(new Date("2026-12-04T00:00:00Z"), notifications)).toBeUndefined(); // 08:00 sharp
  });

  it("doubles the wait from the first delay up to the policy's maximum", () => {
    expect([1, 2, 3, 7, 12].map((attempts) => backoffMs(attempts, notifications) / 1000)).toEqual([
      60, 120, 240, 3600, 3600,
    ]);
  });
});

describe("caseRef", () => {
  it("is the first 8 characters of the case id, upper case", () => {
    expect(caseRef("5f0c1e2a-1111")).toBe("5F0C1E2A");
  });
});

describe("inboxes", () => {
  it("gives a villager the household and staff the desks of their role or department", () => {
    expect(inboxesOf({ role: "villager", townships: [], householdId: "H1" })).toEqual([
      { type: "household", id: "H1" },
    ]);
    expect(
      inboxesOf({ role: "department_reviewer", department: "water", townships: ["1", "2"] }).map((d) => d.id),
    ).toEqual(["water@1", "water@2"]);
    expect(inboxesOf({ role: "auditor", townships: ["1"] })).toEqual([]);
  });
});

describe("SMS adapters", () => {
  it("sends the rendered template to +86 through End User Messaging", async () => {
    const sms = mockClient(PinpointSMSVoiceV2Client);
    sms.on(SendTextMessageCommand).resolves({ MessageId: "m-1" });
    const sender = new AwsSmsSender(new PinpointSMSVoiceV2Client({ region: "cn-north-1" }));
    const id = await sender.send({
      to: "13812345678",
      signName: "丹棱县农房审批",
      templateId: "NF_0101",
      params: {},
      text: "【丹棱县农房审批】您好",
      messageId: "job-1",
    });
    expect(id).toBe("m-1");
    expect(sms.commandCalls(SendTextMessageCommand)[0]?.args[0].input).toMatchObject({
      DestinationPhoneNumber: "+8613812345678",
      MessageBody: "【丹棱县农房审批】您好",
      MessageType: "TRANSACTIONAL",
    });
    sms.on(SendTextMessageCommand).rejects(Object.assign(new Error("x"), { name: "ThrottlingException" }));
    await expect(
      sender.send({
        to: "13812345678",
        signName: "s",
        templateId: "t",
        params: {},
        text: "x",
        messageId: "j",
      }),
    ).rejects.toBeInstanceOf(SmsSendError);
    sms.restore();
  });

  it("posts the template id and parameters to an HTTP gateway, never the rendered text", async () => {
    const calls: { url: string; body: unknown; auth: string | null }[] = [];
    const fetcher = (async (url: string, init: RequestInit) => {
      calls.push({
        url,
        body: JSON.parse(String(init.body)),
        auth: new Headers(init.headers).get("authorization"),
      });
      return new Response(JSON.stringify({ messageId: "g-1" }), { status: 200 });
    }) as unknown as typeof fetch;
    const gateway = new HttpGatewaySmsSender("https://sms.example.gov.cn/send", "secret", fetcher);
    expect(
      await gateway.send({
        to: "13812345678",
        signName: "丹棱",
        templateId: "NF_0101",
        params: { caseRef: "AB" },
        text: "ignored",
        messageId: "job-1",
      }),
    ).toBe("g-1");
    expect(calls[0]).toEqual({
      url: "https://sms.example.gov.cn/send",
      auth: "Bearer secret",
      body: {
        messageId: "job-1",
        phoneNumber: "13812345678",
        signName: "丹棱",
        templateId: "NF_0101",
        templateParams: { caseRef: "AB" },
      },
    });
    const failing = new HttpGatewaySmsSender(
      "https://x.example",
      undefined,
      (async () => new Response("", { status: 503 })) as unknown as typeof fetch,
    );
    await expect(
      failing.send({ to: "1", signName: "s", templateId: "t", params: {}, text: "", messageId: "j" }),
    ).rejects.toThrow("503");
  });
});
