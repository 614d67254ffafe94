import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SendTaskSuccessCommand, SFNClient, SFNServiceException } from "@aws-sdk/client-sfn";
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import { deliverDecision } from "#shared/review/delivery.ts";
import type { Decision } from "#shared/schemas/case.ts";

// Fault injection stays in tests: the SDK clients are mocked, the delivery code is the real one.
const sfnMock = mockClient(SFNClient);
const ddbMock = mockClient(DynamoDBDocumentClient);

const deps = {
  client: DynamoDBDocumentClient.from(new DynamoDBClient({})),
  tableName: "cases",
  sfn: new SFNClient({}),
  now: () => new Date("2026-11-25T08:00:00Z"),
  retry: { attempts: 4, baseDelayMs: 1 },
  reopenWait: { attempts: 3, delayMs: 1 },
};
const decision: Decision = {
  outcome: "approved",
  decidedBy: { id: "clerk-a", role: "township_clerk" },
  decidedAt: "2026-11-25T08:00:00.000Z",
};

const awsError = (name: string, status: number) =>
  new SFNServiceException({
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status },
  });

beforeEach(() => {
  sfnMock.reset();
  ddbMock.reset();
  ddbMock.on(GetCommand).resolves({ Item: { taskToken: "token-1" } });
  ddbMock.on(UpdateCommand).resolves({});
  // The case's items (has the workflow moved past the step?): none opened after the decision.
  ddbMock.on(QueryCommand).resolves({ Items: [] });
});

describe("delivering a stored decision to the workflow", () => {
  it("retries throttling with backoff and marks the step sent", async () => {
    sfnMock
      .on(SendTaskSuccessCommand)
      .rejectsOnce(awsError("ThrottlingException", 400))
      .rejectsOnce(awsError("ServiceUnavailable", 503))
      .resolves({});
    const delivery = await deliverDecision(deps, "c1", "township_acceptance#1", decision);
    expect(delivery).toEqual({ status: "sent", sentAt: "2026-11-25T08:00:00.000Z" });
    expect(sfnMock).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 3);
    expect(sfnMock).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: "token-1",
      output: JSON.stringify(decision),
    });
  });

  it("gives up after the last attempt and leaves the decision for a redrive", async () => {
    sfnMock.on(SendTaskSuccessCommand).rejects(awsError("InternalServerError", 500));
    const delivery = await deliverDecision(deps, "c1", "township_acceptance#1", decision);
    expect(delivery).toEqual({ status: "pending", reason: "InternalServerError" });
    expect(sfnMock).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 4);
    expect(ddbMock).toHaveReceivedCommandWith(UpdateCommand, {
      UpdateExpression: "SET sendError = :reason REMOVE sendingUntil",
    });
  });

  it("does not retry a token the workflow no longer waits on, unless the step was reopened with a new one", async () => {
    sfnMock.on(SendTaskSuccessCommand).rejects(awsError("TaskTimedOut", 400));
    expect(await deliverDecision(deps, "c1", "village_review#1", decision)).toEqual({
      status: "pending",
      reason: "TaskTimedOut",
    });
    expect(sfnMock).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);

    sfnMock.reset();
    ddbMock
      .on(GetCommand)
      .resolvesOnce({ Item: { taskToken: "token-1" } })
      .resolves({ Item: { taskToken: "token-2" } });
    sfnMock.on(SendTaskSuccessCommand, { taskToken: "token-1" }).rejects(awsError("TaskTimedOut", 400));
    sfnMock.on(SendTaskSuccessCommand, { taskToken: "token-2" }).resolves({});
    expect(await deliverDecision(deps, "c1", "village_review#1", decision)).toMatchObject({ status: "sent" });
    expect(sfnMock).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: "token-2" });
  });

  it("sends to a token stored while it held the send lease, after its wait for one ran out", async () => {
    // The reopening stored its token just after the last look (a slow Lambda), saw the lease held, and
    // left the sending to this sender: which looks once more after giving the lease back.
    ddbMock
      .on(GetCommand)
      .resolvesOnce({ Item: { taskToken: "token-1" } })
      .resolvesOnce({ Item: { taskToken: "token-1" } })
      .resolvesOnce({ Item: { taskToken: "token-1" } })
      .resolvesOnce({ Item: { taskToken: "token-1" } })
      .resolves({ Item: { taskToken: "token-2" } });
    sfnMock.on(SendTaskSuccessCommand, { taskToken: "token-1" }).rejects(awsError("TaskDoesNotExist", 400));
    sfnMock.on(SendTaskSuccessCommand, { taskToken: "token-2" }).resolves({});
    expect(await deliverDecision(deps, "c1", "village_review#1", decision)).toMatchObject({ status: "sent" });
    expect(sfnMock).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: "token-2" });
    expect(ddbMock).toHaveReceivedCommandWith(UpdateCommand, {
      UpdateExpression: "SET sendError = :reason REMOVE sendingUntil",
    });
  });

  it("does not retry a permanent error", async () => {
    sfnMock.on(SendTaskSuccessCommand).rejects(awsError("InvalidToken", 400));
    expect(await deliverDecision(deps, "c1", "village_review#1", decision)).toEqual({
      status: "pending",
      reason: "InvalidToken",
    });
    expect(sfnMock).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
  });
});
