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
 *   at all. These verbs (StepWrites, ./step-items.ts) are synchronous and write
 *   nothing themselves.
 * - the delivery bookkeeping of a decision (token, send lease, sent, unsent,
 *   superseded) and a re-opening write at once (async); queue pages are read in
 *   ./queue-page.ts.
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
import { type Decision, type StepRecord, stepRecordSchema } from "../schemas/case.ts";
import type { TransactItem } from "./case-store.ts";
import { stepKey, stepOfKey, tokenKey, UNDELIVERED_PARTITION } from "./keys.ts";
import { type QueueCursor, type QueueItem, type QueuePageQuery, queuePage } from "./queue-page.ts";
import { SEND_LEASE_MS, type StepItem, StepWrites, stepItem, type TokenFacts } from "./step-items.ts";

export {
  ForeignQueueCursorError,
  type QueueCursor,
  type QueueItem,
  queueCursorSchema,
} from "./queue-page.ts";
export { SEND_LEASE_MS, STEP_WRITE_INDEX, type StepItem, stepItem, type TokenFacts } from "./step-items.ts";

const STATUS = { "#status": "status" } as const;
const isConditionFailure = (error: unknown) => (error as Error).name === "ConditionalCheckFailedException";

export class StepStore extends StepWrites {
  constructor(
    readonly client: DynamoDBDocumentClient,
    tableName: string,
    now: () => Date = () => new Date(),
  ) {
    super(tableName, now);
  }

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
  queuePage(query: QueuePageQuery): Promise<{ items: QueueItem[]; next?: QueueCursor }> {
    return queuePage(this.client, this.tableName, query);
  }

  // ── Writes of their own ────────────────────────────────────────────────

  /**
   * A retried opening, or a reopening after a timeout: the step keeps its deadline and any
   * decision already written (the step must still be in the status read, else nothing is
   * written), only the token is new. A reopening after the time limit makes the step overdue
   * (overdue first in its queue); nothing else of the step is rewritten, so a reminder or an
   * escalation that committed after `existing` was read (a heartbeat that fired while this
   * opening was still on its way) is kept.
   */
  async reopen(existing: StepRecord, token: TokenFacts, overdue: boolean): Promise<void> {
    const guard = {
      TableName: this.tableName,
      Key: stepKey(existing.caseId, existing.stepId),
      ConditionExpression: "#status = :status",
      ExpressionAttributeNames: STATUS,
    };
    const moved = stepItem({ ...existing, overdue: true });
    const queue = typeof moved.gsi1pk === "string" ? { ":pk": moved.gsi1pk, ":sk": moved.gsi1sk } : undefined;
    const stepWrite: TransactItem =
      overdue && !existing.overdue
        ? {
            Update: {
              ...guard,
              UpdateExpression: `SET overdue = :true${queue ? ", gsi1pk = :pk, gsi1sk = :sk" : ""}`,
              ExpressionAttributeValues: { ":status": existing.status, ":true": true, ...queue },
            },
          }
        : { ConditionCheck: { ...guard, ExpressionAttributeValues: { ":status": existing.status } } };
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [stepWrite, this.tokenPut(existing.caseId, existing.stepId, token)],
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
}
