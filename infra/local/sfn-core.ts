/**
 * What every room of the local Step Functions shares: the options, the
 * registered state machines, the execution records in memory, the live runs,
 * the task tokens, the clock and the disk store (see stepfunctions.ts for the
 * rooms and how they fit together).
 */
import { randomUUID } from "node:crypto";
import type { StateMachine } from "aws-local-stepfunctions";
import { noteLocalChange } from "./changes.ts";
import type { LocalFaults } from "./faults.ts";
import { type LongTimer, realTimers, setLongTimeout, type TimerApi } from "./long-timer.ts";
import type { StateSpec } from "./sfn-definition.ts";
import { SfnServiceError, type TimeoutErrorFactory, UncatchableStatesError } from "./sfn-errors.ts";
import type { EventBridgeEvent } from "./sfn-events.ts";
import type { JsonValue } from "./sfn-lambda.ts";
import type { Replay } from "./sfn-replay.ts";
import type { ExecutionRecord, ExecutionStore, ExecutionSummary, StepRecord } from "./sfn-store.ts";
import { TaskTokens } from "./sfn-tokens.ts";

export interface LocalStepFunctionsOptions {
  /** TCP port; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Interface to bind; 127.0.0.1 by default. */
  readonly host?: string;
  /** Folder for execution records; created if missing. */
  readonly dataDir: string;
  /** Tests whose data folder is never reopened: records stay in memory, nothing is written (sfn-store.ts). */
  readonly inMemory?: boolean;
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
  /**
   * Tests only: the clock behind every timer of a run (task timeouts and heartbeats,
   * Waits, retry intervals, execution TimeoutSeconds, task slices); real timers by default.
   */
  readonly timers?: TimerApi;
}

/** Step Functions' default for a Task state without TimeoutSeconds. */
export const DEFAULT_TASK_TIMEOUT_SECONDS = 99_999_999;
/** Real time a handler may hold the library's task slot (its timer is ~24.8 days). */
const DEFAULT_TASK_SLICE_MS = 20 * 24 * 3600 * 1000;
const EXECUTION_CLOSED_ERROR = "Nongfang.ExecutionClosed";

export type LibraryRun = ReturnType<StateMachine["run"]>;

export interface RegisteredMachine {
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

export interface Attempt {
  readonly step: StepRecord;
  /** Settles once with the state's result or its error; never rejects unobserved. */
  readonly outcome: Promise<JsonValue>;
  /** Ends the attempt because its execution ended (no history event). */
  close(): void;
}

export interface LiveExecution {
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

export const roleArnOf = (machine: RegisteredMachine) =>
  `arn:${machine.partition}:iam::${machine.account}:role/nongfang-local-stepfunctions`;

/** A live execution that nothing runs yet (no library run, no attempts). */
export function liveExecution(
  record: ExecutionRecord,
  machine: RegisteredMachine,
  context: Record<string, unknown>,
  replay: Replay | undefined,
): LiveExecution {
  return {
    record,
    machine,
    context,
    attempts: new Set(),
    continuations: new WeakMap(),
    timers: new Set(),
    run: undefined,
    timer: undefined,
    replay,
    finished: false,
  };
}

export const nextMacrotask = () => new Promise((resolve) => setImmediate(resolve));

/** The error a handler or attempt of an execution that has ended rejects with. */
export const executionClosedError = () =>
  new UncatchableStatesError(EXECUTION_CLOSED_ERROR, "the execution has ended");

export class EmulatorCore {
  readonly machines = new Map<string, RegisteredMachine>();
  /** Validated library machines by definition text: validation costs up to ~0.5 s. */
  readonly compiled = new Map<string, { states: Map<string, StateSpec>; prepared: StateMachine }>();
  /** RUNNING records, whole (live, or waiting for their state machine to be registered). */
  readonly open = new Map<string, ExecutionRecord>();
  readonly live = new Map<string, LiveExecution>();
  /** Closed records kept until their last write and status event are done; then only the summary stays. */
  readonly closing = new Map<string, ExecutionRecord>();
  readonly summaries = new Map<string, ExecutionSummary>();
  readonly tokens = new TaskTokens();
  /** What `$$.Task.Token` evaluates to inside the library; handlers swap in the real token. */
  readonly tokenPlaceholder = `nongfang-local-task-token-${randomUUID()}`;
  readonly now: () => number;
  readonly waitScale: number;
  readonly taskSliceMs: number;
  readonly timers: TimerApi;
  private readonly background = new Set<Promise<unknown>>();
  closed = false;

  constructor(
    readonly options: LocalStepFunctionsOptions,
    readonly store: ExecutionStore,
    readonly timeoutError: TimeoutErrorFactory,
  ) {
    this.now = options.now ?? Date.now;
    this.waitScale = options.waitScale ?? 1;
    if (!Number.isFinite(this.waitScale) || this.waitScale < 0) {
      throw new RangeError("waitScale must be a finite number >= 0");
    }
    this.taskSliceMs = options.taskSliceMs ?? DEFAULT_TASK_SLICE_MS;
    this.timers = options.timers ?? realTimers;
  }

  /** A timer of a run, on the emulator's clock (see LocalStepFunctionsOptions.timers). */
  setTimer(callback: () => void, delayMs: number): LongTimer {
    return setLongTimeout(callback, delayMs, this.timers);
  }

  /** Background work (status events) that close() waits for. */
  track(work: Promise<unknown>): void {
    const settled = work.catch(() => undefined);
    this.background.add(settled);
    void settled.finally(() => this.background.delete(settled));
  }

  /** Resolves once every tracked piece of background work has settled. */
  async idle(): Promise<void> {
    await Promise.all([...this.background]);
  }

  persist(exec: { record: ExecutionRecord }): void {
    if (this.closed) return;
    const record = exec.record;
    this.store.save(record.executionArn, () => record);
    noteLocalChange();
  }

  machineOf(stateMachineArn: string): RegisteredMachine {
    const machine = this.machines.get(stateMachineArn);
    if (!machine) {
      throw new SfnServiceError(
        "StateMachineDoesNotExist",
        `State Machine Does Not Exist: '${stateMachineArn}'`,
      );
    }
    return machine;
  }

  /** The whole record: running and recently closed ones from memory, older ones from disk. */
  async recordOf(executionArn: string): Promise<ExecutionRecord> {
    const inMemory = this.open.get(executionArn) ?? this.closing.get(executionArn);
    const record =
      inMemory ?? (this.summaries.has(executionArn) ? await this.store.read(executionArn) : undefined);
    if (!record)
      throw new SfnServiceError("ExecutionDoesNotExist", `Execution Does Not Exist: '${executionArn}'`);
    return record;
  }
}
