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
import { CaseNotFoundError, DomainError } from "../errors.ts";
import type { ApplicationDraft } from "../schemas/application.ts";
import type { AuditActor, AuditEvent } from "../schemas/audit-event.ts";
import { auditEventSchema } from "../schemas/audit-event.ts";
import { type CaseRecord, caseRecordSchema, type StepRecord, stepRecordSchema } from "../schemas/case.ts";
import { caseItem, eventPut, messageWrites, withoutKeys } from "./case-items.ts";
import { CaseSealer, type HashPurpose } from "./case-sealing.ts";
import { householdWrites } from "./household-items.ts";
import { CASE_ITEM_PREFIX, caseKey, ownerPartition } from "./keys.ts";
import { batchGetAll, queryAll } from "./query-all.ts";
import { StepStore } from "./step-store.ts";

export { normalizedName, PersonalDataKeyMissingError } from "./case-sealing.ts";

export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** The case changed under us (another writer appended an event first): re-read and retry (the API answers 409). */
/** Reads of a case caught half-way through a writer before the last one is returned as it is. */
const TORN_READ_TRIES = 5;

export class CaseChangedError extends DomainError {
  constructor(caseId: string) {
    super({
      en: `Case ${caseId} was changed by someone else; reload and try again`,
      zh: `案件 ${caseId} 已被他人修改，请刷新后重试`,
    });
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

/** A case as it stands, without its history: what views and the household's actions need. */
export type CurrentCaseItems = Omit<CaseItems, "events">;

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
 * Personal data (PIPL) is sealed on every write and opened on read with the
 * key (./case-sealing.ts); the items themselves are built in ./case-items.ts.
 */
export class CaseStore {
  private readonly sealer: CaseSealer;
  /** The case's STEP, TOKEN and ESCALATION items (their changes go into this store's transactions). */
  readonly steps: StepStore;

  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
    readonly encryptor: () => Encryptor | undefined = () => defaultEncryptor(),
  ) {
    this.steps = new StepStore(client, tableName, now);
    this.sealer = new CaseSealer(encryptor);
  }

  /** Parses a stored case and, with the key, merges its ID and phone numbers back into the form. */
  private open(item: Record<string, unknown>): Promise<CaseRecord> {
    return this.sealer.open(caseRecordSchema.parse(withoutKeys(item)));
  }

  /** The keyed hash a lookup compares with `personalData.hashes` (e.g. a household by its head's ID number). */
  lookupHash(kind: HashPurpose, value: string): Promise<string> {
    return this.sealer.lookupHash(kind, value);
  }

  async get(caseId: string): Promise<CaseRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: caseKey(caseId), ConsistentRead: true }),
    );
    return Item ? this.open(Item) : undefined;
  }

  async require(caseId: string): Promise<CaseRecord> {
    const record = await this.get(caseId);
    if (!record) throw new CaseNotFoundError(caseId);
    return record;
  }

  /** The case with its steps, documents and full history (one Query on the case's partition). */
  async load(caseId: string): Promise<CaseItems> {
    // A Query is read-committed item by item, not isolated: it can see the case item of a
    // transaction without its event (or the reverse). The case's eventSeq names its last
    // event, so a read where they disagree caught a writer half-way and is read again.
    for (let attempt = 1; ; attempt++) {
      const items = await queryAll(this.client, {
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": caseKey(caseId).pk },
        ConsistentRead: true,
      });
      const loaded: CaseItems = {
        ...(await this.current(caseId, items)),
        events: items
          .filter((item) => String(item.sk).startsWith(CASE_ITEM_PREFIX.event))
          .map(withoutKeys)
          .map(({ townshipCode: _township, ...event }) => auditEventSchema.parse(event)),
      };
      const lastSeq = loaded.events.at(-1)?.seq ?? 0;
      if (lastSeq === loaded.record.eventSeq || attempt >= TORN_READ_TRIES) return loaded;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt));
    }
  }

  /**
   * The case without its audit events, which outnumber every other item of a
   * worked case several times over: the household's view, polled from phones,
   * reads a third of the items. Events sort between `ESCALATION#` and
   * `INCIDENT#`, so two key ranges (before `EVENT#`, from `EVENT$` on: `$`
   * follows `#`) hold everything else.
   */
  async loadCurrent(caseId: string): Promise<CurrentCaseItems> {
    const ranges = [
      { condition: "pk = :pk AND sk < :bound", bound: CASE_ITEM_PREFIX.event },
      { condition: "pk = :pk AND sk >= :bound", bound: `${CASE_ITEM_PREFIX.event.slice(0, -1)}$` },
    ];
    const parts = await Promise.all(
      ranges.map(({ condition, bound }) =>
        queryAll(this.client, {
          TableName: this.tableName,
          KeyConditionExpression: condition,
          ExpressionAttributeValues: { ":pk": caseKey(caseId).pk, ":bound": bound },
          ConsistentRead: true,
        }),
      ),
    );
    return this.current(caseId, parts.flat());
  }

  private async current(caseId: string, items: Record<string, unknown>[]): Promise<CurrentCaseItems> {
    const bySk = (prefix: string) =>
      items.filter((item) => String(item.sk).startsWith(prefix)).map(withoutKeys);
    const caseItem = items.find((item) => item.sk === "CASE");
    if (!caseItem) throw new CaseNotFoundError(caseId);
    return {
      record: await this.open(caseItem),
      steps: bySk(CASE_ITEM_PREFIX.step).map((item) => stepRecordSchema.parse(item)),
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
              Item: await caseItem(this.sealer, record),
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          eventPut(this.tableName, event, record.townshipCode),
        ],
      }),
    );
    return record;
  }

  /** Saves the form while the villager types: only drafts and returned cases, no event per keystroke. */
  async saveDraft(record: CaseRecord, application: ApplicationDraft): Promise<CaseRecord> {
    const updatedAt = this.now().toISOString();
    const { personalData: _previous, ...plain } = record;
    const stored = await this.sealer.storedApplication({ ...plain, application });
    // The search keys follow the form as it is typed (a name entered, an ID number corrected).
    const search = await this.sealer.searchKeysOf({ ...plain, application }, stored.personalData);
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
    const messages = await messageWrites(this.tableName, record, event);
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
                Item: await caseItem(this.sealer, next),
                ConditionExpression: "eventSeq = :seq AND #status = :status",
                ExpressionAttributeNames: { "#status": "status" },
                ExpressionAttributeValues: { ":seq": record.eventSeq, ":status": record.status },
              },
            },
            eventPut(this.tableName, event, record.townshipCode),
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

  /**
   * appendEvent needs the previous event only for its seq and hash; the case
   * keeps both as the chain head, so no extra read is needed.
   */
  private headEvent(record: CaseRecord): AuditEvent {
    return { caseId: record.caseId, seq: record.eventSeq, hash: record.eventHead } as AuditEvent;
  }
}
