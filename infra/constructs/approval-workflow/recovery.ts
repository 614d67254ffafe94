/**
 * How the approval workflow's tasks survive failures: transient errors are
 * retried (TASK_RETRY), and a task whose retries are spent goes to its
 * operator loop (`<Task>Failed`: an incident on the case, then the operator's
 * retry or close) instead of failing the run.
 */
import { Duration } from "aws-cdk-lib";
import {
  Choice,
  Condition,
  Errors,
  IntegrationPattern,
  JitterType,
  JsonPath,
  type State,
  Succeed,
  TaskInput,
} from "aws-cdk-lib/aws-stepfunctions";
import { LambdaInvoke } from "aws-cdk-lib/aws-stepfunctions-tasks";
import type { Construct } from "constructs";
import { CASE_CLOSED_ERROR, FINAL_TASK_ERRORS } from "#shared/workflow/errors.ts";
import type { NongfangFunction } from "../function.ts";

/**
 * How every task retries. A first retrier with no attempts names what must
 * not be retried: the tasks' final domain errors (shared/workflow/errors.ts)
 * and, on a human step's wait, its timeouts (the reminder and overdue
 * catchers handle those). Everything else — Lambda.*, Sandbox.Timedout,
 * throttling, 5xx, connection resets, a lost optimistic-lock race
 * (CaseChangedError), a plain task's States.Timeout — is retried with
 * exponential backoff and full jitter, so parallel openers that collided do
 * not collide again. About 2 + 4 + … capped at 60 s: some 4 minutes of
 * attempts before the operator loop takes the failure.
 */
export const TASK_RETRY = {
  intervalSeconds: 2,
  backoffRate: 2,
  maxAttempts: 8,
  maxDelaySeconds: 60,
} as const;

/** The shared states of one scope's operator loops (see recoveryScope). */
export interface RecoveryScope {
  readonly prefix: string;
  /** Extra payload for `<Task>Failed` (the department of a joint-review iteration). */
  readonly context: Record<string, unknown>;
  readonly recover: Choice;
  readonly closed: State;
}

/** See TASK_RETRY. A wait's timeouts are never retried: its catchers remind or escalate. */
export function retryTransient(task: LambdaInvoke, options: { waitsForToken?: boolean } = {}): void {
  task.addRetry({
    errors: [
      ...FINAL_TASK_ERRORS,
      ...(options.waitsForToken ? [Errors.HEARTBEAT_TIMEOUT, Errors.TIMEOUT] : []),
    ],
    maxAttempts: 0,
  });
  task.addRetry({
    errors: [Errors.ALL],
    interval: Duration.seconds(TASK_RETRY.intervalSeconds),
    backoffRate: TASK_RETRY.backoffRate,
    maxAttempts: TASK_RETRY.maxAttempts,
    maxDelay: Duration.seconds(TASK_RETRY.maxDelaySeconds),
    jitterStrategy: JitterType.FULL,
  });
}

/**
 * The states one scope's operator loops share (the top level, or one
 * joint-review iteration: a Map iteration cannot jump outside itself).
 * `RecoverFailedTask` routes the operator's `{ "retry": "<state>" }` back to
 * the failed state; anything else (`{ "close": … }`) ends the run.
 */
export function recoveryScope(
  scope: Construct,
  prefix: string,
  context: Record<string, unknown>,
): RecoveryScope {
  const closedByOperator = new Succeed(scope, `${prefix}ClosedByOperator`, {
    comment: "An operator closed the incident without a retry; the case is closed by their reason.",
  });
  return {
    prefix,
    context,
    recover: new Choice(scope, `RecoverFailed${prefix}Task`).otherwise(closedByOperator),
    closed: new Succeed(scope, `${prefix}CaseClosed`, {
      comment: "The case was closed (withdrawn…) while this run went on: nothing left to do.",
    }),
  };
}

/**
 * The operator loop instead of a dead end: the task's retries are
 * exhausted → `<Task>Failed` records the failure as an incident on the case
 * (the operator view lists it) and waits on a task token stored on the
 * incident → the operator's `retry` re-enters the task. A task that finds
 * the case closed ends the run cleanly. The loop's own task has no Catch: if
 * it cannot even record, the execution fails and the status-change rule
 * opens a redrive incident, and RedriveExecution re-runs exactly this state.
 */
export function recoverable(
  scope: Construct,
  recordFailure: NongfangFunction,
  task: LambdaInvoke,
  loops: RecoveryScope,
): void {
  const id = task.id;
  task.addCatch(loops.closed, { errors: [CASE_CLOSED_ERROR], resultPath: JsonPath.DISCARD });
  const failed = new LambdaInvoke(scope, `${id}Failed`, {
    comment: `The operator loop of ${id}: an incident on the case, then the operator's decision.`,
    lambdaFunction: recordFailure.function,
    integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: TaskInput.fromObject({
      taskToken: JsonPath.taskToken,
      "caseId.$": "$.caseId",
      executionArn: JsonPath.executionId,
      state: id,
      "error.$": "$.error",
      ...loops.context,
    }),
    retryOnServiceExceptions: false,
    resultPath: "$.recovery",
  });
  retryTransient(failed);
  failed.addCatch(loops.closed, { errors: [CASE_CLOSED_ERROR], resultPath: JsonPath.DISCARD });
  task.addCatch(failed, { errors: [Errors.ALL], resultPath: "$.error" });
  failed.next(loops.recover);
  loops.recover.when(Condition.stringEquals("$.recovery.retry", id), task);
}
