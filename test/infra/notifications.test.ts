/**
 * The SMS sender in the stack: invoked by the table's stream (new outbox jobs
 * only) and a one-minute schedule, allowed to send SMS through End User
 * Messaging and to open phone numbers, nothing more; an HTTP gateway instead
 * when the deployment names one.
 */
import { Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "#infra/app.ts";
import { ENTRY_METADATA } from "#infra/constructs/function.ts";
import { appTemplate, testApp } from "../support/cdk-app.ts";

type Resources = Record<
  string,
  { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }
>;

const ENTRY = "functions/notify/send-sms.ts";
let template: Template;
let resources: Resources;
let senderId: string;

const senderOf = (all: Resources): string => {
  const found = Object.entries(all).find(
    ([, resource]) =>
      resource.Type === "AWS::Lambda::Function" && resource.Metadata?.[ENTRY_METADATA] === ENTRY,
  );
  if (!found) throw new Error("no SMS sender");
  return found[0];
};

beforeAll(async () => {
  template = await appTemplate();
  resources = template.toJSON().Resources as Resources;
  senderId = senderOf(resources);
}, 300_000);

describe("notifications (CDK)", () => {
  it("gives the case table a keys-only stream", () => {
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      StreamSpecification: { StreamViewType: "KEYS_ONLY" },
    });
  });

  it("invokes the sender for new outbox jobs only, from the stream", () => {
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: { Ref: senderId },
      StartingPosition: "LATEST",
      BisectBatchOnFunctionError: true,
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ["INSERT"],
              dynamodb: { Keys: { pk: { S: ["OUTBOX#due"] } } },
            }),
          },
        ],
      },
    });
  });

  it("runs the sender every minute (retries, quiet hours, batches)", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(1 minute)",
      Targets: Match.arrayWith([Match.objectLike({ Arn: { "Fn::GetAtt": [senderId, "Arn"] } })]),
    });
  });

  it("lets the sender send SMS and open phone numbers, and nothing of the API's", () => {
    const role = (resources[senderId]?.Properties?.Role as { "Fn::GetAtt"?: string[] } | undefined)?.[
      "Fn::GetAtt"
    ]?.[0];
    expect(role).toBeDefined();
    const actions = new Set<string>();
    for (const resource of Object.values(resources)) {
      if (resource.Type !== "AWS::IAM::Policy") continue;
      if (!((resource.Properties?.Roles ?? []) as { Ref?: string }[]).some((ref) => ref.Ref === role))
        continue;
      const document = resource.Properties?.PolicyDocument as { Statement: { Action: string | string[] }[] };
      for (const statement of document.Statement)
        for (const action of [statement.Action].flat()) actions.add(action);
    }
    expect(actions).toContain("sms-voice:SendTextMessage");
    expect(actions).toContain("kms:Decrypt");
    expect(actions).not.toContain("kms:GenerateDataKey");
    expect([...actions].filter((action) => action.startsWith("states:"))).toEqual([]);
    expect([...actions].filter((action) => action.startsWith("s3:"))).toEqual([]);
  });

  it("uses a provincial HTTP gateway instead when the deployment names one (no SMS permission then)", () => {
    const app = testApp({ smsProvider: "http", smsGatewayUrl: "https://sms.example.gov.cn/send" });
    const other = Template.fromStack(buildApp(app).stack);
    const otherResources = other.toJSON().Resources as Resources;
    const fn = otherResources[senderOf(otherResources)];
    expect(
      (fn?.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables,
    ).toMatchObject({
      SMS_PROVIDER: "http",
      SMS_GATEWAY_URL: "https://sms.example.gov.cn/send",
    });
    expect(JSON.stringify(other.toJSON())).not.toContain("sms-voice:SendTextMessage");
  }, 300_000);
});
