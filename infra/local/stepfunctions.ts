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
 */

import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  ExecutionAbortedError,
  ExecutionError,
  StateMachine,
  type StateMachineDefinition,
} from "aws-local-stepfunctions";
import * as z from "zod";
import { faultable, type LocalFaults } from "./faults.ts";
import { type LongTimer, setLongTimeout } from "./long-timer.ts";
import {
  HANDLER_INPUT_KEY,
  HANDLER_PARAMETERS_KEY,
  HANDLER_RUN_KEY,
  InvalidDefinitionError,
  indexStates,
  isRecord,
  prepareDefinition,
  type StateSpec,
} from "./sfn-definition.ts";
import {
  SfnServiceError,
  StatesError,
  TaskContinueError,
  type TimeoutErrorFactory,
  timeoutErrorFactory,
  UncatchableStatesError,
} from "./sfn-errors.ts";
import { type EventBridgeEvent, statusChangeEvent } from "./sfn-events.ts";
import {
  classifyResource,
  type JsonValue,
  jsonText,
  lambdaError,
  lambdaInvokeResponse,
  replaceInStrings,
  type TaskHandler,
  toJsonValue,
} from "./sfn-lambda.ts";
import {
  describedExecution,
  handleSfnHttp,
  historyPage,
  listedExecutions,
  type Operations,
  pageOf,
  type RequestOf,
  seconds,
} from "./sfn-protocol.ts";
import {
  handlingOf,
  isWaitStep,
  markHandledByParent,
  planRedrive,
  Replay,
  recordedError,
  scopeOf,
  waitDueAt,
} from "./sfn-replay.ts";
import {
  historyEventsOf,
  isValidExecutionName,
  type LibraryEvent,
  secondsOf,
  waitDelayMs,
} from "./sfn-states.ts";
import {
  type ExecutionRecord,
  type ExecutionStatus,
  ExecutionStore,
  type ExecutionSummary,
  type StepRecord,
  summaryOf,
} from "./sfn-store.ts";
import { TaskTokens, type TokenEntry } from "./sfn-tokens.ts";

type LibraryRun = ReturnType<StateMachine["run"]>;

export interface LocalStepFunctionsOptions {
  /** TCP port; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Interface to bind; 127.0.0.1 by default. */
  readonly host?: string;
  /** Folder for execution records; created if missing. */
  readonly dataDir: string;
  /** Invokes a Lambda function by name or ARN; a thrown Error becomes a task error named after `error.name`. */
  readonly invokeLambda: (functionName: string, payload: unknown) => Promise<unknown>;
  /** Wall clock in epoch ms for records, history and Timestamp waits; Date.now by default. */
  readonly now?: () => number;
  /**
   * Multiplies every Wait duration, task TimeoutSeconds/HeartbeatSeconds, Retry
   * interval and execution TimeoutSeconds (1 by default); the ASL stays unchanged.
   */
  readonly waitScale?: number;
  /**
   * How long (real ms) a handler keeps the library's task slot before handing it
   * back and resuming the same attempt. Only tests need to change it.
   */
  readonly taskSliceMs?: number;
  /**
   * Receives the "Step Functions Execution Status Change" event of every start,
   * redrive and close, once the record is on disk. A close is delivered at least
   * once: a rejection is retried, and an undelivered one is sent again after a restart.
   */
  readonly onStatusChange?: (event: EventBridgeEvent) => Promise<void>;
  /** Tests only: fail API requests as Step Functions may (throttle, 5xx, reset); see faults.ts. */
  readonly faults?: LocalFaults["service"];
}

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

/** Step Functions' default for a Task state without TimeoutSeconds. */
const DEFAULT_TASK_TIMEOUT_SECONDS = 99_999_999;
/** Real time a handler may hold the library's task slot (its timer is ~24.8 days). */
const DEFAULT_TASK_SLICE_MS = 20 * 24 * 3600 * 1000;
const TOKEN_BYTES = 96;
const EXECUTION_CLOSED_ERROR = "Nongfang.ExecutionClosed";
/** RedriveExecution only reaches executions started this recently. */
const REDRIVE_WINDOW_MS = 14 * 24 * 3600 * 1000;
/** Delivery attempts of a status change event before it waits for the next start. */
const STATUS_EVENT_ATTEMPTS = 5;

const STATE_MACHINE_ARN =
  /^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\d{12}):stateMachine:([A-Za-z0-9_-]{1,80})$/;

interface RegisteredMachine {
  readonly arn: string;
  readonly name: string;
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly definitionText: string;
  readonly states: Map<string, StateSpec>;
  readonly prepared: StateMachine;
  readonly timeoutSeconds: number | undefined;
  readonly createdAt: number;
}

interface Attempt {
  readonly step: StepRecord;
  /** Settles once with the state's result or its error; never rejects unobserved. */
  readonly outcome: Promise<JsonValue>;
  /** Ends the attempt because its execution ended (no history event). */
  close(): void;
}

interface LiveExecution {
  readonly record: ExecutionRecord;
  readonly machine: RegisteredMachine;
  /** `$$` as seen by the emulator's own path evaluation. */
  readonly context: Record<string, unknown>;
  readonly attempts: Set<Attempt>;
  /** Attempts handed back to the library, by run context object and state name. */
  readonly continuations: WeakMap<object, Map<string, Attempt>>;
  /** Timers of the execution outside attempts (retry intervals). */
  readonly timers: Set<LongTimer>;
  run: LibraryRun | undefined;
  timer: LongTimer | undefined;
  /** While the record is being replayed (see sfn-replay.ts); undefined once caught up. */
  replay: Replay | undefined;
  /** Set once the terminal history event is recorded. */
  finished: boolean;
}

const nextMacrotask = () => new Promise((resolve) => setImmediate(resolve));

class LocalStepFunctionsEmulator {
  private readonly machines = new Map<string, RegisteredMachine>();
  /** Validated library machines by definition text: validation costs up to ~0.5 s. */
  private readonly compiled = new Map<string, { states: Map<string, StateSpec>; prepared: StateMachine }>();
  /** RUNNING records, whole (live, or waiting for their state machine to be registered). */
  private readonly open = new Map<string, ExecutionRecord>();
  private readonly live = new Map<string, LiveExecution>();
  /** Closed records kept until their last write and status event are done; then only the summary stays. */
  private readonly closing = new Map<string, ExecutionRecord>();
  private readonly summaries = new Map<string, ExecutionSummary>();
  private readonly tokens = new TaskTokens();
  /** What `$$.Task.Token` evaluates to inside the library; handlers swap in the real token. */
  private readonly tokenPlaceholder = `nongfang-local-task-token-${randomUUID()}`;
  private readonly now: () => number;
  private readonly waitScale: number;
  private readonly taskSliceMs: number;
  private readonly background = new Set<Promise<unknown>>();
  private closed = false;

  constructor(
    private readonly options: LocalStepFunctionsOptions,
    private readonly store: ExecutionStore,
    private readonly timeoutError: TimeoutErrorFactory,
  ) {
    this.now = options.now ?? Date.now;
    this.waitScale = options.waitScale ?? 1;
    if (!Number.isFinite(this.waitScale) || this.waitScale < 0) {
      throw new RangeError("waitScale must be a finite number >= 0");
    }
    this.taskSliceMs = options.taskSliceMs ?? DEFAULT_TASK_SLICE_MS;
  }

  load(running: readonly ExecutionRecord[], closed: readonly ExecutionSummary[]): void {
    for (const record of running) this.open.set(record.executionArn, record);
    for (const summary of closed) {
      this.summaries.set(summary.executionArn, summary);
      // A close whose status event did not reach its targets before the last stop.
      if (summary.statusEvent === "pending" && this.options.onStatusChange) {
        this.track(
          this.store.read(summary.executionArn).then((record) => {
            if (record) this.deliverClose(record);
          }),
        );
      }
    }
  }

  private track(work: Promise<unknown>): void {
    const settled = work.catch(() => undefined);
    this.background.add(settled);
    void settled.finally(() => this.background.delete(settled));
  }

  // ---------------------------------------------------------------- registration

  registerStateMachine(arn: string, definition: object | string, name?: string): void {
    const match = STATE_MACHINE_ARN.exec(arn);
    if (!match) throw new InvalidDefinitionError(`'${arn}' is not a state machine ARN`);
    const [, partition = "aws", region = "us-east-1", account = "000000000000", arnName = ""] = match;
    let parsed: unknown;
    try {
      parsed = typeof definition === "string" ? JSON.parse(definition) : definition;
    } catch (error) {
      throw new InvalidDefinitionError(`the definition of ${arn} is not JSON: ${String(error)}`);
    }
    const definitionText = JSON.stringify(parsed);
    let compiled = this.compiled.get(definitionText);
    if (!compiled) {
      const states = indexStates(parsed);
      try {
        // Validation only (the library validates in its constructor). On a copy: asl-validator adds
        // QueryLanguage to every state of the object it is given, and the caller's ASL must stay unchanged.
        new StateMachine(structuredClone(parsed) as StateMachineDefinition);
      } catch (error) {
        throw new InvalidDefinitionError(error instanceof Error ? error.message : String(error));
      }
      const prepared = new StateMachine(
        prepareDefinition(structuredClone(parsed), {
          waitScale: this.waitScale,
        }) as unknown as StateMachineDefinition,
        { validationOptions: { noValidate: true } },
      );
      compiled = { states, prepared };
      this.compiled.set(definitionText, compiled);
    }
    const timeoutSeconds =
      isRecord(parsed) && typeof parsed.TimeoutSeconds === "number" ? parsed.TimeoutSeconds : undefined;
    const machine: RegisteredMachine = {
      arn,
      name: name ?? arnName,
      partition,
      region,
      account,
      definitionText,
      states: compiled.states,
      prepared: compiled.prepared,
      timeoutSeconds,
      createdAt: this.now(),
    };
    this.machines.set(arn, machine);
    // Executions that were running when the emulator last stopped continue where they were.
    for (const record of this.open.values()) {
      if (record.stateMachineArn === arn && !this.live.has(record.executionArn)) {
        this.launch(record, machine, new Replay(record.steps, record.history, { redrive: false }));
      }
    }
  }

  // ---------------------------------------------------------------- records and history

  private persist(exec: { record: ExecutionRecord }): void {
    if (this.closed) return;
    const record = exec.record;
    this.store.save(record.executionArn, () => record);
  }

  private appendEvent(exec: LiveExecution, type: string, details: Record<string, unknown> = {}): void {
    if (exec.finished || this.closed) return;
    const history = exec.record.history;
    const previous = history.at(-1);
    history.push({
      id: (previous?.id ?? 0) + 1,
      previousEventId: previous?.id ?? 0,
      timestamp: this.now(),
      type,
      ...details,
    });
    this.persist(exec);
  }

  /** A library event, unless a replay finds it already in the history. */
  private appendLibraryEvent(exec: LiveExecution, type: string, details: Record<string, unknown> = {}): void {
    if (exec.replay?.recorded(type, details)) return;
    this.appendEvent(exec, type, details);
  }

  private recordLibraryEvent(exec: LiveExecution, event: LibraryEvent): void {
    if ((event.type === "StateRetried" || event.type === "StateCaught") && exec.replay === undefined) {
      // A Map or Parallel handled what failed inside it: those attempts are settled (see planRedrive).
      const type = exec.machine.states.get(event.state.name)?.type;
      if (
        (type === "Map" || type === "Parallel") &&
        markHandledByParent(exec.record.steps, event.state.name, exec.machine.states)
      ) {
        this.persist(exec);
      }
    }
    for (const { type, details } of historyEventsOf(event, exec.machine.states)) {
      this.appendLibraryEvent(exec, type, details);
    }
  }

  // ---------------------------------------------------------------- executions

  private machineOf(stateMachineArn: string): RegisteredMachine {
    const machine = this.machines.get(stateMachineArn);
    if (!machine) {
      throw new SfnServiceError(
        "StateMachineDoesNotExist",
        `State Machine Does Not Exist: '${stateMachineArn}'`,
      );
    }
    return machine;
  }

  async startExecution(request: RequestOf<"StartExecution">) {
    const machine = this.machineOf(request.stateMachineArn);
    const name = request.name ?? randomUUID();
    if (!isValidExecutionName(name)) throw new SfnServiceError("InvalidName", `Invalid Name: '${name}'`);
    const inputText = request.input ?? "{}";
    let input: JsonValue;
    try {
      input = JSON.parse(inputText);
    } catch {
      throw new SfnServiceError(
        "InvalidExecutionInput",
        "Invalid State Machine Execution Input: 'not valid JSON'",
      );
    }
    const executionArn = `arn:${machine.partition}:states:${machine.region}:${machine.account}:execution:${machine.name}:${name}`;
    const existing = this.open.get(executionArn);
    // Step Functions' idempotent start: same name and same input while still running returns the same execution.
    if (existing && jsonText(JSON.parse(existing.input)) === jsonText(input)) {
      await this.store.flushOne(executionArn);
      return { executionArn, startDate: seconds(existing.startDate) };
    }
    if (existing || this.closing.has(executionArn) || this.summaries.has(executionArn)) {
      throw new SfnServiceError("ExecutionAlreadyExists", `Execution Already Exists: '${executionArn}'`);
    }
    const record: ExecutionRecord = {
      version: 1,
      executionArn,
      stateMachineArn: machine.arn,
      name,
      input: inputText,
      status: "RUNNING",
      startDate: this.now(),
      history: [],
      steps: [],
      pendingTaskTokens: [],
    };
    this.open.set(executionArn, record);
    this.launch(record, machine, undefined);
    this.announce(record);
    // Answered once the record is on disk: a crash after the answer still finds the execution.
    await this.store.flushOne(executionArn);
    return { executionArn, startDate: seconds(record.startDate) };
  }

  /** Runs an execution: a new one (no replay), or a recorded one resumed or redriven (replay). */
  private launch(record: ExecutionRecord, machine: RegisteredMachine, replay: Replay | undefined): void {
    const { executionArn, name } = record;
    const roleArn = `arn:${machine.partition}:iam::${machine.account}:role/nongfang-local-stepfunctions`;
    const input: JsonValue = JSON.parse(record.input);
    const redriveCount = record.redriveCount ?? 0;
    const exec: LiveExecution = {
      record,
      machine,
      context: {
        Execution: {
          Id: executionArn,
          Name: name,
          RoleArn: roleArn,
          Input: input,
          RedriveCount: redriveCount,
        },
        StateMachine: { Id: machine.arn, Name: machine.name },
      },
      attempts: new Set(),
      continuations: new WeakMap(),
      timers: new Set(),
      run: undefined,
      timer: undefined,
      replay,
      finished: false,
    };
    this.live.set(executionArn, exec);
    if (replay) {
      // Tokens of open callback tasks answer again at once; calls wait until the replay re-arms the task.
      for (const step of record.steps) {
        if (step.status === "RUNNING" && step.taskToken && !step.discarded && step.handling !== "parent") {
          this.tokens.defer(executionArn, step.taskToken);
        }
      }
      this.finishReplayWhenConsumed(exec);
    } else {
      this.appendEvent(exec, "ExecutionStarted", {
        executionStartedEventDetails: { input: record.input, inputDetails: { truncated: false }, roleArn },
      });
    }

    const handlers: Record<string, TaskHandler> = {};
    for (const spec of machine.states.values()) {
      if (spec.type === "Task" || spec.type === "Wait") handlers[spec.name] = this.handlerFor(exec, spec);
    }
    const run = machine.prepared.run(input, {
      overrides: { taskResourceLocalHandlers: handlers },
      context: {
        Execution: { Id: executionArn, Name: name, RoleArn: roleArn, RedriveCount: redriveCount },
        StateMachine: { Id: machine.arn, Name: machine.name },
        Task: { Token: this.tokenPlaceholder },
      },
    });
    exec.run = run;
    const consumed = (async () => {
      for await (const event of run.eventLogs) this.recordLibraryEvent(exec, event);
    })();
    void run.result
      .then(
        (output) => ({ ok: true as const, output }),
        (error: unknown) => ({ ok: false as const, error }),
      )
      .then(async (outcome) => {
        // The event log lags behind the result by a few microtasks: record it all before the terminal event.
        await consumed;
        this.settleExecution(exec, outcome);
      });

    if (machine.timeoutSeconds !== undefined) {
      // A resumed execution has only what is left; a redriven one counts from its redrive.
      const since = replay ? (record.redriveDate ?? record.startDate) : undefined;
      const elapsed = since === undefined ? 0 : Math.max(0, this.now() - since);
      exec.timer = setLongTimeout(
        () =>
          this.terminate(exec, "TIMED_OUT", "ExecutionTimedOut", {
            error: "States.Timeout",
            cause: `The execution ran longer than its TimeoutSeconds (${machine.timeoutSeconds} s)`,
          }),
        Math.max(0, machine.timeoutSeconds * 1000 * this.waitScale - elapsed),
      );
    }
  }

  /** The replay stops recognising old events shortly after its last recorded attempt was handed out. */
  private finishReplayWhenConsumed(exec: LiveExecution): void {
    const replay = exec.replay;
    if (!replay?.consumed) return;
    // The library emits the events that follow a replayed attempt within microtasks of its answer.
    void nextMacrotask()
      .then(nextMacrotask)
      .then(() => {
        if (exec.replay !== replay) return;
        replay.finish();
        exec.replay = undefined;
      });
  }

  private settleExecution(
    exec: LiveExecution,
    outcome: { ok: true; output: JsonValue } | { ok: false; error: unknown },
  ): void {
    if (exec.finished || this.closed) return;
    const record = exec.record;
    if (outcome.ok) {
      record.status = "SUCCEEDED";
      record.output = jsonText(outcome.output);
      this.appendEvent(exec, "ExecutionSucceeded", {
        executionSucceededEventDetails: { output: record.output, outputDetails: { truncated: false } },
      });
    } else if (outcome.error instanceof ExecutionAbortedError) {
      record.status = "ABORTED";
      this.appendEvent(exec, "ExecutionAborted", { executionAbortedEventDetails: {} });
    } else {
      const cause = outcome.error instanceof ExecutionError ? outcome.error.cause : outcome.error;
      const error = cause instanceof Error ? cause.name : "States.Runtime";
      const causeText = cause instanceof Error ? cause.message : String(cause);
      record.status = "FAILED";
      record.error = error;
      if (causeText) record.cause = causeText;
      this.appendEvent(exec, "ExecutionFailed", {
        executionFailedEventDetails: causeText ? { error, cause: causeText } : { error },
      });
    }
    record.stopDate = this.now();
    this.endExecution(exec);
  }

  /** Ends a running execution from outside (StopExecution, execution timeout). */
  private terminate(
    exec: LiveExecution,
    status: ExecutionStatus,
    eventType: string,
    reason: { error?: string | undefined; cause?: string | undefined },
  ): void {
    if (exec.finished || this.closed) return;
    const record = exec.record;
    record.status = status;
    record.stopDate = this.now();
    if (reason.error !== undefined) record.error = reason.error;
    if (reason.cause !== undefined) record.cause = reason.cause;
    const key = `${eventType.charAt(0).toLowerCase()}${eventType.slice(1)}EventDetails`;
    this.appendEvent(exec, eventType, { [key]: { ...reason } });
    this.endExecution(exec);
    exec.run?.abort();
  }

  private endExecution(exec: LiveExecution): void {
    exec.finished = true;
    exec.timer?.cancel();
    for (const timer of exec.timers) timer.cancel();
    for (const attempt of [...exec.attempts]) attempt.close();
    const record = exec.record;
    for (const token of record.pendingTaskTokens) {
      const entry = this.tokens.get(token);
      if (entry) entry.status = "closed";
    }
    record.pendingTaskTokens = [];
    if (this.options.onStatusChange) record.statusEvent = "pending";
    this.live.delete(record.executionArn);
    this.open.delete(record.executionArn);
    this.closing.set(record.executionArn, record);
    this.summaries.set(record.executionArn, summaryOf(record));
    this.persist(exec);
    this.deliverClose(record);
  }

  /** Sends the closing status event once the record is on disk, then lets the record leave memory. */
  private deliverClose(record: ExecutionRecord): void {
    const arn = record.executionArn;
    const closedAs = record.status;
    const stillClosed = () => record.status === closedAs && this.open.get(arn) === undefined;
    this.track(
      (async () => {
        await this.store.flushOne(arn);
        const notify = this.options.onStatusChange;
        if (notify && record.statusEvent === "pending") {
          const machine = this.machines.get(record.stateMachineArn);
          const where = {
            region: machine?.region ?? "us-east-1",
            account: machine?.account ?? "000000000000",
          };
          for (let attempt = 0; attempt < STATUS_EVENT_ATTEMPTS && !this.closed && stillClosed(); attempt++) {
            try {
              await notify(statusChangeEvent(record, where, this.now()));
              record.statusEvent = "sent";
              this.summaries.set(arn, summaryOf(record));
              this.persist({ record });
              await this.store.flushOne(arn);
              break;
            } catch {
              await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
            }
          }
        }
        if (this.closing.get(arn) === record && stillClosed()) this.closing.delete(arn);
      })(),
    );
  }

  /**
   * The RUNNING status event of a start or redrive, sent once the record is on disk
   * (best effort, like AWS's delivery to a busy target).
   */
  private announce(record: ExecutionRecord): void {
    const notify = this.options.onStatusChange;
    const machine = this.machines.get(record.stateMachineArn);
    if (!notify || !machine) return;
    const event = statusChangeEvent(record, machine, this.now());
    this.track(this.store.flushOne(record.executionArn).then(() => notify(event)));
  }

  async stopExecution(request: RequestOf<"StopExecution">) {
    const record = await this.recordOf(request.executionArn);
    if (record.status !== "RUNNING") return { stopDate: seconds(record.stopDate) };
    const reason = { error: request.error, cause: request.cause };
    const exec = this.live.get(request.executionArn);
    if (exec) {
      this.terminate(exec, "ABORTED", "ExecutionAborted", reason);
    } else {
      // A RUNNING record whose state machine is not registered (yet): nothing runs it.
      const orphan: LiveExecution = {
        record,
        machine: this.orphanMachine(record),
        context: {},
        attempts: new Set(),
        continuations: new WeakMap(),
        timers: new Set(),
        run: undefined,
        timer: undefined,
        replay: undefined,
        finished: false,
      };
      this.terminate(orphan, "ABORTED", "ExecutionAborted", reason);
    }
    await this.store.flushOne(request.executionArn);
    return { stopDate: seconds(record.stopDate) };
  }

  private orphanMachine(record: ExecutionRecord): RegisteredMachine {
    const machine = this.machines.get(record.stateMachineArn);
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
  private notRedrivable(record: ExecutionRecord): string | undefined {
    if (record.status === "RUNNING" || record.status === "SUCCEEDED") {
      return `Execution is ${record.status} and cannot be redriven`;
    }
    if (this.now() - record.startDate > REDRIVE_WINDOW_MS) return "Execution redrivable period exceeded";
    if (!this.machines.has(record.stateMachineArn)) return "State machine is in DELETING status";
    return undefined;
  }

  /**
   * RedriveExecution: the same execution (ARN, input, history) runs again from
   * where it failed: succeeded steps are replayed, the failed, timed-out or
   * aborted attempts (inside a Map: those iterations only) run again.
   */
  async redriveExecution(request: RequestOf<"RedriveExecution">) {
    const record = await this.recordOf(request.executionArn);
    if (request.clientToken !== undefined && request.clientToken === record.redriveClientToken) {
      return { redriveDate: seconds(record.redriveDate) };
    }
    const reason = this.notRedrivable(record);
    if (reason) throw new SfnServiceError("ExecutionNotRedrivable", `Execution Not Redrivable: ${reason}`);
    const machine = this.machineOf(record.stateMachineArn);
    for (const step of planRedrive(record.steps)) step.discarded = true;
    const redriveCount = (record.redriveCount ?? 0) + 1;
    record.status = "RUNNING";
    record.redriveCount = redriveCount;
    record.redriveDate = this.now();
    if (request.clientToken === undefined) delete record.redriveClientToken;
    else record.redriveClientToken = request.clientToken;
    delete record.stopDate;
    delete record.output;
    delete record.error;
    delete record.cause;
    delete record.statusEvent;
    this.closing.delete(record.executionArn);
    this.summaries.delete(record.executionArn);
    this.open.set(record.executionArn, record);
    const replay = new Replay(record.steps, record.history, { redrive: true });
    this.launch(record, machine, replay);
    const exec = this.live.get(record.executionArn);
    if (exec) {
      this.appendEvent(exec, "ExecutionRedriven", { executionRedrivenEventDetails: { redriveCount } });
    }
    this.announce(record);
    await this.store.flushOne(record.executionArn);
    return { redriveDate: seconds(record.redriveDate) };
  }

  // ---------------------------------------------------------------- task and wait handlers

  private handlerFor(exec: LiveExecution, spec: StateSpec): TaskHandler {
    return async (raw) => {
      // The library calls the handler synchronously after queueing StateEntered; yielding one macrotask
      // lets the event-log consumer (microtasks) record it first, so history order matches AWS.
      await nextMacrotask();
      if (exec.finished || this.closed) {
        throw new UncatchableStatesError(EXECUTION_CLOSED_ERROR, "the execution has ended");
      }
      if (!isRecord(raw) || !isRecord(raw[HANDLER_RUN_KEY])) {
        throw new UncatchableStatesError(
          "States.Runtime",
          `unexpected handler input for state '${spec.name}'`,
        );
      }
      const run = raw[HANDLER_RUN_KEY];
      const input = raw[HANDLER_INPUT_KEY];
      let parked = exec.continuations.get(run);
      if (!parked) {
        parked = new Map();
        exec.continuations.set(run, parked);
      }
      let attempt = parked.get(spec.name);
      parked.delete(spec.name);
      if (!attempt) {
        const scope = scopeOf(run);
        const replay = exec.replay;
        const recorded = replay?.take(scope, spec.name);
        if (replay?.consumed) this.finishReplayWhenConsumed(exec);
        if (recorded) {
          const replayed = this.replayStep(exec, spec, recorded);
          if (!("attempt" in replayed)) {
            if (replayed.ok) return replayed.value;
            throw replayed.error;
          }
          attempt = replayed.attempt;
        } else {
          await this.retryInterval(exec, spec, scope);
          attempt =
            spec.type === "Wait"
              ? this.startWait(exec, spec, input, scope)
              : this.startTask(exec, spec, input, raw[HANDLER_PARAMETERS_KEY], scope);
        }
      }
      return this.awaitSlice(attempt, parked, spec.name);
    };
  }

  /** Answers a handler call from a recorded attempt, or re-arms the attempt that was still running. */
  private replayStep(
    exec: LiveExecution,
    spec: StateSpec,
    step: StepRecord,
  ): { ok: true; value: JsonValue } | { ok: false; error: Error } | { attempt: Attempt } {
    if (step.status === "SUCCEEDED") return { ok: true, value: toJsonValue(step.result) };
    if (step.status === "FAILED" || step.status === "TIMED_OUT") {
      return { ok: false, error: recordedError(step, this.timeoutError) };
    }
    if (step.handling === "parent") {
      // Abandoned by a failed Map iteration sibling: it waits until the library abandons it again.
      return { attempt: this.makeAttempt(exec, step, () => undefined).attempt };
    }
    if (isWaitStep(step)) {
      return { attempt: this.armWait(exec, step, Math.max(0, waitDueAt(step, this.waitScale) - this.now())) };
    }
    return { attempt: this.armTask(exec, spec, step, true) };
  }

  /** Before a retry of a failed attempt: what is left of the interval its retrier asked for. */
  private async retryInterval(exec: LiveExecution, spec: StateSpec, scope: string): Promise<void> {
    const previous = exec.record.steps.findLast(
      (step) => !step.discarded && step.stateName === spec.name && (step.scope ?? "") === scope,
    );
    if (previous?.handling !== "retry" || previous.retryAt === undefined) return;
    const delay = previous.retryAt - this.now();
    if (delay <= 0) return;
    await new Promise<void>((resolve) => {
      const timer = setLongTimeout(() => {
        exec.timers.delete(timer);
        resolve();
      }, delay);
      exec.timers.add(timer);
      // Cancelled with the execution: the handler is abandoned with it.
    });
    if (exec.finished || this.closed) {
      throw new UncatchableStatesError(EXECUTION_CLOSED_ERROR, "the execution has ended");
    }
  }

  /**
   * Waits for the attempt, but for at most one slice: then the attempt is parked
   * and the hidden retrier re-enters the state, whose handler picks it up again.
   */
  private async awaitSlice(
    attempt: Attempt,
    parked: Map<string, Attempt>,
    stateName: string,
  ): Promise<JsonValue> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const slice = new Promise<"slice">((resolve) => {
      timer = setTimeout(() => resolve("slice"), this.taskSliceMs);
    });
    try {
      const winner = await Promise.race([attempt.outcome.then((value) => ({ value })), slice]);
      if (winner === "slice") {
        parked.set(stateName, attempt);
        throw new TaskContinueError();
      }
      return winner.value;
    } finally {
      clearTimeout(timer);
    }
  }

  private newStep(
    exec: LiveExecution,
    spec: StateSpec,
    kind: "task" | "wait",
    scope: string,
    fields: Partial<StepRecord>,
  ) {
    const step: StepRecord = {
      seq: (exec.record.steps.at(-1)?.seq ?? 0) + 1,
      stateName: spec.name,
      ...(scope === "" ? {} : { scope }),
      kind,
      resource: typeof spec.definition.Resource === "string" ? spec.definition.Resource : "",
      input: undefined,
      status: "RUNNING",
      startedAt: this.now(),
      ...fields,
    };
    exec.record.steps.push(step);
    return step;
  }

  /**
   * Shared lifecycle of an attempt: settles once, stops its timers, removes
   * itself from the execution and records the end of its step.
   */
  private makeAttempt(
    exec: LiveExecution,
    step: StepRecord,
    onEnd: (end: { ok: true; value: JsonValue } | { ok: false; error: Error; timedOut: boolean }) => void,
  ) {
    const { promise, resolve, reject } = Promise.withResolvers<JsonValue>();
    // The library may have abandoned the state (abort, failed sibling iteration): never an unhandled rejection.
    promise.catch(() => undefined);
    const timers: LongTimer[] = [];
    let settled = false;
    const end = (result: { ok: true; value: JsonValue } | { ok: false; error: Error; timedOut: boolean }) => {
      if (settled) return false;
      settled = true;
      for (const timer of timers) timer.cancel();
      exec.attempts.delete(attempt);
      if (!this.closed) {
        step.endedAt = this.now();
        if (result.ok) {
          step.status = "SUCCEEDED";
          step.result = result.value;
        } else {
          step.status = result.timedOut ? "TIMED_OUT" : "FAILED";
          step.error = result.error.name;
          step.cause = result.error.message;
        }
        onEnd(result);
        this.persist(exec);
      }
      if (result.ok) resolve(result.value);
      else reject(result.error);
      return true;
    };
    const attempt: Attempt = {
      step,
      outcome: promise,
      close: () => {
        if (settled) return;
        if (!this.closed) step.status = "CLOSED";
        settled = true;
        for (const timer of timers) timer.cancel();
        exec.attempts.delete(attempt);
        if (!this.closed) {
          step.endedAt = this.now();
          this.persist(exec);
        }
        reject(new UncatchableStatesError(EXECUTION_CLOSED_ERROR, "the execution has ended"));
      },
    };
    exec.attempts.add(attempt);
    return { attempt, end, timers };
  }

  private startWait(exec: LiveExecution, spec: StateSpec, input: unknown, scope: string): Attempt {
    const delayMs = waitDelayMs(spec, input, exec.context, this.now());
    const startedAt = this.now();
    const step = this.newStep(exec, spec, "wait", scope, {
      input,
      startedAt,
      waitUntil: startedAt + delayMs,
    });
    return this.armWait(exec, step, delayMs * this.waitScale);
  }

  /** Runs (or, after a restart, goes on with) a Wait that ends `realDelayMs` from now. */
  private armWait(exec: LiveExecution, step: StepRecord, realDelayMs: number): Attempt {
    const { attempt, end, timers } = this.makeAttempt(exec, step, () => undefined);
    const value = toJsonValue(step.input);
    timers.push(setLongTimeout(() => end({ ok: true, value }), realDelayMs));
    this.persist(exec);
    return attempt;
  }

  private startTask(
    exec: LiveExecution,
    spec: StateSpec,
    input: unknown,
    rawParameters: unknown,
    scope: string,
  ): Attempt {
    const resource = typeof spec.definition.Resource === "string" ? spec.definition.Resource : "";
    const kind = classifyResource(resource);
    const timeoutSeconds =
      secondsOf(spec, "TimeoutSeconds", input, exec.context) ?? DEFAULT_TASK_TIMEOUT_SECONDS;
    const heartbeatSeconds =
      kind === "lambda-callback" ? secondsOf(spec, "HeartbeatSeconds", input, exec.context) : undefined;
    const token = kind === "lambda-callback" ? randomBytes(TOKEN_BYTES).toString("base64url") : undefined;
    const parameters =
      rawParameters === undefined
        ? undefined
        : replaceInStrings(
            rawParameters,
            this.tokenPlaceholder,
            token ?? randomBytes(TOKEN_BYTES).toString("base64url"),
          );
    const step = this.newStep(exec, spec, "task", scope, {
      input,
      parameters,
      taskToken: token,
      timeoutSeconds,
      heartbeatSeconds,
    });
    return this.armTask(exec, spec, step, false);
  }

  /** Records what the state's Retry/Catch will make of a failed attempt (the retry interval included). */
  private recordHandling(
    exec: LiveExecution,
    spec: StateSpec,
    step: StepRecord,
    error: Error,
    timedOut: boolean,
  ) {
    const scope = step.scope ?? "";
    const earlier = exec.record.steps.filter(
      (other) =>
        other !== step &&
        !other.discarded &&
        other.seq < step.seq &&
        other.stateName === step.stateName &&
        (other.scope ?? "") === scope,
    );
    const handling = handlingOf(
      spec.definition,
      { name: error.name, timedOut, handleable: !(error instanceof UncatchableStatesError) },
      earlier,
    );
    step.handling = handling.handling;
    if (handling.handling === "retry") {
      step.retrier = handling.retrier;
      step.retryAt = this.now() + (handling.delaySeconds ?? 0) * 1000 * this.waitScale;
    }
  }

  /**
   * Runs a task attempt whose step is recorded: a new one (`resumed` false) or,
   * after a restart, one that was running: its timers count from the recorded
   * start (and last heartbeat), its callback token stays the same, and its
   * function is invoked again unless a callback task's invocation had returned.
   */
  private armTask(exec: LiveExecution, spec: StateSpec, step: StepRecord, resumed: boolean): Attempt {
    const resource = step.resource;
    const kind = classifyResource(resource);
    const timeoutSeconds = step.timeoutSeconds ?? DEFAULT_TASK_TIMEOUT_SECONDS;
    const heartbeatSeconds = step.heartbeatSeconds;
    const { input, parameters, taskToken: token } = step;
    const elapsedSince = (at: number) => (resumed ? Math.max(0, this.now() - at) : 0);

    // Event vocabulary: service integrations report Task*, a plain Lambda ARN LambdaFunction*.
    const integration =
      kind === "lambda-function"
        ? undefined
        : { resourceType: "lambda", resource: resource.split(":").at(-1) ?? resource };
    const { attempt, end, timers } = this.makeAttempt(exec, step, (result) => {
      if (result.ok) {
        const output = jsonText(result.value);
        if (integration) {
          this.appendEvent(exec, "TaskSucceeded", {
            taskSucceededEventDetails: { ...integration, output, outputDetails: { truncated: false } },
          });
        } else {
          this.appendEvent(exec, "LambdaFunctionSucceeded", {
            lambdaFunctionSucceededEventDetails: { output, outputDetails: { truncated: false } },
          });
        }
        return;
      }
      this.recordHandling(exec, spec, step, result.error, result.timedOut);
      const details = { error: result.error.name, cause: result.error.message };
      if (integration) {
        const type = result.timedOut ? "TaskTimedOut" : "TaskFailed";
        const key = result.timedOut ? "taskTimedOutEventDetails" : "taskFailedEventDetails";
        this.appendEvent(exec, type, { [key]: { ...integration, ...details } });
      } else {
        const type = result.timedOut ? "LambdaFunctionTimedOut" : "LambdaFunctionFailed";
        const key = result.timedOut
          ? "lambdaFunctionTimedOutEventDetails"
          : "lambdaFunctionFailedEventDetails";
        this.appendEvent(exec, type, { [key]: details });
      }
    });

    if (!resumed && integration) {
      this.appendEvent(exec, "TaskScheduled", {
        taskScheduledEventDetails: {
          ...integration,
          region: exec.machine.region,
          parameters: jsonText(parameters ?? {}),
          timeoutInSeconds: timeoutSeconds,
          ...(heartbeatSeconds === undefined ? {} : { heartbeatInSeconds: heartbeatSeconds }),
        },
      });
      this.appendEvent(exec, "TaskStarted", { taskStartedEventDetails: integration });
    } else if (!resumed) {
      this.appendEvent(exec, "LambdaFunctionScheduled", {
        lambdaFunctionScheduledEventDetails: {
          resource,
          input: jsonText(parameters ?? input),
          inputDetails: { truncated: false },
          timeoutInSeconds: timeoutSeconds,
        },
      });
      this.appendEvent(exec, "LambdaFunctionStarted");
    }

    const fail = (error: Error, timedOut = false) => end({ ok: false, error, timedOut });
    timers.push(
      setLongTimeout(
        () =>
          fail(
            this.timeoutError(
              "States.Timeout",
              `The task ran longer than its TimeoutSeconds (${timeoutSeconds} s)`,
            ),
            true,
          ),
        Math.max(0, timeoutSeconds * 1000 * this.waitScale - elapsedSince(step.startedAt)),
      ),
    );

    if (kind === "unsupported") {
      fail(
        new UncatchableStatesError(
          "States.Runtime",
          `The local Step Functions only runs Lambda tasks; resource '${resource}' is not supported`,
        ),
      );
      return attempt;
    }

    if (kind === "lambda-function") {
      this.options.invokeLambda(resource, parameters ?? input).then(
        (result) => end({ ok: true, value: toJsonValue(result) }),
        (error: unknown) => fail(lambdaError(error)),
      );
      return attempt;
    }

    const request = z
      .object({
        FunctionName: z.string(),
        Payload: z.unknown().optional(),
        Qualifier: z.string().optional(),
        InvocationType: z.string().optional(),
      })
      .safeParse(parameters);
    if (!request.success) {
      fail(
        new UncatchableStatesError(
          "States.Runtime",
          `state '${spec.name}': lambda:invoke needs a FunctionName`,
        ),
      );
      return attempt;
    }
    const { FunctionName, Payload, Qualifier, InvocationType } = request.data;
    const functionName = Qualifier ? `${FunctionName}:${Qualifier}` : FunctionName;
    // A callback task whose function had answered before the restart only waits for its token.
    const invoke = () => this.options.invokeLambda(functionName, Payload ?? {});

    if (kind === "lambda-invoke") {
      if (InvocationType === "Event") {
        // Asynchronous invocation: Step Functions does not wait for the function.
        invoke().catch(() => undefined);
        end({ ok: true, value: lambdaInvokeResponse("", 202) });
      } else {
        invoke().then(
          (result) => end({ ok: true, value: lambdaInvokeResponse(toJsonValue(result), 200) }),
          (error: unknown) => fail(lambdaError(error)),
        );
      }
      return attempt;
    }

    // .waitForTaskToken: the token is live before the function runs, because the function may answer at once.
    if (token === undefined) throw new Error("unreachable: callback task without token");
    const armHeartbeat = (since: number): LongTimer | undefined => {
      if (heartbeatSeconds === undefined) return undefined;
      const timer = setLongTimeout(
        () =>
          fail(
            this.timeoutError(
              "States.HeartbeatTimeout",
              `No heartbeat was received within HeartbeatSeconds (${heartbeatSeconds} s)`,
            ),
            true,
          ),
        Math.max(0, heartbeatSeconds * 1000 * this.waitScale - elapsedSince(since)),
      );
      timers.push(timer);
      return timer;
    };
    let heartbeatTimer = armHeartbeat(step.heartbeatAt ?? step.startedAt);
    const entry: TokenEntry = {
      executionArn: exec.record.executionArn,
      status: "pending",
      succeed: (output) => end({ ok: true, value: output }),
      fail: (error, cause) => fail(new StatesError(error, cause)),
      heartbeat: () => {
        heartbeatTimer?.cancel();
        step.heartbeatAt = this.now();
        resumed = false;
        heartbeatTimer = armHeartbeat(step.heartbeatAt);
        this.persist(exec);
      },
    };
    const deferred = this.tokens.get(token)?.deferred;
    this.tokens.set(token, entry);
    if (!exec.record.pendingTaskTokens.includes(token)) exec.record.pendingTaskTokens.push(token);
    attempt.outcome
      .catch(() => undefined)
      .finally(() => {
        entry.status = "closed";
        exec.record.pendingTaskTokens = exec.record.pendingTaskTokens.filter((t) => t !== token);
        this.persist(exec);
      });
    if (!resumed || step.invocationResult === undefined) {
      invoke().then(
        (result) => {
          if (entry.status !== "pending" || step.status !== "RUNNING") return;
          const submitted = lambdaInvokeResponse(toJsonValue(result), 200);
          step.invocationResult = submitted;
          this.appendEvent(exec, "TaskSubmitted", {
            taskSubmittedEventDetails: {
              ...integration,
              output: jsonText(submitted),
              outputDetails: { truncated: false },
            },
          });
        },
        (error: unknown) => fail(lambdaError(error)),
      );
    }
    for (const call of deferred ?? []) call(entry);
    this.persist(exec);
    return attempt;
  }

  // ---------------------------------------------------------------- callbacks

  /** Answers a SendTask* call once what it changed is on disk (an acknowledged decision survives a crash). */
  private async settled(entry: TokenEntry): Promise<Record<string, never>> {
    await this.store.flushOne(entry.executionArn);
    return {};
  }

  sendTaskSuccess(request: RequestOf<"SendTaskSuccess">) {
    const entry = this.tokens.lookup(request.taskToken);
    let output: JsonValue;
    try {
      output = JSON.parse(request.output);
    } catch {
      throw new SfnServiceError("InvalidOutput", "Invalid Output: the output is not valid JSON");
    }
    entry.succeed(output);
    return this.settled(entry);
  }

  sendTaskFailure(request: RequestOf<"SendTaskFailure">) {
    const entry = this.tokens.lookup(request.taskToken);
    entry.fail(request.error ?? "", request.cause ?? "");
    return this.settled(entry);
  }

  sendTaskHeartbeat(request: RequestOf<"SendTaskHeartbeat">) {
    const entry = this.tokens.lookup(request.taskToken);
    entry.heartbeat();
    return this.settled(entry);
  }

  // ---------------------------------------------------------------- reads

  /** The whole record: running and recently closed ones from memory, older ones from disk. */
  private async recordOf(executionArn: string): Promise<ExecutionRecord> {
    const inMemory = this.open.get(executionArn) ?? this.closing.get(executionArn);
    const record =
      inMemory ?? (this.summaries.has(executionArn) ? await this.store.read(executionArn) : undefined);
    if (!record)
      throw new SfnServiceError("ExecutionDoesNotExist", `Execution Does Not Exist: '${executionArn}'`);
    return record;
  }

  async describeExecution(request: RequestOf<"DescribeExecution">) {
    const record = await this.recordOf(request.executionArn);
    return describedExecution(record, this.notRedrivable(record));
  }

  listExecutions(request: RequestOf<"ListExecutions">) {
    const all = [...[...this.open.values()].map(summaryOf), ...this.summaries.values()];
    if (
      request.stateMachineArn !== undefined &&
      !this.machines.has(request.stateMachineArn) &&
      !all.some((summary) => summary.stateMachineArn === request.stateMachineArn)
    ) {
      throw new SfnServiceError(
        "StateMachineDoesNotExist",
        `State Machine Does Not Exist: '${request.stateMachineArn}'`,
      );
    }
    return listedExecutions(all, request);
  }

  async getExecutionHistory(request: RequestOf<"GetExecutionHistory">) {
    return historyPage(await this.recordOf(request.executionArn), request);
  }

  describeStateMachine(request: RequestOf<"DescribeStateMachine">) {
    const machine = this.machineOf(request.stateMachineArn);
    return {
      stateMachineArn: machine.arn,
      name: machine.name,
      status: "ACTIVE",
      definition: machine.definitionText,
      roleArn: `arn:${machine.partition}:iam::${machine.account}:role/nongfang-local-stepfunctions`,
      type: "STANDARD",
      creationDate: seconds(machine.createdAt),
    };
  }

  listStateMachines(request: RequestOf<"ListStateMachines">) {
    const machines = [...this.machines.values()].sort((a, b) => a.name.localeCompare(b.name));
    const { page, nextToken } = pageOf(machines, request.maxResults, request.nextToken);
    return {
      stateMachines: page.map((machine) => ({
        stateMachineArn: machine.arn,
        name: machine.name,
        type: "STANDARD",
        creationDate: seconds(machine.createdAt),
      })),
      nextToken,
    };
  }

  readonly operations: Operations = {
    StartExecution: (request) => this.startExecution(request),
    DescribeExecution: (request) => this.describeExecution(request),
    ListExecutions: (request) => this.listExecutions(request),
    GetExecutionHistory: (request) => this.getExecutionHistory(request),
    StopExecution: (request) => this.stopExecution(request),
    RedriveExecution: (request) => this.redriveExecution(request),
    SendTaskSuccess: (request) => this.sendTaskSuccess(request),
    SendTaskFailure: (request) => this.sendTaskFailure(request),
    SendTaskHeartbeat: (request) => this.sendTaskHeartbeat(request),
    DescribeStateMachine: (request) => this.describeStateMachine(request),
    ListStateMachines: (request) => this.listStateMachines(request),
  };

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Detaches every running execution without recording an end (they resume on
   * the next start), then flushes the disk.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    // Writes already scheduled (a decision just taken) reach the disk before anything stops.
    await this.store.flush();
    this.closed = true;
    for (const exec of this.live.values()) {
      exec.finished = true;
      exec.timer?.cancel();
      for (const timer of exec.timers) timer.cancel();
      exec.run?.abort();
      // Settling the attempts lets the library clear its own task timers (they would keep the process alive).
      for (const attempt of [...exec.attempts]) attempt.close();
    }
    this.live.clear();
    this.tokens.closeAll();
    await Promise.all([...this.background]);
    await this.store.flush();
  }
}

/** Starts the local Step Functions endpoint; see LocalStepFunctionsOptions. */
export async function startLocalStepFunctions(
  options: LocalStepFunctionsOptions,
): Promise<LocalStepFunctions> {
  const store = new ExecutionStore(options.dataDir);
  const { running, closed } = await store.open();
  const emulator = new LocalStepFunctionsEmulator(options, store, await timeoutErrorFactory());
  emulator.load(running, closed);

  const server: Server = createServer(
    faultable("stepfunctions", options.faults, (req, res) => {
      void handleSfnHttp(emulator.operations, () => emulator.isClosed, req, res);
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
  return {
    endpoint: `http://${host}:${port}`,
    port,
    registerStateMachine: (arn, definition, name) => emulator.registerStateMachine(arn, definition, name),
    close: async () => {
      const closedServer = new Promise<void>((resolve) => server.close(() => resolve()));
      await emulator.close();
      server.closeAllConnections();
      await closedServer;
    },
  };
}
