import { Duration } from "aws-cdk-lib";
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  Metric,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { Rule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { Alias } from "aws-cdk-lib/aws-kms";
import { Topic } from "aws-cdk-lib/aws-sns";
import type { StateMachine } from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import { UNEXPECTED_END_STATUSES } from "#shared/workflow/contracts.ts";
import type { NongfangFunction } from "./function.ts";

export interface WorkflowMonitoringProps {
  readonly stateMachine: StateMachine;
  /** Turns an unexpected end of a run into an operator incident (functions/workflow/execution-status.ts). */
  readonly executionStatus: NongfangFunction;
}

/** The EMF namespace and metric the incident writer emits (shared/workflow/incidents.ts emitIncidentMetric). */
export const INCIDENT_METRIC = { namespace: "Nongfang", metricName: "IncidentsOpened" } as const;

/**
 * Nothing fails silently: every run of the approval workflow that FAILED,
 * TIMED_OUT or was ABORTED reaches the status-change function (EventBridge,
 * "Step Functions Execution Status Change"), which opens a redrive incident
 * unless the case was withdrawn; and alarms page the operators' topic on
 * failed and timed-out runs, on every incident opened, and on decisions not
 * delivered to the workflow.
 *
 * Aborted runs raise no alarm of their own: a withdrawal aborts its run on
 * purpose; an unexpected abort opens an incident, which the incident alarm
 * counts.
 */
export class WorkflowMonitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: WorkflowMonitoringProps) {
    super(scope, id);
    new Rule(this, "ExecutionEnded", {
      description: "Approval workflow runs that failed, timed out or were aborted: an operator incident each",
      eventPattern: {
        source: ["aws.states"],
        detailType: ["Step Functions Execution Status Change"],
        detail: {
          stateMachineArn: [props.stateMachine.stateMachineArn],
          status: [...UNEXPECTED_END_STATUSES],
        },
      },
      targets: [new LambdaFunction(props.executionStatus.function, { retryAttempts: 8 })],
    });

    this.topic = new Topic(this, "Alarms", {
      displayName: "Nongfang: stuck cases and workflow failures",
      // cdk-nag AwsSolutions-SNS2/SNS3: encrypted at rest, TLS only.
      masterKey: Alias.fromAliasName(this, "SnsKey", "alias/aws/sns"),
      enforceSSL: true,
    });
    const page = new SnsAction(this.topic);
    const alarm = (alarmId: string, metric: IMetric, description: string) => {
      const created = new Alarm(this, alarmId, {
        metric,
        alarmDescription: description,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(page);
      this.alarms.push(created);
      return created;
    };
    const fiveMinutes = { period: Duration.minutes(5), statistic: "Sum" };
    alarm(
      "ExecutionsFailed",
      props.stateMachine.metricFailed(fiveMinutes),
      "An approval workflow run failed: its case is in the operator view (异常案件) with a redrive.",
    );
    alarm(
      "ExecutionsTimedOut",
      props.stateMachine.metricTimedOut(fiveMinutes),
      "An approval workflow run timed out: its case is in the operator view (异常案件) with a redrive.",
    );
    const incidents = (dimensions?: Record<string, string>) =>
      new Metric({
        namespace: INCIDENT_METRIC.namespace,
        metricName: INCIDENT_METRIC.metricName,
        ...(dimensions ? { dimensionsMap: dimensions } : {}),
        ...fiveMinutes,
      });
    alarm(
      "IncidentsOpened",
      incidents(),
      "A case needs an operator: an incident was opened (GET /incidents lists it with its recovery).",
    );
    alarm(
      "UndeliveredDecisions",
      incidents({ kind: "undelivered_decision" }),
      "A decision was stored but did not reach the workflow after its retries: redeliver it from the operator view.",
    );
  }
}
