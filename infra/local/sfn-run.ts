/**
 * The life of an execution in the local Step Functions: launched on the
 * library (new, resumed after a restart, or redriven), timed out, ended from
 * inside or outside, and announced through its status change events.
 */
import { ExecutionAbortedError, ExecutionError } from "aws-local-stepfunctions";
import {
  type EmulatorCore,
  type LiveExecution,
  liveExecution,
  type RegisteredMachine,
  roleArnOf,
} from "./sfn-core.ts";
import { statusChangeEvent } from "./sfn-events.ts";
import { finishReplayWhenConsumed, handlersOf } from "./sfn-handlers.ts";
import { appendEvent, recordLibraryEvent } from "./sfn-history.ts";
import { type JsonValue, jsonText } from "./sfn-lambda.ts";
import { Replay } from "./sfn-replay.ts";
import { type ExecutionRecord, type ExecutionStatus, summaryOf } from "./sfn-store.ts";

/** Delivery attempts of a status change event before it waits for the next start. */
const STATUS_EVENT_ATTEMPTS = 5;

type RunOutcome = { ok: true; output: JsonValue } | { ok: false; error: unknown };

/** Executions that were running when the emulator last stopped continue where they were. */
export function resumeRunning(core: EmulatorCore, machine: RegisteredMachine): void {
  for (const record of core.open.values()) {
    if (record.stateMachineArn === machine.arn && !core.live.has(record.executionArn)) {
      launch(core, record, machine, new Replay(record.steps, record.history, { redrive: false }));
    }
  }
}

/** Runs an execution: a new one (no replay), or a recorded one resumed or redriven (replay). */
export function launch(
  core: EmulatorCore,
  record: ExecutionRecord,
  machine: RegisteredMachine,
  replay: Replay | undefined,
): void {
  const { executionArn, name } = record;
  const roleArn = roleArnOf(machine);
  const input: JsonValue = JSON.parse(record.input);
  const redriveCount = record.redriveCount ?? 0;
  const execution = { Id: executionArn, Name: name, RoleArn: roleArn };
  const stateMachine = { Id: machine.arn, Name: machine.name };
  const exec = liveExecution(
    record,
    machine,
    { Execution: { ...execution, Input: input, RedriveCount: redriveCount }, StateMachine: stateMachine },
    replay,
  );
  core.live.set(executionArn, exec);
  if (replay) {
    // Tokens of open callback tasks answer again at once; calls wait until the replay re-arms the task.
    for (const step of record.steps) {
      if (step.status === "RUNNING" && step.taskToken && !step.discarded && step.handling !== "parent") {
        core.tokens.defer(executionArn, step.taskToken);
      }
    }
    finishReplayWhenConsumed(exec);
  } else {
    appendEvent(core, exec, "ExecutionStarted", {
      executionStartedEventDetails: { input: record.input, inputDetails: { truncated: false }, roleArn },
    });
  }

  const run = machine.prepared.run(input, {
    overrides: { taskResourceLocalHandlers: handlersOf(core, exec) },
    context: {
      Execution: { ...execution, RedriveCount: redriveCount },
      StateMachine: { ...stateMachine },
      Task: { Token: core.tokenPlaceholder },
    },
  });
  exec.run = run;
  const consumed = (async () => {
    for await (const event of run.eventLogs) recordLibraryEvent(core, exec, event);
  })();
  void run.result
    .then(
      (output): RunOutcome => ({ ok: true, output }),
      (error: unknown): RunOutcome => ({ ok: false, error }),
    )
    .then(async (outcome) => {
      // The event log lags behind the result by a few microtasks: record it all before the terminal event.
      await consumed;
      settleExecution(core, exec, outcome);
    });
  armExecutionTimeout(core, exec, replay !== undefined);
}

function armExecutionTimeout(core: EmulatorCore, exec: LiveExecution, replayed: boolean): void {
  const { record, machine } = exec;
  if (machine.timeoutSeconds === undefined) return;
  // A resumed execution has only what is left; a redriven one counts from its redrive.
  const since = replayed ? (record.redriveDate ?? record.startDate) : undefined;
  const elapsed = since === undefined ? 0 : Math.max(0, core.now() - since);
  exec.timer = core.setTimer(
    () =>
      terminate(core, exec, "TIMED_OUT", "ExecutionTimedOut", {
        error: "States.Timeout",
        cause: `The execution ran longer than its TimeoutSeconds (${machine.timeoutSeconds} s)`,
      }),
    Math.max(0, machine.timeoutSeconds * 1000 * core.waitScale - elapsed),
  );
}

/** Ends an execution whose library run has ended (succeeded, failed or aborted). */
function settleExecution(core: EmulatorCore, exec: LiveExecution, outcome: RunOutcome): void {
  if (exec.finished || core.closed) return;
  const record = exec.record;
  if (outcome.ok) {
    record.status = "SUCCEEDED";
    record.output = jsonText(outcome.output);
    appendEvent(core, exec, "ExecutionSucceeded", {
      executionSucceededEventDetails: { output: record.output, outputDetails: { truncated: false } },
    });
  } else if (outcome.error instanceof ExecutionAbortedError) {
    record.status = "ABORTED";
    appendEvent(core, exec, "ExecutionAborted", { executionAbortedEventDetails: {} });
  } else {
    const cause = outcome.error instanceof ExecutionError ? outcome.error.cause : outcome.error;
    const error = cause instanceof Error ? cause.name : "States.Runtime";
    const causeText = cause instanceof Error ? cause.message : String(cause);
    record.status = "FAILED";
    record.error = error;
    if (causeText) record.cause = causeText;
    appendEvent(core, exec, "ExecutionFailed", {
      executionFailedEventDetails: causeText ? { error, cause: causeText } : { error },
    });
  }
  record.stopDate = core.now();
  endExecution(core, exec);
}

/** Ends a running execution from outside (StopExecution, execution timeout). */
export function terminate(
  core: EmulatorCore,
  exec: LiveExecution,
  status: ExecutionStatus,
  eventType: string,
  reason: { error?: string | undefined; cause?: string | undefined },
): void {
  if (exec.finished || core.closed) return;
  const record = exec.record;
  record.status = status;
  record.stopDate = core.now();
  if (reason.error !== undefined) record.error = reason.error;
  if (reason.cause !== undefined) record.cause = reason.cause;
  const key = `${eventType.charAt(0).toLowerCase()}${eventType.slice(1)}EventDetails`;
  appendEvent(core, exec, eventType, { [key]: { ...reason } });
  endExecution(core, exec);
  exec.run?.abort();
}

function endExecution(core: EmulatorCore, exec: LiveExecution): void {
  exec.finished = true;
  exec.timer?.cancel();
  for (const timer of exec.timers) timer.cancel();
  for (const attempt of [...exec.attempts]) attempt.close();
  const record = exec.record;
  for (const token of record.pendingTaskTokens) {
    const entry = core.tokens.get(token);
    if (entry) entry.status = "closed";
  }
  record.pendingTaskTokens = [];
  if (core.options.onStatusChange) record.statusEvent = "pending";
  core.live.delete(record.executionArn);
  core.open.delete(record.executionArn);
  core.closing.set(record.executionArn, record);
  core.summaries.set(record.executionArn, summaryOf(record));
  core.persist(exec);
  deliverClose(core, record);
}

/** Sends the closing status event once the record is on disk, then lets the record leave memory. */
export function deliverClose(core: EmulatorCore, record: ExecutionRecord): void {
  const arn = record.executionArn;
  const closedAs = record.status;
  const stillClosed = () => record.status === closedAs && core.open.get(arn) === undefined;
  core.track(
    (async () => {
      await core.store.flushOne(arn);
      if (core.options.onStatusChange && record.statusEvent === "pending") {
        await notifyClose(core, record, stillClosed);
      }
      if (core.closing.get(arn) === record && stillClosed()) core.closing.delete(arn);
    })(),
  );
}

/** Delivers the closing status event, retrying with backoff; marks the record once delivered. */
async function notifyClose(
  core: EmulatorCore,
  record: ExecutionRecord,
  stillClosed: () => boolean,
): Promise<void> {
  const notify = core.options.onStatusChange;
  if (!notify) return;
  const arn = record.executionArn;
  const machine = core.machines.get(record.stateMachineArn);
  const where = { region: machine?.region ?? "us-east-1", account: machine?.account ?? "000000000000" };
  for (let attempt = 0; attempt < STATUS_EVENT_ATTEMPTS && !core.closed && stillClosed(); attempt++) {
    try {
      await notify(statusChangeEvent(record, where, core.now()));
      record.statusEvent = "sent";
      core.summaries.set(arn, summaryOf(record));
      core.persist({ record });
      await core.store.flushOne(arn);
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
}

/**
 * The RUNNING status event of a start or redrive, sent once the record is on disk
 * (best effort, like AWS's delivery to a busy target).
 */
export function announce(core: EmulatorCore, record: ExecutionRecord): void {
  const notify = core.options.onStatusChange;
  const machine = core.machines.get(record.stateMachineArn);
  if (!notify || !machine) return;
  const event = statusChangeEvent(record, machine, core.now());
  core.track(core.store.flushOne(record.executionArn).then(() => notify(event)));
}
