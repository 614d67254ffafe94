import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import type { Decision, StepRecord } from "#shared/schemas/case.ts";
import { escalationKey, queueKeys, stepKey, tokenKey } from "#shared/store/keys.ts";
import { ForeignQueueCursorError, StepStore } from "#shared/store/step-store.ts";
import { stepRecord } from "../support/fixtures.ts";

const ddbMock = mockClient(DynamoDBDocumentClient);
const NOW = new Date("2026-12-03T08:00:00.000Z");
const steps = new StepStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), "cases", () => NOW);

const step: StepRecord = stepRecord({
  deadline: "2026-12-10T08:00:00.000Z",
  executionArn: "arn:aws:states:cn-north-1:000000000000:execution:Approval:c1",
});
const decision: Decision = {
  outcome: "approved",
  decidedBy: { id: "officer-a", role: "village_officer" },
  decidedAt: NOW.toISOString(),
};

beforeEach(() => ddbMock.reset());

describe("step store: writes that commit with the case", () => {
  it("opens a step in its queue only if it does not exist, with its token and run", () => {
    const [put, token] = steps.open(step, { taskToken: "t-1", executionArn: step.executionArn });
    expect(put?.Put).toMatchObject({
      Item: {
        ...stepKey("c1", step.stepId),
        ...queueKeys("village_officer", "511424100", false, "2026-12-10T08:00:00.000Z", "c1"),
        executionArn: step.executionArn,
      },
      ConditionExpression: "attribute_not_exists(pk)",
    });
    expect(token?.Put?.Item).toMatchObject({
      ...tokenKey("c1", step.stepId),
      taskToken: "t-1",
      executionArn: step.executionArn,
    });
  });

  it("decides only an awaiting step: out of its queue, into byUndeliveredDecision, under a send lease", () => {
    const update = steps.decide(step, decision).Update;
    expect(update?.ConditionExpression).toBe("#status = :awaiting");
    expect(update?.UpdateExpression).toContain("REMOVE gsi1pk, gsi1sk");
    expect(update?.ExpressionAttributeValues).toMatchObject({
      ":undelivered": "UNDELIVERED",
      ":undeliveredSk": `${NOW.toISOString()}#c1#${step.stepId}`,
      ":lease": "2026-12-03T08:00:30.000Z",
    });
  });

  it("cancels awaiting steps out of every queue, their escalation included", () => {
    const writes = steps.cancel([step], { overdue: true });
    expect(writes.map((write) => write.Update?.Key ?? write.Delete?.Key)).toEqual([
      stepKey("c1", step.stepId),
      escalationKey("c1", step.stepId),
    ]);
    expect(writes[0]?.Update?.ConditionExpression).toBe("#status = :awaiting");
  });

  it("escalates an overdue step into the township head's queue, once", () => {
    const [overdue, escalation] = steps.markOverdue(step, "511424100", NOW.toISOString());
    expect(overdue?.Put?.ConditionExpression).toBe("#status = :awaiting AND overdue = :false");
    expect(overdue?.Put?.Item).toMatchObject({ overdue: true, gsi1sk: expect.stringMatching(/^0#/) });
    expect(escalation?.Put?.Item).toMatchObject({
      ...escalationKey("c1", step.stepId),
      type: "escalation",
      gsi1pk: "QUEUE#township_head#511424100",
      escalatedAt: NOW.toISOString(),
    });
  });
});

describe("step store: reads", () => {
  it("lists undelivered decisions by their step keys, skipping other items", async () => {
    ddbMock.on(QueryCommand).resolves({
      Items: [{ ...stepKey("c1", "village_review#1") }, { pk: "CASE#c2", sk: "INCIDENT#x" }],
    });
    expect(await steps.undelivered(10)).toEqual([{ caseId: "c1", stepId: "village_review#1" }]);
    expect(ddbMock).toHaveReceivedCommandWith(QueryCommand, {
      IndexName: "byUndeliveredDecision",
      Limit: 10,
    });
  });

  it("refuses a cursor of another queue before reading", async () => {
    const after = { pk: "CASE#c1", sk: "STEP#x", gsi1pk: "QUEUE#agriculture#511424100", gsi1sk: "1#x" };
    await expect(
      steps.queuePage({
        queue: "water",
        townshipCode: "511424100",
        filter: "all",
        itemType: "step",
        limit: 5,
        after,
      }),
    ).rejects.toBeInstanceOf(ForeignQueueCursorError);
    expect(ddbMock).not.toHaveReceivedCommand(QueryCommand);
  });

  it("reads an overdue queue entry as overdue from its sort key when the item does not say", async () => {
    ddbMock.on(QueryCommand).resolves({ Items: [{ caseId: "c1", gsi1sk: "0#2026-12-10#c1" }] });
    const page = await steps.queuePage({
      queue: "township_head",
      townshipCode: "511424100",
      filter: "overdue",
      itemType: "escalation",
      limit: 5,
    });
    expect(page.items).toEqual([{ caseId: "c1", overdue: true }]);
    expect(page.next).toBeUndefined();
  });
});

describe("step store: a reopening", () => {
  const transaction = () => ddbMock.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];

  it("after the time limit moves the step to its queue's overdue group and rewrites nothing else", async () => {
    ddbMock.on(TransactWriteCommand).resolves({});
    await steps.reopen({ ...step, reminders: 4 }, { taskToken: "t-2" }, true);
    const [update, token] = transaction();
    expect(update?.Update).toMatchObject({
      Key: stepKey("c1", step.stepId),
      UpdateExpression: "SET overdue = :true, gsi1pk = :pk, gsi1sk = :sk",
      ConditionExpression: "#status = :status",
      ExpressionAttributeValues: { ":status": "awaiting_response", ":sk": expect.stringMatching(/^0#/) },
    });
    // A reminder counted since the step was read stays counted.
    expect(JSON.stringify(update)).not.toContain("reminders");
    expect(token?.Put?.Item).toMatchObject({ ...tokenKey("c1", step.stepId), taskToken: "t-2" });
  });

  it("of a retried opening only checks the step is unchanged and stores the new token", async () => {
    ddbMock.on(TransactWriteCommand).resolves({});
    await steps.reopen(step, { taskToken: "t-3" }, false);
    const [check, token] = transaction();
    expect(check?.ConditionCheck).toMatchObject({
      Key: stepKey("c1", step.stepId),
      ConditionExpression: "#status = :status",
    });
    expect(check?.Put ?? check?.Update).toBeUndefined();
    expect(token?.Put?.Item).toMatchObject({ taskToken: "t-3" });
  });
});
