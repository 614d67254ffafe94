/**
 * The states of the approval workflow's steps: plain Lambda tasks, and human
 * steps that wait for a decision with their reminders, escalation, the
 * household's correction (补正) and its lapse. Every task gets the retries and
 * the operator loop of recovery.ts.
 */
import {
  Choice,
  Condition,
  type IChainable,
  IntegrationPattern,
  JsonPath,
  type State,
  TaskInput,
  Timeout,
} from "aws-cdk-lib/aws-stepfunctions";
import { LambdaInvoke } from "aws-cdk-lib/aws-stepfunctions-tasks";
import type { Construct } from "constructs";
import type { StepKind } from "#shared/schemas/case.ts";
import type { NongfangFunction } from "../function.ts";
import type { ApprovalWorkflowProps } from "./props.ts";
import { type RecoveryScope, recoverable, recoveryScope, retryTransient } from "./recovery.ts";

export type Outcomes = { approved: IChainable; rejected: IChainable; correction_requested: IChainable };

/** A human step's states: where it starts, where a resumed step re-checks its wait, and its exits. */
export interface HumanStep {
  readonly entry: State;
  readonly check: State;
  continueWith(next: IChainable): void;
}

export interface HumanStepOptions {
  /** The operator loops of its tasks: the top level's, or a joint-review iteration's. */
  readonly scope?: RecoveryScope;
  /** TimeoutSecondsPath of the first wait; the plan's limit of the step by default. */
  readonly timeoutPath?: string;
  /** false: one wait, no heartbeat (the construction period reminds by its own clock). */
  readonly reminders?: boolean;
  /** Where a timeout goes instead of MarkOverdue → Overdue (a lapsed correction, the construction clock). */
  readonly onTimeout?: IChainable;
}

/** The payload naming a step: the case, the step kind, and for a consultation its department and round. */
type StepTarget = Record<string, unknown>;

/** The waits of one human step, as it is being built. */
interface StepWaits {
  /** Tasks with an operator loop. */
  readonly recorded: LambdaInvoke[];
  /** Waits whose decision leaves the step. */
  readonly waits: LambdaInvoke[];
  /** Waits with a time limit. */
  readonly timed: LambdaInvoke[];
}

/** Builds the steps' states in the workflow construct (`scope`), sharing the top-level operator loops. */
export class StepStates {
  constructor(
    private readonly scope: Construct,
    private readonly props: ApprovalWorkflowProps,
    /** The top level's operator loops (recoveryScope(scope, "", {})). */
    private readonly top: RecoveryScope,
    private readonly ends: { readonly expired: State; readonly unexpected: IChainable },
  ) {}

  /** The operator loops of a joint-review iteration (a Map iteration cannot jump outside itself). */
  iterationScope(prefix: string, context: Record<string, unknown>): RecoveryScope {
    return recoveryScope(this.scope, prefix, context);
  }

  /** A plain Lambda task: retried on transient errors, then the operator loop. */
  lambdaTask(
    id: string,
    fn: NongfangFunction,
    options: { payload: Record<string, unknown>; resultPath?: string },
  ): LambdaInvoke {
    const task = new LambdaInvoke(this.scope, id, {
      lambdaFunction: fn.function,
      payload: TaskInput.fromObject(options.payload),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      resultPath: options.resultPath ?? JsonPath.DISCARD,
    });
    retryTransient(task);
    this.recoverable(task, this.top);
    return task;
  }

  private recoverable(task: LambdaInvoke, loops: RecoveryScope): void {
    recoverable(this.scope, this.props.recordFailure, task, loops);
  }

  /** open-step waiting for the decision (`$.decision`) with the timing given. */
  private waitFor(
    stateId: string,
    target: StepTarget,
    timing: { timeout?: string; heartbeat?: string; overdue?: boolean },
  ): LambdaInvoke {
    const task = new LambdaInvoke(this.scope, stateId, {
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
    retryTransient(task, { waitsForToken: true });
    return task;
  }

  /** Remind: records the reminder; with `wait`, also computes what is left of the limit (`$.wait`). */
  private remindTask(
    stateId: string,
    target: StepTarget,
    wait: Record<string, unknown> | undefined,
  ): LambdaInvoke {
    const task = new LambdaInvoke(this.scope, stateId, {
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
    retryTransient(task);
    return task;
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
  humanStep(id: string, step: StepKind, options: HumanStepOptions = {}): HumanStep {
    const target: StepTarget = {
      "caseId.$": "$.caseId",
      step,
      ...(step === "joint_review" ? { "department.$": "$.department", "round.$": "$.round" } : {}),
    };
    const reminders = options.reminders !== false;
    const timeoutPath = options.timeoutPath ?? `$.plan.limits.${step}`;
    const open = this.waitFor(id, target, {
      timeout: timeoutPath,
      ...(reminders ? { heartbeat: `$.plan.heartbeats.${step}` } : {}),
    });
    const built: StepWaits = { recorded: [open], waits: [open], timed: [open] };
    const check = reminders ? this.addReminders(id, step, target, timeoutPath, open, built) : open;
    if (options.onTimeout) {
      for (const wait of built.timed) {
        wait.addCatch(options.onTimeout, { errors: ["States.Timeout"], resultPath: JsonPath.DISCARD });
      }
    } else {
      this.addOverdue(id, target, built);
    }
    for (const task of built.recorded) {
      this.recoverable(task, options.scope ?? this.top);
    }
    return {
      entry: open,
      check,
      continueWith: (next) => {
        for (const wait of built.waits) wait.next(next);
      },
    };
  }

  /** Remind → Check → Continued (another interval) or LastWait; answers the Check state. */
  private addReminders(
    id: string,
    step: StepKind,
    target: StepTarget,
    timeoutPath: string,
    open: LambdaInvoke,
    built: StepWaits,
  ): State {
    const continued = this.waitFor(`${id}Continued`, target, {
      timeout: "$.wait.timeoutSeconds",
      heartbeat: "$.wait.heartbeatSeconds",
    });
    const last = this.waitFor(`${id}LastWait`, target, { timeout: "$.wait.timeoutSeconds" });
    const remind = this.remindTask(`${id}Remind`, target, {
      "timeoutSeconds.$": timeoutPath,
      "heartbeatSeconds.$": `$.plan.heartbeats.${step}`,
    });
    const remindAgain = this.remindTask(`${id}RemindAgain`, target, {
      "timeoutSeconds.$": "$.wait.timeoutSeconds",
      "heartbeatSeconds.$": "$.wait.heartbeatSeconds",
    });
    const checkChoice = new Choice(this.scope, `${id}Check`)
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
    built.recorded.push(continued, last, remind, remindAgain);
    built.waits.push(continued, last);
    built.timed.push(continued, last);
    return checkChoice;
  }

  /** At the limit: MarkOverdue escalates, the step reopens overdue and is reminded every interval. */
  private addOverdue(id: string, target: StepTarget, built: StepWaits): void {
    const reopened = this.waitFor(`${id}Overdue`, target, {
      heartbeat: "$.plan.reminderSeconds",
      overdue: true,
    });
    const remindOverdue = this.remindTask(`${id}RemindOverdue`, target, undefined);
    const markOverdue = new LambdaInvoke(this.scope, `${id}MarkOverdue`, {
      lambdaFunction: this.props.markOverdue.function,
      payload: TaskInput.fromObject(target),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      resultPath: JsonPath.DISCARD,
    });
    retryTransient(markOverdue);
    reopened.addCatch(remindOverdue, { errors: ["States.HeartbeatTimeout"], resultPath: JsonPath.DISCARD });
    for (const wait of built.timed) {
      wait.addCatch(markOverdue, { errors: ["States.Timeout"], resultPath: JsonPath.DISCARD });
    }
    remindOverdue.next(reopened);
    markOverdue.next(reopened);
    built.recorded.push(reopened, remindOverdue, markOverdue);
    built.waits.push(reopened);
  }

  /**
   * The household's correction step (补正). Its clock is the policy's
   * correction_response; when it runs out the correction lapses: the township
   * head's lapse step extends it (the correction step opens again, with a new
   * deadline) or closes the case (Expired). Nothing waits on the household forever.
   */
  correctionStep(id: string): { entry: State; continueWith(next: IChainable): void } {
    const lapse = this.humanStep(`${id}Lapse`, "correction_lapse");
    const correction = this.humanStep(id, "correction", { onTimeout: lapse.entry });
    lapse.continueWith(
      new Choice(this.scope, `${id}LapseDecision`)
        .when(Condition.stringEquals("$.decision.outcome", "approved"), correction.entry)
        .when(Condition.stringEquals("$.decision.outcome", "rejected"), this.ends.expired)
        .otherwise(this.ends.unexpected),
    );
    return correction;
  }

  /**
   * A human step whose decision routes the case; a correction request opens the
   * villager's correction step (补正), which loops back to the step that asked.
   */
  decidedStep(
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

  outcomeChoice(id: string, path: string, unexpected: IChainable, outcomes: Outcomes): Choice {
    return new Choice(this.scope, id)
      .when(Condition.stringEquals(path, "approved"), outcomes.approved)
      .when(Condition.stringEquals(path, "rejected"), outcomes.rejected)
      .when(Condition.stringEquals(path, "correction_requested"), outcomes.correction_requested)
      .otherwise(unexpected);
  }
}
