/**
 * SMS: one adapter interface, two providers.
 *
 * - `aws` (default): AWS End User Messaging SMS, `SendTextMessage`
 *   (@aws-sdk/client-pinpoint-sms-voice-v2). Destinations in mainland China
 *   accept only registered templates: the body is the registered template text
 *   with its parameters filled in, after the sign name 【…】. Locally the SDK
 *   reaches the SMS stand-in (infra/local/sms.ts) through
 *   `AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2`, as it reaches every other service.
 * - `http`: a provincial or carrier gateway that takes a template id and its
 *   parameters as JSON (`SMS_GATEWAY_URL`, bearer token `SMS_GATEWAY_TOKEN`);
 *   the request is documented in README.md ("Notifications").
 *
 * A provider error is thrown as `SmsSendError` (retryable, the sender backs off);
 * nothing here logs a phone number.
 */
import { type PinpointSMSVoiceV2Client, SendTextMessageCommand } from "@aws-sdk/client-pinpoint-sms-voice-v2";
import * as z from "zod";
import { smsClient } from "../clients.ts";

export interface SmsMessage {
  /** 11-digit mainland mobile number. */
  readonly to: string;
  readonly signName: string;
  readonly templateId: string;
  readonly params: Readonly<Record<string, string>>;
  /** 【signName】 + the registered template text with its parameters. */
  readonly text: string;
  /** Stable per job: a gateway that deduplicates on it never delivers a retried message twice. */
  readonly messageId: string;
}

export interface SmsSender {
  readonly provider: string;
  /** Resolves with the provider's message id; throws SmsSendError when the provider did not take it. */
  send(message: SmsMessage): Promise<string>;
}

export class SmsSendError extends Error {
  override readonly name = "SmsSendError";
}

export class AwsSmsSender implements SmsSender {
  readonly provider = "aws-end-user-messaging";
  constructor(
    private readonly client: PinpointSMSVoiceV2Client,
    private readonly options: {
      readonly originationIdentity?: string;
      readonly configurationSet?: string;
    } = {},
  ) {}

  async send(message: SmsMessage): Promise<string> {
    try {
      const { MessageId } = await this.client.send(
        new SendTextMessageCommand({
          DestinationPhoneNumber: `+86${message.to}`,
          MessageBody: message.text,
          MessageType: "TRANSACTIONAL",
          ...(this.options.originationIdentity
            ? { OriginationIdentity: this.options.originationIdentity }
            : {}),
          ...(this.options.configurationSet ? { ConfigurationSetName: this.options.configurationSet } : {}),
          Context: { messageId: message.messageId.slice(0, 256), templateId: message.templateId },
        }),
      );
      return MessageId ?? message.messageId;
    } catch (error) {
      throw new SmsSendError(`SendTextMessage failed: ${(error as Error).name}`);
    }
  }
}

const gatewayAnswer = z.looseObject({ messageId: z.string().optional() });

export class HttpGatewaySmsSender implements SmsSender {
  readonly provider = "http-gateway";
  constructor(
    private readonly url: string,
    private readonly token: string | undefined,
    private readonly fetcher: typeof fetch = fetch,
  ) {}

  async send(message: SmsMessage): Promise<string> {
    let response: Response;
    try {
      response = await this.fetcher(this.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
        body: JSON.stringify({
          messageId: message.messageId,
          phoneNumber: message.to,
          signName: message.signName,
          templateId: message.templateId,
          templateParams: message.params,
        }),
        signal: AbortSignal.timeout(5_000),
      });
    } catch (error) {
      throw new SmsSendError(`SMS gateway unreachable: ${(error as Error).name}`);
    }
    if (!response.ok) throw new SmsSendError(`SMS gateway answered ${response.status}`);
    const answer = gatewayAnswer.safeParse(await response.json().catch(() => ({})));
    return (answer.success ? answer.data.messageId : undefined) ?? message.messageId;
  }
}

const smsEnv = z.object({
  SMS_PROVIDER: z.enum(["aws", "http"]).default("aws"),
  SMS_ORIGINATION_IDENTITY: z.string().min(1).optional(),
  SMS_CONFIGURATION_SET: z.string().min(1).optional(),
  SMS_GATEWAY_URL: z.url().optional(),
  SMS_GATEWAY_TOKEN: z.string().min(1).optional(),
});

/** The provider the deployment names (SMS_PROVIDER); read once per container. */
export function smsSenderFromEnv(env: NodeJS.ProcessEnv = process.env): SmsSender {
  const config = smsEnv.parse(env);
  if (config.SMS_PROVIDER === "http") {
    if (!config.SMS_GATEWAY_URL) throw new Error("SMS_PROVIDER=http needs SMS_GATEWAY_URL");
    return new HttpGatewaySmsSender(config.SMS_GATEWAY_URL, config.SMS_GATEWAY_TOKEN);
  }
  return new AwsSmsSender(smsClient(), {
    ...(config.SMS_ORIGINATION_IDENTITY ? { originationIdentity: config.SMS_ORIGINATION_IDENTITY } : {}),
    ...(config.SMS_CONFIGURATION_SET ? { configurationSet: config.SMS_CONFIGURATION_SET } : {}),
  });
}
