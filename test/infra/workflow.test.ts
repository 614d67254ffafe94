import { Capture, Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "#infra/app.ts";
import { TASK_RETRY } from "#infra/constructs/approval-workflow.ts";
import { STEP_KINDS } from "#shared/schemas/case.ts";
import { FINAL_TASK_ERRORS } from "#shared/workflow/errors.ts";
import { RESTART_POINTS } from "#shared/workflow/restart-point.ts";
import { testApp } from "../support/cdk-app.ts";
import { stateMachineDefinition } from "../support/state-machine.ts";

interface AslState {
  readonly Type: string;
  readonly Resource?: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly TimeoutSecondsPath?: string;
  readonly HeartbeatSecondsPath?: string;
  readonly ResultPath?: string;
  readonly Parameters?: { readonly FunctionName?: string; readonly Payload?: Record<string, unknown> };
  readonly Catch?: readonly { readonly ErrorEquals: readonly string[]; readonly Next: string }[];
  readonly Retry?: readonly { readonly ErrorEquals: readonly string[] }[];
  readonly Choices?: readonly {
    readonly StringEquals?: string;
    readonly Next: string;
    readonly [field: string]: unknown;
  }[];
  readonly Default?: string;
  readonly ItemProcessor?: { readonly StartAt: string; readonly States: Record<string, AslState> };
  readonly [field: string]: unknown;
}
interface Asl {
  readonly StartAt: string;
  readonly States: Record<string, AslState>;
}

let definition: string;
let asl: Asl;
let template: Template;
beforeAll(() => {
  const { stack } = buildApp(testApp());
  template = Template.fromStack(stack);
  definition = stateMachineDefinition(template);
  asl = JSON.parse(definition) as Asl;
});

/** Every state, with the Map's iteration states after the top-level ones. */
function allStates(): [string, AslState, "top" | "map"][] {
  return Object.entries(asl.States).flatMap(([name, state]) => [
    [name, state, "top"] as [string, AslState, "top"],
    ...Object.entries(state.ItemProcessor?.States ?? {}).map(
      ([inner, innerState]) => [inner, innerState, "map"] as [string, AslState, "map"],
    ),
  ]);
}
const isHumanStep = (state: AslState) => state.Resource?.endsWith(":lambda:invoke.waitForTaskToken") ?? false;
const catchTo = (state: AslState, error: string) =>
  state.Catch?.find((entry) => entry.ErrorEquals.includes(error))?.Next;
const outcomes = (choice: AslState) =>
  Object.fromEntries((choice.Choices ?? []).map((entry) => [entry.StringEquals, entry.Next]));

function matches(pattern: unknown): void {
  const result = Match.serializedJson(pattern).test(definition);
  expect(result.hasFailed(), result.renderMismatch()).toBe(false);
  result.finished();
}

describe("approval workflow definition", () => {
  it("starts a submission at the pre-check, whose plan goes to $.plan, and returns a blocked case", () => {
    const precheckFunction = new Capture();
    matches(
      Match.objectLike({
        StartAt: "Phase",
        States: Match.objectLike({
          Phase: Match.objectLike({
            Type: "Choice",
            Choices: [
              {
                And: [
                  { Variable: "$.phase", IsPresent: true },
                  { Variable: "$.phase", StringEquals: "construction" },
                ],
                Next: "CompletionReport",
              },
              {
                And: [
                  { Variable: "$.phase", IsPresent: true },
                  { Variable: "$.phase", StringEquals: "restart" },
                ],
                Next: "ResumeAt",
              },
            ],
            Default: "Precheck",
          }),
          Precheck: Match.objectLike({
            Type: "Task",
            Resource: precheckFunction,
            ResultPath: "$.plan",
            Next: "PrecheckPassed",
          }),
          PrecheckPassed: Match.objectLike({
            Type: "Choice",
            Choices: [{ Variable: "$.plan.blocked", BooleanEquals: true, Next: "Returned" }],
            Default: "PublicNotice",
          }),
          PublicNotice: {
            Type: "Wait",
            SecondsPath: "$.plan.noticeSeconds",
            Next: "VillageReview",
            Comment: Match.anyValue(),
          },
          Returned: Match.objectLike({ Type: "Succeed" }),
        }),
      }),
    );
    expect(precheckFunction.asString()).toMatch(/^<WorkflowPrecheckFunction\w+\.Arn>$/);
  });

  it("lets an operator's restart enter at each consistent step the case can stand at", () => {
    const resume = asl.States.ResumeAt;
    expect(resume?.Type).toBe("Choice");
    expect(
      Object.fromEntries((resume?.Choices ?? []).map((choice) => [choice.StringEquals, choice.Next])),
    ).toEqual(Object.fromEntries(RESTART_POINTS.map((point) => [point, point])));
    expect(resume?.Choices?.every((choice) => choice.Variable === "$.resume.at")).toBe(true);
  });

  it("makes every human step a waitForTaskToken open-step with its limit from $.plan.limits and a timeout path to MarkOverdue (a correction's to its lapse)", () => {
    const opened = allStates().filter(
      ([, state]) => isHumanStep(state) && String(state.TimeoutSecondsPath).startsWith("$.plan.limits."),
    );
    // Every step but the household's completion report, which runs on the construction period's clock.
    expect(new Set(opened.map(([, state]) => state.Parameters?.Payload?.step))).toEqual(
      new Set(STEP_KINDS.filter((step) => step !== "completion_report")),
    );
    for (const [name, state, scope] of opened) {
      const states = scope === "map" ? (asl.States.JointReview?.ItemProcessor?.States ?? {}) : asl.States;
      const step = String(state.Parameters?.Payload?.step);
      const waits = [state, states[`${name}Continued`], states[`${name}LastWait`]];
      for (const wait of waits) {
        expect(wait && isHumanStep(wait), name).toBe(true);
        expect(wait?.Parameters?.FunctionName, name).toMatch(/^<WorkflowOpenStepFunction\w+\.Arn>$/);
        expect(wait?.Parameters?.Payload, name).toMatchObject({
          "taskToken.$": "$$.Task.Token",
          "caseId.$": "$.caseId",
          "executionArn.$": "$$.Execution.Id",
          step,
        });
        expect(wait?.ResultPath, name).toBe("$.decision");
        expect(wait?.Next ?? wait?.End, name).toEqual(state.Next ?? state.End);
      }
      // The first wait: the whole limit, a heartbeat at the reminder interval.
      expect(state.TimeoutSecondsPath, name).toBe(`$.plan.limits.${step}`);
      expect(state.HeartbeatSecondsPath, name).toBe(`$.plan.heartbeats.${step}`);

      // Heartbeat (caught before States.Timeout, which also matches it) → Remind → what is left of the limit.
      expect(state.Catch?.[0], name).toMatchObject({
        ErrorEquals: ["States.HeartbeatTimeout"],
        Next: `${name}Remind`,
      });
      const remind = states[`${name}Remind`];
      expect(remind?.Resource, name).toMatch(/^<WorkflowRemindFunction\w+\.Arn>$/);
      // payloadResponseOnly: the task invokes the function directly with these Parameters as its event.
      expect(remind?.Parameters, name).toMatchObject({
        step,
        "reminderSeconds.$": "$.plan.reminderSeconds",
        wait: {
          "timeoutSeconds.$": `$.plan.limits.${step}`,
          "heartbeatSeconds.$": `$.plan.heartbeats.${step}`,
        },
      });
      expect(remind?.ResultPath, name).toBe("$.wait");
      const check = states[remind?.Next ?? ""];
      expect(check?.Choices, name).toEqual([
        {
          Variable: "$.wait.timeoutSeconds",
          NumericGreaterThanPath: "$.wait.heartbeatSeconds",
          Next: `${name}Continued`,
        },
      ]);
      expect(check?.Default, name).toBe(`${name}LastWait`);
      const continued = states[`${name}Continued`];
      expect(continued?.TimeoutSecondsPath, name).toBe("$.wait.timeoutSeconds");
      expect(continued?.HeartbeatSecondsPath, name).toBe("$.wait.heartbeatSeconds");
      const again = states[catchTo(continued as AslState, "States.HeartbeatTimeout") ?? ""];
      expect(again?.Resource, name).toMatch(/^<WorkflowRemindFunction\w+\.Arn>$/);
      expect(again?.Next, name).toBe(remind?.Next);
      const last = states[`${name}LastWait`];
      expect(last?.TimeoutSecondsPath, name).toBe("$.wait.timeoutSeconds");
      expect(last?.HeartbeatSecondsPath, name).toBeUndefined();

      if (step === "correction") {
        // The household let the deadline pass: the correction lapses to the township head, never overdue.
        for (const wait of [state, continued, last])
          expect(catchTo(wait as AslState, "States.Timeout"), name).toBe(`${name}Lapse`);
        expect(states[`${name}Overdue`], name).toBeUndefined();
        continue;
      }
      // Timeout of any wait → MarkOverdue → the same step reopened, overdue, no timeout, still reminded.
      const markOverdueName = catchTo(state, "States.Timeout");
      for (const wait of [continued, last])
        expect(catchTo(wait as AslState, "States.Timeout"), name).toBe(markOverdueName);
      const markOverdue = states[markOverdueName ?? ""];
      expect(markOverdue?.Resource, name).toMatch(/^<WorkflowMarkOverdueFunction\w+\.Arn>$/);
      const reopened = states[markOverdue?.Next ?? ""];
      expect(reopened?.Parameters?.Payload, name).toMatchObject({ step, overdue: true });
      expect(reopened?.TimeoutSecondsPath, name).toBeUndefined();
      expect(reopened?.HeartbeatSecondsPath, name).toBe("$.plan.reminderSeconds");
      expect(reopened?.Next ?? reopened?.End, name).toEqual(state.Next ?? state.End);
      const remindOverdue = states[catchTo(reopened as AslState, "States.HeartbeatTimeout") ?? ""];
      expect(remindOverdue?.Resource, name).toMatch(/^<WorkflowRemindFunction\w+\.Arn>$/);
      expect(remindOverdue?.Next, name).toBe(markOverdue?.Next);
    }
  });

  it("runs the joint review as a Map over $.plan.departments, all at once, one consultation per department", () => {
    matches(
      Match.objectLike({
        States: Match.objectLike({
          JointReview: Match.objectLike({
            Type: "Map",
            ItemsPath: "$.plan.departments",
            MaxConcurrency: 0,
            ItemSelector: Match.objectLike({
              "caseId.$": "$.caseId",
              "department.$": "$$.Map.Item.Value",
              "round.$": "$.plan.round",
            }),
            ResultPath: "$.consultations",
            Next: "AggregateJointReview",
            ItemProcessor: Match.objectLike({
              StartAt: "Consultation",
              States: Match.objectLike({
                Consultation: Match.objectLike({
                  Parameters: Match.objectLike({
                    Payload: Match.objectLike({ step: "joint_review", "department.$": "$.department" }),
                  }),
                }),
              }),
            }),
          }),
        }),
      }),
    );
  });

  it("gives every task an operator loop instead of a dead end: <Task>Failed waits for the operator, whose retry re-enters the task", () => {
    const states = allStates();
    const byName = new Map(states.map(([name, state]) => [name, state]));
    const tasks = states.filter(([name, state]) => state.Type === "Task" && !name.endsWith("Failed"));
    expect(tasks.length).toBeGreaterThan(20);
    for (const [name, state, scope] of tasks) {
      const prefix = scope === "map" ? "Consultation" : "";
      // The case closed under the run (withdrawn): the run ends cleanly, before any failure handling.
      expect(catchTo(state, "CaseClosedError"), name).toBe(`${prefix}CaseClosed`);
      expect(catchTo(state, "States.ALL"), name).toBe(`${name}Failed`);
      const failed = byName.get(`${name}Failed`);
      expect(failed, name).toMatchObject({
        Type: "Task",
        Resource: "arn:<AWS::Partition>:states:::lambda:invoke.waitForTaskToken",
        ResultPath: "$.recovery",
        Next: `RecoverFailed${prefix}Task`,
      });
      expect(failed?.Parameters?.FunctionName).toMatch(/^<WorkflowRecordFailureFunction\w+\.Arn>$/);
      expect(failed?.Parameters?.Payload).toMatchObject({
        "taskToken.$": "$$.Task.Token",
        "caseId.$": "$.caseId",
        "executionArn.$": "$$.Execution.Id",
        state: name,
        "error.$": "$.error",
      });
      // The loop's own failure is left to the execution (then RedriveExecution re-runs this state).
      expect(catchTo(failed as AslState, "States.ALL"), name).toBeUndefined();
      const recover = byName.get(`RecoverFailed${prefix}Task`);
      expect(recover?.Choices, name).toContainEqual({
        Variable: "$.recovery.retry",
        StringEquals: name,
        Next: name,
      });
      expect(recover?.Default).toBe(`${prefix}ClosedByOperator`);
    }
    // No Catch anywhere leads to a Fail state: a redrive would only repeat it.
    const fails = new Set(states.filter(([, state]) => state.Type === "Fail").map(([name]) => name));
    for (const [name, state] of states) {
      for (const entry of state.Catch ?? []) expect(fails.has(entry.Next), name).toBe(false);
    }
    expect(asl.States.JointReview?.Catch).toBeUndefined();
  });

  it("retries every transient error with jittered backoff and never a final domain error or a wait's timeout", () => {
    const tasks = allStates().filter(([, state]) => state.Type === "Task");
    expect(tasks.length).toBeGreaterThan(20);
    for (const [name, state] of tasks) {
      const [final, transient, ...rest] = state.Retry ?? [];
      expect(rest, name).toEqual([]);
      expect(final, name).toEqual({
        ErrorEquals: [
          ...FINAL_TASK_ERRORS,
          // A human step's waits; the operator loop's wait (<Task>Failed) has no timeout.
          ...(isHumanStep(state) && !name.endsWith("Failed")
            ? ["States.HeartbeatTimeout", "States.Timeout"]
            : []),
        ],
        MaxAttempts: 0,
      });
      // States.ALL covers Lambda.*, Sandbox.Timedout, throttling, 5xx, resets and a plain task's timeout.
      expect(transient, name).toEqual({
        ErrorEquals: ["States.ALL"],
        IntervalSeconds: TASK_RETRY.intervalSeconds,
        BackoffRate: TASK_RETRY.backoffRate,
        MaxAttempts: TASK_RETRY.maxAttempts,
        MaxDelaySeconds: TASK_RETRY.maxDelaySeconds,
        JitterStrategy: "FULL",
      });
    }
    for (const error of ["CaseChangedError", "Sandbox.Timedout", "Lambda.ServiceException"]) {
      expect(FINAL_TASK_ERRORS as readonly string[]).not.toContain(error);
    }
  });

  it("routes each decision: approved onward, rejected to an end, a correction through the villager and back", () => {
    const routes: [string, string, string, string][] = [
      ["VillageReviewDecision", "TownshipAcceptance", "Rejected", "VillageCorrection"],
      ["TownshipAcceptanceDecision", "JointReview", "Returned", "AcceptanceCorrection"],
      ["JointReviewOutcome", "TownshipApproval", "Rejected", "JointReviewCorrection"],
      ["TownshipApprovalDecision", "IssueCertificates", "Rejected", "ApprovalCorrection"],
    ];
    for (const [choice, approved, rejected, correction] of routes) {
      const state = asl.States[choice] as AslState;
      expect(outcomes(state), choice).toEqual({ approved, rejected, correction_requested: correction });
      expect(state.Default, choice).toBe("UnexpectedDecision");
      expect(asl.States[correction]?.Parameters?.Payload?.step, correction).toBe("correction");
    }
    // Where a human step's answer goes (its later and overdue waits share the Next).
    const nextOf = (step: string) => asl.States[step]?.Next;
    expect(nextOf("JointReviewCorrection")).toBe("NextJointReviewRound");
    expect(asl.States.IssueCertificates?.Next).toBe("SiteVisitStaking");
    expect(nextOf("SiteVisitStaking")).toBe("StartConstruction");
    expect(nextOf("SiteVisitCompletion")).toBe("Completed");
    expect(asl.States.Rejected?.Type).toBe("Succeed");
    expect(asl.States.Completed?.Type).toBe("Succeed");
  });

  it("reopens the step that asked for a correction with the time it had left, not a fresh limit", () => {
    const resumeFunction = new Capture();
    for (const [correction, step, kind] of [
      ["VillageCorrection", "VillageReview", "village_review"],
      ["AcceptanceCorrection", "TownshipAcceptance", "township_acceptance"],
      ["ApprovalCorrection", "TownshipApproval", "township_approval"],
    ] as const) {
      // The answer → ResumeX (what was left, into $.wait) → the step's Check, which waits it out.
      expect(asl.States[correction]?.Next, correction).toBe(`Resume${step}`);
      matches(
        Match.objectLike({
          States: Match.objectLike({
            [`Resume${step}`]: Match.objectLike({
              Type: "Task",
              Resource: resumeFunction,
              Parameters: {
                "caseId.$": "$.caseId",
                step: kind,
                "reminderSeconds.$": "$.plan.reminderSeconds",
              },
              ResultPath: "$.wait",
              Next: `${step}Check`,
            }),
          }),
        }),
      );
      expect(asl.States[`${step}Check`]?.Type, step).toBe("Choice");
    }
    expect(resumeFunction.asString()).toMatch(/^<WorkflowResumeStepFunction\w+\.Arn>$/);
    // Joint review: the next round's limit is what the askers had left (the aggregate computes it).
    matches(
      Match.objectLike({
        States: Match.objectLike({
          AggregateJointReview: Match.objectLike({
            Parameters: Match.objectLike({ "reminderSeconds.$": "$.plan.reminderSeconds" }),
          }),
          NextJointReviewRound: Match.objectLike({
            Type: "Pass",
            Next: "JointReview",
            Parameters: {
              "caseId.$": "$.caseId",
              plan: Match.objectLike({
                "departments.$": "$.jointReview.departments",
                "round.$": "$.jointReview.round",
                "limits.$": "States.JsonMerge($.plan.limits, $.jointReview.resume.limits, false)",
                "heartbeats.$": "States.JsonMerge($.plan.heartbeats, $.jointReview.resume.heartbeats, false)",
                "reminderSeconds.$": "$.plan.reminderSeconds",
              }),
            },
          }),
        }),
      }),
    );
  });

  it("lapses a correction whose deadline passed to the township head, who extends it or closes the case", () => {
    for (const correction of [
      "VillageCorrection",
      "AcceptanceCorrection",
      "JointReviewCorrection",
      "ApprovalCorrection",
    ]) {
      const lapse = asl.States[`${correction}Lapse`] as AslState;
      expect(isHumanStep(lapse), correction).toBe(true);
      expect(lapse.Parameters?.Payload?.step, correction).toBe("correction_lapse");
      expect(lapse.TimeoutSecondsPath, correction).toBe("$.plan.limits.correction_lapse");
      // The head's own step is chased like any other when late.
      expect(catchTo(lapse, "States.Timeout"), correction).toBe(`${correction}LapseMarkOverdue`);
      expect(lapse.Next, correction).toBe(`${correction}LapseDecision`);
      const decision = asl.States[`${correction}LapseDecision`] as AslState;
      expect(outcomes(decision), correction).toEqual({ approved: correction, rejected: "Expired" });
      expect(decision.Default, correction).toBe("UnexpectedDecision");
    }
    expect(asl.States.Expired?.Type).toBe("Succeed");
  });

  it("runs the construction period in phase runs: the household's report opens the completion inspection", () => {
    const construction = new Capture();
    const constructionAgain = new Capture();
    matches(
      Match.objectLike({
        States: Match.objectLike({
          // The approval run hands over at staking-out.
          StartConstruction: Match.objectLike({
            Type: "Task",
            Resource: construction,
            Parameters: {
              "caseId.$": "$.caseId",
              "stateMachineArn.$": "$$.StateMachine.Id",
              "plan.$": "$.plan",
            },
            ResultPath: "$.construction",
            Next: "Building",
          }),
          Building: Match.objectLike({ Type: "Succeed" }),
          // A phase run: the report step open until the next thing due, no reminders of its own.
          CompletionReport: Match.objectLike({
            Resource: Match.stringLikeRegexp("lambda:invoke.waitForTaskToken$"),
            TimeoutSecondsPath: "$.construction.clock.waitSeconds",
            Parameters: Match.objectLike({
              Payload: Match.objectLike({ step: "completion_report", "taskToken.$": "$$.Task.Token" }),
            }),
            Next: "SiteVisitCompletion",
          }),
          ConstructionClock: Match.objectLike({
            Type: "Task",
            Resource: constructionAgain,
            Parameters: {
              "caseId.$": "$.caseId",
              "stateMachineArn.$": "$$.StateMachine.Id",
              "plan.$": "$.plan",
              "construction.$": "$.construction",
            },
            ResultPath: "$.construction",
            Next: "ConstructionNext",
          }),
          ConstructionNext: Match.objectLike({
            Type: "Choice",
            Choices: [
              { Variable: "$.construction.next", StringEquals: "wait", Next: "CompletionReport" },
              { Variable: "$.construction.next", StringEquals: "expired", Next: "Expired" },
            ],
            Default: "ContinuedInNextRun",
          }),
          ContinuedInNextRun: Match.objectLike({ Type: "Succeed" }),
        }),
      }),
    );
    expect(construction.asString()).toMatch(/^<WorkflowConstructionFunction\w+\.Arn>$/);
    expect(constructionAgain.asString()).toBe(construction.asString());
    const report = asl.States.CompletionReport as AslState;
    expect(report.HeartbeatSecondsPath).toBeUndefined();
    expect(catchTo(report, "States.Timeout")).toBe("ConstructionClock");
    // The inspector's clock starts when the household reports, with its plan limit.
    expect(asl.States.SiteVisitCompletion?.TimeoutSecondsPath).toBe("$.plan.limits.site_visit_completion");
  });

  it("writes no county numbers: no literal timeouts, heartbeats or wait seconds in any state", () => {
    for (const [name, state] of allStates()) {
      for (const field of ["TimeoutSeconds", "HeartbeatSeconds", "Seconds", "Timestamp"]) {
        expect(state[field], `${name}.${field}`).toBeUndefined();
      }
    }
  });

  it("sends stored decisions that never reached the workflow once a minute, from a function that may answer tasks", () => {
    const sweeper = new Capture();
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(1 minute)",
      State: "ENABLED",
      Targets: [Match.objectLike({ Arn: { "Fn::GetAtt": [sweeper, "Arn"] } })],
    });
    // Other functions run every minute too (the SMS sender): take the rule whose target is the sweeper.
    type Fn = { Properties: { Description: string; Role: { "Fn::GetAtt": [string, string] } } };
    const targets: string[] = [];
    do targets.push(sweeper.asString());
    while (sweeper.next());
    const fn = targets
      .map((id) => template.toJSON().Resources[id] as Fn)
      .find((candidate) => candidate.Properties.Description.includes("never reached the workflow"));
    if (!fn) throw new Error("no rule runs the decision delivery sweep");
    const role = fn.Properties.Role["Fn::GetAtt"][0];
    const actions = Object.values(template.findResources("AWS::IAM::Policy"))
      .filter((policy) => JSON.stringify(policy).includes(`"${role}"`))
      .flatMap((policy) =>
        (policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap(
          (statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]),
        ),
      );
    expect(actions).toContain("states:SendTaskSuccess");
    expect(actions.filter((action) => action.startsWith("states:")).sort()).toEqual(
      ["states:SendTaskFailure", "states:SendTaskHeartbeat", "states:SendTaskSuccess"].sort(),
    );
  });
});
