/**
 * The STEP and TOKEN items of a case, as the reviewer API reads and writes them.
 * The open-step task creates both; this module never returns a token to a
 * caller outside the delivery code.
 */
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Decision, StepRecord } from "../schemas/case.ts";
import { stepRecordSchema } from "../schemas/case.ts";
import type { TransactItem } from "../store/case-store.ts";
import { stepKey, tokenKey, undeliveredKeys } from "../store/keys.ts";

/** How long a sender owns a step's delivery; a redrive waits for it to pass (functions time out at 10 s). */
export const SEND_LEASE_MS = 30_000;

export interface StepItem extends StepRecord {
  /** Until when a sender owns the delivery (ISO); absent when nobody is sending. */
  readonly sendingUntil?: string;
  /** Why the last send failed, for operators and the redrive button. */
  readonly sendError?: string;
}

export async function readStep(
  client: DynamoDBDocumentClient,
  tableName: string,
  caseId: string,
  stepId: string,
): Promise<StepItem | undefined> {
  const { Item } = await client.send(
    new GetCommand({ TableName: tableName, Key: stepKey(caseId, stepId), ConsistentRead: true }),
  );
  if (!Item) return undefined;
  const record = stepRecordSchema.parse(Item);
  return {
    ...record,
    ...(typeof Item.sendingUntil === "string" ? { sendingUntil: Item.sendingUntil } : {}),
    ...(typeof Item.sendError === "string" ? { sendError: Item.sendError } : {}),
  };
}

/** The task token of a step, or undefined; for the delivery code only. */
export async function readTaskToken(
  client: DynamoDBDocumentClient,
  tableName: string,
  caseId: string,
  stepId: string,
): Promise<string | undefined> {
  const { Item } = await client.send(
    new GetCommand({
      TableName: tableName,
      Key: tokenKey(caseId, stepId),
      ConsistentRead: true,
      ProjectionExpression: "taskToken",
    }),
  );
  return typeof Item?.taskToken === "string" ? Item.taskToken : undefined;
}

/**
 * The conditional STEP write of a decision, to go into the case transaction:
 * only an awaiting step takes a decision; it leaves its queue, the writer
 * takes the delivery lease, and the step enters byUndeliveredDecision until
 * it is sent — so a deciding call that dies before its send loses nothing.
 */
export function decideStepItem(
  tableName: string,
  step: Pick<StepRecord, "caseId" | "stepId">,
  decision: Decision,
  now: Date,
): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: stepKey(step.caseId, step.stepId),
      UpdateExpression:
        "SET #status = :responded, decision = :decision, respondedAt = :now, sendingUntil = :lease, gsi8pk = :undelivered, gsi8sk = :undeliveredSk REMOVE gsi1pk, gsi1sk, sendError",
      ConditionExpression: "#status = :awaiting",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: {
        ":responded": "responded",
        ":awaiting": "awaiting_response",
        ":decision": decision,
        ":now": now.toISOString(),
        ":lease": new Date(now.getTime() + SEND_LEASE_MS).toISOString(),
        ":undelivered": undeliveredKeys(now.toISOString(), step.caseId, step.stepId).gsi8pk,
        ":undeliveredSk": undeliveredKeys(now.toISOString(), step.caseId, step.stepId).gsi8sk,
      },
    },
  };
}

/** Index of the step write inside CaseStore's transaction: [case put, event put, ...alsoWrite]. */
export const STEP_WRITE_INDEX = 2;

/** Takes the delivery lease of a decided, unsent step; false when it is sent or someone holds the lease. */
export async function acquireSendLease(
  client: DynamoDBDocumentClient,
  tableName: string,
  caseId: string,
  stepId: string,
  now: Date,
): Promise<boolean> {
  try {
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: stepKey(caseId, stepId),
        UpdateExpression: "SET sendingUntil = :lease",
        ConditionExpression:
          "#status = :responded AND attribute_exists(decision) AND attribute_not_exists(sentAt) AND (attribute_not_exists(sendingUntil) OR sendingUntil < :now)",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":responded": "responded",
          ":now": now.toISOString(),
          ":lease": new Date(now.getTime() + SEND_LEASE_MS).toISOString(),
        },
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === "ConditionalCheckFailedException") return false;
    throw error;
  }
}

/**
 * Records that the workflow received the decision. Sets the decided state as
 * well: if the workflow reopened a timed-out step (new token, step item reset)
 * before this send, the step still ends up answered by this decision.
 */
export async function markSent(
  client: DynamoDBDocumentClient,
  tableName: string,
  caseId: string,
  stepId: string,
  decision: Decision,
  now: Date,
): Promise<string> {
  const sentAt = now.toISOString();
  await client.send(
    new UpdateCommand({
      TableName: tableName,
      Key: stepKey(caseId, stepId),
      UpdateExpression:
        "SET sentAt = :sentAt, #status = :responded, decision = if_not_exists(decision, :decision) REMOVE sendingUntil, sendError, gsi1pk, gsi1sk, gsi8pk, gsi8sk",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":sentAt": sentAt, ":responded": "responded", ":decision": decision },
    }),
  );
  return sentAt;
}

/**
 * Releases the lease after a failed send, noting why, so a redrive can follow at once.
 * False when the step was sent meanwhile (another sender — a reopened step answering its
 * own token — got it through): then nothing is pending.
 */
export async function markUnsent(
  client: DynamoDBDocumentClient,
  tableName: string,
  caseId: string,
  stepId: string,
  reason: string,
): Promise<boolean> {
  try {
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: stepKey(caseId, stepId),
        UpdateExpression: "SET sendError = :reason REMOVE sendingUntil",
        ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(sentAt)",
        ExpressionAttributeValues: { ":reason": reason },
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
    return false;
  }
}
