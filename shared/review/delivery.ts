/**
 * Sends a stored decision to the waiting workflow (SendTaskSuccess), after the
 * decision is committed: store first, then send, so a lost send loses nothing
 * and can be re-driven (POST …/steps/{stepId}/redrive).
 *
 * - Transient failures (throttling, 5xx, network) are retried with exponential
 *   backoff and jitter.
 * - `TaskTimedOut` / `TaskDoesNotExist`: the workflow may be reopening the
 *   step with a new token (its time limit or reminder interval just ran out),
 *   so the TOKEN item is read again for a few seconds and, once it changed,
 *   the send is retried once with the new token. Otherwise the step is left
 *   unsent with the reason and an `undelivered_decision` incident puts it in
 *   the operator view (its recovery, redeliver, is the redrive); a re-send
 *   that succeeds closes that incident.
 * - The token is never logged or returned.
 */
import { SendTaskSuccessCommand, type SFNClient } from "@aws-sdk/client-sfn";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { logger } from "../logger.ts";
import type { AuditActor } from "../schemas/audit-event.ts";
import type { Decision } from "../schemas/case.ts";
import type { Delivery } from "../schemas/responses.ts";
import { CaseStore } from "../store/case-store.ts";
import { StepStore } from "../store/step-store.ts";
import { closeIncidentOn, incidentSubject, openIncident } from "../workflow/incidents.ts";

const DELIVERY_ACTOR = { id: "delivery", role: "system" } as const;

export interface DeliveryDeps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly sfn: SFNClient;
  readonly now: () => Date;
  /** Send attempts for transient errors and the first backoff delay (doubled each time). */
  readonly retry?: { readonly attempts: number; readonly baseDelayMs: number };
  /** Reads of the TOKEN item while waiting for a reopened step's new token, and the first delay. */
  readonly reopenWait?: { readonly attempts: number; readonly delayMs: number };
}

/** `pending`: not delivered; `POST …/redrive` sends it again. */
export type { Delivery };

const DEFAULT_RETRY = { attempts: 4, baseDelayMs: 150 };
/** 100 ms doubling over 6 reads: up to ~3 s, the time a reopening takes (Remind or MarkOverdue, then open-step). */
const DEFAULT_REOPEN_WAIT = { attempts: 6, delayMs: 100 };

/** The workflow no longer waits on this token. */
const CLOSED_TASK_ERRORS = ["TaskTimedOut", "TaskDoesNotExist"];
const PERMANENT_ERRORS = ["InvalidToken", "InvalidOutput", "ValidationException", "AccessDeniedException"];

type SendOutcome = { readonly ok: true } | { readonly ok: false; readonly error: string };

function isTransient(error: unknown): boolean {
  const name = (error as Error).name;
  if (CLOSED_TASK_ERRORS.includes(name) || PERMANENT_ERRORS.includes(name)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  // No HTTP status: the request never got an answer (connection refused, reset, timeout).
  return status === undefined || status >= 500 || status === 429 || /Throttl/.test(name);
}

async function sendWithBackoff(deps: DeliveryDeps, taskToken: string, output: string): Promise<SendOutcome> {
  const { attempts, baseDelayMs } = deps.retry ?? DEFAULT_RETRY;
  let lastError = "unknown";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await deps.sfn.send(new SendTaskSuccessCommand({ taskToken, output }));
      return { ok: true };
    } catch (error) {
      lastError = (error as Error).name || "Error";
      if (!isTransient(error)) return { ok: false, error: lastError };
      if (attempt < attempts) {
        const delay = baseDelayMs * 2 ** (attempt - 1);
        await new Promise((resolve) => setTimeout(resolve, delay / 2 + Math.random() * delay));
      }
    }
  }
  return { ok: false, error: lastError };
}

/**
 * The step's token once it differs from `closed`, polled with doubling delays
 * (the reopening is a Lambda or two away); undefined if none comes in time.
 */
async function freshToken(
  deps: DeliveryDeps,
  caseId: string,
  stepId: string,
  closed: string,
): Promise<string | undefined> {
  const { attempts, delayMs } = deps.reopenWait ?? DEFAULT_REOPEN_WAIT;
  const steps = StepStore.of(deps);
  for (let attempt = 0; attempt < attempts; attempt++) {
    const fresh = await steps.taskToken(caseId, stepId);
    if (fresh && fresh !== closed) return fresh;
    if (attempt < attempts - 1) await new Promise((resolve) => setTimeout(resolve, delayMs * 2 ** attempt));
  }
  return undefined;
}

/**
 * Whether the workflow has gone past the step: a step of another kind opened after the decision (the
 * next step, the correction it asked for, the construction period). Joint-review departments of the
 * same round may open after another's decision, so only another kind counts.
 */
async function workflowMovedOn(
  deps: DeliveryDeps,
  caseId: string,
  stepId: string,
  decision: Decision,
): Promise<boolean> {
  const items = await new CaseStore(deps.client, deps.tableName, deps.now)
    .load(caseId)
    .catch(() => undefined);
  if (!items) return false;
  const { steps } = items;
  const decided = steps.find((step) => step.stepId === stepId);
  if (!decided) return false;
  return steps.some((step) => step.step !== decided.step && step.openedAt > decision.decidedAt);
}

/** Sends `decision` for the step's current token and records the result on the STEP item. */
export async function deliverDecision(
  deps: DeliveryDeps,
  caseId: string,
  stepId: string,
  decision: Decision,
  /** A re-delivery: who closes the step's `undelivered_decision` incident once it is sent. */
  options: { readonly closesIncident?: AuditActor } = {},
): Promise<Delivery> {
  const output = JSON.stringify(decision);
  const context = { caseId, stepId };
  const steps = StepStore.of(deps);
  let token = await steps.taskToken(caseId, stepId);
  let outcome: SendOutcome = { ok: false, error: "NoTaskToken" };
  if (token) {
    outcome = await sendWithBackoff(deps, token, output);
    if (!outcome.ok && CLOSED_TASK_ERRORS.includes(outcome.error)) {
      // A step whose timer just fired (time limit or reminder) is reopened with a new
      // token within moments: wait for it briefly, then send once with it.
      const fresh = await freshToken(deps, caseId, stepId, token);
      if (fresh) {
        logger.info("Task token replaced after a closed task; sending again", context);
        token = fresh;
        outcome = await sendWithBackoff(deps, token, output);
      }
    }
  }
  const sent = async (): Promise<Delivery> => {
    const sentAt = await steps.markSent(caseId, stepId, decision);
    if (options.closesIncident) {
      await closeIncidentOn(deps, caseId, incidentSubject({ kind: "undelivered_decision", stepId }), {
        actor: options.closesIncident,
        action: "redeliver",
      });
    }
    return { status: "sent", sentAt };
  };
  if (outcome.ok) return sent();
  if (
    !outcome.ok &&
    CLOSED_TASK_ERRORS.includes(outcome.error) &&
    (await workflowMovedOn(deps, caseId, stepId, decision))
  ) {
    // The workflow took it earlier (a send whose answer was lost, or whose sentAt was never written): a
    // step of another kind opened after the decision. Nothing is pending; no incident.
    logger.info("Decision already taken by the workflow; recording it as sent", context);
    return sent();
  }
  if (!(await steps.markUnsent(caseId, stepId, outcome.error))) {
    // Another sender (the reopened step answering its own token) delivered it meanwhile.
    const step = await steps.get(caseId, stepId);
    if (step?.sentAt) return { status: "sent", sentAt: step.sentAt };
  } else if (token && CLOSED_TASK_ERRORS.includes(outcome.error)) {
    // A reopening stores its token before it looks at the lease: one that came after our last look
    // but while we held the lease left the sending to us. With the lease given back, one more look
    // closes that gap (a reopening after this one finds the lease free and sends itself).
    const latest = await steps.taskToken(caseId, stepId);
    if (latest && latest !== token && (await sendWithBackoff(deps, latest, output)).ok) {
      logger.info("Task token replaced while the send lease was held; sent with it", context);
      return sent();
    }
  }
  logger.error("Decision stored but not delivered to the workflow", { ...context, error: outcome.error });
  try {
    await openIncident(deps, {
      caseId,
      kind: "undelivered_decision",
      stepId,
      error: outcome.error,
      message: "The decision is stored; SendTaskSuccess did not reach the waiting workflow",
      actor: DELIVERY_ACTOR,
    });
  } catch (error) {
    // The step still shows unsent (sendError) and the answer says pending; the alarm counts it below.
    logger.error("undelivered_decision incident not recorded", { ...context, error: (error as Error).name });
  }
  return { status: "pending", reason: outcome.error };
}
