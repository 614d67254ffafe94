import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import {
  Choice,
  Condition,
  DefinitionBody,
  Errors,
  Fail,
  type IChainable,
  type INextable,
  IntegrationPattern,
  JitterType,
  JsonPath,
  LogLevel,
  Map as MapState,
  Pass,
  type QueryLanguage,
  Result,
  type State,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
  Wait,
  WaitTime,
} from "aws-cdk-lib/aws-stepfunctions";
import { LambdaInvoke } from "aws-cdk-lib/aws-stepfunctions-tasks";
import { Construct } from "constructs";
import type { StepKind } from "#shared/schemas/case.ts";
import { FINAL_TASK_ERRORS } from "#shared/workflow/errors.ts";
import type { NongfangFunction } from "./function.ts";

export interface ApprovalWorkflowProps {
  /** Runs the pre-check and returns the plan (departments, notice length, step limits). */
  readonly precheck: NongfangFunction;
  /** Records a human step (and its task token, server-side) and puts it in the right queue. */
  readonly openStep: NongfangFunction;
  /** Marks a timed-out step overdue and escalates it to the township head. */
  readonly markOverdue: NongfangFunction;
  /** Records a reminder on a step that waited a whole reminder interval (heartbeat timeout). */
  readonly remind: NongfangFunction;
  /** Merges one joint-review round's answers. */
  readonly aggregateJointReview: NongfangFunction;
  /** Issues the approved case's certificates. */
  readonly issueCertificates: NongfangFunction;
  /** Records a workflow failure on the case before the execution fails. */
  readonly recordFailure: NongfangFunction;
}

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

type Outcomes = { approved: IChainable; rejected: IChainable; correction_requested: IChainable };

/**
 * The multi-department approval chain: the only definition of the workflow.
 * The local cloud runs the ASL synthesized from this construct, never a copy.
 *
 *   Precheck ─blocked→ Returned
 *      └→ PublicNotice (Wait $.plan.noticeSeconds)
 *   VillageReview ⇄ VillageCorrection          ─rejected→ Rejected
 *   TownshipAcceptance ⇄ AcceptanceCorrection  ─rejected→ Returned
 *   JointReview (Map over $.plan.departments) → AggregateJointReview
 *      ─correction→ JointReviewCorrection → NextJointReviewRound → JointReview (askers only)
 *      ─rejected→ Rejected
 *   TownshipApproval ⇄ ApprovalCorrection       ─rejected→ Rejected
 *   IssueCertificates → SiteVisitStaking → SiteVisitCompletion → Completed
 *
 * Human steps are `.waitForTaskToken` invocations of `openStep`; the decide API
 * resumes them with SendTaskSuccess(decision) → `$.decision`. Their timeouts
 * come from the plan (`$.plan.limits.<step>`), so no county number is written
 * here; a timeout marks the step overdue and reopens it without one. Every task
 * error that survives its retries is recorded on the case (RecordFailure) and
 * fails the execution: never a silent stop.
 */
export class ApprovalWorkflow extends Construct {
  readonly stateMachine: StateMachine;
  private readonly props: ApprovalWorkflowProps;
  private readonly recordFailure: State & INextable;

  constructor(scope: Construct, id: string, props: ApprovalWorkflowProps) {
    super(scope, id);
    this.props = props;

    this.recordFailure = this.lambdaTask("RecordFailure", props.recordFailure, {
      payload: { "caseId.$": "$.caseId", "error.$": "$.error" },
      catchFailures: false,
    });
    this.recordFailure.next(
      new Fail(this, "WorkflowFailed", { errorPath: "$.error.Error", causePath: "$.error.Cause" }),
    );
    const rejected = new Succeed(this, "Rejected", {
      comment: "A refusal is a business outcome, not a failure.",
    });
    const returned = new Succeed(this, "Returned", {
      comment: "Sent back to the household before acceptance.",
    });
    const completed = new Succeed(this, "Completed");
    const unexpected = new Pass(this, "UnexpectedDecision", {
      result: Result.fromObject({
        Error: "UnexpectedDecisionError",
        Cause: "The decision's outcome is not one this step allows",
      }),
      resultPath: "$.error",
    }).next(this.recordFailure);

    // Built back to front: each step's outcomes point at states defined below it.
    const siteVisitCompletion = this.humanStep("SiteVisitCompletion", "site_visit_completion");
    siteVisitCompletion.continueWith(completed);
    const siteVisitStaking = this.humanStep("SiteVisitStaking", "site_visit_staking");
    siteVisitStaking.continueWith(siteVisitCompletion.entry);
    const issueCertificates = this.lambdaTask("IssueCertificates", props.issueCertificates, {
      payload: { "caseId.$": "$.caseId" },
      resultPath: "$.certificates",
    }).next(siteVisitStaking.entry);

    const townshipApproval = this.decidedStep(
      "TownshipApproval",
      "township_approval",
      "ApprovalCorrection",
      unexpected,
      { approved: issueCertificates, rejected },
    );

    const aggregate = this.lambdaTask("AggregateJointReview", props.aggregateJointReview, {
      payload: { "caseId.$": "$.caseId", "round.$": "$.plan.round" },
      resultPath: "$.jointReview",
    });
    const jointReview = new ParallelMap(this, "JointReview", {
      comment: "Departments review in parallel (联审); only the askers look again after a correction.",
      itemsPath: "$.plan.departments",
      maxConcurrency: 0,
      itemSelector: {
        "caseId.$": "$.caseId",
        "department.$": "$$.Map.Item.Value",
        "round.$": "$.plan.round",
        "plan.$": "$.plan",
      },
      resultPath: "$.consultations",
    });
    const consultation = this.humanStep("Consultation", "joint_review", { inMap: true });
    jointReview.itemProcessor(consultation.entry);
    // Errors inside an iteration (open-step, MarkOverdue) fail the Map; it records them.
    jointReview.addCatch(this.recordFailure, { errors: ["States.ALL"], resultPath: "$.error" });
    const nextRound = new Pass(this, "NextJointReviewRound", {
      comment: "Only the departments that asked for the correction review the next round.",
      parameters: {
        "caseId.$": "$.caseId",
        plan: {
          blocked: false,
          "departments.$": "$.jointReview.departments",
          "round.$": "$.jointReview.round",
          "noticeSeconds.$": "$.plan.noticeSeconds",
          "limits.$": "$.plan.limits",
          "heartbeats.$": "$.plan.heartbeats",
          "reminderSeconds.$": "$.plan.reminderSeconds",
        },
      },
    }).next(jointReview);
    const jointCorrection = this.humanStep("JointReviewCorrection", "correction");
    jointCorrection.continueWith(nextRound);
    jointReview.next(aggregate);
    aggregate.next(
      this.outcomeChoice("JointReviewOutcome", "$.jointReview.outcome", unexpected, {
        approved: townshipApproval,
        rejected,
        correction_requested: jointCorrection.entry,
      }),
    );

    const townshipAcceptance = this.decidedStep(
      "TownshipAcceptance",
      "township_acceptance",
      "AcceptanceCorrection",
      unexpected,
      { approved: jointReview, rejected: returned },
    );
    const villageReview = this.decidedStep(
      "VillageReview",
      "village_review",
      "VillageCorrection",
      unexpected,
      { approved: townshipAcceptance, rejected },
    );

    const publicNotice = new Wait(this, "PublicNotice", {
      comment: "The villager group's public notice (公示); its length is county policy.",
      time: WaitTime.secondsPath("$.plan.noticeSeconds"),
    }).next(villageReview);
    const precheck = this.lambdaTask("Precheck", props.precheck, {
      payload: { "caseId.$": "$.caseId" },
      resultPath: "$.plan",
    }).next(
      new Choice(this, "PrecheckPassed")
        .when(Condition.booleanEquals("$.plan.blocked", true), returned)
        .otherwise(publicNotice),
    );

    const logs = new LogGroup(this, "Logs", {
      retention: RetentionDays.SIX_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new StateMachine(this, "StateMachine", {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(precheck),
      // A permit can wait on people for weeks; the execution itself must not be the limit.
      timeout: Duration.days(365),
      tracingEnabled: true,
      logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: true },
    });
    Validations.of(this.stateMachine).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "X-Ray and CloudWatch Logs delivery actions (logs:CreateLogDelivery, …) support no resource-level permissions.",
    });
    for (const task of Object.values(props) as NongfangFunction[]) {
      const logicalId = Stack.of(this).getLogicalId(task.function.node.defaultChild as CfnElement);
      Validations.of(this.stateMachine).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
        reason: "Invokes versions of the workflow's own task functions only.",
      });
    }
  }

  /** A plain Lambda task: retried on transient errors, every other error recorded on the case. */
  private lambdaTask(
    id: string,
    fn: NongfangFunction,
    options: { payload: Record<string, unknown>; resultPath?: string; catchFailures?: boolean },
  ): LambdaInvoke {
    const task = new LambdaInvoke(this, id, {
      lambdaFunction: fn.function,
      payload: TaskInput.fromObject(options.payload),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      resultPath: options.resultPath ?? JsonPath.DISCARD,
    });
    this.retryTransient(task);
    if (options.catchFailures !== false) {
      task.addCatch(this.recordFailure, { errors: ["States.ALL"], resultPath: "$.error" });
    }
    return task;
  }

  /** See TASK_RETRY. A wait's timeouts are never retried: its catchers remind or escalate. */
  private retryTransient(task: LambdaInvoke, options: { waitsForToken?: boolean } = {}): void {
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
   * A human step: open-step waits for the decision (`$.decision`) until the
   * plan's limit; on States.Timeout, MarkOverdue escalates and the same step
   * is reopened (overdue, no timeout) — a late step is chased, never decided
   * by the clock.
   *
   * Heartbeats are the reminder clock. Nothing sends SendTaskHeartbeat while a
   * person decides, so the heartbeat (the policy's reminder interval, planned
   * per step in `$.plan.heartbeats`) fires each time the step has waited one
   * more interval undecided: Remind records the reminder (an event and the
   * step's count in its queue) and the step waits out what is left of its
   * limit (`$.wait`: arithmetic on the segment that ran, so the deadline never
   * moves); with less than an interval left, the last wait has no heartbeat.
   * Overdue steps keep being reminded every interval. A step decided before
   * its first reminder costs one state transition, as without reminders.
   * Inside the joint-review Map the Map itself records failures.
   *
   *   <Step> ─heartbeat→ Remind → Check ─(more than an interval left)→ Continued ─heartbeat→ RemindAgain → Check
   *     │                              └→ LastWait
   *     └─timeout (any of the three)→ MarkOverdue → Overdue ─heartbeat→ RemindOverdue → Overdue
   */
  private humanStep(
    id: string,
    step: StepKind,
    options: { inMap?: boolean } = {},
  ): { entry: State; continueWith(next: IChainable): void } {
    const target = {
      "caseId.$": "$.caseId",
      step,
      ...(step === "joint_review" ? { "department.$": "$.department", "round.$": "$.round" } : {}),
    };
    const waitFor = (
      stateId: string,
      timing: { timeout?: string; heartbeat?: string; overdue?: boolean },
    ): LambdaInvoke => {
      const task = new LambdaInvoke(this, stateId, {
        lambdaFunction: this.props.openStep.function,
        integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        payload: TaskInput.fromObject({
          taskToken: JsonPath.taskToken,
          ...target,
          executionArn: JsonPath.executionId,
          ...(timing.overdue ? { overdue: true } : {}),
        }),
        ...(timing.timeout ? { taskTimeout: Timeout.at(timing.timeout) } : {}),
        ...(timing.heartbeat ? { heartbeatTimeout: Timeout.at(timing.heartbeat) } : {}),
        retryOnServiceExceptions: false,
        resultPath: "$.decision",
      });
      this.retryTransient(task, { waitsForToken: true });
      return task;
    };
    const remindTask = (stateId: string, wait: Record<string, unknown> | undefined) => {
      const task = new LambdaInvoke(this, stateId, {
        lambdaFunction: this.props.remind.function,
        payload: TaskInput.fromObject({
          ...target,
          "reminderSeconds.$": "$.plan.reminderSeconds",
          ...(wait ? { wait } : {}),
        }),
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        resultPath: wait ? "$.wait" : JsonPath.DISCARD,
      });
      this.retryTransient(task);
      return task;
    };

    const open = waitFor(id, {
      timeout: `$.plan.limits.${step}`,
      heartbeat: `$.plan.heartbeats.${step}`,
    });
    const continued = waitFor(`${id}Continued`, {
      timeout: "$.wait.timeoutSeconds",
      heartbeat: "$.wait.heartbeatSeconds",
    });
    const last = waitFor(`${id}LastWait`, { timeout: "$.wait.timeoutSeconds" });
    const reopened = waitFor(`${id}Overdue`, { heartbeat: "$.plan.reminderSeconds", overdue: true });
    const remind = remindTask(`${id}Remind`, {
      "timeoutSeconds.$": `$.plan.limits.${step}`,
      "heartbeatSeconds.$": `$.plan.heartbeats.${step}`,
    });
    const remindAgain = remindTask(`${id}RemindAgain`, {
      "timeoutSeconds.$": "$.wait.timeoutSeconds",
      "heartbeatSeconds.$": "$.wait.heartbeatSeconds",
    });
    const remindOverdue = remindTask(`${id}RemindOverdue`, undefined);
    const check = new Choice(this, `${id}Check`)
      .when(
        Condition.numberGreaterThanJsonPath("$.wait.timeoutSeconds", "$.wait.heartbeatSeconds"),
        continued,
      )
      .otherwise(last);
    const markOverdue = new LambdaInvoke(this, `${id}MarkOverdue`, {
      lambdaFunction: this.props.markOverdue.function,
      payload: TaskInput.fromObject(target),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      resultPath: JsonPath.DISCARD,
    });
    this.retryTransient(markOverdue);

    // Order matters: a heartbeat timeout is also a States.Timeout, so its catcher comes first.
    open.addCatch(remind, { errors: ["States.HeartbeatTimeout"], resultPath: JsonPath.DISCARD });
    continued.addCatch(remindAgain, { errors: ["States.HeartbeatTimeout"], resultPath: JsonPath.DISCARD });
    reopened.addCatch(remindOverdue, { errors: ["States.HeartbeatTimeout"], resultPath: JsonPath.DISCARD });
    for (const wait of [open, continued, last]) {
      wait.addCatch(markOverdue, { errors: ["States.Timeout"], resultPath: JsonPath.DISCARD });
    }
    if (!options.inMap) {
      for (const task of [open, continued, last, reopened, remind, remindAgain, remindOverdue, markOverdue]) {
        task.addCatch(this.recordFailure, { errors: ["States.ALL"], resultPath: "$.error" });
      }
    }
    remind.next(check);
    remindAgain.next(check);
    remindOverdue.next(reopened);
    markOverdue.next(reopened);
    return {
      entry: open,
      continueWith: (next) => {
        for (const wait of [open, continued, last, reopened]) wait.next(next);
      },
    };
  }

  /**
   * A human step whose decision routes the case; a correction request opens the
   * villager's correction step (补正), which loops back to the step that asked.
   */
  private decidedStep(
    id: string,
    step: StepKind,
    correctionId: string,
    unexpected: IChainable,
    outcomes: Omit<Outcomes, "correction_requested">,
  ): State {
    const human = this.humanStep(id, step);
    const correction = this.humanStep(correctionId, "correction");
    correction.continueWith(human.entry);
    human.continueWith(
      this.outcomeChoice(`${id}Decision`, "$.decision.outcome", unexpected, {
        ...outcomes,
        correction_requested: correction.entry,
      }),
    );
    return human.entry;
  }

  private outcomeChoice(id: string, path: string, unexpected: IChainable, outcomes: Outcomes): Choice {
    return new Choice(this, id)
      .when(Condition.stringEquals(path, "approved"), outcomes.approved)
      .when(Condition.stringEquals(path, "rejected"), outcomes.rejected)
      .when(Condition.stringEquals(path, "correction_requested"), outcomes.correction_requested)
      .otherwise(unexpected);
  }
}

/** CDK leaves out `maxConcurrency: 0` (falsy); the ASL states it: every department reviews at once. */
class ParallelMap extends MapState {
  override toStateJson(topLevelQueryLanguage?: QueryLanguage): object {
    return { ...super.toStateJson(topLevelQueryLanguage), MaxConcurrency: 0 };
  }
}
