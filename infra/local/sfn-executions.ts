/**
 * The execution operations of the local Step Functions: StartExecution,
 * DescribeExecution, ListExecutions, StopExecution and RedriveExecution.
 * Writes answer once the record is on disk.
 */
import { randomUUID } from "node:crypto";
import { StateMachine } from "aws-local-stepfunctions";
import { type EmulatorCore, liveExecution, type RegisteredMachine } from "./sfn-core.ts";
import { SfnServiceError } from "./sfn-errors.ts";
import { appendEvent } from "./sfn-history.ts";
import { type JsonValue, jsonText } from "./sfn-lambda.ts";
import { describedExecution, listedExecutions, type RequestOf, seconds } from "./sfn-protocol.ts";
import { planRedrive, Replay } from "./sfn-replay.ts";
import { announce, launch, terminate } from "./sfn-run.ts";
import { isValidExecutionName } from "./sfn-states.ts";
import { type ExecutionRecord, summaryOf } from "./sfn-store.ts";

/** RedriveExecution only reaches executions started this recently. */
const REDRIVE_WINDOW_MS = 14 * 24 * 3600 * 1000;

function parseInput(inputText: string): JsonValue {
  try {
    return JSON.parse(inputText);
  } catch {
    throw new SfnServiceError(
      "InvalidExecutionInput",
      "Invalid State Machine Execution Input: 'not valid JSON'",
    );
  }
}

export async function startExecution(core: EmulatorCore, request: RequestOf<"StartExecution">) {
  const machine = core.machineOf(request.stateMachineArn);
  const name = request.name ?? randomUUID();
  if (!isValidExecutionName(name)) throw new SfnServiceError("InvalidName", `Invalid Name: '${name}'`);
  const inputText = request.input ?? "{}";
  const input = parseInput(inputText);
  const executionArn = `arn:${machine.partition}:states:${machine.region}:${machine.account}:execution:${machine.name}:${name}`;
  const existing = core.open.get(executionArn);
  // Step Functions' idempotent start: same name and same input while still running returns the same execution.
  if (existing && jsonText(JSON.parse(existing.input)) === jsonText(input)) {
    await core.store.flushOne(executionArn);
    return { executionArn, startDate: seconds(existing.startDate) };
  }
  if (existing || core.closing.has(executionArn) || core.summaries.has(executionArn)) {
    throw new SfnServiceError("ExecutionAlreadyExists", `Execution Already Exists: '${executionArn}'`);
  }
  const record: ExecutionRecord = {
    version: 1,
    executionArn,
    stateMachineArn: machine.arn,
    name,
    input: inputText,
    status: "RUNNING",
    startDate: core.now(),
    history: [],
    steps: [],
    pendingTaskTokens: [],
  };
  core.open.set(executionArn, record);
  launch(core, record, machine, undefined);
  announce(core, record);
  // Answered once the record is on disk: a crash after the answer still finds the execution.
  await core.store.flushOne(executionArn);
  return { executionArn, startDate: seconds(record.startDate) };
}

export async function describeExecution(core: EmulatorCore, request: RequestOf<"DescribeExecution">) {
  const record = await core.recordOf(request.executionArn);
  return describedExecution(record, notRedrivable(core, record));
}

export function listExecutions(core: EmulatorCore, request: RequestOf<"ListExecutions">) {
  const all = [...[...core.open.values()].map(summaryOf), ...core.summaries.values()];
  if (
    request.stateMachineArn !== undefined &&
    !core.machines.has(request.stateMachineArn) &&
    !all.some((summary) => summary.stateMachineArn === request.stateMachineArn)
  ) {
    throw new SfnServiceError(
      "StateMachineDoesNotExist",
      `State Machine Does Not Exist: '${request.stateMachineArn}'`,
    );
  }
  return listedExecutions(all, request);
}

export async function stopExecution(core: EmulatorCore, request: RequestOf<"StopExecution">) {
  const record = await core.recordOf(request.executionArn);
  if (record.status !== "RUNNING") return { stopDate: seconds(record.stopDate) };
  const reason = { error: request.error, cause: request.cause };
  // A RUNNING record whose state machine is not registered (yet) has no live run: nothing runs it.
  const exec =
    core.live.get(request.executionArn) ?? liveExecution(record, orphanMachine(core, record), {}, undefined);
  terminate(core, exec, "ABORTED", "ExecutionAborted", reason);
  await core.store.flushOne(request.executionArn);
  return { stopDate: seconds(record.stopDate) };
}

function orphanMachine(core: EmulatorCore, record: ExecutionRecord): RegisteredMachine {
  const machine = core.machines.get(record.stateMachineArn);
  if (machine) return machine;
  return {
    arn: record.stateMachineArn,
    name: "",
    partition: "aws",
    region: "",
    account: "",
    definitionText: "{}",
    states: new Map(),
    prepared: new StateMachine({ StartAt: "x", States: {} }, { validationOptions: { noValidate: true } }),
    timeoutSeconds: undefined,
    createdAt: 0,
  };
}

/** Why an execution cannot be redriven, or undefined when it can. */
function notRedrivable(core: EmulatorCore, record: ExecutionRecord): string | undefined {
  if (record.status === "RUNNING" || record.status === "SUCCEEDED") {
    return `Execution is ${record.status} and cannot be redriven`;
  }
  if (core.now() - record.startDate > REDRIVE_WINDOW_MS) return "Execution redrivable period exceeded";
  if (!core.machines.has(record.stateMachineArn)) return "State machine is in DELETING status";
  return undefined;
}

/**
 * RedriveExecution: the same execution (ARN, input, history) runs again from
 * where it failed: succeeded steps are replayed, the failed, timed-out or
 * aborted attempts (inside a Map: those iterations only) run again.
 */
export async function redriveExecution(core: EmulatorCore, request: RequestOf<"RedriveExecution">) {
  const record = await core.recordOf(request.executionArn);
  if (request.clientToken !== undefined && request.clientToken === record.redriveClientToken) {
    return { redriveDate: seconds(record.redriveDate) };
  }
  const reason = notRedrivable(core, record);
  if (reason) throw new SfnServiceError("ExecutionNotRedrivable", `Execution Not Redrivable: ${reason}`);
  const machine = core.machineOf(record.stateMachineArn);
  for (const step of planRedrive(record.steps)) step.discarded = true;
  const redriveCount = (record.redriveCount ?? 0) + 1;
  reopen(core, record, redriveCount, request.clientToken);
  launch(core, record, machine, new Replay(record.steps, record.history, { redrive: true }));
  const exec = core.live.get(record.executionArn);
  if (exec) {
    appendEvent(core, exec, "ExecutionRedriven", { executionRedrivenEventDetails: { redriveCount } });
  }
  announce(core, record);
  await core.store.flushOne(record.executionArn);
  return { redriveDate: seconds(record.redriveDate) };
}

/** A closed record becomes RUNNING again for its redrive: its end is forgotten, its history kept. */
function reopen(
  core: EmulatorCore,
  record: ExecutionRecord,
  redriveCount: number,
  clientToken: string | undefined,
): void {
  record.status = "RUNNING";
  record.redriveCount = redriveCount;
  record.redriveDate = core.now();
  if (clientToken === undefined) delete record.redriveClientToken;
  else record.redriveClientToken = clientToken;
  delete record.stopDate;
  delete record.output;
  delete record.error;
  delete record.cause;
  delete record.statusEvent;
  core.closing.delete(record.executionArn);
  core.summaries.delete(record.executionArn);
  core.open.set(record.executionArn, record);
}
