import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DescribeExecutionCommand,
  RedriveExecutionCommand,
  SendTaskSuccessCommand,
  SFNClient,
  SFNServiceException,
} from "@aws-sdk/client-sfn";
import {
  DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import type { Actor } from "#shared/auth/actor.ts";
import type { Cursors } from "#shared/http/cursor.ts";
import type { CaseRecord } from "#shared/schemas/case.ts";
import { recordExecutionEnd } from "#shared/workflow/execution-status.ts";
import type { IncidentRecord } from "#shared/workflow/incidents.ts";
import { recoverIncident } from "#shared/workflow/operator.ts";
import { caseRecord, RECORD_AT } from "../support/fixtures.ts";

// The SDK clients are mocked (RedriveExecution is not in the local emulator yet); the use cases are the real ones.
const sfnMock = mockClient(SFNClient);
const ddbMock = mockClient(DynamoDBDocumentClient);

const AT = RECORD_AT;
const EXECUTION = "arn:aws:states:cn-north-1:000000000000:execution:ApprovalWorkflow:c1-r1";
const HEAD: Actor = { id: "head", name: "Head", role: "township_head", townships: ["511424100"] };
const deps = {
  client: DynamoDBDocumentClient.from(new DynamoDBClient({})),
  tableName: "cases",
  sfn: new SFNClient({}),
  now: () => new Date(AT),
  stateMachineArn: "arn:aws:states:us-east-1:000000000000:stateMachine:Approval",
  cursors: {} as Cursors,
};

function caseItem(overrides: Partial<CaseRecord> = {}): Record<string, unknown> {
  return {
    pk: "CASE#c1",
    sk: "CASE",
    ...caseRecord({
      // A draft without ID or phone numbers: nothing to seal, so the store needs no key.
      application: { reason: "扩建" },
      eventSeq: 4,
      eventHead: "a".repeat(64),
      executionArn: EXECUTION,
      incidents: ["execution_failed~1"],
      ...overrides,
    }),
  };
}

const incident = (overrides: Partial<IncidentRecord> = {}): Record<string, unknown> => ({
  pk: "CASE#c1",
  sk: "INCIDENT#execution_failed~1",
  caseId: "c1",
  incidentId: "execution_failed~1",
  kind: "execution_failed",
  status: "open",
  townshipCode: "511424100",
  openedAt: AT,
  error: "States.Runtime",
  executionArn: EXECUTION,
  ...overrides,
});

const awsError = (name: string, status = 400) =>
  new SFNServiceException({
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status },
  });

function store(items: { incident?: Record<string, unknown>; caseItem?: Record<string, unknown> }) {
  ddbMock.on(GetCommand).callsFake((input: { Key: { sk: string } }) => ({
    Item:
      input.Key.sk === "CASE"
        ? items.caseItem
        : input.Key.sk.startsWith("INCIDENT#")
          ? items.incident
          : undefined,
  }));
  ddbMock.on(TransactWriteCommand).resolves({});
  ddbMock.on(UpdateCommand).resolves({});
}

const closedTheIncident = () =>
  ddbMock
    .commandCalls(TransactWriteCommand)
    .some((call) =>
      (call.args[0].input.TransactItems ?? []).some(
        (item) =>
          item.Update?.Key?.sk === "INCIDENT#execution_failed~1" &&
          item.Update.ExpressionAttributeValues?.[":closed"] === "closed",
      ),
    );

beforeEach(() => {
  sfnMock.reset();
  ddbMock.reset();
});

describe("recovering an incident", () => {
  it("redrives a failed execution, then closes the incident", async () => {
    store({ incident: incident(), caseItem: caseItem() });
    sfnMock.on(RedriveExecutionCommand).resolves({ redriveDate: new Date(AT) });
    const result = await recoverIncident(deps, HEAD, "c1", "execution_failed~1");
    expect(result).toMatchObject({ action: "redrive", closed: true });
    expect(sfnMock).toHaveReceivedCommandWith(RedriveExecutionCommand, { executionArn: EXECUTION });
    expect(closedTheIncident()).toBe(true);
  });

  it("leaves the incident open and says why when Step Functions cannot redrive right now", async () => {
    store({ incident: incident(), caseItem: caseItem() });
    sfnMock.on(RedriveExecutionCommand).rejects(awsError("ThrottlingException", 400));
    sfnMock.on(DescribeExecutionCommand).resolves({ status: "FAILED" });
    await expect(recoverIncident(deps, HEAD, "c1", "execution_failed~1")).rejects.toMatchObject({
      name: "RecoveryFailedError",
      message: expect.stringContaining("ThrottlingException"),
    });
    expect(closedTheIncident()).toBe(false);
  });

  it("closes the incident when the run is already running again (a lost answer, another operator)", async () => {
    store({ incident: incident(), caseItem: caseItem() });
    sfnMock.on(RedriveExecutionCommand).rejects(awsError("ServiceUnavailable", 503));
    sfnMock.on(DescribeExecutionCommand).resolves({ status: "RUNNING" });
    await recoverIncident(deps, HEAD, "c1", "execution_failed~1");
    expect(closedTheIncident()).toBe(true);
  });

  it("retries a failed task with the operator loop's token, naming the state to re-enter", async () => {
    store({
      incident: incident({ kind: "task_failed", state: "Precheck" }),
      caseItem: caseItem(),
    });
    ddbMock.on(GetCommand).callsFake((input: { Key: { sk: string } }) => ({
      Item:
        input.Key.sk === "CASE"
          ? caseItem()
          : { ...incident({ kind: "task_failed", state: "Precheck" }), taskToken: "tok" },
    }));
    sfnMock.on(SendTaskSuccessCommand).resolves({});
    const result = await recoverIncident(deps, HEAD, "c1", "execution_failed~1");
    expect(result.action).toBe("retry");
    expect(JSON.stringify(result)).not.toContain("tok");
    expect(sfnMock).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: "tok",
      output: JSON.stringify({ retry: "Precheck" }),
    });
  });

  it("hides another township's incident (404) and refuses a closed one (409)", async () => {
    store({ incident: incident(), caseItem: caseItem({ townshipCode: "511424101" }) });
    await expect(recoverIncident(deps, HEAD, "c1", "execution_failed~1")).rejects.toMatchObject({
      name: "ResourceNotFoundError",
    });
    store({ incident: incident({ status: "closed" }), caseItem: caseItem() });
    await expect(recoverIncident(deps, HEAD, "c1", "execution_failed~1")).rejects.toMatchObject({
      name: "IncidentClosedError",
    });
    expect(sfnMock.calls()).toHaveLength(0);
  });
});

describe("an execution's unexpected end (EventBridge status change)", () => {
  const event = (status: string, executionArn = EXECUTION) => ({
    "detail-type": "Step Functions Execution Status Change" as const,
    detail: { executionArn, stateMachineArn: "arn:sm", status, input: JSON.stringify({ caseId: "c1" }) },
  });

  it("opens a redrive incident for a failed run of an open case", async () => {
    store({ caseItem: caseItem({ incidents: [] }) });
    const result = await recordExecutionEnd(deps, event("FAILED"));
    expect(result.incidentId).toMatch(/^execution_failed~/);
    const written = ddbMock.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(
      written.some(
        (item) => item.Put?.Item?.type === "incident" && item.Put.Item.kind === "execution_failed",
      ),
    ).toBe(true);
  });

  it("ignores a withdrawn case's aborted run and a superseded run", async () => {
    store({ caseItem: caseItem({ status: "withdrawn", incidents: [] }) });
    expect(await recordExecutionEnd(deps, event("ABORTED"))).toEqual({ ignored: "case is withdrawn" });
    store({ caseItem: caseItem({ incidents: [] }) });
    expect(await recordExecutionEnd(deps, event("FAILED", `${EXECUTION}-old`))).toEqual({
      ignored: "not the case's current run",
    });
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});
