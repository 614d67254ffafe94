/**
 * Errors of the local Step Functions: API errors returned to SDK clients, and
 * the errors handed to aws-local-stepfunctions from task handlers (whose `name`
 * is what Retry/Catch `ErrorEquals` match, and whose `message` is the cause).
 */
import { StateMachine } from "aws-local-stepfunctions";
import { CONTINUE_ERROR_NAME } from "./sfn-definition.ts";

/** An error of the Step Functions API, sent as `{"__type": "...#<code>", "message": ...}`. */
export class SfnServiceError extends Error {
  override name = "SfnServiceError";
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
  }
}

/** An error raised inside the state machine: `name` is the ASL error name, `message` the cause. */
export class StatesError extends Error {
  constructor(errorName: string, cause: string) {
    super(cause);
    this.name = errorName;
  }
}

/**
 * An error Retry and Catch must not handle (the library reads `isRetryable` /
 * `isCatchable`), like States.Runtime in Step Functions.
 */
export class UncatchableStatesError extends StatesError {
  get isRetryable(): boolean {
    return false;
  }
  get isCatchable(): boolean {
    return false;
  }
}

/** Thrown by a handler to hand the library's task slot back before its timer fires (see sfn-definition.ts). */
export class TaskContinueError extends Error {
  override name = CONTINUE_ERROR_NAME;
  constructor() {
    super("the local task is still running; the state is re-entered to keep waiting");
  }
}

type ErrorConstructorWithoutArgs = new () => Error;
let timeoutErrorClass: Promise<ErrorConstructorWithoutArgs | undefined> | undefined;

/**
 * The library treats `States.TaskFailed` as "every error except a timeout", and
 * recognises a timeout by `instanceof` its internal StatesTimeoutError class,
 * which it does not export. This runs a one-state machine whose task times out
 * after 1 ms once per process and keeps the class of the error it raises, so
 * the emulator's own timeouts are true library timeouts.
 */
function libraryTimeoutErrorClass(): Promise<ErrorConstructorWithoutArgs | undefined> {
  timeoutErrorClass ??= (async () => {
    const probe = new StateMachine(
      {
        StartAt: "Probe",
        States: {
          Probe: { Type: "Task", Resource: "arn:aws:states:::probe", TimeoutSeconds: 0.001, End: true },
        },
      },
      { validationOptions: { noValidate: true } },
    );
    const run = probe.run(null, {
      overrides: { taskResourceLocalHandlers: { Probe: () => new Promise(() => undefined) } },
    });
    try {
      await run.result;
    } catch (error) {
      const cause = error instanceof Error ? error.cause : undefined;
      if (cause instanceof Error && cause.name === "States.Timeout") {
        return cause.constructor as ErrorConstructorWithoutArgs;
      }
    }
    return undefined;
  })();
  return timeoutErrorClass;
}

export type TimeoutErrorFactory = (
  errorName: "States.Timeout" | "States.HeartbeatTimeout",
  cause: string,
) => Error;

/** Builds timeout errors that the library recognises as timeouts (falls back to plain StatesError). */
export async function timeoutErrorFactory(): Promise<TimeoutErrorFactory> {
  const TimeoutClass = await libraryTimeoutErrorClass();
  return (errorName, cause) => {
    if (!TimeoutClass) return new StatesError(errorName, cause);
    const error = new TimeoutClass();
    error.name = errorName;
    error.message = cause;
    return error;
  };
}
