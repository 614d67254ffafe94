/**
 * The county's notification policy: who is told what, by SMS and in the app
 * (消息), with which registered SMS template, when SMS may not be sent (quiet
 * hours), how often staff may be texted, and how hard a failing SMS is retried.
 *
 * SMS in mainland China must use a registered sign name (签名) and templates
 * (模板) approved by the carrier or the provincial gateway: the policy holds
 * each template's id, its registered text with `{param}` placeholders and the
 * parameters the platform fills in. Code never sends free text; a reviewer's
 * comment reaches SMS only as a parameter cut to `paramMaxChars`.
 */
import * as z from "zod";

/** Message kinds the platform produces (shared/notify/messages.ts says from which event). */
export const HOUSEHOLD_MESSAGE_KINDS = [
  "submitted",
  "accepted",
  "returned",
  "correction_requested",
  "notice_started",
  "notice_ended",
  "objection_lodged",
  "approved",
  "rejected",
  "certificates_ready",
  "visit_scheduled",
  "completion_reminder",
] as const;
export const STAFF_MESSAGE_KINDS = [
  "step_opened",
  "step_reminder",
  "escalated",
  "incident_opened",
  /** One SMS standing for several batched `step_opened` messages of one person. */
  "staff_batch",
  /** The daily digest of a person who asked for one SMS a day. */
  "staff_digest",
] as const;
/** One-time codes sent at once, not through the outbox (代办 consent and claim, shared/assisted/on-behalf.ts). */
export const CODE_MESSAGE_KINDS = ["consent_code", "claim_code"] as const;
export const MESSAGE_KINDS = [
  ...HOUSEHOLD_MESSAGE_KINDS,
  ...STAFF_MESSAGE_KINDS,
  ...CODE_MESSAGE_KINDS,
] as const;
export const messageKindSchema = z.enum(MESSAGE_KINDS);
export type MessageKind = z.infer<typeof messageKindSchema>;

/** The parameters code can fill in; a template may use any subset. */
export const MESSAGE_PARAMS = [
  "caseRef",
  "kind",
  "reason",
  "fields",
  "deadline",
  "endsAt",
  "step",
  "count",
  "certificates",
  "validUntil",
  "township",
  /** A one-time code (never stored in clear, never in the app's messages). */
  "code",
  /** How many minutes a one-time code stays valid. */
  "minutes",
] as const;
export const messageParamSchema = z.enum(MESSAGE_PARAMS);
export type MessageParam = z.infer<typeof messageParamSchema>;

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: "a time of day HH:MM" });

export const messageTemplateSchema = z
  .strictObject({
    /** The template id registered with the SMS provider (e.g. `SMS_300000001`). */
    templateId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    /** The registered text, Chinese, with `{param}` placeholders; the in-app message uses it too. */
    zh: z.string().min(1).max(300),
    /** English in-app text for staff who read the app in English (never sent by SMS). */
    en: z.string().min(1).max(300),
    params: z.array(messageParamSchema),
    /** false: in the app only (消息), no SMS. */
    sms: z.boolean().default(true),
  })
  .superRefine((template, ctx) => {
    for (const text of [template.zh, template.en]) {
      for (const match of text.matchAll(/\{(\w+)\}/g)) {
        if (!template.params.includes(match[1] as MessageParam))
          ctx.addIssue({ code: "custom", message: `placeholder {${match[1]}} is not in params` });
      }
    }
  });
export type MessageTemplate = z.infer<typeof messageTemplateSchema>;

export const notificationPolicySchema = z.strictObject({
  /** The registered SMS sign name (签名), without brackets: sent as 【…】 before the text. */
  signName: z.string().min(2).max(20),
  /** Local time of the county (China: Asia/Shanghai, no daylight saving). */
  utcOffsetMinutes: z.int().min(-720).max(840).default(480),
  /** No SMS from `from` to `to` (local time; may span midnight); in-app messages are not held. */
  quietHours: z.strictObject({ from: clock, to: clock }).optional(),
  /** A failing SMS is retried with exponential backoff, then shown to the county admin as failed. */
  retry: z.strictObject({
    maxAttempts: z.int().min(1).max(20),
    firstDelaySeconds: z.int().min(1),
    maxDelaySeconds: z.int().min(1),
  }),
  staff: z.strictObject({
    /** New steps: at most one SMS per person per this many minutes (the rest wait and go together). */
    batchIntervalMinutes: z.int().min(1).max(1440),
    /** Staff who chose a daily digest get it at this local time. */
    digestAt: clock,
  }),
  /** Characters a free-text parameter (a reason) keeps in an SMS; the in-app message keeps it whole. */
  paramMaxChars: z.int().min(4).max(70).default(20),
  /** Who is told what: a kind without a template is not sent at all. */
  templates: z.partialRecord(messageKindSchema, messageTemplateSchema),
});
export type NotificationPolicy = z.infer<typeof notificationPolicySchema>;
