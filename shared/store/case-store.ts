import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Encryptor } from "../crypto/encryptor.ts";
import { defaultEncryptor } from "../crypto/from-env.ts";
import { appendEvent } from "../domain/audit-chain.ts";
import { type CaseStatus, type CaseVerb, type TransitionFacts, transition } from "../domain/case-status.ts";
import { OVERALL_CLOCK_LIMIT, overallClockAfter } from "../domain/overall-clock.ts";
import { ConflictError, NotFoundError } from "../http/errors.ts";
import { messagesFor } from "../notify/messages.ts";
import { outboxWrites } from "../notify/outbox.ts";
import {
  type ApplicationSecrets,
  applicationSecretsSchema,
  hasSecrets,
  mergeSecrets,
  splitApplication,
} from "../personal-data/application.ts";
import type { ApplicationDraft } from "../schemas/application.ts";
import type { AuditActor, AuditEvent } from "../schemas/audit-event.ts";
import { auditEventSchema } from "../schemas/audit-event.ts";
import { type CaseRecord, caseRecordSchema, type StepRecord, stepRecordSchema } from "../schemas/case.ts";
import type { SealedPersonalData } from "../schemas/personal-data.ts";
import { householdWrites } from "./household-items.ts";
import {
  CASE_ITEM_PREFIX,
  caseKey,
  eventKey,
  eventTimeKeys,
  ownerKeys,
  ownerPartition,
  registerKeys,
  searchKeys,
} from "./keys.ts";
import { batchGetAll, queryAll } from "./query-all.ts";
import { StepStore } from "./step-store.ts";
import { CASE_TABLE, keyAttributes } from "./table-design.ts";

export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** The case changed under us (another writer appended an event first): re-read and retry, or answer 409. */
export class CaseChangedError extends ConflictError {
  constructor(caseId: string) {
    super(
      {
        en: `Case ${caseId} was changed by someone else; reload and try again`,
        zh: `案件 ${caseId} 已被他人修改，请刷新后重试`,
      },
      undefined,
      "case_changed",
    );
  }
}

export interface CaseChange {
  readonly actor: AuditActor;
  /** The event's action: a case verb, or a step action such as `respondToConsultation`. */
  readonly action: string;
  readonly comment?: string;
  readonly data?: Record<string, unknown>;
  /** Other case attributes to set in the same write (never status/eventSeq/eventHead). */
  readonly set?: Partial<Omit<CaseRecord, "caseId" | "status" | "eventSeq" | "eventHead">>;
  readonly remove?: readonly (keyof CaseRecord)[];
  /** Items that must change together with the case and its event (conditional step writes…). */
  readonly alsoWrite?: readonly TransactItem[];
}

export interface CaseItems {
  readonly record: CaseRecord;
  readonly steps: StepRecord[];
  readonly events: AuditEvent[];
  readonly documents: Record<string, unknown>[];
}

// Every key attribute of the table design (GSIs included): stripped from items before schema parsing.
const KEY_ATTRIBUTES = keyAttributes(CASE_TABLE).map((attribute) => attribute.name);

function withoutKeys(item: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(item).filter(([key]) => !KEY_ATTRIBUTES.includes(key) && key !== "type"),
  );
}

/** Personal data to store and no keyring configured: refuse rather than store it in the clear. */
export class PersonalDataKeyMissingError extends Error {
  override name = "PersonalDataKeyMissingError";
  constructor() {
    super("No keyring is configured (FIELD_KEYRING): ID and phone numbers are never stored unencrypted");
  }
}

/** Keyed-hash purposes: one per kind of value, so a member and a head with one ID number hash alike. */
const HASH_PURPOSE = { idNumber: "idNumber", phone: "phone", name: "name" } as const;

/** A name as people type it: no spaces (全角 or not), ASCII letters lower-case. */
export const normalizedName = (name: string) => name.normalize("NFKC").replace(/\s+/g, "").toLowerCase();

function isCancelledByCondition(error: unknown, index: number): boolean {
  return (
    error instanceof TransactionCanceledException &&
    error.CancellationReasons?.[index]?.Code === "ConditionalCheckFailed"
  );
}

/**
 * Cases, their events and the case-level writes of every transition.
 *
 * A status change, the audit event that records it and any item that must
 * change with it (a step's decision) are one transaction, guarded by the
 * case's event sequence number: two writers can never both append event N,
 * and a status can never change without its event.
 *
 * Personal data (PIPL): the form's ID and phone numbers are sealed on every
 * write (envelope encryption, shared/crypto/encryptor.ts, the case id as
 * encryption context) and stored in `personalData` beside a keyed hash of each;
 * the stored `application` never holds them. A store with the key (functions
 * bound to it) opens them on read, so its callers see the whole form; a store
 * without the key reads the form without them and carries the sealed part
 * through its writes untouched.
 */
/**
 * The sealed part of cases this container opened or sealed, by case id, with
 * the numbers it holds: a write whose numbers did not change reuses it instead
 * of sealing afresh (one KMS GenerateDataKey and three keyed hashes per case
 * write otherwise, the largest KMS cost of a permit; bench/cost-per-permit.ts).
 * Bounded: the oldest entries go first.
 */
/** The numbers of a form, as the cache compares them (splitApplication builds them in a fixed key order). */
const secretsKey = (secrets: ApplicationSecrets): string => JSON.stringify(secrets);

class SealedCache {
  private readonly entries = new Map<
    string,
    { readonly secrets: string; readonly sealed: SealedPersonalData }
  >();
  constructor(private readonly capacity = 256) {}

  get(caseId: string, secrets: string): SealedPersonalData | undefined {
    const entry = this.entries.get(caseId);
    return entry?.secrets === secrets ? entry.sealed : undefined;
  }

  set(caseId: string, secrets: string, sealed: SealedPersonalData): void {
    this.entries.delete(caseId);
    this.entries.set(caseId, { secrets, sealed });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}

export class CaseStore {
  private readonly sealedCache = new SealedCache();
  /** The case's STEP, TOKEN and ESCALATION items (their changes go into this store's transactions). */
  readonly steps: StepStore;

  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
    private readonly encryptor: () => Encryptor | undefined = () => defaultEncryptor(),
  ) {
    this.steps = new StepStore(client, tableName, now);
  }

  async get(caseId: string): Promise<CaseRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: caseKey(caseId), ConsistentRead: true }),
    );
    return Item ? this.open(Item) : undefined;
  }

  /** Parses a stored case and, with the key, merges its ID and phone numbers back into the form. */
  private async open(item: Record<string, unknown>): Promise<CaseRecord> {
    const record = caseRecordSchema.parse(withoutKeys(item));
    const encryptor = this.encryptor();
    if (!record.personalData || !encryptor) return record;
    const { personalData, ...rest } = record;
    const secrets = applicationSecretsSchema.parse(
      JSON.parse(await encryptor.open(personalData.sealed, { caseId: record.caseId })),
    );
    const application = mergeSecrets(record.application, secrets);
    // Keyed by the numbers as a later write will split them from this form.
    this.sealedCache.set(record.caseId, secretsKey(splitApplication(application).secrets), personalData);
    return { ...rest, application };
  }

  /** Seals the numbers of a form, with their keyed hashes (by form path). */
  private async seal(caseId: string, secrets: ApplicationSecrets): Promise<SealedPersonalData> {
    const encryptor = this.encryptor();
    if (!encryptor) throw new PersonalDataKeyMissingError();
    const hashes: Record<string, string> = {};
    if (secrets.head?.idNumber !== undefined)
      hashes["head.idNumber"] = await encryptor.keyedHash(HASH_PURPOSE.idNumber, secrets.head.idNumber);
    if (secrets.head?.phone !== undefined)
      hashes["head.phone"] = await encryptor.keyedHash(HASH_PURPOSE.phone, secrets.head.phone);
    for (const [index, member] of (secrets.members ?? []).entries()) {
      if (member.idNumber !== undefined)
        hashes[`members.${index}.idNumber`] = await encryptor.keyedHash(
          HASH_PURPOSE.idNumber,
          member.idNumber,
        );
    }
    return { sealed: await encryptor.seal(JSON.stringify(secrets), { caseId }), hashes };
  }

  /**
   * The stored form and its sealed part: a record read without the key keeps
   * its sealed part (its form has no numbers); otherwise the numbers in the
   * form are sealed afresh, unless they are the ones this container last
   * opened or sealed for the case.
   */
  private async storedApplication(
    record: CaseRecord,
  ): Promise<{ application: CaseRecord["application"]; personalData?: SealedPersonalData }> {
    const { rest, secrets } = splitApplication(record.application);
    if (hasSecrets(secrets)) {
      const key = secretsKey(secrets);
      const unchanged = this.sealedCache.get(record.caseId, key);
      if (unchanged) return { application: rest, personalData: unchanged };
      const personalData = await this.seal(record.caseId, secrets);
      this.sealedCache.set(record.caseId, key, personalData);
      return { application: rest, personalData };
    }
    return { application: rest, ...(record.personalData ? { personalData: record.personalData } : {}) };
  }

  /** The keyed hash a lookup compares with `personalData.hashes` (e.g. a household by its head's ID number). */
  async lookupHash(kind: keyof typeof HASH_PURPOSE, value: string): Promise<string> {
    const encryptor = this.encryptor();
    if (!encryptor) throw new PersonalDataKeyMissingError();
    return encryptor.keyedHash(HASH_PURPOSE[kind], value);
  }

  async require(caseId: string): Promise<CaseRecord> {
    const record = await this.get(caseId);
    if (!record) throw new NotFoundError({ en: `No case ${caseId}`, zh: `未找到案件 ${caseId}` });
    return record;
  }

  /** The case with its steps, documents and full history (one Query on the case's partition). */
  async load(caseId: string): Promise<CaseItems> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": caseKey(caseId).pk },
      ConsistentRead: true,
    });
    const bySk = (prefix: string) =>
      items.filter((item) => String(item.sk).startsWith(prefix)).map(withoutKeys);
    const caseItem = items.find((item) => item.sk === "CASE");
    if (!caseItem) throw new NotFoundError({ en: `No case ${caseId}`, zh: `未找到案件 ${caseId}` });
    return {
      record: await this.open(caseItem),
      steps: bySk(CASE_ITEM_PREFIX.step).map((item) => stepRecordSchema.parse(item)),
      events: bySk(CASE_ITEM_PREFIX.event).map(({ townshipCode: _township, ...event }) =>
        auditEventSchema.parse(event),
      ),
      documents: bySk(CASE_ITEM_PREFIX.document),
    };
  }

  /** A household's cases, oldest first (byOwner index). */
  async listByHousehold(householdId: string): Promise<CaseRecord[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: "byOwner",
        KeyConditionExpression: "gsi2pk = :pk",
        ExpressionAttributeValues: { ":pk": ownerPartition(householdId) },
      }),
    );
    // The index holds keys only (table-design.ts): the cases themselves come by key.
    const cases = await batchGetAll(this.client, this.tableName, Items ?? []);
    return Promise.all(cases.map((item) => this.open(item)));
  }

  /** Creates a draft case and its first event (`create`) together. */
  async create(
    fields: Omit<CaseRecord, "status" | "createdAt" | "updatedAt" | "eventSeq" | "eventHead">,
    actor: AuditActor,
  ): Promise<CaseRecord> {
    const at = this.now().toISOString();
    const event = appendEvent(undefined, {
      caseId: fields.caseId,
      at,
      actor,
      action: "create",
      fromStatus: null,
      toStatus: "draft",
    });
    const record: CaseRecord = {
      ...fields,
      status: "draft",
      createdAt: at,
      updatedAt: at,
      eventSeq: event.seq,
      eventHead: event.hash,
    };
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              Item: await this.caseItem(record),
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          this.eventPut(event, record.townshipCode),
        ],
      }),
    );
    return record;
  }

  /** Saves the form while the villager types: only drafts and returned cases, no event per keystroke. */
  async saveDraft(record: CaseRecord, application: ApplicationDraft): Promise<CaseRecord> {
    const updatedAt = this.now().toISOString();
    const { personalData: _previous, ...plain } = record;
    const stored = await this.storedApplication({ ...plain, application });
    // The search keys follow the form as it is typed (a name entered, an ID number corrected).
    const search = await this.searchKeysOf({ ...plain, application }, stored.personalData);
    const set = [
      "application = :application",
      "updatedAt = :now",
      ...(stored.personalData ? ["personalData = :personalData"] : []),
      ...(search.gsi10pk ? ["gsi10pk = :gsi10pk", "gsi10sk = :gsi10sk"] : []),
      ...(search.gsi11pk ? ["gsi11pk = :gsi11pk", "gsi11sk = :gsi11sk"] : []),
    ];
    const remove = [
      ...(stored.personalData ? [] : ["personalData"]),
      ...(search.gsi10pk ? [] : ["gsi10pk", "gsi10sk"]),
      ...(search.gsi11pk ? [] : ["gsi11pk", "gsi11sk"]),
    ];
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: caseKey(record.caseId),
          // The whole sealed part is replaced (or removed): a number deleted from the form is gone.
          UpdateExpression: `SET ${set.join(", ")}${remove.length > 0 ? ` REMOVE ${remove.join(", ")}` : ""}`,
          ConditionExpression: "#status IN (:draft, :correction) AND eventSeq = :seq",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":application": stored.application,
            ":now": updatedAt,
            ...(stored.personalData ? { ":personalData": stored.personalData } : {}),
            ...(search.gsi10pk ? { ":gsi10pk": search.gsi10pk, ":gsi10sk": search.gsi10sk } : {}),
            ...(search.gsi11pk ? { ":gsi11pk": search.gsi11pk, ":gsi11sk": search.gsi11sk } : {}),
            ":draft": "draft",
            ":correction": "correction_requested",
            ":seq": record.eventSeq,
          },
        }),
      );
    } catch (error) {
      if ((error as Error).name === "ConditionalCheckFailedException")
        throw new CaseChangedError(record.caseId);
      throw error;
    }
    return { ...plain, application, updatedAt };
  }

  /** Applies a verb of the status machine (guards included) and records its event. */
  async transition(
    record: CaseRecord,
    verb: CaseVerb,
    change: Omit<CaseChange, "action"> & { readonly facts?: TransitionFacts; readonly action?: string },
  ): Promise<CaseRecord> {
    const to = transition(record.status, verb, change.facts);
    // The overall clock follows the status machine: started at acceptance, paused by corrections, stopped at the end.
    // The policy is loaded only when it starts (once per case), and not at the store's import: test support
    // that stands in for the shipped policies imports the store itself.
    const starting = verb === "accept" && !record.overallClock;
    const limit = starting
      ? (await import("../domain/policy/shipped-policies.ts")).getShippedPolicy(record.policyId).timeLimits[
          OVERALL_CLOCK_LIMIT
        ]
      : undefined;
    const overallClock = overallClockAfter(verb, record.overallClock, this.now(), () => {
      if (!limit) throw new RangeError("the overall clock's limit is read only when it starts");
      return limit;
    });
    return this.write(record, to, {
      ...change,
      action: change.action ?? verb,
      ...(overallClock ? { set: { ...change.set, overallClock } } : {}),
    });
  }

  /** Records an event that changes no status (a consultation opened, an escalation, a document confirmed). */
  async record(record: CaseRecord, change: CaseChange): Promise<CaseRecord> {
    return this.write(record, undefined, change);
  }

  /**
   * Re-reads the case and re-runs `attempt` when another writer appended an
   * event first (parallel joint-review steps do this): optimistic locking.
   */
  async withRetry<T>(caseId: string, attempt: (record: CaseRecord) => Promise<T>, tries = 8): Promise<T> {
    for (let i = 1; ; i++) {
      const record = await this.require(caseId);
      try {
        return await attempt(record);
      } catch (error) {
        if (!(error instanceof CaseChangedError) || i >= tries) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * i));
      }
    }
  }

  private async write(
    record: CaseRecord,
    to: CaseStatus | undefined,
    change: CaseChange,
  ): Promise<CaseRecord> {
    const at = this.now().toISOString();
    const event = appendEvent(this.headEvent(record), {
      caseId: record.caseId,
      at,
      actor: change.actor,
      action: change.action,
      fromStatus: to ? record.status : null,
      toStatus: to ?? null,
      ...(change.comment ? { comment: change.comment } : {}),
      ...(change.data ? { data: JSON.parse(JSON.stringify(change.data)) as Record<string, never> } : {}),
    });
    const next: CaseRecord = {
      ...record,
      ...change.set,
      status: to ?? record.status,
      updatedAt: at,
      eventSeq: event.seq,
      eventHead: event.hash,
    };
    for (const attribute of change.remove ?? []) delete (next as Partial<CaseRecord>)[attribute];
    // The messages the event causes (SMS and in-app), in the same transaction: the outbox (shared/notify/).
    const messages = await this.messageWrites(record, event);
    // 一户一宅: the household's open-case marker and register entries change with the status.
    const household = householdWrites(this.tableName, record, next, at);
    if (household.releases) delete next.householdClaim;
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: await this.caseItem(next),
                ConditionExpression: "eventSeq = :seq AND #status = :status",
                ExpressionAttributeNames: { "#status": "status" },
                ExpressionAttributeValues: { ":seq": record.eventSeq, ":status": record.status },
              },
            },
            this.eventPut(event, record.townshipCode),
            ...(change.alsoWrite ?? []),
            ...household.items,
            ...messages,
          ],
        }),
      );
    } catch (error) {
      if (isCancelledByCondition(error, 0)) throw new CaseChangedError(record.caseId);
      throw error;
    }
    return next;
  }

  /** The outbox items of an event (shared/notify/outbox.ts); none when the county notifies nobody. */
  private async messageWrites(record: CaseRecord, event: AuditEvent): Promise<TransactItem[]> {
    // Loaded here, not at the store's import (see transition): test support stands in for the shipped policies.
    const { getShippedPolicy } = await import("../domain/policy/shipped-policies.ts");
    const policy = getShippedPolicy(record.policyId);
    if (!policy.notifications) return [];
    return outboxWrites(
      this.tableName,
      policy.notifications,
      record,
      event,
      messagesFor(policy, record, event),
    );
  }

  /**
   * appendEvent needs the previous event only for its seq and hash; the case
   * keeps both as the chain head, so no extra read is needed.
   */
  private headEvent(record: CaseRecord): AuditEvent {
    return { caseId: record.caseId, seq: record.eventSeq, hash: record.eventHead } as AuditEvent;
  }

  private async caseItem(record: CaseRecord): Promise<Record<string, unknown>> {
    const { personalData: _sealed, ...plain } = record;
    const stored = await this.storedApplication(record);
    return {
      ...caseKey(record.caseId),
      type: "case",
      ...ownerKeys(record.householdId, record.createdAt, record.caseId),
      ...registerKeys(record.townshipCode, record.status, record.updatedAt, record.caseId),
      ...(await this.searchKeysOf(record, stored.personalData)),
      ...plain,
      ...stored,
    };
  }

  /** The case's keys of the search indexes: the applicant's name and ID number as keyed hashes. */
  private async searchKeysOf(
    record: CaseRecord,
    personalData: SealedPersonalData | undefined,
  ): Promise<ReturnType<typeof searchKeys>> {
    const name = record.application.head?.name;
    const idNumber = personalData?.hashes["head.idNumber"];
    const encryptor = this.encryptor();
    return searchKeys(record.caseId, record.townshipCode, {
      ...(idNumber ? { idNumber } : {}),
      ...(name && encryptor
        ? { name: await encryptor.keyedHash(HASH_PURPOSE.name, normalizedName(name)) }
        : {}),
    });
  }

  private eventPut(event: AuditEvent, townshipCode: string): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          ...eventKey(event.caseId, event.seq),
          type: "event",
          ...eventTimeKeys(event.at, event.caseId, event.seq),
          townshipCode,
          ...event,
        },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    };
  }
}
