/**
 * The execution history of the local Step Functions: events appended to the
 * record (ids chained, written through), the library's own events translated,
 * the Task and LambdaFunction events of task attempts, and GetExecutionHistory.
 */
import type { EmulatorCore, LiveExecution } from "./sfn-core.ts";
import { type JsonValue, jsonText, type TaskKind } from "./sfn-lambda.ts";
import { historyPage, type RequestOf } from "./sfn-protocol.ts";
import { markHandledByParent } from "./sfn-replay.ts";
import { historyEventsOf, type LibraryEvent } from "./sfn-states.ts";
import type { StepRecord } from "./sfn-store.ts";

export function appendEvent(
  core: EmulatorCore,
  exec: LiveExecution,
  type: string,
  details: Record<string, unknown> = {},
): void {
  if (exec.finished || core.closed) return;
  const history = exec.record.history;
  const previous = history.at(-1);
  history.push({
    id: (previous?.id ?? 0) + 1,
    previousEventId: previous?.id ?? 0,
    timestamp: core.now(),
    type,
    ...details,
  });
  core.persist(exec);
}

/** A library event, unless a replay finds it already in the history. */
function appendLibraryEvent(
  core: EmulatorCore,
  exec: LiveExecution,
  type: string,
  details: Record<string, unknown> = {},
): void {
  if (exec.replay?.recorded(type, details)) return;
  appendEvent(core, exec, type, details);
}

export function recordLibraryEvent(core: EmulatorCore, exec: LiveExecution, event: LibraryEvent): void {
  if ((event.type === "StateRetried" || event.type === "StateCaught") && exec.replay === undefined) {
    // A Map or Parallel handled what failed inside it: those attempts are settled (see planRedrive).
    const type = exec.machine.states.get(event.state.name)?.type;
    if (
      (type === "Map" || type === "Parallel") &&
      markHandledByParent(exec.record.steps, event.state.name, exec.machine.states)
    ) {
      core.persist(exec);
    }
  }
  for (const { type, details } of historyEventsOf(event, exec.machine.states)) {
    appendLibraryEvent(core, exec, type, details);
  }
}

export async function getExecutionHistory(core: EmulatorCore, request: RequestOf<"GetExecutionHistory">) {
  return historyPage(await core.recordOf(request.executionArn), request);
}

// ---------------------------------------------------------------- task events

/**
 * Event vocabulary of a task: service integrations report Task* (with this
 * resource type and name), a plain Lambda ARN LambdaFunction* (undefined).
 */
export type TaskIntegration = { readonly resourceType: string; readonly resource: string } | undefined;

export function taskIntegrationOf(kind: TaskKind, resource: string): TaskIntegration {
  return kind === "lambda-function"
    ? undefined
    : { resourceType: "lambda", resource: resource.split(":").at(-1) ?? resource };
}

/** The events of a new task attempt: scheduled, then started. */
export function recordTaskStarted(
  core: EmulatorCore,
  exec: LiveExecution,
  integration: TaskIntegration,
  step: StepRecord,
  timeoutSeconds: number,
): void {
  const { parameters, input, heartbeatSeconds } = step;
  if (integration) {
    appendEvent(core, exec, "TaskScheduled", {
      taskScheduledEventDetails: {
        ...integration,
        region: exec.machine.region,
        parameters: jsonText(parameters ?? {}),
        timeoutInSeconds: timeoutSeconds,
        ...(heartbeatSeconds === undefined ? {} : { heartbeatInSeconds: heartbeatSeconds }),
      },
    });
    appendEvent(core, exec, "TaskStarted", { taskStartedEventDetails: integration });
    return;
  }
  appendEvent(core, exec, "LambdaFunctionScheduled", {
    lambdaFunctionScheduledEventDetails: {
      resource: step.resource,
      input: jsonText(parameters ?? input),
      inputDetails: { truncated: false },
      timeoutInSeconds: timeoutSeconds,
    },
  });
  appendEvent(core, exec, "LambdaFunctionStarted");
}

export function recordTaskSucceeded(
  core: EmulatorCore,
  exec: LiveExecution,
  integration: TaskIntegration,
  value: JsonValue,
): void {
  const output = jsonText(value);
  if (integration) {
    appendEvent(core, exec, "TaskSucceeded", {
      taskSucceededEventDetails: { ...integration, output, outputDetails: { truncated: false } },
    });
  } else {
    appendEvent(core, exec, "LambdaFunctionSucceeded", {
      lambdaFunctionSucceededEventDetails: { output, outputDetails: { truncated: false } },
    });
  }
}

export function recordTaskFailed(
  core: EmulatorCore,
  exec: LiveExecution,
  integration: TaskIntegration,
  error: Error,
  timedOut: boolean,
): void {
  const details = { error: error.name, cause: error.message };
  if (integration) {
    const type = timedOut ? "TaskTimedOut" : "TaskFailed";
    const key = timedOut ? "taskTimedOutEventDetails" : "taskFailedEventDetails";
    appendEvent(core, exec, type, { [key]: { ...integration, ...details } });
  } else {
    const type = timedOut ? "LambdaFunctionTimedOut" : "LambdaFunctionFailed";
    const key = timedOut ? "lambdaFunctionTimedOutEventDetails" : "lambdaFunctionFailedEventDetails";
    appendEvent(core, exec, type, { [key]: details });
  }
}

/** A callback task's function has returned; the task now waits for its token. */
export function recordTaskSubmitted(
  core: EmulatorCore,
  exec: LiveExecution,
  integration: TaskIntegration,
  submitted: JsonValue,
): void {
  appendEvent(core, exec, "TaskSubmitted", {
    taskSubmittedEventDetails: {
      ...integration,
      output: jsonText(submitted),
      outputDetails: { truncated: false },
    },
  });
}
