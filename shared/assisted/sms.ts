/**
 * Text messages to a phone, behind one interface: on AWS, End User Messaging
 * SMS (SendTextMessage, SMS_SENDER=aws with SMS_ORIGINATION_IDENTITY); on the
 * local cloud, an outbox in the table (SMS_SENDER=local-outbox) that tests and
 * the demo read instead of a phone. Nothing else: no sender configured means
 * no message, and the caller answers 503 rather than pretending.
 */
import { randomUUID } from "node:crypto";
import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from "@aws-sdk/client-pinpoint-sms-voice-v2";
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";

export interface SmsSender {
  send(to: string, text: string): Promise<void>;
}

/** Mainland numbers as E.164 (+86…), as the SMS service wants them. */
export const e164 = (phone: string) => (phone.startsWith("+") ? phone : `+86${phone}`);

export class AwsSmsSender implements SmsSender {
  constructor(
    private readonly client: PinpointSMSVoiceV2Client,
    private readonly originationIdentity: string,
  ) {}

  async send(to: string, text: string): Promise<void> {
    await this.client.send(
      new SendTextMessageCommand({
        DestinationPhoneNumber: e164(to),
        OriginationIdentity: this.originationIdentity,
        MessageBody: text,
        MessageType: "TRANSACTIONAL",
      }),
    );
  }
}

export const LOCAL_OUTBOX_PK = "SMS_OUTBOX";

/** Local only: the message is written where a test or the demo reads it (never used on AWS). */
export class LocalSmsOutbox implements SmsSender {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async send(to: string, text: string): Promise<void> {
    const at = new Date().toISOString();
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: LOCAL_OUTBOX_PK, sk: `${at}#${randomUUID()}`, type: "sms", to, text, at },
      }),
    );
  }

  /** Messages sent to `to`, oldest first. */
  async messagesTo(to: string): Promise<{ text: string; at: string }[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk",
        FilterExpression: "#to = :to",
        ExpressionAttributeNames: { "#to": "to" },
        ExpressionAttributeValues: { ":pk": LOCAL_OUTBOX_PK, ":to": to },
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).map((item) => ({ text: String(item.text), at: String(item.at) }));
  }
}

let aws: PinpointSMSVoiceV2Client | undefined;

/** The sender this deployment configures, or undefined (then nothing can be sent). */
export function smsSenderFromEnv(client: DynamoDBDocumentClient, tableName: string): SmsSender | undefined {
  switch (process.env.SMS_SENDER) {
    case "local-outbox":
      return new LocalSmsOutbox(client, tableName);
    case "aws": {
      const identity = process.env.SMS_ORIGINATION_IDENTITY;
      if (!identity) return undefined;
      aws ??= new PinpointSMSVoiceV2Client({});
      return new AwsSmsSender(aws, identity);
    }
    default:
      return undefined;
  }
}
