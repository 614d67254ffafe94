/**
 * The one owner of a case's STEP, TOKEN and ESCALATION items and of the keys
 * that put them in a queue (byQueue) or in the delivery sweep's work list
 * (byUndeliveredDecision). Keys come from ./keys.ts; no other module writes
 * these items or names their index attributes.
 *
 * Two kinds of verbs:
 * - a step change that goes with a change of its case (open, decide, cancel,
 *   mark overdue, remind, extend the deadline) returns the transaction items for
 *   CaseStore's `alsoWrite`: status, audit event and step commit together or not
 *   at all. These verbs are synchronous and write nothing themselves.
 * - the delivery bookkeeping of a decision (token, send lease, sent, unsent,
 *   superseded) and a re-opening write at once (async).
 * Every write is conditional on the state it expects.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { type Decision, type StepRecord, stepKindSchema, stepRecordSchema } from "../schemas/case.ts";
import { departmentIdSchema } from "../schemas/common.ts";
import { ESCALATION_ROLE, queueOf } from "../workflow/steps.ts";
import type { TransactItem } from "./case-store.ts";
import {
  escalationKey,
  QUEUE_SORT_PREFIX,
  queueKeys,
  queuePartition,
  stepKey,
  stepOfKey,
  tokenKey,
  UNDELIVERED_PARTITION,
  undeliveredKeys,
} from "./keys.ts";

/** How long a sender owns a step's delivery; a redrive waits for it to pass (functions time out at 10 s). */
export const SEND_LEASE_MS = 30_000;

/**
 * Index of the step write in CaseStore's transaction when it comes first in `alsoWrite`
 * ([case put, event put, ...alsoWrite]): a cancellation there means the step was decided already.
 */
export const STEP_WRITE_INDEX = 2;

export interface StepItem extends StepRecord {
  /** Until when a sender owns the delivery (ISO); absent when nobody is sending. */
  readonly sendingUntil?: string;
  /** Why the last send failed, for operators and the redrive button. */
  readonly sendError?: string;
}

/** A queue entry: an open STEP item, or an ESCALATION item in the township head's queue. */
export const queueItemSchema = z.object({
  caseId: z.string().min(1),
  stepId: z.string().optional(),
  step: stepKindSchema.optional(),
  department: departmentIdSchema.optional(),
  round: z.int().optional(),
  openedAt: z.string().optional(),
  deadline: z.string().optional(),
  overdue: z.boolean().optional(),
  reminders: z.int().optional(),
  /** Escalation items: when the step was escalated (shown as when the head received it). */
  escalatedAt: z.string().optional(),
  gsi1sk: z.string(),
});
export type QueueItem = Omit<z.infer<typeof queueItemSchema>, "gsi1sk" | "overdue"> & {
  readonly overdue: boolean;
};

/** Where a queue page starts: the last entry of the page before (byQueue's LastEvaluatedKey). */
export const queueCursorSchema = z.object({
  pk: z.string(),
  sk: z.string(),
  gsi1pk: z.string(),
  gsi1sk: z.string(),
});
export type QueueCursor = z.infer<typeof queueCursorSchema>;

export interface QueuePageQuery {
  readonly queue: string;
  readonly townshipCode: string;
  readonly filter: "all" | "overdue" | "on_time";
  /** Steps, or the escalation items the township head's partition also holds. */
  readonly itemType: "step" | "escalation";
  readonly limit: number;
  readonly after?: QueueCursor;
}

/** A cursor of another queue's page (the caller sealed it for a different partition). */
export class ForeignQueueCursorError extends Error {
  override readonly name = "ForeignQueueCursorError";
}

const AWAITING = { ":awaiting": "awaiting_response" } as const;
const STATUS = { "#status": "status" } as const;

const isConditionFailure = (error: unknown) => (error as Error).name === "ConditionalCheckFailedException";

/** The STEP item with its queue keys (byQueue: overdue first, then by deadline) while it awaits a response. */
export function stepItem(record: StepRecord): Record<string, unknown> {
  const queue = queueOf(record.step, record.department);
  return {
    ...stepKey(record.caseId, record.stepId),
    type: "step",
    ...(queue && record.status === "awaiting_response" && record.deadline
      ? queueKeys(queue, record.townshipCode, record.overdue, record.deadline, record.caseId)
      : {}),
    ...record,
  };
}

export class StepStore {
  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The step store of a use case's dependencies. */
  static of(deps: {
    readonly client: DynamoDBDocumentClient;
    readonly tableName: string;
    readonly now?: () => Date;
  }): StepStore {
    return new StepStore(deps.client, deps.tableName, deps.now);
  }

  // ── Reads ──────────────────────────────────────────────────────────────

  async get(caseId: string, stepId: string): Promise<StepItem | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: stepKey(caseId, stepId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const record = stepRecordSchema.parse(Item);
    return {
      ...record,
      ...(typeof Item.sendingUntil === "string" ? { sendingUntil: Item.sendingUntil } : {}),
      ...(typeof Item.sendError === "string" ? { sendError: Item.sendError } : {}),
    };
  }

  /** The task token of a step, or undefined; for the delivery code only, never returned by an API. */
  async taskToken(caseId: string, stepId: string): Promise<string | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: tokenKey(caseId, stepId),
        ConsistentRead: true,
        ProjectionExpression: "taskToken",
      }),
    );
    return typeof Item?.taskToken === "string" ? Item.taskToken : undefined;
  }

  /** Decided steps whose decision has not reached the workflow yet, oldest first (byUndeliveredDecision). */
  async undelivered(limit: number): Promise<{ caseId: string; stepId: string }[]> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: "byUndeliveredDecision",
        KeyConditionExpression: "gsi8pk = :pending",
        ExpressionAttributeValues: { ":pending": UNDELIVERED_PARTITION },
        Limit: limit,
      }),
    );
    return Items.flatMap((item) => {
      const step = stepOfKey(item);
      return step ? [step] : [];
    });
  }

  /** One page of a queue (byQueue: overdue first, then by deadline), and where the next page starts. */
  async queuePage(query: QueuePageQuery): Promise<{ items: QueueItem[]; next?: QueueCursor }> {
    const partition = queuePartition(query.queue, query.townshipCode);
    if (query.after && query.after.gsi1pk !== partition) throw new ForeignQueueCursorError(partition);
    const prefix = query.filter === "all" ? undefined : QUEUE_SORT_PREFIX[query.filter];
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: "byQueue",
        KeyConditionExpression: prefix ? "gsi1pk = :pk AND begins_with(gsi1sk, :prefix)" : "gsi1pk = :pk",
        FilterExpression: "#type = :type",
        ExpressionAttributeNames: { "#type": "type" },
        ExpressionAttributeValues: {
          ":pk": partition,
          ":type": query.itemType,
          ...(prefix ? { ":prefix": prefix } : {}),
        },
        Limit: query.limit,
        ...(query.after ? { ExclusiveStartKey: query.after } : {}),
      }),
    );
    const items = (page.Items ?? []).flatMap((item): QueueItem[] => {
      const parsed = queueItemSchema.safeParse(item);
      if (!parsed.success) return [];
      const { gsi1sk, ...entry } = parsed.data;
      return [{ ...entry, overdue: entry.overdue ?? gsi1sk.startsWith(QUEUE_SORT_PREFIX.overdue) }];
    });
    const next = page.LastEvaluatedKey ? queueCursorSchema.parse(page.LastEvaluatedKey) : undefined;
    return { items, ...(next ? { next } : {}) };
  }

  // ── Step changes that commit with their case (CaseStore alsoWrite) ─────

  /**
   * A new step with its token; `closing` are awaiting steps whose clock its opening ends
   * (a lapsed correction): they are cancelled, marked overdue, in the same transaction.
   */
  open(step: StepRecord, token: TokenFacts, closing: readonly StepRecord[] = []): TransactItem[] {
    return [
      {
        Put: {
          TableName: this.tableName,
          Item: stepItem(step),
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      this.tokenPut(step.caseId, step.stepId, token),
      ...this.cancel(closing, { overdue: true }),
    ];
  }

  /**
   * A decision on an awaiting step: it leaves its queue, the writer takes the delivery
   * lease, and the step enters byUndeliveredDecision until it is sent — so a deciding
   * call that dies before its send loses nothing.
   */
  decide(step: Pick<StepRecord, "caseId" | "stepId">, decision: Decision): TransactItem {
    const now = this.now();
    const undelivered = undeliveredKeys(now.toISOString(), step.caseId, step.stepId);
    return {
      Update: {
        TableName: this.tableName,
        Key: stepKey(step.caseId, step.stepId),
        UpdateExpression:
          "SET #status = :responded, decision = :decision, respondedAt = :now, sendingUntil = :lease, gsi8pk = :undelivered, gsi8sk = :undeliveredSk REMOVE gsi1pk, gsi1sk, sendError",
        ConditionExpression: "#status = :awaiting",
        ExpressionAttributeNames: STATUS,
        ExpressionAttributeValues: {
          ":responded": "responded",
          ...AWAITING,
          ":decision": decision,
          ":now": now.toISOString(),
          ":lease": new Date(now.getTime() + SEND_LEASE_MS).toISOString(),
          ":undelivered": undelivered.gsi8pk,
          ":undeliveredSk": undelivered.gsi8sk,
        },
      },
    };
  }

  /** A decided step leaves the township head's escalations (a no-op when it was never escalated). */
  clearEscalation(step: Pick<StepRecord, "caseId" | "stepId">): TransactItem {
    return { Delete: { TableName: this.tableName, Key: escalationKey(step.caseId, step.stepId) } };
  }

  /**
   * Awaiting steps closed with their case (withdrawn, expired): they leave every queue and
   * can no longer be decided. `overdue` marks steps whose clock ran out.
   */
  cancel(steps: readonly StepRecord[], options: { readonly overdue?: boolean } = {}): TransactItem[] {
    return steps.flatMap((step) => [this.cancelStep(step, options), this.clearEscalation(step)]);
  }

  /** An awaiting step ran past its time limit: overdue first in its queue, escalated to the township head. */
  markOverdue(step: StepRecord, townshipCode: string, escalatedAt: string): TransactItem[] {
    const deadline = step.deadline ?? escalatedAt;
    return [
      {
        Put: {
          TableName: this.tableName,
          Item: stepItem({ ...step, overdue: true }),
          ConditionExpression: "#status = :awaiting AND overdue = :false",
          ExpressionAttributeNames: STATUS,
          ExpressionAttributeValues: { ...AWAITING, ":false": false },
        },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: {
            ...escalationKey(step.caseId, step.stepId),
            type: "escalation",
            ...queueKeys(ESCALATION_ROLE, townshipCode, true, deadline, step.caseId),
            caseId: step.caseId,
            stepId: step.stepId,
            step: step.step,
            ...(step.department ? { department: step.department } : {}),
            round: step.round,
            townshipCode,
            deadline,
            escalatedAt,
          },
        },
      },
    ];
  }

  /** One more reminder interval waited undecided. */
  remind(step: Pick<StepRecord, "caseId" | "stepId">, reminders: number, at: string): TransactItem {
    return this.updateAwaiting(step, "SET reminders = :reminders, remindedAt = :at", {
      ":reminders": reminders,
      ":at": at,
    });
  }

  /** An awaiting step's deadline moves (the construction period was extended). */
  extendDeadline(step: Pick<StepRecord, "caseId" | "stepId">, deadline: string): TransactItem {
    return this.updateAwaiting(step, "SET deadline = :deadline", { ":deadline": deadline });
  }

  // ── Writes of their own ────────────────────────────────────────────────

  /**
   * A retried opening, or a reopening after a timeout: the step keeps its deadline and any
   * decision already written (never overwritten: the step must still be in the status read),
   * only the token is new. A reopened step stays overdue.
   */
  async reopen(existing: StepRecord, token: TokenFacts, overdue: boolean): Promise<void> {
    const step: StepRecord = { ...existing, overdue: existing.overdue || overdue };
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              Item: stepItem(step),
              ConditionExpression: "#status = :status",
              ExpressionAttributeNames: STATUS,
              ExpressionAttributeValues: { ":status": existing.status },
            },
          },
          this.tokenPut(existing.caseId, existing.stepId, token),
        ],
      }),
    );
  }

  /** Stores the token of a new wait on a step already decided (the opening ran again). */
  async storeToken(caseId: string, stepId: string, token: TokenFacts): Promise<void> {
    const { Put } = this.tokenPut(caseId, stepId, token);
    if (Put) await this.client.send(new PutCommand(Put));
  }

  /** Takes the delivery lease of a decided, unsent step; false when it is sent or someone holds the lease. */
  async takeSendLease(caseId: string, stepId: string): Promise<boolean> {
    const now = this.now();
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: stepKey(caseId, stepId),
          UpdateExpression: "SET sendingUntil = :lease",
          ConditionExpression:
            "#status = :responded AND attribute_exists(decision) AND attribute_not_exists(sentAt) AND (attribute_not_exists(sendingUntil) OR sendingUntil < :now)",
          ExpressionAttributeNames: STATUS,
          ExpressionAttributeValues: {
            ":responded": "responded",
            ":now": now.toISOString(),
            ":lease": new Date(now.getTime() + SEND_LEASE_MS).toISOString(),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Records that the workflow received the decision; the step leaves the sweep's index. Sets the
   * decided state as well: if the workflow reopened a timed-out step (new token, step item reset)
   * before this send, the step still ends up answered by this decision.
   */
  async markSent(caseId: string, stepId: string, decision: Decision): Promise<string> {
    const sentAt = this.now().toISOString();
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: stepKey(caseId, stepId),
        UpdateExpression:
          "SET sentAt = :sentAt, #status = :responded, decision = if_not_exists(decision, :decision) REMOVE sendingUntil, sendError, gsi1pk, gsi1sk, gsi8pk, gsi8sk",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeNames: STATUS,
        ExpressionAttributeValues: { ":sentAt": sentAt, ":responded": "responded", ":decision": decision },
      }),
    );
    return sentAt;
  }

  /**
   * Releases the lease after a failed send, noting why, so a redrive can follow at once.
   * False when the step was sent meanwhile (another sender got it through): nothing is pending.
   */
  async markUnsent(caseId: string, stepId: string, reason: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: stepKey(caseId, stepId),
          UpdateExpression: "SET sendError = :reason REMOVE sendingUntil",
          ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(sentAt)",
          ExpressionAttributeValues: { ":reason": reason },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** A decision nobody waits for any more (its case closed): it leaves the sweep's index. */
  async dropUndelivered(caseId: string, stepId: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: stepKey(caseId, stepId),
        UpdateExpression: "REMOVE gsi8pk, gsi8sk",
        ConditionExpression: "attribute_exists(pk)",
      }),
    );
  }

  /** A decision a restart replaced (its step's run is gone): marked superseded, nobody sends it. */
  async supersede(caseId: string, stepId: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: stepKey(caseId, stepId),
        UpdateExpression: "SET supersededAt = :now REMOVE gsi8pk, gsi8sk, sendingUntil",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":now": this.now().toISOString() },
      }),
    );
  }

  // ── Item builders ──────────────────────────────────────────────────────

  private tokenPut(caseId: string, stepId: string, token: TokenFacts): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          ...tokenKey(caseId, stepId),
          type: "token",
          stepId,
          taskToken: token.taskToken,
          executionArn: token.executionArn,
          storedAt: this.now().toISOString(),
        },
      },
    };
  }

  private cancelStep(step: Pick<StepRecord, "caseId" | "stepId">, options: { readonly overdue?: boolean }) {
    return options.overdue
      ? this.updateAwaiting(step, "SET #status = :cancelled, overdue = :true REMOVE gsi1pk, gsi1sk", {
          ":cancelled": "cancelled",
          ":true": true,
        })
      : this.updateAwaiting(step, "SET #status = :cancelled REMOVE gsi1pk, gsi1sk", {
          ":cancelled": "cancelled",
        });
  }

  /** An update of a step that only an awaiting step takes. */
  private updateAwaiting(
    step: Pick<StepRecord, "caseId" | "stepId">,
    expression: string,
    values: Record<string, unknown>,
  ): TransactItem {
    return {
      Update: {
        TableName: this.tableName,
        Key: stepKey(step.caseId, step.stepId),
        UpdateExpression: expression,
        ConditionExpression: "#status = :awaiting",
        ExpressionAttributeNames: STATUS,
        ExpressionAttributeValues: { ...values, ...AWAITING },
      },
    };
  }
}

/** What a TOKEN item holds besides its keys: the wait's token and the run that waits. */
export interface TokenFacts {
  readonly taskToken: string;
  readonly executionArn?: string;
}
