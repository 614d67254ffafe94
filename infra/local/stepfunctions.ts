/**
 * Local stand-in for AWS Step Functions (Standard workflows) for `npm start`.
 *
 * Speaks the Step Functions JSON protocol over node:http (sfn-protocol.ts) so
 * the unchanged `@aws-sdk/client-sfn` works against it, runs executions with
 * aws-local-stepfunctions, invokes Lambda tasks through a caller-supplied
 * function, emulates `.waitForTaskToken` callbacks, and keeps one JSON record
 * per execution under `dataDir` (sfn-store.ts).
 *
 * How the library is bent into shape (see sfn-definition.ts for the rewrite):
 * - Every Task and Wait state runs through a local handler that receives the
 *   effective input, the Parameters output and the per-run context object.
 * - `$$.Task.Token` resolves to a per-emulator placeholder in the context; the
 *   handler mints the real token and substitutes it.
 * - Task timeouts, heartbeats, Waits, task retry intervals and the execution
 *   TimeoutSeconds run on the emulator's long timers (scaled by `waitScale`);
 *   the library's own task timer is pushed to its maximum and a hidden retrier
 *   lets a handler hand the slot back and resume the same attempt before that
 *   timer could fire.
 *
 * A restart resumes every RUNNING execution, and RedriveExecution restarts a
 * failed one, by replaying its record (sfn-replay.ts): recorded attempts are
 * answered from the record, the first unfinished one of each scope is re-armed
 * (same task token, the time left of its timeout, heartbeat, Wait or retry
 * interval), and the history goes on with the same event ids.
 *
 * The rooms, one file each:
 * - stepfunctions.ts (this file): the HTTP server and its dispatch map, one
 *   handler per operation (request shapes parsed with zod in sfn-protocol.ts).
 * - sfn-core.ts: what every room shares (options, records in memory, live runs, tokens, clock, store).
 * - sfn-machines.ts: registration, DescribeStateMachine, ListStateMachines.
 * - sfn-executions.ts: StartExecution, DescribeExecution, ListExecutions, StopExecution, RedriveExecution.
 * - sfn-run.ts: an execution's life on the library (launch, timeout, end, status change events).
 * - sfn-handlers.ts: the handlers the library calls for Task and Wait states.
 * - sfn-attempts.ts: one attempt of a state (lifecycle, Wait, retry interval, task slices).
 * - sfn-tasks.ts: Task attempts (Lambda invocations, task tokens) and SendTaskSuccess/Failure/Heartbeat.
 * - sfn-history.ts: history events and GetExecutionHistory.
 * What the rooms build on: sfn-definition.ts (the ASL rewrite), sfn-replay.ts,
 * sfn-store.ts (records on disk), sfn-tokens.ts, sfn-states.ts (library events,
 * Wait delays), sfn-lambda.ts, sfn-errors.ts, sfn-events.ts (status change
 * events), sfn-jsonpath.ts.
 */

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { reportLocalActivity } from "./changes.ts";
import { faultable } from "./faults.ts";
import { EmulatorCore, type LocalStepFunctionsOptions } from "./sfn-core.ts";
import { timeoutErrorFactory } from "./sfn-errors.ts";
import {
  describeExecution,
  listExecutions,
  redriveExecution,
  startExecution,
  stopExecution,
} from "./sfn-executions.ts";
import { getExecutionHistory } from "./sfn-history.ts";
import { describeStateMachine, listStateMachines, registerMachine } from "./sfn-machines.ts";
import { handleSfnHttp, type Operations } from "./sfn-protocol.ts";
import { deliverClose, resumeRunning } from "./sfn-run.ts";
import { type ExecutionRecord, ExecutionStore, type ExecutionSummary } from "./sfn-store.ts";
import { sendTaskFailure, sendTaskHeartbeat, sendTaskSuccess } from "./sfn-tasks.ts";

export type { LocalStepFunctionsOptions } from "./sfn-core.ts";

export interface LocalStepFunctions {
  /** `http://host:port`, for `new SFNClient({ endpoint })`. */
  readonly endpoint: string;
  readonly port: number;
  /**
   * Validates `definition` (once per distinct definition text) and makes it
   * startable under `arn`; executions of it that were running when the emulator
   * last stopped resume. Throws InvalidDefinitionError when it is not valid ASL.
   */
  registerStateMachine(arn: string, definition: object | string, name?: string): void;
  /** Stops the server and all timers; records of running executions stay RUNNING on disk and resume on the next start. */
  close(): Promise<void>;
}

/** The dispatch map: one handler per operation, each given its request already parsed (sfn-protocol.ts). */
function operationsOf(core: EmulatorCore): Operations {
  return {
    StartExecution: (request) => startExecution(core, request),
    DescribeExecution: (request) => describeExecution(core, request),
    ListExecutions: (request) => listExecutions(core, request),
    GetExecutionHistory: (request) => getExecutionHistory(core, request),
    StopExecution: (request) => stopExecution(core, request),
    RedriveExecution: (request) => redriveExecution(core, request),
    SendTaskSuccess: (request) => sendTaskSuccess(core, request),
    SendTaskFailure: (request) => sendTaskFailure(core, request),
    SendTaskHeartbeat: (request) => sendTaskHeartbeat(core, request),
    DescribeStateMachine: (request) => describeStateMachine(core, request),
    ListStateMachines: (request) => listStateMachines(core, request),
  };
}

/** Takes in the records found on disk: running ones wait for their state machine, closed ones are summaries. */
function load(
  core: EmulatorCore,
  running: readonly ExecutionRecord[],
  closed: readonly ExecutionSummary[],
): void {
  for (const record of running) core.open.set(record.executionArn, record);
  for (const summary of closed) {
    core.summaries.set(summary.executionArn, summary);
    // A close whose status event did not reach its targets before the last stop.
    if (summary.statusEvent === "pending" && core.options.onStatusChange) {
      core.track(
        core.store.read(summary.executionArn).then((record) => {
          if (record) deliverClose(core, record);
        }),
      );
    }
  }
}

/**
 * Detaches every running execution without recording an end (they resume on
 * the next start), then flushes the disk.
 */
async function closeEmulator(core: EmulatorCore): Promise<void> {
  if (core.closed) return;
  // Writes already scheduled (a decision just taken) reach the disk before anything stops.
  await core.store.flush();
  core.closed = true;
  for (const exec of core.live.values()) {
    exec.finished = true;
    exec.timer?.cancel();
    for (const timer of exec.timers) timer.cancel();
    exec.run?.abort();
    // Settling the attempts lets the library clear its own task timers (they would keep the process alive).
    for (const attempt of [...exec.attempts]) attempt.close();
  }
  core.live.clear();
  core.tokens.closeAll();
  await core.idle();
  await core.store.flush();
}

/** Starts the local Step Functions endpoint; see LocalStepFunctionsOptions. */
export async function startLocalStepFunctions(
  options: LocalStepFunctionsOptions,
): Promise<LocalStepFunctions> {
  const store = new ExecutionStore(options.dataDir, { inMemory: options.inMemory === true });
  const { running, closed } = await store.open();
  const core = new EmulatorCore(options, store, await timeoutErrorFactory());
  load(core, running, closed);
  const operations = operationsOf(core);

  const server: Server = createServer(
    faultable("stepfunctions", options.faults, (req, res) => {
      void handleSfnHttp(operations, () => core.closed, req, res);
    }),
  );
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const stopReporting = reportLocalActivity();
  return {
    endpoint: `http://${host}:${port}`,
    port,
    registerStateMachine: (arn, definition, name) => {
      const machine = registerMachine(core, arn, definition, name);
      resumeRunning(core, machine);
    },
    close: async () => {
      stopReporting();
      const closedServer = new Promise<void>((resolve) => server.close(() => resolve()));
      await closeEmulator(core);
      server.closeAllConnections();
      await closedServer;
    },
  };
}
