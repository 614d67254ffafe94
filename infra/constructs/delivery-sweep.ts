import { Duration } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { Construct } from "constructs";
import type { NongfangFunction } from "./function.ts";

export interface DecisionDeliverySweepProps {
  /** functions/workflow/deliver-decisions.ts, bound to the table and the workflow's task responses. */
  readonly sweeper: NongfangFunction;
}

/**
 * Once a minute, the decisions that were stored but never reached the workflow
 * (the deciding call died between its commit and SendTaskSuccess) are sent
 * (shared/workflow/delivery-sweep.ts). Without it such a case waits in silence.
 */
export class DecisionDeliverySweep extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: DecisionDeliverySweepProps) {
    super(scope, id);
    this.rule = new Rule(this, "Schedule", {
      description: "Nongfang: sends stored decisions that never reached the approval workflow",
      schedule: Schedule.rate(Duration.minutes(1)),
      // A missed sweep is covered by the next one a minute later.
      targets: [new LambdaFunction(props.sweeper.function, { retryAttempts: 0 })],
    });
  }
}
