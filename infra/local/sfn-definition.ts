/**
 * Reading an ASL definition and rewriting it into the form the emulator hands
 * to aws-local-stepfunctions.
 *
 * The library runs Task states through local handlers, but it races each
 * handler against its own setTimeout (default 60 s, overflowing past 24.8 days),
 * runs Wait states and the top-level TimeoutSeconds on plain setTimeout too,
 * and gives a handler nothing but the state's Parameters output. The rewrite
 * below takes timeouts and waits away from the library and smuggles what the
 * handlers need through Parameters; the caller's ASL object is never modified.
 */

export type StateType = "Task" | "Pass" | "Choice" | "Wait" | "Succeed" | "Fail" | "Map" | "Parallel";

export interface StateSpec {
  readonly name: string;
  readonly type: StateType;
  /** The state exactly as the caller's definition has it. */
  readonly definition: Readonly<Record<string, unknown>>;
  /** The Map and Parallel states around it, outermost first. */
  readonly within: readonly string[];
}

export class InvalidDefinitionError extends Error {
  override name = "InvalidDefinitionError";
}

/** Error name of the hidden retrier that lets a parked task outlive the library's task timer. */
export const CONTINUE_ERROR_NAME = "Nongfang.LocalTaskContinue";
/** The Resource given to Wait states, which the emulator runs as handler-backed Task states. */
export const LOCAL_WAIT_RESOURCE = "arn:aws:states:::nongfang.local:wait";
/**
 * The task timeout given to the library, in seconds: the largest whose
 * milliseconds still fit setTimeout. The emulator's own timers enforce the real
 * timeout, and a handler hands control back (see CONTINUE_ERROR_NAME) long
 * before this fires.
 */
export const LIBRARY_TASK_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Keys of the Parameters object the rewritten Task and Wait states pass to their handler. */
export const HANDLER_INPUT_KEY = "nongfangInput";
export const HANDLER_RUN_KEY = "nongfangRun";
export const HANDLER_PARAMETERS_KEY = "nongfangParameters";

/**
 * A Map iteration's input is wrapped as `{ nongfangItem, nongfangPosition }` and unwrapped by a
 * hidden first Pass state, so that `$$.Execution.Input` of the iteration (what handlers receive as
 * their run object) tells which iteration of which Map they run in: the replay key (sfn-replay.ts).
 */
export const ITERATION_ITEM_KEY = "nongfangItem";
export const ITERATION_POSITION_KEY = "nongfangPosition";
/** The hidden Pass state at the start of every Map iteration; its events are not history. */
export const ITERATION_START_STATE = "nongfang.IterationStart";

const STATE_TYPES: ReadonlySet<string> = new Set([
  "Task",
  "Pass",
  "Choice",
  "Wait",
  "Succeed",
  "Fail",
  "Map",
  "Parallel",
]);

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function statesOf(scope: unknown, where: string): Record<string, unknown> {
  if (!isRecord(scope) || typeof scope.StartAt !== "string" || !isRecord(scope.States)) {
    throw new InvalidDefinitionError(`${where} must have StartAt and States`);
  }
  return scope.States;
}

function nestedScopes(state: Record<string, unknown>): unknown[] {
  if (state.Type === "Map") return [state.ItemProcessor ?? state.Iterator];
  if (state.Type === "Parallel") return Array.isArray(state.Branches) ? state.Branches : [];
  return [];
}

/**
 * Every state of the machine, nested ones included, by name. Handlers are keyed
 * by state name across all scopes, which is sound because Step Functions
 * requires state names to be unique within the whole state machine.
 */
export function indexStates(definition: unknown): Map<string, StateSpec> {
  const index = new Map<string, StateSpec>();
  const visit = (scope: unknown, where: string, within: readonly string[]): void => {
    if (isRecord(scope) && scope.QueryLanguage === "JSONata") {
      throw new InvalidDefinitionError(
        "JSONata state machines are not supported by the local Step Functions",
      );
    }
    for (const [name, state] of Object.entries(statesOf(scope, where))) {
      if (!isRecord(state) || typeof state.Type !== "string" || !STATE_TYPES.has(state.Type)) {
        throw new InvalidDefinitionError(`state '${name}' has no valid Type`);
      }
      if (state.QueryLanguage === "JSONata") {
        throw new InvalidDefinitionError(
          `state '${name}': JSONata is not supported by the local Step Functions`,
        );
      }
      if (index.has(name)) throw new InvalidDefinitionError(`state name '${name}' is used more than once`);
      index.set(name, { name, type: state.Type as StateType, definition: state, within });
      for (const nested of nestedScopes(state)) visit(nested, `state '${name}'`, [...within, name]);
    }
  };
  visit(definition, "the definition", []);
  return index;
}

export interface PrepareOptions {
  /** Multiplies Map and Parallel Retry intervals (task retries, Waits and timeouts are timed by the handlers). */
  readonly waitScale: number;
}

function prepareErrorEquals(list: unknown): unknown {
  if (!Array.isArray(list)) return list;
  // A heartbeat timeout is also a States.Timeout in Step Functions; the library matches names exactly.
  if (list.includes("States.Timeout") && !list.includes("States.HeartbeatTimeout")) {
    return [...list, "States.HeartbeatTimeout"];
  }
  return list;
}

/**
 * Task and Wait states (`handled`) retry at once in the library: their handler waits out the
 * interval before the next attempt (from the failed attempt's record, so a restart keeps it).
 */
function prepareRetry(retry: unknown, options: PrepareOptions, handled: boolean): unknown[] {
  const retriers = Array.isArray(retry) ? retry : [];
  const prepared: unknown[] = retriers.map((retrier) => {
    if (!isRecord(retrier)) return retrier;
    if (handled) {
      const { JitterStrategy: _jitter, MaxDelaySeconds: _maxDelay, ...rest } = retrier;
      return { ...rest, ErrorEquals: prepareErrorEquals(retrier.ErrorEquals), IntervalSeconds: 0 };
    }
    const interval = typeof retrier.IntervalSeconds === "number" ? retrier.IntervalSeconds : 1;
    const maxDelay =
      typeof retrier.MaxDelaySeconds === "number" ? retrier.MaxDelaySeconds : Number.POSITIVE_INFINITY;
    return {
      ...retrier,
      ErrorEquals: prepareErrorEquals(retrier.ErrorEquals),
      IntervalSeconds: interval * options.waitScale,
      // Always bounded so that backoff can never overflow the library's setTimeout.
      MaxDelaySeconds: Math.min(maxDelay * options.waitScale, LIBRARY_TASK_TIMEOUT_SECONDS),
    };
  });
  if (handled) {
    prepared.unshift({
      ErrorEquals: [CONTINUE_ERROR_NAME],
      IntervalSeconds: 0,
      BackoffRate: 1,
      MaxAttempts: Number.MAX_SAFE_INTEGER,
    });
  }
  return prepared;
}

function prepareCatch(catchers: unknown): unknown {
  if (!Array.isArray(catchers)) return catchers;
  return catchers.map((catcher) =>
    isRecord(catcher) ? { ...catcher, ErrorEquals: prepareErrorEquals(catcher.ErrorEquals) } : catcher,
  );
}

function handlerParameters(original: unknown): Record<string, unknown> {
  const parameters: Record<string, unknown> = {
    [`${HANDLER_INPUT_KEY}.$`]: "$",
    // The per-run context object: stable across retries of a state, distinct per Map iteration.
    [`${HANDLER_RUN_KEY}.$`]: "$$.Execution",
  };
  if (original !== undefined) parameters[HANDLER_PARAMETERS_KEY] = original;
  return parameters;
}

function prepareState(
  name: string,
  state: Record<string, unknown>,
  options: PrepareOptions,
  nested: boolean,
): Record<string, unknown> {
  switch (state.Type) {
    case "Task": {
      const {
        TimeoutSeconds: _timeout,
        TimeoutSecondsPath: _timeoutPath,
        HeartbeatSeconds: _heartbeat,
        HeartbeatSecondsPath: _heartbeatPath,
        Credentials: _credentials,
        Parameters,
        Retry,
        Catch,
        ...rest
      } = state;
      return {
        ...rest,
        Parameters: handlerParameters(Parameters),
        TimeoutSeconds: LIBRARY_TASK_TIMEOUT_SECONDS,
        Retry: prepareRetry(Retry, options, true),
        ...(Catch === undefined ? {} : { Catch: prepareCatch(Catch) }),
      };
    }
    case "Wait": {
      // A handler-backed Task, so that long and scaled waits use the emulator's timers.
      const transitions: Record<string, unknown> = {};
      for (const key of ["Next", "End", "Comment", "InputPath", "OutputPath"]) {
        if (key in state) transitions[key] = state[key];
      }
      return {
        ...transitions,
        Type: "Task",
        Resource: LOCAL_WAIT_RESOURCE,
        Parameters: handlerParameters(undefined),
        TimeoutSeconds: LIBRARY_TASK_TIMEOUT_SECONDS,
        Retry: prepareRetry(undefined, options, true),
      };
    }
    case "Map": {
      const prepared: Record<string, unknown> = { ...state };
      if (isRecord(state.ItemProcessor))
        prepared.ItemProcessor = prepareIteration(state.ItemProcessor, options, name);
      if (isRecord(state.Iterator)) prepared.Iterator = prepareIteration(state.Iterator, options, name);
      const selector = state.ItemSelector ?? state.Parameters;
      const { Parameters: _parameters, ...withoutParameters } = prepared;
      return {
        ...withoutParameters,
        ItemSelector: {
          ...(selector === undefined
            ? { [`${ITERATION_ITEM_KEY}.$`]: "$$.Map.Item.Value" }
            : { [ITERATION_ITEM_KEY]: selector }),
          [ITERATION_POSITION_KEY]: {
            map: name,
            "index.$": "$$.Map.Item.Index",
            ...(nested ? { "parent.$": `$$.Execution.Input.${ITERATION_POSITION_KEY}` } : {}),
          },
        },
        ...(state.Retry === undefined ? {} : { Retry: prepareRetry(state.Retry, options, false) }),
        ...(state.Catch === undefined ? {} : { Catch: prepareCatch(state.Catch) }),
      };
    }
    case "Parallel": {
      const prepared: Record<string, unknown> = { ...state };
      if (Array.isArray(state.Branches))
        // A branch's `$$.Execution.Input` is the Parallel's input: no iteration position reaches it.
        prepared.Branches = state.Branches.map((b) => prepareScope(b, options, false));
      if (state.Retry !== undefined) prepared.Retry = prepareRetry(state.Retry, options, false);
      if (state.Catch !== undefined) prepared.Catch = prepareCatch(state.Catch);
      return prepared;
    }
    default:
      return { ...state };
  }
}

/** `nested`: the scope runs inside a Map iteration (a Parallel branch there shares its iteration's input). */
function prepareScope(scope: unknown, options: PrepareOptions, nested: boolean): Record<string, unknown> {
  if (!isRecord(scope)) throw new InvalidDefinitionError("a nested state machine is not an object");
  // The top-level TimeoutSeconds is enforced by the emulator (the library's setTimeout would overflow).
  const { TimeoutSeconds: _timeout, ...rest } = scope;
  const states: Record<string, unknown> = {};
  for (const [name, state] of Object.entries(statesOf(scope, "a state machine"))) {
    states[name] = isRecord(state) ? prepareState(name, state, options, nested) : state;
  }
  return { ...rest, States: states };
}

function prepareIteration(scope: unknown, options: PrepareOptions, mapName: string): Record<string, unknown> {
  const prepared = prepareScope(scope, options, true);
  const states = isRecord(prepared.States) ? prepared.States : {};
  if (ITERATION_START_STATE in states) {
    throw new InvalidDefinitionError(`state name '${ITERATION_START_STATE}' is reserved (Map '${mapName}')`);
  }
  return {
    ...prepared,
    StartAt: ITERATION_START_STATE,
    States: {
      [ITERATION_START_STATE]: {
        Type: "Pass",
        InputPath: `$.${ITERATION_ITEM_KEY}`,
        Next: prepared.StartAt,
      },
      ...states,
    },
  };
}

/** A rewritten deep copy of `definition` for the library (see the module comment). */
export function prepareDefinition(definition: unknown, options: PrepareOptions): Record<string, unknown> {
  return prepareScope(definition, options, false);
}
