/**
 * Pure pieces of the local Step Functions that read a state and its input:
 * execution names, the seconds of a task's timeout or heartbeat, how long a
 * Wait waits, and the history events a library event stands for.
 */
import type { StateMachine } from "aws-local-stepfunctions";
import { CONTINUE_ERROR_NAME, ITERATION_START_STATE, type StateSpec } from "./sfn-definition.ts";
import { UncatchableStatesError } from "./sfn-errors.ts";
import { readReferencePath } from "./sfn-jsonpath.ts";
import { jsonText } from "./sfn-lambda.ts";

type LibraryRun = ReturnType<StateMachine["run"]>;
export type LibraryEvent = LibraryRun["eventLogs"] extends AsyncGenerator<infer E> ? E : never;

export function isValidExecutionName(name: string): boolean {
  if (name.length < 1 || name.length > 80) return false;
  for (const char of name) {
    const code = char.codePointAt(0) ?? 0;
    if (code <= 0x20 || (code >= 0x7f && code <= 0x9f) || ' <>{}[]?*"#%\\^|~`$&,;:/'.includes(char))
      return false;
  }
  return true;
}

/** A Task's TimeoutSeconds or HeartbeatSeconds (literal or `…Path`), or undefined when it has none. */
export function secondsOf(
  spec: StateSpec,
  field: "TimeoutSeconds" | "HeartbeatSeconds",
  input: unknown,
  context: unknown,
): number | undefined {
  const state = spec.definition;
  const literal = state[field];
  if (typeof literal === "number") return literal;
  const path = state[`${field}Path`];
  if (typeof path !== "string") return undefined;
  let value: unknown;
  try {
    value = readReferencePath(path, input, context);
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

/** How long (unscaled ms) a Wait state waits from `now`. */
export function waitDelayMs(spec: StateSpec, input: unknown, context: unknown, now: number): number {
  const state = spec.definition;
  try {
    if (typeof state.Seconds === "number") return state.Seconds * 1000;
    if (typeof state.SecondsPath === "string") {
      const value = readReferencePath(state.SecondsPath, input, context);
      if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
        throw new Error(`SecondsPath selected ${jsonText(value)}, not an integer >= 0`);
      }
      return value * 1000;
    }
    const timestamp =
      typeof state.Timestamp === "string"
        ? state.Timestamp
        : typeof state.TimestampPath === "string"
          ? readReferencePath(state.TimestampPath, input, context)
          : undefined;
    const due = typeof timestamp === "string" ? Date.parse(timestamp) : Number.NaN;
    if (Number.isNaN(due)) throw new Error(`no valid timestamp (${jsonText(timestamp)})`);
    return Math.max(0, due - now);
  } catch (error) {
    throw new UncatchableStatesError(
      "States.Runtime",
      `Wait state '${spec.name}': ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function mapLength(spec: StateSpec, rawInput: unknown): number | undefined {
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

/**
 * The history events (type and details) a library event stands for. Task and
 * Wait events are recorded by the handlers; execution-level events when the run
 * settles; retries, catches and the hidden iteration start have no event.
 */
export function historyEventsOf(
  event: LibraryEvent,
  states: ReadonlyMap<string, StateSpec>,
): { type: string; details: Record<string, unknown> }[] {
  if ("state" in event && event.state.name === ITERATION_START_STATE) return [];
  switch (event.type) {
    case "StateEntered": {
      const spec = states.get(event.state.name);
      const type = spec?.type ?? event.state.type;
      const entered = {
        type: `${type}StateEntered`,
        details: {
          stateEnteredEventDetails: {
            name: event.state.name,
            input: jsonText(event.state.input),
            inputDetails: { truncated: false },
          },
        },
      };
      if (type === "Map") {
        const length = spec ? mapLength(spec, event.state.input) : undefined;
        const details = { mapStateStartedEventDetails: length === undefined ? {} : { length } };
        return [entered, { type: "MapStateStarted", details }];
      }
      if (type === "Parallel") return [entered, { type: "ParallelStateStarted", details: {} }];
      return [entered];
    }
    case "StateExited": {
      const type = states.get(event.state.name)?.type ?? event.state.type;
      const exited = {
        type: `${type}StateExited`,
        details: {
          stateExitedEventDetails: {
            name: event.state.name,
            output: jsonText(event.state.output),
            outputDetails: { truncated: false },
          },
        },
      };
      if (type === "Map" || type === "Parallel")
        return [{ type: `${type}StateSucceeded`, details: {} }, exited];
      return [exited];
    }
    case "StateFailed": {
      // The continuation retrier is an implementation detail.
      if (event.Error === CONTINUE_ERROR_NAME) return [];
      const type = states.get(event.state.name)?.type;
      if (type === "Map" || type === "Parallel") return [{ type: `${type}StateFailed`, details: {} }];
      return [];
    }
    case "MapIterationStarted":
    case "MapIterationSucceeded":
    case "MapIterationFailed": {
      const key = `${event.type.charAt(0).toLowerCase()}${event.type.slice(1)}EventDetails`;
      return [{ type: event.type, details: { [key]: { name: event.parentState.name, index: event.index } } }];
    }
    default:
      return [];
  }
}
