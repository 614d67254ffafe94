import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import {
  Choice,
  Condition,
  DefinitionBody,
  Errors,
  Fail,
  type IChainable,
  IntegrationPattern,
  JitterType,
  JsonPath,
  LogLevel,
  Map as MapState,
  Pass,
  type QueryLanguage,
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
import { CASE_CLOSED_ERROR, FINAL_TASK_ERRORS } from "#shared/workflow/errors.ts";
import { RESTART_POINTS, type RestartPoint } from "#shared/workflow/restart-point.ts";
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
  /**
   * The operator loop's task (`.waitForTaskToken`): records a task's failure
   * as an incident on the case, with the token, and waits for an operator.
   */
  readonly recordFailure: NongfangFunction;
  /** A step reopened after a correction: its wait is the time it had left when it asked. */
  readonly resumeStep: NongfangFunction;
  /** The construction period: starts its phase runs, reminds, expires an unbuilt approval. */
  readonly construction: NongfangFunction;
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

/** The shared states of one scope's operator loops (see ApprovalWorkflow.recoveryScope). */
interface RecoveryScope {
  readonly prefix: string;
  /** Extra payload for `<Task>Failed` (the department of a joint-review iteration). */
  readonly context: Record<string, unknown>;
  readonly recover: Choice;
  readonly closed: State;
}

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
 *   IssueCertificates → SiteVisitStaking → StartConstruction → Building (phase run 1 takes over)
 *
 *   Phase = construction (its own runs, `<caseId>-construction-<n>`, each under a year):
 *   CompletionReport (the household's step, until the next thing due) ─reported→ SiteVisitCompletion → Completed
 *      └─timeout→ ConstructionClock ─wait→ CompletionReport | ─expired→ Expired | ─continued→ ContinuedInNextRun
 *
 * Corrections (补正): the step that asked pauses; after the answer ResumeX
 * reopens it with the time it had left (its Check waits it out). A household
 * that lets its correction deadline pass lapses the case: the township head's
 * XLapse step extends it (the correction step reopens) or closes it (Expired).
 *
 * Human steps are `.waitForTaskToken` invocations of `openStep`; the decide API
 * resumes them with SendTaskSuccess(decision) → `$.decision`. Their timeouts
 * come from the plan (`$.plan.limits.<step>`), so no county number is written
 * here; a timeout marks the step overdue and reopens it without one.
 *
 * No failure is a dead end (see `recoverable`): a task error that survives
 * its retries goes to `<Task>Failed`, which records an incident on the case
 * and waits for an operator; their `retry` loops back to the failed task
 * (RecoverFailedTask), `close` ends the run. The execution stays alive, so
 * recovery needs no redrive window; a task that finds the case closed ends
 * the run cleanly (CaseClosed).
 */
export class ApprovalWorkflow extends Construct {
  readonly stateMachine: StateMachine;
  private readonly props: ApprovalWorkflowProps;
  private readonly top: RecoveryScope;
  private readonly expired: State;
  private readonly unexpected: IChainable;

  constructor(scope: Construct, id: string, props: ApprovalWorkflowProps) {
    super(scope, id);
    this.props = props;

    this.top = this.recoveryScope("", {});
    const rejected = new Succeed(this, "Rejected", {
      comment: "A refusal is a business outcome, not a failure.",
    });
    const returned = new Succeed(this, "Returned", {
      comment: "Sent back to the household before acceptance.",
    });
    const completed = new Succeed(this, "Completed");
    this.expired = new Succeed(this, "Expired", {
      comment: "A lapsed correction the township head closed, or an approval not built within its validity.",
    });
    // Unreachable: the decide API accepts only the outcomes the step table allows. No task to retry.
    this.unexpected = new Fail(this, "UnexpectedDecision", {
      error: "UnexpectedDecisionError",
      cause: "The decision's outcome is not one this step allows",
    });
    const unexpected = this.unexpected;

    // Built back to front: each step's outcomes point at states defined below it.
    const siteVisitCompletion = this.humanStep("SiteVisitCompletion", "site_visit_completion");
    siteVisitCompletion.continueWith(completed);

    // The construction period: a phase run keeps the household's report step open until the next thing due.
    const constructionPayload = {
      "caseId.$": "$.caseId",
      "stateMachineArn.$": "$$.StateMachine.Id",
      // Phase runs carry the approval run's plan: the completion inspection's limit and reminders.
      "plan.$": "$.plan",
    };
    const constructionClock = this.lambdaTask("ConstructionClock", props.construction, {
      payload: { ...constructionPayload, "construction.$": "$.construction" },
      resultPath: "$.construction",
    });
    const completionReport = this.humanStep("CompletionReport", "completion_report", {
      timeoutPath: "$.construction.clock.waitSeconds",
      reminders: false,
      onTimeout: constructionClock,
    });
    completionReport.continueWith(siteVisitCompletion.entry);
    constructionClock.next(
      new Choice(this, "ConstructionNext")
        .when(Condition.stringEquals("$.construction.next", "wait"), completionReport.entry)
        .when(Condition.stringEquals("$.construction.next", "expired"), this.expired)
        .otherwise(new Succeed(this, "ContinuedInNextRun", { comment: "The next phase run took over." })),
    );
    const startConstruction = this.lambdaTask("StartConstruction", props.construction, {
      payload: constructionPayload,
      resultPath: "$.construction",
    }).next(
      new Succeed(this, "Building", {
        comment: "Staked out; the construction period's phase runs take over.",
      }),
    );
    const siteVisitStaking = this.humanStep("SiteVisitStaking", "site_visit_staking");
    siteVisitStaking.continueWith(startConstruction);
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
      payload: {
        "caseId.$": "$.caseId",
        "round.$": "$.plan.round",
        "reminderSeconds.$": "$.plan.reminderSeconds",
      },
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
    // Each iteration has its own operator loop: a failed consultation task is retried alone,
    // never the whole Map (which would reopen the departments that already answered).
    const inMap = this.recoveryScope("Consultation", { "department.$": "$.department" });
    const consultation = this.humanStep("Consultation", "joint_review", { scope: inMap });
    jointReview.itemProcessor(consultation.entry);
    const nextRound = new Pass(this, "NextJointReviewRound", {
      comment:
        "Only the departments that asked for the correction review the next round, with the time they had left.",
      parameters: {
        "caseId.$": "$.caseId",
        plan: {
          blocked: false,
          "departments.$": "$.jointReview.departments",
          "round.$": "$.jointReview.round",
          "noticeSeconds.$": "$.plan.noticeSeconds",
          "limits.$": "States.JsonMerge($.plan.limits, $.jointReview.resume.limits, false)",
          "heartbeats.$": "States.JsonMerge($.plan.heartbeats, $.jointReview.resume.heartbeats, false)",
          "reminderSeconds.$": "$.plan.reminderSeconds",
        },
      },
    }).next(jointReview);
    const jointCorrection = this.correctionStep("JointReviewCorrection");
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
    });
    // An operator's restart (shared/workflow/restart.ts) enters where the case stands: the next step
    // nobody decided, with a plan rebuilt from the case. Every entry below is safe to open again.
    const resumeAt = new Choice(this, "ResumeAt", {
      comment: "A restart run: the step the case waits for ($.resume.at), computed from the stored case.",
    });
    const resumePoints: Record<RestartPoint, IChainable> = {
      Precheck: precheck,
      PublicNotice: publicNotice,
      VillageReview: villageReview,
      TownshipAcceptance: townshipAcceptance,
      JointReview: jointReview,
      TownshipApproval: townshipApproval,
      IssueCertificates: issueCertificates,
      SiteVisitStaking: siteVisitStaking.entry,
      SiteVisitCompletion: siteVisitCompletion.entry,
    };
    for (const point of RESTART_POINTS) {
      resumeAt.when(Condition.stringEquals("$.resume.at", point), resumePoints[point]);
    }
    resumeAt.otherwise(unexpected);
    const phase = new Choice(this, "Phase", {
      comment:
        "A construction phase run starts at the household's report step; a restart where the case stands; a submission at the pre-check.",
    })
      .when(
        Condition.and(Condition.isPresent("$.phase"), Condition.stringEquals("$.phase", "construction")),
        completionReport.entry,
      )
      .when(
        Condition.and(Condition.isPresent("$.phase"), Condition.stringEquals("$.phase", "restart")),
        resumeAt,
      )
      .otherwise(precheck);
    precheck.next(
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
      definitionBody: DefinitionBody.fromChainable(phase),
      // A permit can wait on people for weeks; the execution itself must not be the limit. Step Functions'
      // own limit is a year: the construction period, up to the approval's validity, runs in phase runs.
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

  /** A plain Lambda task: retried on transient errors, then the operator loop. */
  private lambdaTask(
    id: string,
    fn: NongfangFunction,
    options: { payload: Record<string, unknown>; resultPath?: string },
  ): LambdaInvoke {
    const task = new LambdaInvoke(this, id, {
      lambdaFunction: fn.function,
      payload: TaskInput.fromObject(options.payload),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      resultPath: options.resultPath ?? JsonPath.DISCARD,
    });
    this.retryTransient(task);
    this.recoverable(task, this.top);
    return task;
  }

  /**
   * The states one scope's operator loops share (the top level, or one
   * joint-review iteration: a Map iteration cannot jump outside itself).
   * `RecoverFailedTask` routes the operator's `{ "retry": "<state>" }` back to
   * the failed state; anything else (`{ "close": … }`) ends the run.
   */
  private recoveryScope(prefix: string, context: Record<string, unknown>): RecoveryScope {
    const closedByOperator = new Succeed(this, `${prefix}ClosedByOperator`, {
      comment: "An operator closed the incident without a retry; the case is closed by their reason.",
    });
    return {
      prefix,
      context,
      recover: new Choice(this, `RecoverFailed${prefix}Task`).otherwise(closedByOperator),
      closed: new Succeed(this, `${prefix}CaseClosed`, {
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
  private recoverable(task: LambdaInvoke, scope: RecoveryScope): void {
    const id = task.id;
    task.addCatch(scope.closed, { errors: [CASE_CLOSED_ERROR], resultPath: JsonPath.DISCARD });
    const failed = new LambdaInvoke(this, `${id}Failed`, {
      comment: `The operator loop of ${id}: an incident on the case, then the operator's decision.`,
      lambdaFunction: this.props.recordFailure.function,
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({
        taskToken: JsonPath.taskToken,
        "caseId.$": "$.caseId",
        executionArn: JsonPath.executionId,
        state: id,
        "error.$": "$.error",
        ...scope.context,
      }),
      retryOnServiceExceptions: false,
      resultPath: "$.recovery",
    });
    this.retryTransient(failed);
    failed.addCatch(scope.closed, { errors: [CASE_CLOSED_ERROR], resultPath: JsonPath.DISCARD });
    task.addCatch(failed, { errors: [Errors.ALL], resultPath: "$.error" });
    failed.next(scope.recover);
    scope.recover.when(Condition.stringEquals("$.recovery.retry", id), task);
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
   * Every task of the step has its operator loop in `scope` (the Map iteration for a consultation).
   *
   *   <Step> ─heartbeat→ Remind → Check ─(more than an interval left)→ Continued ─heartbeat→ RemindAgain → Check
   *     │                              └→ LastWait
   *     └─timeout (any of the three)→ MarkOverdue → Overdue ─heartbeat→ RemindOverdue → Overdue
   */
  private humanStep(
    id: string,
    step: StepKind,
    options: {
      /** The operator loops of its tasks: the top level's, or a joint-review iteration's. */
      scope?: RecoveryScope;
      /** TimeoutSecondsPath of the first wait; the plan's limit of the step by default. */
      timeoutPath?: string;
      /** false: one wait, no heartbeat (the construction period reminds by its own clock). */
      reminders?: boolean;
      /** Where a timeout goes instead of MarkOverdue → Overdue (a lapsed correction, the construction clock). */
      onTimeout?: IChainable;
    } = {},
  ): { entry: State; check: State; continueWith(next: IChainable): void } {
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

    const reminders = options.reminders !== false;
    const open = waitFor(id, {
      timeout: options.timeoutPath ?? `$.plan.limits.${step}`,
      ...(reminders ? { heartbeat: `$.plan.heartbeats.${step}` } : {}),
    });
    const recorded: LambdaInvoke[] = [open];
    const waits: LambdaInvoke[] = [open];
    const timed: LambdaInvoke[] = [open];
    let check: State = open;
    if (reminders) {
      const continued = waitFor(`${id}Continued`, {
        timeout: "$.wait.timeoutSeconds",
        heartbeat: "$.wait.heartbeatSeconds",
      });
      const last = waitFor(`${id}LastWait`, { timeout: "$.wait.timeoutSeconds" });
      const remind = remindTask(`${id}Remind`, {
        "timeoutSeconds.$": options.timeoutPath ?? `$.plan.limits.${step}`,
        "heartbeatSeconds.$": `$.plan.heartbeats.${step}`,
      });
      const remindAgain = remindTask(`${id}RemindAgain`, {
        "timeoutSeconds.$": "$.wait.timeoutSeconds",
        "heartbeatSeconds.$": "$.wait.heartbeatSeconds",
      });
      const checkChoice = new Choice(this, `${id}Check`)
        .when(
          Condition.numberGreaterThanJsonPath("$.wait.timeoutSeconds", "$.wait.heartbeatSeconds"),
          continued,
        )
        .otherwise(last);
      // Order matters: a heartbeat timeout is also a States.Timeout, so its catcher comes first.
      open.addCatch(remind, { errors: ["States.HeartbeatTimeout"], resultPath: JsonPath.DISCARD });
      continued.addCatch(remindAgain, { errors: ["States.HeartbeatTimeout"], resultPath: JsonPath.DISCARD });
      remind.next(checkChoice);
      remindAgain.next(checkChoice);
      recorded.push(continued, last, remind, remindAgain);
      waits.push(continued, last);
      timed.push(continued, last);
      check = checkChoice;
    }
    if (options.onTimeout) {
      for (const wait of timed) {
        wait.addCatch(options.onTimeout, { errors: ["States.Timeout"], resultPath: JsonPath.DISCARD });
      }
    } else {
      const reopened = waitFor(`${id}Overdue`, { heartbeat: "$.plan.reminderSeconds", overdue: true });
      const remindOverdue = remindTask(`${id}RemindOverdue`, undefined);
      const markOverdue = new LambdaInvoke(this, `${id}MarkOverdue`, {
        lambdaFunction: this.props.markOverdue.function,
        payload: TaskInput.fromObject(target),
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        resultPath: JsonPath.DISCARD,
      });
      this.retryTransient(markOverdue);
      reopened.addCatch(remindOverdue, { errors: ["States.HeartbeatTimeout"], resultPath: JsonPath.DISCARD });
      for (const wait of timed) {
        wait.addCatch(markOverdue, { errors: ["States.Timeout"], resultPath: JsonPath.DISCARD });
      }
      remindOverdue.next(reopened);
      markOverdue.next(reopened);
      recorded.push(reopened, remindOverdue, markOverdue);
      waits.push(reopened);
    }
    for (const task of recorded) {
      this.recoverable(task, options.scope ?? this.top);
    }
    return {
      entry: open,
      check,
      continueWith: (next) => {
        for (const wait of waits) wait.next(next);
      },
    };
  }

  /**
   * The household's correction step (补正). Its clock is the policy's
   * correction_response; when it runs out the correction lapses: the township
   * head's lapse step extends it (the correction step opens again, with a new
   * deadline) or closes the case (Expired). Nothing waits on the household forever.
   */
  private correctionStep(id: string): { entry: State; continueWith(next: IChainable): void } {
    const lapse = this.humanStep(`${id}Lapse`, "correction_lapse");
    const correction = this.humanStep(id, "correction", { onTimeout: lapse.entry });
    lapse.continueWith(
      new Choice(this, `${id}LapseDecision`)
        .when(Condition.stringEquals("$.decision.outcome", "approved"), correction.entry)
        .when(Condition.stringEquals("$.decision.outcome", "rejected"), this.expired)
        .otherwise(this.unexpected),
    );
    return correction;
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
    const correction = this.correctionStep(correctionId);
    // The step that asked opens again with the time it had left (its clock paused while the household corrected).
    correction.continueWith(
      this.lambdaTask(`Resume${id}`, this.props.resumeStep, {
        payload: { "caseId.$": "$.caseId", step, "reminderSeconds.$": "$.plan.reminderSeconds" },
        resultPath: "$.wait",
      }).next(human.check),
    );
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
