/**
 * The STEP, TOKEN and ESCALATION items of a case as transaction items: the
 * step changes that commit together with a change of their case (CaseStore's
 * `alsoWrite`), so status, audit event and step are one transaction. Nothing
 * here writes by itself; shared/store/step-store.ts adds the reads and the
 * writes of their own. Keys come from ./keys.ts.
 */
import type { Decision, StepRecord } from "../schemas/case.ts";
import { ESCALATION_ROLE, queueOf } from "../workflow/steps.ts";
import type { TransactItem } from "./case-store.ts";
import { escalationKey, queueKeys, stepKey, tokenKey, undeliveredKeys } from "./keys.ts";

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

/** What a TOKEN item holds besides its keys: the wait's token and the run that waits. */
export interface TokenFacts {
  readonly taskToken: string;
  readonly executionArn?: string;
}

const AWAITING = { ":awaiting": "awaiting_response" } as const;
const STATUS = { "#status": "status" } as const;

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

/** The verbs of a step that go into its case's transaction (CaseStore alsoWrite). */
export class StepWrites {
  constructor(
    readonly tableName: string,
    protected readonly now: () => Date = () => new Date(),
  ) {}

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

  protected tokenPut(caseId: string, stepId: string, token: TokenFacts): TransactItem {
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
