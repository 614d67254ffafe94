import { Duration } from "aws-cdk-lib";
import type { TableV2 } from "aws-cdk-lib/aws-dynamodb";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { FilterCriteria, FilterRule, StartingPosition } from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { Construct } from "constructs";
import { DUE_PARTITION } from "#shared/notify/outbox.ts";
import { NongfangFunction } from "./function.ts";

export interface NotificationsProps {
  readonly table: TableV2;
  /** The personal-data key: the sender opens household and staff phone numbers with it (kms:Decrypt). */
  readonly personalDataKey: IKey;
}

/** SMS settings from CDK context (`cdk deploy -c smsProvider=http -c smsGatewayUrl=…`). */
export interface SmsContext {
  readonly provider: "aws" | "http";
  readonly originationIdentity?: string;
  readonly configurationSet?: string;
  readonly gatewayUrl?: string;
}

export function smsContextOf(scope: Construct): SmsContext {
  const context = (key: string): string | undefined => {
    const value = scope.node.tryGetContext(key);
    return typeof value === "string" && value.length > 0 ? value : undefined;
  };
  const provider = context("smsProvider") ?? "aws";
  if (provider !== "aws" && provider !== "http")
    throw new Error(`smsProvider must be aws or http, not ${provider}`);
  const gatewayUrl = context("smsGatewayUrl");
  if (provider === "http" && !gatewayUrl)
    throw new Error("smsProvider=http needs -c smsGatewayUrl=https://…");
  return {
    provider,
    ...(context("smsOriginationIdentity") ? { originationIdentity: context("smsOriginationIdentity") } : {}),
    ...(context("smsConfigurationSet") ? { configurationSet: context("smsConfigurationSet") } : {}),
    ...(gatewayUrl ? { gatewayUrl } : {}),
  };
}

/**
 * The SMS sender (functions/notify/send-sms.ts, shared/notify/sender.ts): runs
 * when an outbox job is written (DynamoDB Streams, filtered to new `OUTBOX#due`
 * items, so other writes never invoke it) and every minute (EventBridge:
 * retries with backoff, quiet hours, staff batches and digests). It reads and
 * writes the case table, opens phone numbers (kms:Decrypt on the personal-data
 * key) and sends through AWS End User Messaging SMS (sms-voice:SendTextMessage)
 * or, with `-c smsProvider=http`, a provincial gateway over HTTPS.
 */
export class Notifications extends Construct {
  readonly sender: NongfangFunction;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    const sms = smsContextOf(this);
    this.sender = new NongfangFunction(this, "SendSms", {
      entry: "functions/notify/send-sms.ts",
      description: "Notifications: sends the SMS the outbox owes (quiet hours, batches, retries)",
      timeout: Duration.seconds(60),
    })
      .bindTable(props.table, ["read", "write"])
      .bindKey(props.personalDataKey, ["open"])
      .bindSmsSender(sms);
    const fn = this.sender.function;

    fn.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.LATEST,
        batchSize: 25,
        maxBatchingWindow: Duration.seconds(1),
        retryAttempts: 2,
        bisectBatchOnError: true,
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual("INSERT"),
            dynamodb: { Keys: { pk: { S: FilterRule.isEqual(DUE_PARTITION) } } },
          }),
        ],
      }),
    );
    new Rule(this, "EveryMinute", {
      description: "Nongfang: SMS retries, quiet hours, staff batches and digests",
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(fn, { retryAttempts: 2 })],
    });
  }
}
