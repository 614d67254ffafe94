import { describe, expect, it } from "vitest";
import {
  deliverEvent,
  eventRulesFromTemplate,
  matchesPattern,
  STATUS_CHANGE_DETAIL_TYPE,
  statusChangeEvent,
} from "#infra/local/sfn-events.ts";
import type { ExecutionRecord } from "#infra/local/sfn-store.ts";
import type { CfnTemplate, CfnValue } from "#infra/local/template.ts";

const PATTERN = {
  source: ["aws.states"],
  "detail-type": [STATUS_CHANGE_DETAIL_TYPE],
  detail: { status: ["FAILED", "TIMED_OUT", "ABORTED"], stateMachineArn: ["arn:sm:Workflow"] },
};

function record(status: ExecutionRecord["status"], extra: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return {
    version: 1,
    executionArn: "arn:aws:states:us-east-1:000000000000:execution:Workflow:case-1",
    stateMachineArn: "arn:sm:Workflow",
    name: "case-1",
    input: '{"caseId":"case-1"}',
    status,
    startDate: Date.UTC(2030, 0, 1),
    history: [],
    steps: [],
    pendingTaskTokens: [],
    ...extra,
  };
}

const where = { region: "us-east-1", account: "000000000000" };

describe("EventBridge patterns (the subset the stack uses)", () => {
  const failed = statusChangeEvent(
    record("FAILED", { stopDate: Date.UTC(2030, 0, 2), error: "Boom", cause: "it broke" }),
    where,
    Date.UTC(2030, 0, 2, 3, 4, 5, 678),
  );

  it("builds the status change event of an execution", () => {
    expect(failed).toMatchObject({
      version: "0",
      "detail-type": "Step Functions Execution Status Change",
      source: "aws.states",
      account: "000000000000",
      region: "us-east-1",
      time: "2030-01-02T03:04:05Z",
      resources: ["arn:aws:states:us-east-1:000000000000:execution:Workflow:case-1"],
      detail: {
        executionArn: "arn:aws:states:us-east-1:000000000000:execution:Workflow:case-1",
        stateMachineArn: "arn:sm:Workflow",
        name: "case-1",
        status: "FAILED",
        startDate: Date.UTC(2030, 0, 1),
        stopDate: Date.UTC(2030, 0, 2),
        input: '{"caseId":"case-1"}',
        output: null,
        error: "Boom",
        cause: "it broke",
      },
    });
    expect(failed.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("matches exact values from lists, field by field, nested", () => {
    expect(matchesPattern(PATTERN, failed)).toBe(true);
    for (const status of ["TIMED_OUT", "ABORTED"] as const) {
      expect(matchesPattern(PATTERN, statusChangeEvent(record(status), where, 0))).toBe(true);
    }
    for (const status of ["RUNNING", "SUCCEEDED"] as const) {
      expect(matchesPattern(PATTERN, statusChangeEvent(record(status), where, 0))).toBe(false);
    }
    expect(matchesPattern(PATTERN, { ...failed, source: "aws.lambda" })).toBe(false);
    expect(
      matchesPattern(PATTERN, { ...failed, detail: { ...failed.detail, stateMachineArn: "other" } }),
    ).toBe(false);
    // A field the pattern names must be present.
    const { source: _source, ...withoutSource } = failed;
    expect(matchesPattern(PATTERN, withoutSource)).toBe(false);
    // An array in the event matches when any element does.
    expect(matchesPattern({ resources: [failed.resources[0]] }, failed)).toBe(true);
  });

  it("knows prefix, exists and anything-but, and matches nothing on a filter it does not know", () => {
    expect(matchesPattern({ detail: { executionArn: [{ prefix: "arn:aws:states:" }] } }, failed)).toBe(true);
    expect(matchesPattern({ detail: { output: [null] } }, failed)).toBe(true);
    expect(matchesPattern({ detail: { error: [{ exists: true }] } }, failed)).toBe(true);
    expect(matchesPattern({ detail: { nothing: [{ exists: false }] } }, failed)).toBe(true);
    expect(matchesPattern({ detail: { status: [{ "anything-but": ["SUCCEEDED"] }] } }, failed)).toBe(true);
    expect(matchesPattern({ detail: { status: [{ "anything-but": "FAILED" }] } }, failed)).toBe(false);
    expect(matchesPattern({ detail: { startDate: [{ numeric: [">", 0] }] } }, failed)).toBe(false);
  });
});

describe("rules of the template", () => {
  const template: CfnTemplate = {
    Resources: {
      Alarm: { Type: "AWS::Lambda::Function", Properties: {} },
      OnFailure: {
        Type: "AWS::Events::Rule",
        Properties: {
          EventPattern: PATTERN,
          State: "ENABLED",
          Targets: [
            { Arn: { "Fn::GetAtt": ["Alarm", "Arn"] }, Id: "Target0" },
            { Arn: "arn:aws:sqs:us-east-1:000000000000:queue", Id: "NotALambda" },
          ],
        },
      },
      Disabled: {
        Type: "AWS::Events::Rule",
        Properties: {
          EventPattern: JSON.stringify({ source: ["aws.states"] }),
          State: "DISABLED",
          Targets: [{ Arn: { "Fn::GetAtt": ["Alarm", "Arn"] }, Id: "Target0" }],
        },
      },
    },
  };
  const resolve = (value: CfnValue): CfnValue => {
    const getAtt = (value as { "Fn::GetAtt"?: [string, string] } | undefined)?.["Fn::GetAtt"];
    return getAtt ? `arn:aws:lambda:us-east-1:000000000000:function:${getAtt[0]}` : value;
  };

  it("reads enabled rules and their Lambda targets", () => {
    expect(eventRulesFromTemplate(template, resolve)).toEqual([
      {
        logicalId: "OnFailure",
        pattern: PATTERN,
        targets: [{ arn: "arn:aws:lambda:us-east-1:000000000000:function:Alarm" }],
      },
    ]);
  });

  it("invokes the targets of matching rules with the event, and rejects when a target failed", async () => {
    const rules = eventRulesFromTemplate(template, resolve);
    const invoked: { arn: string; payload: unknown }[] = [];
    const invoke = async (arn: string, payload: unknown) => {
      invoked.push({ arn, payload });
      return null;
    };
    const failed = statusChangeEvent(record("FAILED"), where, 0);
    expect(await deliverEvent(rules, failed, invoke)).toBe(1);
    expect(invoked).toEqual([
      { arn: "arn:aws:lambda:us-east-1:000000000000:function:Alarm", payload: failed },
    ]);
    expect(await deliverEvent(rules, statusChangeEvent(record("SUCCEEDED"), where, 0), invoke)).toBe(0);
    expect(invoked).toHaveLength(1);
    await expect(deliverEvent(rules, failed, () => Promise.reject(new Error("throttled")))).rejects.toThrow(
      "throttled",
    );
  });
});
