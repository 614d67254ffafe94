/**
 * The message centre (消息) of every role: the caller's messages newest first
 * with the unread count, marking them read, the caller's SMS settings, and the
 * county admin's list of SMS that could not be delivered.
 *
 * Read state is a watermark per person and inbox (`READER#<user>` /
 * `INBOX#<recipient>`): messages sort by time, so "unread" is "newer than the
 * newest one the person marked read", counted with one Query per inbox.
 */
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { jurisdictionOf } from "../audit/jurisdiction.ts";
import type { Actor } from "../auth/actor.ts";
import type { Encryptor } from "../crypto/encryptor.ts";
import { isMainlandMobile, maskPhone, normalizePhone } from "../domain/phone.ts";
import { NotPermittedError, ResourceNotFoundError } from "../errors.ts";
import { messageKindSchema } from "../schemas/notifications.ts";
import { MESSAGE_PREFIX } from "../store/keys.ts";
import { inboxesOf, parseRecipientKey, type Recipient, recipientKey } from "./desks.ts";
import {
  deskMemberKey,
  FAILED_PARTITION,
  householdPrefsKey,
  inboxPartition,
  readerKey,
  staffPrefsKey,
} from "./outbox.ts";
import { householdPrefsSchema, STAFF_SMS_MODES, staffPrefsSchema } from "./prefs.ts";

export interface InboxDeps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly encryptor?: () => Encryptor | undefined;
}

const MAX_UNREAD = 99;

export const messageListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(30),
});

const bilingual = z.strictObject({ zh: z.string(), en: z.string() });

export const messageViewSchema = z
  .strictObject({
    id: z.string(),
    kind: messageKindSchema,
    caseId: z.string(),
    title: bilingual,
    createdAt: z.string(),
    read: z.boolean(),
    /** Also sent by SMS (subject to quiet hours and the household's choice). */
    sms: z.boolean(),
  })
  .meta({ id: "Message" });
export type MessageView = z.infer<typeof messageViewSchema>;

export const notificationSettingsSchema = z
  .strictObject({
    /** Villagers: the household receives no SMS (in-app messages stay). */
    smsOptOut: z.boolean().optional(),
    /** Staff: `batched`, `digest` or `off`. */
    mode: z.enum(STAFF_SMS_MODES).optional(),
    /** Staff: the phone SMS goes to, masked. */
    phone: z.string().nullable().optional(),
  })
  .meta({ id: "NotificationSettings" });

export const messagePageSchema = z
  .strictObject({
    unread: z.int().min(0),
    items: z.array(messageViewSchema),
    settings: notificationSettingsSchema,
  })
  .meta({ id: "MessagePage" });
export type MessagePage = z.infer<typeof messagePageSchema>;

export const markReadInputSchema = z.strictObject({
  /** Message ids (from GET /messages): each inbox is read up to the newest one given. */
  ids: z.array(z.string().min(1).max(400)).min(1).max(100),
});
export const markReadResultSchema = z.strictObject({ unread: z.int().min(0) }).meta({ id: "MarkReadResult" });

export const settingsInputSchema = z.strictObject({
  smsOptOut: z.boolean().optional(),
  mode: z.enum(STAFF_SMS_MODES).optional(),
  /** Staff: an 11-digit mainland mobile number, or null to remove it. */
  phone: z
    .string()
    .max(20)
    .refine(isMainlandMobile, { error: "phone.mobile" })
    .transform(normalizePhone)
    .nullable()
    .optional(),
});
export type SettingsInput = z.infer<typeof settingsInputSchema>;

export const failedSmsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
/** An SMS job given up, as stored in the failed partition. */
const failedItem = z.object({
  jobId: z.string(),
  kind: messageKindSchema,
  caseId: z.string(),
  townshipCode: z.string(),
  recipient: z.string(),
  attempts: z.int(),
  lastError: z.string(),
  at: z.string(),
});
/** The admin's page: the stored jobs, their `at` named `failedAt`. */
export const failedSmsPageSchema = z
  .strictObject({
    items: z.array(failedItem.omit({ at: true }).extend({ failedAt: z.string() }).strict()),
  })
  .meta({ id: "FailedSmsPage" });

const storedMessage = z.object({
  pk: z.string(),
  sk: z.string(),
  recipient: z.string(),
  kind: messageKindSchema,
  caseId: z.string(),
  title: bilingual,
  createdAt: z.string(),
  sms: z.boolean(),
});

const messageId = (recipient: string, sk: string) => `${recipient}|${sk}`;

async function watermarks(
  deps: InboxDeps,
  actor: Actor,
  inboxes: readonly Recipient[],
): Promise<Map<string, string>> {
  const marks = new Map<string, string>();
  if (inboxes.length === 0) return marks;
  const { Responses } = await deps.client.send(
    new BatchGetCommand({
      RequestItems: { [deps.tableName]: { Keys: inboxes.map((inbox) => readerKey(actor.id, inbox)) } },
    }),
  );
  for (const item of Responses?.[deps.tableName] ?? [])
    marks.set(String(item.sk).replace(/^INBOX#/, ""), String(item.readUpTo));
  return marks;
}

async function unreadCount(deps: InboxDeps, inboxes: readonly Recipient[], marks: Map<string, string>) {
  let unread = 0;
  for (const inbox of inboxes) {
    const after = marks.get(recipientKey(inbox));
    const { Count } = await deps.client.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
        ExpressionAttributeValues: {
          ":pk": inboxPartition(inbox),
          ":from": after ? `${after}\u0000` : MESSAGE_PREFIX,
          ":to": `${MESSAGE_PREFIX}\uffff`,
        },
        Select: "COUNT",
        Limit: MAX_UNREAD + 1,
      }),
    );
    unread += Count ?? 0;
  }
  return Math.min(unread, MAX_UNREAD);
}

async function settingsOf(deps: InboxDeps, actor: Actor): Promise<MessagePage["settings"]> {
  const key =
    actor.role === "villager" ? householdPrefsKey(actor.householdId ?? "") : staffPrefsKey(actor.id);
  const { Items = [] } = await deps.client.send(
    new QueryCommand({
      TableName: deps.tableName,
      KeyConditionExpression: "pk = :pk AND sk = :sk",
      ExpressionAttributeValues: { ":pk": key.pk, ":sk": key.sk },
    }),
  );
  if (actor.role === "villager") return { smsOptOut: householdPrefsSchema.parse(Items[0] ?? {}).smsOptOut };
  const staff = staffPrefsSchema.parse(Items[0] ?? {});
  return { mode: staff.mode, phone: staff.phoneMasked ?? null };
}

/** GET /messages: the caller's messages, newest first, with the unread count and SMS settings. */
export async function listMessages(
  deps: InboxDeps,
  actor: Actor,
  query: z.infer<typeof messageListQuerySchema>,
): Promise<MessagePage> {
  const inboxes = inboxesOf(actor);
  const marks = await watermarks(deps, actor, inboxes);
  const items: MessageView[] = [];
  for (const inbox of inboxes) {
    const { Items = [] } = await deps.client.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :msg)",
        ExpressionAttributeValues: { ":pk": inboxPartition(inbox), ":msg": MESSAGE_PREFIX },
        ScanIndexForward: false,
        Limit: query.limit,
      }),
    );
    const mark = marks.get(recipientKey(inbox));
    for (const raw of Items) {
      const item = storedMessage.parse(raw);
      items.push({
        id: messageId(item.recipient, item.sk),
        kind: item.kind,
        caseId: item.caseId,
        title: item.title,
        createdAt: item.createdAt,
        read: mark !== undefined && item.sk <= mark,
        sms: item.sms,
      });
    }
  }
  items.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  return {
    unread: await unreadCount(deps, inboxes, marks),
    items: items.slice(0, query.limit),
    settings: await settingsOf(deps, actor),
  };
}

/** POST /messages/read: each inbox named is read up to the newest message given (never moves back). */
export async function markRead(
  deps: InboxDeps,
  actor: Actor,
  input: z.infer<typeof markReadInputSchema>,
): Promise<{ unread: number }> {
  const inboxes = inboxesOf(actor);
  const mine = new Set(inboxes.map(recipientKey));
  const newest = new Map<string, string>();
  for (const id of input.ids) {
    const [recipient = "", sk = ""] = id.split("|");
    if (!mine.has(recipient) || !sk.startsWith(MESSAGE_PREFIX) || !parseRecipientKey(recipient))
      throw new ResourceNotFoundError({ en: `No message ${id}`, zh: `未找到消息 ${id}` });
    const current = newest.get(recipient);
    if (!current || sk > current) newest.set(recipient, sk);
  }
  for (const [recipient, sk] of newest) {
    const inbox = parseRecipientKey(recipient);
    if (!inbox) continue;
    try {
      await deps.client.send(
        new UpdateCommand({
          TableName: deps.tableName,
          Key: readerKey(actor.id, inbox),
          UpdateExpression: "SET readUpTo = :sk, #type = :type",
          ConditionExpression: "attribute_not_exists(readUpTo) OR readUpTo < :sk",
          ExpressionAttributeNames: { "#type": "type" },
          ExpressionAttributeValues: { ":sk": sk, ":type": "reader" },
        }),
      );
    } catch (error) {
      // Already read further (another tab): nothing to do.
      if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
    }
  }
  return { unread: await unreadCount(deps, inboxes, await watermarks(deps, actor, inboxes)) };
}

/** PUT /messages/settings: a household's SMS opt-out; a staff member's phone (sealed) and SMS mode. */
export async function saveSettings(
  deps: InboxDeps,
  actor: Actor,
  input: SettingsInput,
): Promise<MessagePage["settings"]> {
  if (actor.role === "villager") {
    if (!actor.householdId || input.mode !== undefined || input.phone !== undefined)
      throw new NotPermittedError({
        en: "A household chooses only whether it receives SMS (smsOptOut); its phone is the one on its application",
        zh: "农户只能选择是否接收短信；短信发送到申请表中的户主电话",
      });
    const smsOptOut = input.smsOptOut ?? false;
    await deps.client.send(
      new PutCommand({
        TableName: deps.tableName,
        Item: {
          ...householdPrefsKey(actor.householdId),
          type: "prefs",
          smsOptOut,
          updatedAt: new Date().toISOString(),
        },
      }),
    );
    return { smsOptOut };
  }
  if (input.smsOptOut !== undefined)
    throw new NotPermittedError({
      en: "Staff choose a mode (batched, digest, off)",
      zh: "工作人员请选择短信方式",
    });
  const key = staffPrefsKey(actor.id);
  const { Items = [] } = await deps.client.send(
    new QueryCommand({
      TableName: deps.tableName,
      KeyConditionExpression: "pk = :pk AND sk = :sk",
      ExpressionAttributeValues: { ":pk": key.pk, ":sk": key.sk },
      ConsistentRead: true,
    }),
  );
  const previous = staffPrefsSchema.parse(Items[0] ?? {});
  const mode = input.mode ?? previous.mode;
  let phone = previous.phone;
  let phoneMasked = previous.phoneMasked;
  if (input.phone === null) {
    phone = undefined;
    phoneMasked = undefined;
  } else if (input.phone !== undefined) {
    const encryptor = deps.encryptor?.();
    if (!encryptor) throw new Error("No keyring configured: a phone number is never stored unencrypted");
    phone = await encryptor.seal(input.phone, { userId: actor.id });
    phoneMasked = maskPhone(input.phone);
  }
  const desks = phone && mode !== "off" ? inboxesOf(actor).map((inbox) => inbox.id) : [];
  await deps.client.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...key,
        type: "prefs",
        mode,
        desks,
        ...(phone ? { phone, phoneMasked } : {}),
        ...(previous.lastSmsAt ? { lastSmsAt: previous.lastSmsAt } : {}),
        ...(previous.lastDigestAt ? { lastDigestAt: previous.lastDigestAt } : {}),
      },
    }),
  );
  // The desks' member lists follow: added for the desks worked now, removed for the ones left.
  for (const desk of previous.desks.filter((desk) => !desks.includes(desk)))
    await deps.client.send(
      new DeleteCommand({ TableName: deps.tableName, Key: deskMemberKey(desk, actor.id) }),
    );
  for (const desk of desks)
    await deps.client.send(
      new PutCommand({
        TableName: deps.tableName,
        Item: { ...deskMemberKey(desk, actor.id), type: "desk-member", userId: actor.id },
      }),
    );
  return { mode, phone: phoneMasked ?? null };
}

/** GET /admin/notifications/failed: SMS given up after the policy's attempts, newest first, in the admin's jurisdiction. */
export async function listFailedSms(
  deps: InboxDeps,
  actor: Actor,
  query: z.infer<typeof failedSmsQuerySchema>,
): Promise<z.infer<typeof failedSmsPageSchema>> {
  const jurisdiction = jurisdictionOf(actor);
  const { Items = [] } = await deps.client.send(
    new QueryCommand({
      TableName: deps.tableName,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": FAILED_PARTITION },
      ScanIndexForward: false,
      Limit: 500,
    }),
  );
  const items = Items.map((item) => failedItem.parse(item))
    .filter((item) => jurisdiction.covers(item.townshipCode))
    .slice(0, query.limit)
    .map(({ at, recipient, ...item }) => ({
      ...item,
      // A desk or a household id; never a phone number.
      recipient,
      failedAt: at,
    }));
  return { items };
}
