import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  IntegrationPattern,
  JsonPath,
  LogLevel,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
} from "aws-cdk-lib/aws-stepfunctions";
import { LambdaInvoke } from "aws-cdk-lib/aws-stepfunctions-tasks";
import { Construct } from "constructs";
import type { NongfangFunction } from "./function.ts";

export interface ApprovalWorkflowProps {
  /** Records a human step (and its task token, server-side) and puts it in the right queue. */
  readonly openStep: NongfangFunction;
}

/**
 * The multi-department approval chain: the only definition of the workflow.
 * The local cloud runs the ASL synthesized from this construct, never a copy.
 *
 * Human steps are `.waitForTaskToken` Lambda invocations: the task token is
 * stored server-side by `openStep` and the step resumes when a reviewer's
 * decision is sent with SendTaskSuccess. Time limits come from the execution
 * input (the county policy), never from constants here.
 */
export class ApprovalWorkflow extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: ApprovalWorkflowProps) {
    super(scope, id);

    const villageReview = new LambdaInvoke(this, "VillageReview", {
      lambdaFunction: props.openStep.function,
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({
        taskToken: JsonPath.taskToken,
        caseId: JsonPath.stringAt("$.caseId"),
        step: "village_review",
        executionArn: JsonPath.executionId,
      }),
      taskTimeout: Timeout.at("$.limits.villageReviewSeconds"),
      resultPath: "$.decision",
    });

    const outcome = new Choice(this, "VillageDecision")
      .when(Condition.stringEquals("$.decision.outcome", "approved"), new Succeed(this, "Approved"))
      .otherwise(
        new Fail(this, "Rejected", { error: "CaseRejected", cause: "The reviewer rejected the case" }),
      );

    const logs = new LogGroup(this, "Logs", {
      retention: RetentionDays.SIX_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new StateMachine(this, "StateMachine", {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(villageReview.next(outcome)),
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
    for (const task of [props.openStep]) {
      const logicalId = Stack.of(this).getLogicalId(task.function.node.defaultChild as CfnElement);
      Validations.of(this.stateMachine).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
        reason: "Invokes versions of the workflow's own task function only.",
      });
    }
  }
}
