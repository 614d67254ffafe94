import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  type IChainable,
  LogLevel,
  Map as MapState,
  Pass,
  type QueryLanguage,
  type State,
  StateMachine,
  StateMachineType,
  Succeed,
  Wait,
  WaitTime,
} from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import { RESTART_POINTS, type RestartPoint } from "#shared/workflow/restart-point.ts";
import { StepStates } from "./approval-workflow/human-steps.ts";
import type { ApprovalWorkflowProps } from "./approval-workflow/props.ts";
import { recoveryScope } from "./approval-workflow/recovery.ts";
import type { NongfangFunction } from "./function.ts";

export type { ApprovalWorkflowProps } from "./approval-workflow/props.ts";
export { TASK_RETRY } from "./approval-workflow/recovery.ts";

/** The states every path can end in. */
interface Ends {
  readonly rejected: State;
  readonly returned: State;
  readonly completed: State;
  readonly expired: State;
  readonly unexpected: IChainable;
}

/** The entries of what follows the approval (restart points, and the construction phase's first step). */
interface AfterApproval {
  readonly IssueCertificates: IChainable;
  readonly SiteVisitStaking: State;
  readonly SiteVisitCompletion: State;
  readonly completionReport: State;
}

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
 * No failure is a dead end (see `recoverable`, approval-workflow/recovery.ts): a task error that survives
 * its retries goes to `<Task>Failed`, which records an incident on the case
 * and waits for an operator; their `retry` loops back to the failed task
 * (RecoverFailedTask), `close` ends the run. The execution stays alive, so
 * recovery needs no redrive window; a task that finds the case closed ends
 * the run cleanly (CaseClosed).
 *
 * The states of each step (waits, reminders, escalation, corrections) are
 * built by approval-workflow/human-steps.ts.
 */
export class ApprovalWorkflow extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: ApprovalWorkflowProps) {
    super(scope, id);
    const top = recoveryScope(this, "", {});
    const ends = this.endStates();
    const steps = new StepStates(this, props, top, ends);
    // Built back to front: each step's outcomes point at states defined before it here.
    const approved = this.afterApproval(steps, props, ends);
    const townshipApproval = steps.decidedStep(
      "TownshipApproval",
      "township_approval",
      "ApprovalCorrection",
      ends.unexpected,
      { approved: approved.IssueCertificates, rejected: ends.rejected },
    );
    const jointReview = this.jointReview(steps, props, ends, townshipApproval);
    const townshipAcceptance = steps.decidedStep(
      "TownshipAcceptance",
      "township_acceptance",
      "AcceptanceCorrection",
      ends.unexpected,
      { approved: jointReview, rejected: ends.returned },
    );
    const villageReview = steps.decidedStep(
      "VillageReview",
      "village_review",
      "VillageCorrection",
      ends.unexpected,
      { approved: townshipAcceptance, rejected: ends.rejected },
    );
    const entry = this.entry(steps, props, ends, {
      ...approved,
      TownshipApproval: townshipApproval,
      JointReview: jointReview,
      TownshipAcceptance: townshipAcceptance,
      VillageReview: villageReview,
    });
    this.stateMachine = this.createStateMachine(entry, props);
  }

  private endStates(): Ends {
    const rejected = new Succeed(this, "Rejected", {
      comment: "A refusal is a business outcome, not a failure.",
    });
    const returned = new Succeed(this, "Returned", {
      comment: "Sent back to the household before acceptance.",
    });
    const completed = new Succeed(this, "Completed");
    const expired = new Succeed(this, "Expired", {
      comment: "A lapsed correction the township head closed, or an approval not built within its validity.",
    });
    // Unreachable: the decide API accepts only the outcomes the step table allows. No task to retry.
    const unexpected = new Fail(this, "UnexpectedDecision", {
      error: "UnexpectedDecisionError",
      cause: "The decision's outcome is not one this step allows",
    });
    return { rejected, returned, completed, expired, unexpected };
  }

  /** Certificates, the staking-out visit and the construction period up to the completion inspection. */
  private afterApproval(steps: StepStates, props: ApprovalWorkflowProps, ends: Ends): AfterApproval {
    const siteVisitCompletion = steps.humanStep("SiteVisitCompletion", "site_visit_completion");
    siteVisitCompletion.continueWith(ends.completed);

    // The construction period: a phase run keeps the household's report step open until the next thing due.
    const constructionPayload = {
      "caseId.$": "$.caseId",
      "stateMachineArn.$": "$$.StateMachine.Id",
      // Phase runs carry the approval run's plan: the completion inspection's limit and reminders.
      "plan.$": "$.plan",
    };
    const constructionClock = steps.lambdaTask("ConstructionClock", props.construction, {
      payload: { ...constructionPayload, "construction.$": "$.construction" },
      resultPath: "$.construction",
    });
    const completionReport = steps.humanStep("CompletionReport", "completion_report", {
      timeoutPath: "$.construction.clock.waitSeconds",
      reminders: false,
      onTimeout: constructionClock,
    });
    completionReport.continueWith(siteVisitCompletion.entry);
    constructionClock.next(
      new Choice(this, "ConstructionNext")
        .when(Condition.stringEquals("$.construction.next", "wait"), completionReport.entry)
        .when(Condition.stringEquals("$.construction.next", "expired"), ends.expired)
        .otherwise(new Succeed(this, "ContinuedInNextRun", { comment: "The next phase run took over." })),
    );
    const startConstruction = steps
      .lambdaTask("StartConstruction", props.construction, {
        payload: constructionPayload,
        resultPath: "$.construction",
      })
      .next(
        new Succeed(this, "Building", {
          comment: "Staked out; the construction period's phase runs take over.",
        }),
      );
    const siteVisitStaking = steps.humanStep("SiteVisitStaking", "site_visit_staking");
    siteVisitStaking.continueWith(startConstruction);
    const issueCertificates = steps
      .lambdaTask("IssueCertificates", props.issueCertificates, {
        payload: { "caseId.$": "$.caseId" },
        resultPath: "$.certificates",
      })
      .next(siteVisitStaking.entry);
    return {
      IssueCertificates: issueCertificates,
      SiteVisitStaking: siteVisitStaking.entry,
      SiteVisitCompletion: siteVisitCompletion.entry,
      completionReport: completionReport.entry,
    };
  }

  /** The departments' parallel review (联审) and its correction rounds; approved goes to `townshipApproval`. */
  private jointReview(
    steps: StepStates,
    props: ApprovalWorkflowProps,
    ends: Ends,
    townshipApproval: State,
  ): State {
    const aggregate = steps.lambdaTask("AggregateJointReview", props.aggregateJointReview, {
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
    const inMap = steps.iterationScope("Consultation", { "department.$": "$.department" });
    const consultation = steps.humanStep("Consultation", "joint_review", { scope: inMap });
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
    const jointCorrection = steps.correctionStep("JointReviewCorrection");
    jointCorrection.continueWith(nextRound);
    jointReview.next(aggregate);
    aggregate.next(
      steps.outcomeChoice("JointReviewOutcome", "$.jointReview.outcome", ends.unexpected, {
        approved: townshipApproval,
        rejected: ends.rejected,
        correction_requested: jointCorrection.entry,
      }),
    );
    return jointReview;
  }

  /**
   * Where a run starts: a submission at the pre-check (then the public notice
   * and the village review), a construction phase run at the household's
   * report step, an operator's restart where the case stands.
   */
  private entry(
    steps: StepStates,
    props: ApprovalWorkflowProps,
    ends: Ends,
    points: Omit<Record<RestartPoint, IChainable>, "Precheck" | "PublicNotice"> & { completionReport: State },
  ): State {
    const publicNotice = new Wait(this, "PublicNotice", {
      comment: "The villager group's public notice (公示); its length is county policy.",
      time: WaitTime.secondsPath("$.plan.noticeSeconds"),
    }).next(points.VillageReview);
    const precheck = steps.lambdaTask("Precheck", props.precheck, {
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
      VillageReview: points.VillageReview,
      TownshipAcceptance: points.TownshipAcceptance,
      JointReview: points.JointReview,
      TownshipApproval: points.TownshipApproval,
      IssueCertificates: points.IssueCertificates,
      SiteVisitStaking: points.SiteVisitStaking,
      SiteVisitCompletion: points.SiteVisitCompletion,
    };
    for (const point of RESTART_POINTS) {
      resumeAt.when(Condition.stringEquals("$.resume.at", point), resumePoints[point]);
    }
    resumeAt.otherwise(ends.unexpected);
    const phase = new Choice(this, "Phase", {
      comment:
        "A construction phase run starts at the household's report step; a restart where the case stands; a submission at the pre-check.",
    })
      .when(
        Condition.and(Condition.isPresent("$.phase"), Condition.stringEquals("$.phase", "construction")),
        points.completionReport,
      )
      .when(
        Condition.and(Condition.isPresent("$.phase"), Condition.stringEquals("$.phase", "restart")),
        resumeAt,
      )
      .otherwise(precheck);
    precheck.next(
      new Choice(this, "PrecheckPassed")
        .when(Condition.booleanEquals("$.plan.blocked", true), ends.returned)
        .otherwise(publicNotice),
    );
    return phase;
  }

  private createStateMachine(entry: State, props: ApprovalWorkflowProps): StateMachine {
    const logs = new LogGroup(this, "Logs", {
      retention: RetentionDays.SIX_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const stateMachine = new StateMachine(this, "StateMachine", {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(entry),
      // A permit can wait on people for weeks; the execution itself must not be the limit. Step Functions'
      // own limit is a year: the construction period, up to the approval's validity, runs in phase runs.
      timeout: Duration.days(365),
      tracingEnabled: true,
      logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: true },
    });
    Validations.of(stateMachine).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "X-Ray and CloudWatch Logs delivery actions (logs:CreateLogDelivery, …) support no resource-level permissions.",
    });
    for (const task of Object.values(props) as NongfangFunction[]) {
      const logicalId = Stack.of(this).getLogicalId(task.function.node.defaultChild as CfnElement);
      Validations.of(stateMachine).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
        reason: "Invokes versions of the workflow's own task functions only.",
      });
    }
    return stateMachine;
  }
}

/** CDK leaves out `maxConcurrency: 0` (falsy); the ASL states it: every department reviews at once. */
class ParallelMap extends MapState {
  override toStateJson(topLevelQueryLanguage?: QueryLanguage): object {
    return { ...super.toStateJson(topLevelQueryLanguage), MaxConcurrency: 0 };
  }
}
