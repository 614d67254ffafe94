/**
 * Local stand-in for AWS Step Functions (Standard workflows) for `npm start`.
 *
 * Speaks the Step Functions JSON protocol over node:http so the unchanged
 * `@aws-sdk/client-sfn` works against it, runs executions with
 * aws-local-stepfunctions, invokes Lambda tasks through a caller-supplied
 * function, emulates `.waitForTaskToken` callbacks, and keeps one JSON record
 * per execution under `dataDir` so that describe/list/history survive a restart.
 *
 * How the library is bent into shape (see sfn-definition.ts for the rewrite):
 * - Every Task and Wait state runs through a local handler that receives the
 *   effective input, the Parameters output and the per-run context object.
 * - `$$.Task.Token` resolves to a per-emulator placeholder in the context; the
 *   handler mints the real token and substitutes it.
 * - Task timeouts, heartbeats, Waits and the execution TimeoutSeconds run on
 *   the emulator's long timers (scaled by `waitScale`); the library's own task
 *   timer is pushed to its maximum and a hidden retrier lets a handler hand the
 *   slot back and resume the same attempt before that timer could fire.
 */

import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  ExecutionAbortedError,
  ExecutionError,
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from "aws-local-stepfunctions";
import * as z from "zod";
import { faultable, type LocalFaults } from "./faults.ts";
import { type LongTimer, setLongTimeout } from "./long-timer.ts";
import {
  CONTINUE_ERROR_NAME,
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
import { readReferencePath } from "./sfn-jsonpath.ts";
import {
  EXECUTION_STATUSES,
  type ExecutionRecord,
  type ExecutionStatus,
  ExecutionStore,
  type StepRecord,
} from "./sfn-store.ts";

type TaskHandlers = NonNullable<NonNullable<RunOptions["overrides"]>["taskResourceLocalHandlers"]>;
type TaskHandler = TaskHandlers[string];
type JsonValue = Awaited<ReturnType<TaskHandler>>;
type LibraryRun = ReturnType<StateMachine["run"]>;
type LibraryEvent = LibraryRun["eventLogs"] extends AsyncGenerator<infer E> ? E : never;

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
  /** Tests only: fail API requests as Step Functions may (throttle, 5xx, reset); see faults.ts. */
  readonly faults?: LocalFaults["service"];
}

export interface LocalStepFunctions {
  /** `http://host:port`, for `new SFNClient({ endpoint })`. */
  readonly endpoint: string;
  readonly port: number;
  /**
   * Validates `definition` (once per distinct definition text) and makes it
   * startable under `arn`. Throws InvalidDefinitionError when it is not valid ASL.
   */
  registerStateMachine(arn: string, definition: object | string, name?: string): void;
  /** Stops the server and all timers; records of running executions stay RUNNING on disk. */
  close(): Promise<void>;
}

/** Step Functions' default for a Task state without TimeoutSeconds. */
const DEFAULT_TASK_TIMEOUT_SECONDS = 99_999_999;
/** Real time a handler may hold the library's task slot (its timer is ~24.8 days). */
const DEFAULT_TASK_SLICE_MS = 20 * 24 * 3600 * 1000;
const TOKEN_BYTES = 96;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{128}$/;
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const EXECUTION_CLOSED_ERROR = "Nongfang.ExecutionClosed";

const STATE_MACHINE_ARN =
  /^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\d{12}):stateMachine:([A-Za-z0-9_-]{1,80})$/;
const LAMBDA_INVOKE_RESOURCE = /^arn:aws[a-z-]*:states:::lambda:invoke(\.waitForTaskToken)?$/;
const LAMBDA_FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[^:]+(:[^:]+)?$/;

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
  run: LibraryRun | undefined;
  timer: LongTimer | undefined;
  /** Set once the terminal history event is recorded. */
  finished: boolean;
}

interface TokenEntry {
  readonly executionArn: string;
  status: "pending" | "closed";
  succeed(output: JsonValue): void;
  fail(error: string, cause: string): void;
  heartbeat(): void;
}

type TaskKind = "lambda-invoke" | "lambda-callback" | "lambda-function" | "unsupported";

function classifyResource(resource: string): TaskKind {
  const invoke = LAMBDA_INVOKE_RESOURCE.exec(resource);
  if (invoke) return invoke[1] ? "lambda-callback" : "lambda-invoke";
  if (LAMBDA_FUNCTION_ARN.test(resource)) return "lambda-function";
  return "unsupported";
}

/** What a Lambda result looks like after the JSON round trip a real invocation makes. */
function toJsonValue(value: unknown): JsonValue {
  if (value === undefined) return null;
  const parsed: JsonValue = JSON.parse(JSON.stringify(value));
  return parsed;
}

function jsonText(value: unknown): string {
  return JSON.stringify(value ?? null);
}

function replaceInStrings(value: unknown, search: string, replacement: string): unknown {
  if (typeof value === "string") return value.replaceAll(search, replacement);
  if (Array.isArray(value)) return value.map((item) => replaceInStrings(item, search, replacement));
  if (isRecord(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, replaceInStrings(item, search, replacement)]),
    );
  }
  return value;
}

/** The error a failed Lambda invocation raises in the state machine, named as Step Functions names it. */
function lambdaError(error: unknown): StatesError {
  if (!(error instanceof Error)) {
    return new StatesError("Error", jsonText({ errorType: "Error", errorMessage: String(error), trace: [] }));
  }
  if (error instanceof StatesError) return error;
  // AWS SDK service exceptions (they carry $metadata) surface as Lambda.<Name>, e.g. Lambda.ServiceException.
  if ("$metadata" in error) {
    return new StatesError(
      error.name.startsWith("Lambda.") ? error.name : `Lambda.${error.name}`,
      error.message,
    );
  }
  const errorType = error.name || "Error";
  return new StatesError(
    errorType,
    jsonText({ errorType, errorMessage: error.message, trace: error.stack?.split("\n") ?? [] }),
  );
}

function isValidExecutionName(name: string): boolean {
  if (name.length < 1 || name.length > 80) return false;
  for (const char of name) {
    const code = char.codePointAt(0) ?? 0;
    if (code <= 0x20 || (code >= 0x7f && code <= 0x9f) || ' <>{}[]?*"#%\\^|~`$&,;:/'.includes(char))
      return false;
  }
  return true;
}

function pageOf<T>(items: readonly T[], maxResults: number | undefined, nextToken: string | undefined) {
  const limit = maxResults && maxResults > 0 ? Math.min(maxResults, 1000) : 100;
  let offset = 0;
  if (nextToken !== undefined) {
    offset = Number(Buffer.from(nextToken, "base64url").toString("utf8"));
    if (!Number.isInteger(offset) || offset < 0)
      throw new SfnServiceError("InvalidToken", "Invalid nextToken");
  }
  const page = items.slice(offset, offset + limit);
  const next =
    offset + limit < items.length ? Buffer.from(String(offset + limit)).toString("base64url") : undefined;
  return { page, nextToken: next };
}

const seconds = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms / 1000);

const requests = {
  StartExecution: z.object({
    stateMachineArn: z.string(),
    name: z.string().optional(),
    input: z.string().optional(),
    traceHeader: z.string().optional(),
  }),
  DescribeExecution: z.object({ executionArn: z.string() }),
  ListExecutions: z.object({
    stateMachineArn: z.string().optional(),
    statusFilter: z.enum(EXECUTION_STATUSES).optional(),
    maxResults: z.number().int().optional(),
    nextToken: z.string().optional(),
  }),
  GetExecutionHistory: z.object({
    executionArn: z.string(),
    maxResults: z.number().int().optional(),
    nextToken: z.string().optional(),
    reverseOrder: z.boolean().optional(),
    includeExecutionData: z.boolean().optional(),
  }),
  StopExecution: z.object({
    executionArn: z.string(),
    error: z.string().optional(),
    cause: z.string().optional(),
  }),
  SendTaskSuccess: z.object({ taskToken: z.string(), output: z.string() }),
  SendTaskFailure: z.object({
    taskToken: z.string(),
    error: z.string().optional(),
    cause: z.string().optional(),
  }),
  SendTaskHeartbeat: z.object({ taskToken: z.string() }),
  DescribeStateMachine: z.object({ stateMachineArn: z.string() }),
  ListStateMachines: z.object({ maxResults: z.number().int().optional(), nextToken: z.string().optional() }),
};
type Operation = keyof typeof requests;

function isOperation(value: string): value is Operation {
  return Object.hasOwn(requests, value);
}

function withoutExecutionData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutExecutionData);
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== "input" && key !== "output" && key !== "parameters")
      .map(([key, item]) => [key, withoutExecutionData(item)]),
  );
}

class LocalStepFunctionsEmulator {
  private readonly machines = new Map<string, RegisteredMachine>();
  /** Validated library machines by definition text: validation costs up to ~0.5 s. */
  private readonly compiled = new Map<string, { states: Map<string, StateSpec>; prepared: StateMachine }>();
  private readonly records = new Map<string, ExecutionRecord>();
  private readonly live = new Map<string, LiveExecution>();
  private readonly tokens = new Map<string, TokenEntry>();
  /** What `$$.Task.Token` evaluates to inside the library; handlers swap in the real token. */
  private readonly tokenPlaceholder = `nongfang-local-task-token-${randomUUID()}`;
  private readonly now: () => number;
  private readonly waitScale: number;
  private readonly taskSliceMs: number;
  private closed = false;
  private stepSeq = 0;

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

  load(records: readonly ExecutionRecord[]): void {
    for (const record of records) this.records.set(record.executionArn, record);
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
    this.machines.set(arn, {
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
    });
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

  private recordLibraryEvent(exec: LiveExecution, event: LibraryEvent): void {
    switch (event.type) {
      case "StateEntered": {
        const spec = exec.machine.states.get(event.state.name);
        const type = spec?.type ?? event.state.type;
        this.appendEvent(exec, `${type}StateEntered`, {
          stateEnteredEventDetails: {
            name: event.state.name,
            input: jsonText(event.state.input),
            inputDetails: { truncated: false },
          },
        });
        if (type === "Map") {
          const length = spec ? this.mapLength(spec, event.state.input) : undefined;
          this.appendEvent(exec, "MapStateStarted", {
            mapStateStartedEventDetails: length === undefined ? {} : { length },
          });
        } else if (type === "Parallel") {
          this.appendEvent(exec, "ParallelStateStarted");
        }
        return;
      }
      case "StateExited": {
        const type = exec.machine.states.get(event.state.name)?.type ?? event.state.type;
        if (type === "Map") this.appendEvent(exec, "MapStateSucceeded");
        if (type === "Parallel") this.appendEvent(exec, "ParallelStateSucceeded");
        this.appendEvent(exec, `${type}StateExited`, {
          stateExitedEventDetails: {
            name: event.state.name,
            output: jsonText(event.state.output),
            outputDetails: { truncated: false },
          },
        });
        return;
      }
      case "StateFailed": {
        // Task and Wait failures are recorded by their handlers; the continuation retrier is an implementation detail.
        if (event.Error === CONTINUE_ERROR_NAME) return;
        const type = exec.machine.states.get(event.state.name)?.type;
        if (type === "Map") this.appendEvent(exec, "MapStateFailed");
        if (type === "Parallel") this.appendEvent(exec, "ParallelStateFailed");
        return;
      }
      case "MapIterationStarted":
      case "MapIterationSucceeded":
      case "MapIterationFailed": {
        const key = `${event.type.charAt(0).toLowerCase()}${event.type.slice(1)}EventDetails`;
        this.appendEvent(exec, event.type, { [key]: { name: event.parentState.name, index: event.index } });
        return;
      }
      default:
        // Execution-level events are recorded when the run settles; retries and catches have no AWS event.
        return;
    }
  }

  private mapLength(spec: StateSpec, rawInput: unknown): number | undefined {
    try {
      const state = spec.definition;
      const input =
        typeof state.InputPath === "string" ? readReferencePath(state.InputPath, rawInput) : rawInput;
      const items = typeof state.ItemsPath === "string" ? readReferencePath(state.ItemsPath, input) : input;
      return Array.isArray(items) ? items.length : undefined;
    } catch {
      return undefined;
    }
  }

  // ---------------------------------------------------------------- executions

  startExecution(request: z.infer<typeof requests.StartExecution>) {
    const machine = this.machines.get(request.stateMachineArn);
    if (!machine) {
      throw new SfnServiceError(
        "StateMachineDoesNotExist",
        `State Machine Does Not Exist: '${request.stateMachineArn}'`,
      );
    }
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
    const existing = this.records.get(executionArn);
    if (existing) {
      // Step Functions' idempotent start: same name and same input while still running returns the same execution.
      if (existing.status === "RUNNING" && jsonText(JSON.parse(existing.input)) === jsonText(input)) {
        return { executionArn, startDate: seconds(existing.startDate) };
      }
      throw new SfnServiceError("ExecutionAlreadyExists", `Execution Already Exists: '${executionArn}'`);
    }
    const roleArn = `arn:${machine.partition}:iam::${machine.account}:role/nongfang-local-stepfunctions`;
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
    this.records.set(executionArn, record);
    const exec: LiveExecution = {
      record,
      machine,
      context: {
        Execution: { Id: executionArn, Name: name, RoleArn: roleArn, Input: input, RedriveCount: 0 },
        StateMachine: { Id: machine.arn, Name: machine.name },
      },
      attempts: new Set(),
      continuations: new WeakMap(),
      run: undefined,
      timer: undefined,
      finished: false,
    };
    this.live.set(executionArn, exec);
    this.appendEvent(exec, "ExecutionStarted", {
      executionStartedEventDetails: { input: inputText, inputDetails: { truncated: false }, roleArn },
    });

    const handlers: TaskHandlers = {};
    for (const spec of machine.states.values()) {
      if (spec.type === "Task" || spec.type === "Wait") handlers[spec.name] = this.handlerFor(exec, spec);
    }
    const run = machine.prepared.run(input, {
      overrides: { taskResourceLocalHandlers: handlers },
      context: {
        Execution: { Id: executionArn, Name: name, RoleArn: roleArn, RedriveCount: 0 },
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
      exec.timer = setLongTimeout(
        () =>
          this.terminate(exec, "TIMED_OUT", "ExecutionTimedOut", {
            error: "States.Timeout",
            cause: `The execution ran longer than its TimeoutSeconds (${machine.timeoutSeconds} s)`,
          }),
        machine.timeoutSeconds * 1000 * this.waitScale,
      );
    }
    return { executionArn, startDate: seconds(record.startDate) };
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
    reason: { error?: string; cause?: string },
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
    for (const attempt of [...exec.attempts]) attempt.close();
    exec.record.pendingTaskTokens = [];
    this.live.delete(exec.record.executionArn);
    this.persist(exec);
  }

  stopExecution(request: z.infer<typeof requests.StopExecution>) {
    const record = this.records.get(request.executionArn);
    if (!record)
      throw new SfnServiceError(
        "ExecutionDoesNotExist",
        `Execution Does Not Exist: '${request.executionArn}'`,
      );
    if (record.status !== "RUNNING") return { stopDate: seconds(record.stopDate) };
    const reason = { error: request.error, cause: request.cause };
    const exec = this.live.get(request.executionArn);
    if (exec) {
      this.terminate(exec, "ABORTED", "ExecutionAborted", reason);
    } else {
      // A RUNNING record left by an earlier emulator instance: nothing runs it any more.
      const orphan: LiveExecution = {
        record,
        machine: this.orphanMachine(record),
        context: {},
        attempts: new Set(),
        continuations: new WeakMap(),
        run: undefined,
        timer: undefined,
        finished: false,
      };
      this.terminate(orphan, "ABORTED", "ExecutionAborted", reason);
    }
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

  // ---------------------------------------------------------------- task and wait handlers

  private handlerFor(exec: LiveExecution, spec: StateSpec): TaskHandler {
    return async (raw) => {
      // The library calls the handler synchronously after queueing StateEntered; yielding one macrotask
      // lets the event-log consumer (microtasks) record it first, so history order matches AWS.
      await new Promise((resolve) => setImmediate(resolve));
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
      attempt ??=
        spec.type === "Wait"
          ? this.startWait(exec, spec, input)
          : this.startTask(exec, spec, input, raw[HANDLER_PARAMETERS_KEY]);
      return this.awaitSlice(attempt, parked, spec.name);
    };
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

  private secondsFrom(
    exec: LiveExecution,
    spec: StateSpec,
    field: "TimeoutSeconds" | "HeartbeatSeconds",
    input: unknown,
  ): number | undefined {
    const state = spec.definition;
    const literal = state[field];
    if (typeof literal === "number") return literal;
    const path = state[`${field}Path`];
    if (typeof path !== "string") return undefined;
    let value: unknown;
    try {
      value = readReferencePath(path, input, exec.context);
    } catch (error) {
      throw new UncatchableStatesError(
        "States.Runtime",
        `${field}Path of state '${spec.name}': ${String(error)}`,
      );
    }
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
      throw new UncatchableStatesError(
        "States.Runtime",
        `${field}Path '${path}' of state '${spec.name}' must select a positive integer, got ${jsonText(value)}`,
      );
    }
    return value;
  }

  private newStep(exec: LiveExecution, spec: StateSpec, kind: "task" | "wait", fields: Partial<StepRecord>) {
    const step: StepRecord = {
      seq: ++this.stepSeq,
      stateName: spec.name,
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

  private startWait(exec: LiveExecution, spec: StateSpec, input: unknown): Attempt {
    const state = spec.definition;
    let delayMs: number;
    try {
      if (typeof state.Seconds === "number") {
        delayMs = state.Seconds * 1000;
      } else if (typeof state.SecondsPath === "string") {
        const value = readReferencePath(state.SecondsPath, input, exec.context);
        if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
          throw new Error(`SecondsPath selected ${jsonText(value)}, not an integer >= 0`);
        }
        delayMs = value * 1000;
      } else {
        const timestamp =
          typeof state.Timestamp === "string"
            ? state.Timestamp
            : typeof state.TimestampPath === "string"
              ? readReferencePath(state.TimestampPath, input, exec.context)
              : undefined;
        const due = typeof timestamp === "string" ? Date.parse(timestamp) : Number.NaN;
        if (Number.isNaN(due)) throw new Error(`no valid timestamp (${jsonText(timestamp)})`);
        delayMs = Math.max(0, due - this.now());
      }
    } catch (error) {
      throw new UncatchableStatesError(
        "States.Runtime",
        `Wait state '${spec.name}': ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const step = this.newStep(exec, spec, "wait", { input, waitUntil: this.now() + delayMs });
    const { attempt, end, timers } = this.makeAttempt(exec, step, () => undefined);
    const value = toJsonValue(input);
    timers.push(setLongTimeout(() => end({ ok: true, value }), delayMs * this.waitScale));
    this.persist(exec);
    return attempt;
  }

  private startTask(exec: LiveExecution, spec: StateSpec, input: unknown, rawParameters: unknown): Attempt {
    const resource = typeof spec.definition.Resource === "string" ? spec.definition.Resource : "";
    const kind = classifyResource(resource);
    const timeoutSeconds =
      this.secondsFrom(exec, spec, "TimeoutSeconds", input) ?? DEFAULT_TASK_TIMEOUT_SECONDS;
    const heartbeatSeconds =
      kind === "lambda-callback" ? this.secondsFrom(exec, spec, "HeartbeatSeconds", input) : undefined;
    const token = kind === "lambda-callback" ? randomBytes(TOKEN_BYTES).toString("base64url") : undefined;
    const parameters =
      rawParameters === undefined
        ? undefined
        : replaceInStrings(
            rawParameters,
            this.tokenPlaceholder,
            token ?? randomBytes(TOKEN_BYTES).toString("base64url"),
          );
    const step = this.newStep(exec, spec, "task", {
      input,
      parameters,
      taskToken: token,
      timeoutSeconds,
      heartbeatSeconds,
    });

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

    if (integration) {
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
    } else {
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
        timeoutSeconds * 1000 * this.waitScale,
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
    const invocation = this.options.invokeLambda(functionName, Payload ?? {});
    const requestId = randomUUID();
    const response = (payload: unknown, statusCode: number): JsonValue =>
      toJsonValue({
        ExecutedVersion: "$LATEST",
        Payload: payload,
        SdkHttpMetadata: {
          AllHttpHeaders: {
            "Content-Type": ["application/json"],
            "X-Amz-Executed-Version": ["$LATEST"],
            "x-amzn-RequestId": [requestId],
          },
          HttpHeaders: {
            "Content-Type": "application/json",
            "X-Amz-Executed-Version": "$LATEST",
            "x-amzn-RequestId": requestId,
          },
          HttpStatusCode: statusCode,
        },
        SdkResponseMetadata: { RequestId: requestId },
        StatusCode: statusCode,
      });

    if (kind === "lambda-invoke") {
      if (InvocationType === "Event") {
        // Asynchronous invocation: Step Functions does not wait for the function.
        invocation.catch(() => undefined);
        end({ ok: true, value: response("", 202) });
      } else {
        invocation.then(
          (result) => end({ ok: true, value: response(toJsonValue(result), 200) }),
          (error: unknown) => fail(lambdaError(error)),
        );
      }
      return attempt;
    }

    // .waitForTaskToken: the token is live before the function runs, because the function may answer at once.
    if (token === undefined) throw new Error("unreachable: callback task without token");
    const entry: TokenEntry = {
      executionArn: exec.record.executionArn,
      status: "pending",
      succeed: (output) => end({ ok: true, value: output }),
      fail: (error, cause) => fail(new StatesError(error, cause)),
      heartbeat: () => {
        heartbeatTimer?.cancel();
        heartbeatTimer = armHeartbeat();
      },
    };
    const armHeartbeat = (): LongTimer | undefined => {
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
        heartbeatSeconds * 1000 * this.waitScale,
      );
      timers.push(timer);
      return timer;
    };
    let heartbeatTimer = armHeartbeat();
    this.tokens.set(token, entry);
    exec.record.pendingTaskTokens.push(token);
    attempt.outcome
      .catch(() => undefined)
      .finally(() => {
        entry.status = "closed";
        exec.record.pendingTaskTokens = exec.record.pendingTaskTokens.filter((t) => t !== token);
        this.persist(exec);
      });
    invocation.then(
      (result) => {
        if (entry.status !== "pending" || step.status !== "RUNNING") return;
        const submitted = response(toJsonValue(result), 200);
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
    this.persist(exec);
    return attempt;
  }

  // ---------------------------------------------------------------- callbacks

  private tokenEntry(token: string): TokenEntry {
    if (!TOKEN_PATTERN.test(token))
      throw new SfnServiceError("InvalidToken", "Invalid Token: malformed task token");
    const entry = this.tokens.get(token);
    if (!entry) throw new SfnServiceError("TaskDoesNotExist", "Task Does Not Exist");
    if (entry.status !== "pending") {
      throw new SfnServiceError(
        "TaskTimedOut",
        "Task Timed Out: the task has already been closed or has timed out",
      );
    }
    return entry;
  }

  sendTaskSuccess(request: z.infer<typeof requests.SendTaskSuccess>) {
    const entry = this.tokenEntry(request.taskToken);
    let output: JsonValue;
    try {
      output = JSON.parse(request.output);
    } catch {
      throw new SfnServiceError("InvalidOutput", "Invalid Output: the output is not valid JSON");
    }
    entry.succeed(output);
    return {};
  }

  sendTaskFailure(request: z.infer<typeof requests.SendTaskFailure>) {
    this.tokenEntry(request.taskToken).fail(request.error ?? "", request.cause ?? "");
    return {};
  }

  sendTaskHeartbeat(request: z.infer<typeof requests.SendTaskHeartbeat>) {
    this.tokenEntry(request.taskToken).heartbeat();
    return {};
  }

  // ---------------------------------------------------------------- reads

  private recordOf(executionArn: string): ExecutionRecord {
    const record = this.records.get(executionArn);
    if (!record)
      throw new SfnServiceError("ExecutionDoesNotExist", `Execution Does Not Exist: '${executionArn}'`);
    return record;
  }

  describeExecution(request: z.infer<typeof requests.DescribeExecution>) {
    const record = this.recordOf(request.executionArn);
    return {
      executionArn: record.executionArn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: seconds(record.startDate),
      stopDate: seconds(record.stopDate),
      input: record.input,
      inputDetails: { included: true },
      ...(record.output === undefined ? {} : { output: record.output, outputDetails: { included: true } }),
      ...(record.error === undefined ? {} : { error: record.error }),
      ...(record.cause === undefined ? {} : { cause: record.cause }),
    };
  }

  listExecutions(request: z.infer<typeof requests.ListExecutions>) {
    const all = [...this.records.values()].filter(
      (record) => request.stateMachineArn === undefined || record.stateMachineArn === request.stateMachineArn,
    );
    if (
      request.stateMachineArn !== undefined &&
      all.length === 0 &&
      !this.machines.has(request.stateMachineArn)
    ) {
      throw new SfnServiceError(
        "StateMachineDoesNotExist",
        `State Machine Does Not Exist: '${request.stateMachineArn}'`,
      );
    }
    const matching = all
      .filter((record) => request.statusFilter === undefined || record.status === request.statusFilter)
      .sort((a, b) => b.startDate - a.startDate);
    const { page, nextToken } = pageOf(matching, request.maxResults, request.nextToken);
    return {
      executions: page.map((record) => ({
        executionArn: record.executionArn,
        stateMachineArn: record.stateMachineArn,
        name: record.name,
        status: record.status,
        startDate: seconds(record.startDate),
        stopDate: seconds(record.stopDate),
      })),
      nextToken,
    };
  }

  getExecutionHistory(request: z.infer<typeof requests.GetExecutionHistory>) {
    const record = this.recordOf(request.executionArn);
    const events = request.reverseOrder ? [...record.history].reverse() : record.history;
    const { page, nextToken } = pageOf(events, request.maxResults, request.nextToken);
    return {
      events: page.map((event) => {
        const converted = { ...event, timestamp: event.timestamp / 1000 };
        return request.includeExecutionData === false ? withoutExecutionData(converted) : converted;
      }),
      nextToken,
    };
  }

  describeStateMachine(request: z.infer<typeof requests.DescribeStateMachine>) {
    const machine = this.machines.get(request.stateMachineArn);
    if (!machine) {
      throw new SfnServiceError(
        "StateMachineDoesNotExist",
        `State Machine Does Not Exist: '${request.stateMachineArn}'`,
      );
    }
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

  listStateMachines(request: z.infer<typeof requests.ListStateMachines>) {
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

  // ---------------------------------------------------------------- protocol

  dispatch(operation: string, body: unknown): unknown {
    if (!isOperation(operation)) {
      throw new SfnServiceError("UnknownOperationException", `Unknown operation ${operation}`);
    }
    const parsed = requests[operation].safeParse(body);
    if (!parsed.success) throw new SfnServiceError("ValidationException", parsed.error.message);
    const request = parsed.data;
    switch (operation) {
      case "StartExecution":
        return this.startExecution(request as z.infer<typeof requests.StartExecution>);
      case "DescribeExecution":
        return this.describeExecution(request as z.infer<typeof requests.DescribeExecution>);
      case "ListExecutions":
        return this.listExecutions(request as z.infer<typeof requests.ListExecutions>);
      case "GetExecutionHistory":
        return this.getExecutionHistory(request as z.infer<typeof requests.GetExecutionHistory>);
      case "StopExecution":
        return this.stopExecution(request as z.infer<typeof requests.StopExecution>);
      case "SendTaskSuccess":
        return this.sendTaskSuccess(request as z.infer<typeof requests.SendTaskSuccess>);
      case "SendTaskFailure":
        return this.sendTaskFailure(request as z.infer<typeof requests.SendTaskFailure>);
      case "SendTaskHeartbeat":
        return this.sendTaskHeartbeat(request as z.infer<typeof requests.SendTaskHeartbeat>);
      case "DescribeStateMachine":
        return this.describeStateMachine(request as z.infer<typeof requests.DescribeStateMachine>);
      case "ListStateMachines":
        return this.listStateMachines(request as z.infer<typeof requests.ListStateMachines>);
    }
  }

  async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown, errorType?: string): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, {
        "content-type": "application/x-amz-json-1.0",
        "content-length": Buffer.byteLength(text),
        "x-amzn-requestid": randomUUID(),
        ...(errorType ? { "x-amzn-errortype": errorType } : {}),
      });
      res.end(text);
    };
    try {
      if (this.closed)
        throw new SfnServiceError("ServiceUnavailable", "The local Step Functions is closing", 503);
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
        size += buffer.length;
        if (size > MAX_BODY_BYTES)
          throw new SfnServiceError("ValidationException", "Request body too large", 413);
        chunks.push(buffer);
      }
      if (req.method !== "POST")
        throw new SfnServiceError("UnknownOperationException", "Only POST is supported");
      const target = req.headers["x-amz-target"];
      const operation =
        typeof target === "string" && target.startsWith("AWSStepFunctions.") ? target.slice(17) : undefined;
      if (!operation) throw new SfnServiceError("UnknownOperationException", "Missing X-Amz-Target");
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = {};
      if (text.trim() !== "") {
        try {
          body = JSON.parse(text);
        } catch {
          throw new SfnServiceError("SerializationException", "The request body is not JSON");
        }
      }
      send(200, this.dispatch(operation, body) ?? {});
    } catch (error) {
      if (error instanceof SfnServiceError) {
        send(
          error.statusCode,
          { __type: `com.amazonaws.states#${error.code}`, message: error.message },
          error.code,
        );
      } else {
        send(
          500,
          { __type: "com.amazonaws.states#InternalFailure", message: String(error) },
          "InternalFailure",
        );
      }
    }
  }

  /** Detaches every running execution without recording an end, then flushes the disk. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const exec of this.live.values()) {
      exec.finished = true;
      exec.timer?.cancel();
      exec.run?.abort();
      // Settling the attempts lets the library clear its own task timers (they would keep the process alive).
      for (const attempt of [...exec.attempts]) attempt.close();
    }
    this.live.clear();
    for (const entry of this.tokens.values()) entry.status = "closed";
    await this.store.flush();
  }
}

/** Starts the local Step Functions endpoint; see LocalStepFunctionsOptions. */
export async function startLocalStepFunctions(
  options: LocalStepFunctionsOptions,
): Promise<LocalStepFunctions> {
  const store = new ExecutionStore(options.dataDir);
  const records = await store.open();
  const emulator = new LocalStepFunctionsEmulator(options, store, await timeoutErrorFactory());
  emulator.load(records);

  const server: Server = createServer(
    faultable("stepfunctions", options.faults, (req, res) => {
      void emulator.handleHttp(req, res);
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
      server.closeAllConnections();
      await emulator.close();
      await closedServer;
    },
  };
}
