/**
 * Publishing the public notice (公示) and taking objections to it.
 *
 * The pre-check publishes the notice in the transaction that starts it
 * (`startPublicNotice`), so a case in public notice always has its notice;
 * the workflow's PublicNotice Wait is the notice's one timer, from the same
 * start and length. Anyone may read the township's notices and lodge an
 * objection while the notice runs; each objection is stored with an audit
 * event on the case, in one transaction. The village officer sees the
 * objections in the case review and records how each was handled with the
 * village review decision (shared/review/decide.ts); approving is refused
 * while one is unhandled.
 */
import { randomUUID } from "node:crypto";
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import type { Encryptor } from "../crypto/encryptor.ts";
import { type Bilingual, DomainError, ResourceNotFoundError } from "../errors.ts";
import type { ApplicationComplete } from "../schemas/application.ts";
import type { CaseRecord } from "../schemas/case.ts";
import type { CaseStore, TransactItem } from "../store/case-store.ts";
import { queryAll } from "../store/query-all.ts";
import {
  buildNotice,
  isOpen,
  type NoticeItem,
  noticeItemSchema,
  noticeKey,
  noticeListKey,
  noticeListPartition,
  OBJECTION_PREFIX,
  type ObjectionHandling,
  type ObjectionInput,
  type ObjectionItem,
  objectionItemSchema,
  objectionKey,
  publicView,
  unhandledObjections,
} from "./notice.ts";

/** The case (0), its event (1), the objection (2), then the notice's count. */
const COUNT_INDEX = 3;

/** Who lodges an objection: the public, unauthenticated (recorded as such in the case's chain). */
export const PUBLIC_ACTOR = { id: "public", role: "public" } as const;

/** The notice items to write with `startPublicNotice`, and what the case records of its notice. */
export function publicationWrites(
  tableName: string,
  record: Pick<CaseRecord, "caseId" | "townshipCode" | "villageCode">,
  application: ApplicationComplete,
  window: { readonly startsAt: string; readonly endsAt: string },
): { readonly items: TransactItem[]; readonly notice: NoticeItem } {
  const notice = buildNotice(
    {
      noticeId: randomUUID(),
      caseId: record.caseId,
      townshipCode: record.townshipCode,
      villageCode: record.villageCode,
    },
    application,
    window,
  );
  const item = (key: { pk: string; sk: string }) => ({
    Put: {
      TableName: tableName,
      Item: { ...key, type: "public_notice", ...notice },
      ConditionExpression: "attribute_not_exists(pk)",
    },
  });
  return {
    notice,
    items: [
      item(noticeKey(notice.noticeId)),
      item(noticeListKey(notice.townshipCode, notice.villageCode, notice.startsAt, notice.noticeId)),
    ],
  };
}

const stripKeys = ({ pk: _pk, sk: _sk, type: _type, ...rest }: Record<string, unknown>) => rest;

export async function readNotice(
  client: DynamoDBDocumentClient,
  tableName: string,
  noticeId: string,
): Promise<NoticeItem | undefined> {
  const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: noticeKey(noticeId) }));
  return Item ? noticeItemSchema.parse(stripKeys(Item)) : undefined;
}

export const noticeListQuerySchema = z
  .strictObject({
    township: z
      .string()
      .regex(/^\d{9}$/)
      .optional(),
    village: z
      .string()
      .regex(/^\d{12}$/)
      .optional(),
    /** `open`: only notices taking objections now (default); `all`: also the ended ones. */
    status: z.enum(["open", "all"]).default("open"),
  })
  .refine((query) => query.township !== undefined || query.village !== undefined, {
    error: "Give a township (9 digits) or a village (12 digits)",
  });
export type NoticeListQuery = z.infer<typeof noticeListQuerySchema>;

/** A listing asked for a village of another township. */
export class VillageOutsideTownshipError extends DomainError {
  constructor() {
    super({ en: "The village does not lie in that township", zh: "该村不属于此乡镇" });
  }
}

/** A township's (or one village's) notices, newest first: one Query on the township's listing. */
export async function listNotices(
  client: DynamoDBDocumentClient,
  tableName: string,
  query: NoticeListQuery,
  now: Date,
) {
  const township = query.township ?? query.village?.slice(0, 9) ?? "";
  if (query.village && query.township && !query.village.startsWith(query.township)) {
    throw new VillageOutsideTownshipError();
  }
  const items = await queryAll(client, {
    TableName: tableName,
    KeyConditionExpression: query.village ? "pk = :pk AND begins_with(sk, :village)" : "pk = :pk",
    ExpressionAttributeValues: {
      ":pk": noticeListPartition(township),
      ...(query.village ? { ":village": `${query.village}#` } : {}),
    },
  });
  const notices = items
    .map((item) => publicView(noticeItemSchema.parse(stripKeys(item)), now))
    .filter((notice) => query.status === "all" || notice.open)
    .sort((a, b) => b.startsAt.localeCompare(a.startsAt));
  return { notices };
}

export async function getPublicNotice(
  client: DynamoDBDocumentClient,
  tableName: string,
  noticeId: string,
  now: Date,
) {
  const notice = await readNotice(client, tableName, noticeId);
  if (!notice)
    throw new ResourceNotFoundError({ en: `No public notice ${noticeId}`, zh: `无此公示 ${noticeId}` });
  return publicView(notice, now);
}

/** The notice has ended (or not begun): objections are no longer taken. */
export class NoticeClosedError extends DomainError {
  constructor(notice: Pick<NoticeItem, "noticeId" | "endsAt">) {
    super(
      {
        en: `The public notice ${notice.noticeId} took objections until ${notice.endsAt}; it has ended`,
        zh: `公示期已结束（截止 ${notice.endsAt}），不再受理异议`,
      },
      { endsAt: notice.endsAt },
    );
  }
}

/**
 * At most this many objections per notice: a bound on what an anonymous caller can
 * make the platform store (and the village officer read), far above any real notice.
 */
export const MAX_OBJECTIONS_PER_NOTICE = 300;

export class ObjectionLimitError extends DomainError {
  constructor(noticeId: string) {
    super({
      en: `The notice ${noticeId} has received the most objections it takes (${MAX_OBJECTIONS_PER_NOTICE}); contact the village committee`,
      zh: `此公示收到的异议已达上限（${MAX_OBJECTIONS_PER_NOTICE} 条），请直接联系村委会`,
    });
  }
}

export interface ObjectionDeps {
  readonly store: CaseStore;
  readonly encryptor: () => Encryptor | undefined;
  readonly now: () => Date;
}

/**
 * Anyone lodges an objection while the notice runs: the objection (its contact
 * sealed) and a `lodgeObjection` event on the case, in one transaction.
 */
export async function lodgeObjection(deps: ObjectionDeps, noticeId: string, input: ObjectionInput) {
  const { client, tableName } = deps.store;
  const notice = await readNotice(client, tableName, noticeId);
  if (!notice)
    throw new ResourceNotFoundError({ en: `No public notice ${noticeId}`, zh: `无此公示 ${noticeId}` });
  const now = deps.now();
  if (!isOpen(notice, now)) throw new NoticeClosedError(notice);
  const objectionId = randomUUID();
  let contact: ObjectionItem["contact"];
  if (input.contact !== undefined) {
    const encryptor = deps.encryptor();
    if (!encryptor) throw new Error("No keyring: an objector's contact is never stored unencrypted");
    contact = await encryptor.seal(input.contact, { noticeId, objectionId });
  }
  const objection: ObjectionItem = {
    objectionId,
    noticeId,
    caseId: notice.caseId,
    text: input.text,
    ...(contact ? { contact } : {}),
    lodgedAt: now.toISOString(),
  };
  try {
    await deps.store.withRetry(notice.caseId, (record) =>
      deps.store.record(record, {
        actor: PUBLIC_ACTOR,
        action: "lodgeObjection",
        data: { noticeId, objectionId, characters: input.text.length, withContact: contact !== undefined },
        alsoWrite: [
          {
            Put: {
              TableName: tableName,
              Item: { ...objectionKey(noticeId, objectionId), type: "objection", ...objection },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          // The notice counts its objections, up to the bound (index COUNT_INDEX of the transaction).
          {
            Update: {
              TableName: tableName,
              Key: noticeKey(noticeId),
              UpdateExpression: "ADD objectionCount :one",
              ConditionExpression: "attribute_not_exists(objectionCount) OR objectionCount < :max",
              ExpressionAttributeValues: { ":one": 1, ":max": MAX_OBJECTIONS_PER_NOTICE },
            },
          },
        ],
      }),
    );
  } catch (error) {
    if (
      error instanceof TransactionCanceledException &&
      error.CancellationReasons?.[COUNT_INDEX]?.Code === "ConditionalCheckFailed"
    ) {
      throw new ObjectionLimitError(noticeId);
    }
    throw error;
  }
  return { objectionId, noticeId, lodgedAt: objection.lodgedAt };
}

export async function objectionsOf(
  client: DynamoDBDocumentClient,
  tableName: string,
  noticeId: string,
): Promise<ObjectionItem[]> {
  const items = await queryAll(client, {
    TableName: tableName,
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :objection)",
    ExpressionAttributeValues: { ":pk": noticeKey(noticeId).pk, ":objection": OBJECTION_PREFIX },
    ConsistentRead: true,
  });
  return items
    .map((item) => objectionItemSchema.parse(stripKeys(item)))
    .sort((a, b) => a.lodgedAt.localeCompare(b.lodgedAt));
}

/** Objections as the case review shows them: the contact opened for whoever may see personal data. */
export async function objectionsForReview(
  store: CaseStore,
  encryptor: Encryptor | undefined,
  record: Pick<CaseRecord, "publicNotice">,
  unmasked: boolean,
) {
  if (!record.publicNotice) return [];
  const objections = await objectionsOf(store.client, store.tableName, record.publicNotice.noticeId);
  return Promise.all(
    objections.map(async ({ contact, caseId: _case, ...objection }) => ({
      ...objection,
      hasContact: contact !== undefined,
      ...(contact && unmasked && encryptor
        ? {
            contact: await encryptor.open(contact, {
              noticeId: objection.noticeId,
              objectionId: objection.objectionId,
            }),
          }
        : {}),
    })),
  );
}

/** Both languages of an objections answer: what is unhandled, and what the case's notice does not have. */
function objectionsText(unhandled: readonly string[], unknown: readonly string[]): Bilingual {
  const lines = (en: boolean) =>
    [
      unhandled.length > 0
        ? en
          ? `Record how each objection to the public notice was handled before approving; unhandled: ${unhandled.join(", ")}`
          : `请先记录每条公示异议的处理情况：${unhandled.join("、")}`
        : "",
      unknown.length > 0
        ? en
          ? `No such objections to this case's notice: ${unknown.join(", ")}`
          : `本案公示无此异议：${unknown.join("、")}`
        : "",
    ]
      .filter(Boolean)
      .join(en ? "; " : "；");
  return { en: lines(true), zh: lines(false) };
}

/** An approving village review leaves objections unhandled (it may also name some the notice does not have). */
export class ObjectionsUnhandledError extends DomainError {
  constructor(unhandled: readonly string[], unknown: readonly string[]) {
    super(objectionsText(unhandled, unknown), { unhandled, unknown });
  }
}

/** A village review handles objections the case's notice does not have. */
export class ObjectionsUnknownError extends DomainError {
  constructor(unhandled: readonly string[], unknown: readonly string[]) {
    super(objectionsText(unhandled, unknown), { unhandled, unknown });
  }
}

/**
 * The checks and writes of a village review decision about the objections:
 * handling recorded for objections the notice has; an approval handles every
 * one (earlier handling counts). Returns the objection updates to commit with
 * the decision; its event's data carries the handling (the audit record).
 */
export async function objectionHandlingWrites(
  store: CaseStore,
  record: Pick<CaseRecord, "publicNotice">,
  input: { readonly outcome: string; readonly objections?: ObjectionHandling },
  by: string,
  at: string,
): Promise<TransactItem[]> {
  const handling = input.objections ?? {};
  const objections = record.publicNotice
    ? await objectionsOf(store.client, store.tableName, record.publicNotice.noticeId)
    : [];
  const known = new Set(objections.map((objection) => objection.objectionId));
  const unknown = Object.keys(handling).filter((id) => !known.has(id));
  const unhandled = input.outcome === "approved" ? unhandledObjections(objections, handling) : [];
  if (unhandled.length > 0) throw new ObjectionsUnhandledError(unhandled, unknown);
  if (unknown.length > 0) throw new ObjectionsUnknownError(unhandled, unknown);
  const noticeId = record.publicNotice?.noticeId;
  if (!noticeId) return [];
  return Object.entries(handling).map(([objectionId, text]) => ({
    Update: {
      TableName: store.tableName,
      Key: objectionKey(noticeId, objectionId),
      UpdateExpression: "SET handling = :text, handledAt = :at, handledBy = :by",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeValues: { ":text": text, ":at": at, ":by": by },
    },
  }));
}
