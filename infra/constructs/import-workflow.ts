import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  JsonPath,
  LogLevel,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
} from "aws-cdk-lib/aws-stepfunctions";
import { LambdaInvoke } from "aws-cdk-lib/aws-stepfunctions-tasks";
import { Construct } from "constructs";
import type { NongfangFunction } from "./function.ts";

export interface ImportWorkflowProps {
  /** functions/workflow/run-import.ts: one work session of an admin import (up to its 15-minute timeout). */
  readonly worker: NongfangFunction;
}

/**
 * Admin imports in the background (POST /admin/imports starts one execution
 * per import, named after the import id):
 *
 *   RunSession ─(done)→ Imported
 *      ↑   └─(not done: stopped at a checkpoint before its time was up)─┐
 *      └─────────────────────────────────────────────────────────────────┘
 *   RunSession ─(a session that keeps failing)→ RecordImportFailure → ImportFailed
 *
 * A session that dies (timeout, crash, throttling) is retried, and resumes from
 * the checkpoint the last committed chunk saved; the job item carries the progress.
 */
export class ImportWorkflow extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: ImportWorkflowProps) {
    super(scope, id);
    const failed = new LambdaInvoke(this, "RecordImportFailure", {
      lambdaFunction: props.worker.function,
      payload: TaskInput.fromObject({ "failed.$": "$.work", "error.$": "$.error" }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
      resultPath: JsonPath.DISCARD,
    }).next(
      new Fail(this, "ImportFailed", { error: "ImportFailed", cause: "The import failed; see its job" }),
    );
    const session = new LambdaInvoke(this, "RunSession", {
      lambdaFunction: props.worker.function,
      payload: TaskInput.fromObject({ "work.$": "$.work" }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      resultPath: "$.work",
    });
    session.addRetry({
      errors: [
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
        "Lambda.Unknown",
        "Sandbox.Timedout",
        "States.Timeout",
      ],
      interval: Duration.seconds(5),
      backoffRate: 2,
      maxAttempts: 4,
    });
    session.addCatch(failed, { errors: ["States.ALL"], resultPath: "$.error" });
    const next = new Choice(this, "Done")
      .when(Condition.booleanEquals("$.work.done", true), new Succeed(this, "Imported"))
      .otherwise(session);
    const logs = new LogGroup(this, "Logs", {
      retention: RetentionDays.SIX_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new StateMachine(this, "StateMachine", {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(session.next(next)),
      timeout: Duration.days(1),
      tracingEnabled: true,
      logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: false },
    });
    Validations.of(this.stateMachine).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "X-Ray and CloudWatch Logs delivery actions (logs:CreateLogDelivery, …) support no resource-level permissions.",
    });
    const logicalId = Stack.of(this).getLogicalId(props.worker.function.node.defaultChild as CfnElement);
    Validations.of(this.stateMachine).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
      reason: "Invokes versions of the import worker function only.",
    });
  }
}
