import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStepFunctions, startLocalStepFunctions } from "#infra/local/stepfunctions.ts";
import { FakeTimers } from "../support/fake-timers.ts";
import {
  ACCOUNT,
  CALLBACK,
  clientFor,
  DAY_SECONDS,
  eventually,
  finished,
  fnArn,
  historyOf,
  INVOKE,
  lambdaService,
  machineArn,
  REGION,
  start,
  typesOf,
} from "../support/local-sfn.ts";

const DAY_MS = DAY_SECONDS * 1000;

class PrecheckFailedError extends Error {
  override name = "PrecheckFailedError";
}

const { lambdas, invokeLambda, callsOf, callbackFunction } = lambdaService();

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "nongfang-sfn-"));
  dirs.push(dir);
  return dir;
}

/** waitScale 1e-6: a day lasts 86 ms; tasks hand their slot back every 50 ms (exercising the continuation). */
let fast: LocalStepFunctions;
let fastClient: SFNClient;

beforeAll(async () => {
  fast = await startLocalStepFunctions({
    dataDir: await tempDir(),
    invokeLambda,
    waitScale: 1e-6,
    taskSliceMs: 50,
  });
  fastClient = clientFor(fast);
});

afterAll(async () => {
  fastClient?.destroy();
  await fast?.close();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/**
 * Runs `body` against an emulator whose timers (and history clock) only move
 * when the test advances `clock`: real scale (waitScale 1), nothing fires early
 * or late however busy the machine is.
 */
async function withManualClock(
  options: { taskSliceMs?: number },
  body: (emulator: LocalStepFunctions, client: SFNClient, clock: FakeTimers) => Promise<void>,
): Promise<void> {
  const clock = new FakeTimers();
  const epoch = Date.UTC(2026, 0, 1);
  const emulator = await startLocalStepFunctions({
    dataDir: await tempDir(),
    invokeLambda,
    timers: clock,
    now: () => epoch + clock.time,
    ...options,
  });
  const client = clientFor(emulator);
  try {
    await body(emulator, client, clock);
  } finally {
    client.destroy();
    await emulator.close();
  }
}

describe("local Step Functions: Lambda tasks", () => {
  it("runs lambda:invoke (AWS-shaped result) and a plain Lambda ARN (bare result), with an ordered history", async () => {
    lambdas.set("T1Precheck", (payload) => ({ ok: true, caseId: (payload as { caseId: string }).caseId }));
    lambdas.set("T1Score", () => 42);
    fast.registerStateMachine(machineArn("T1"), {
      StartAt: "Precheck",
      States: {
        Precheck: {
          Type: "Task",
          Resource: INVOKE,
          Parameters: { FunctionName: fnArn("T1Precheck"), "Payload.$": "$" },
          ResultPath: "$.precheck",
          Next: "Score",
        },
        Score: {
          Type: "Task",
          Resource: fnArn("T1Score"),
          InputPath: "$.precheck.Payload",
          ResultPath: "$.score",
          End: true,
        },
      },
    });
    const arn = await start(fastClient, "T1", { caseId: "c-1" });
    const result = await finished(fastClient, arn);
    expect(result.status).toBe("SUCCEEDED");
    const output = JSON.parse(result.output ?? "null");
    expect(output.precheck.Payload).toEqual({ ok: true, caseId: "c-1" });
    expect(output.precheck.StatusCode).toBe(200);
    expect(output.precheck.ExecutedVersion).toBe("$LATEST");
    expect(output.score).toBe(42);
    expect(callsOf("T1Precheck")).toEqual([{ caseId: "c-1" }]);
    expect(callsOf("T1Score")).toEqual([{ ok: true, caseId: "c-1" }]);

    const events = await historyOf(fastClient, arn);
    expect(typesOf(events)).toEqual([
      "ExecutionStarted",
      "TaskStateEntered",
      "TaskScheduled",
      "TaskStarted",
      "TaskSucceeded",
      "TaskStateExited",
      "TaskStateEntered",
      "LambdaFunctionScheduled",
      "LambdaFunctionStarted",
      "LambdaFunctionSucceeded",
      "TaskStateExited",
      "ExecutionSucceeded",
    ]);
    events.forEach((event, i) => {
      expect(event.id).toBe(i + 1);
      expect(event.previousEventId).toBe(i);
      expect(event.timestamp).toBeInstanceOf(Date);
    });
    expect(events[1]?.stateEnteredEventDetails?.name).toBe("Precheck");
    expect(events[2]?.taskScheduledEventDetails).toMatchObject({
      resourceType: "lambda",
      resource: "invoke",
    });
    expect(JSON.parse(events[2]?.taskScheduledEventDetails?.parameters ?? "null")).toEqual({
      FunctionName: fnArn("T1Precheck"),
      Payload: { caseId: "c-1" },
    });
  });

  it("lets Catch handle a named error thrown by the Lambda; an uncaught one fails the execution with its name", async () => {
    lambdas.set("T2Precheck", (payload) => {
      if ((payload as { kind: string }).kind === "bad") throw new PrecheckFailedError("missing deed");
      throw new TypeError("boom");
    });
    fast.registerStateMachine(machineArn("T2"), {
      StartAt: "Precheck",
      States: {
        Precheck: {
          Type: "Task",
          Resource: INVOKE,
          Parameters: { FunctionName: fnArn("T2Precheck"), "Payload.$": "$" },
          Catch: [{ ErrorEquals: ["PrecheckFailedError"], ResultPath: "$.error", Next: "Rejected" }],
          End: true,
        },
        Rejected: { Type: "Pass", End: true },
      },
    });
    const caught = await finished(fastClient, await start(fastClient, "T2", { kind: "bad" }));
    expect(caught.status).toBe("SUCCEEDED");
    const output = JSON.parse(caught.output ?? "null");
    expect(output.error.Error).toBe("PrecheckFailedError");
    expect(JSON.parse(output.error.Cause)).toMatchObject({
      errorType: "PrecheckFailedError",
      errorMessage: "missing deed",
    });

    const uncaught = await finished(fastClient, await start(fastClient, "T2", { kind: "other" }));
    expect(uncaught.status).toBe("FAILED");
    expect(uncaught.error).toBe("TypeError");
    expect(JSON.parse(uncaught.cause ?? "null")).toMatchObject({
      errorType: "TypeError",
      errorMessage: "boom",
    });
  });

  it("retries on a matching error (SDK exceptions surface as Lambda.<Name>) until success or MaxAttempts", async () => {
    let flaky = 0;
    const serviceException = () =>
      Object.assign(new Error("Rate exceeded"), { name: "ServiceException", $metadata: {} });
    lambdas.set("T3Flaky", () => {
      flaky++;
      if (flaky <= 2) throw serviceException();
      return "done";
    });
    lambdas.set("T3Broken", () => {
      throw serviceException();
    });
    const definition = (fn: string) => ({
      StartAt: "Call",
      States: {
        Call: {
          Type: "Task",
          Resource: INVOKE,
          Parameters: { FunctionName: fnArn(fn), "Payload.$": "$" },
          OutputPath: "$.Payload",
          Retry: [
            { ErrorEquals: ["Lambda.ServiceException"], IntervalSeconds: 2, MaxAttempts: 2, BackoffRate: 2 },
          ],
          End: true,
        },
      },
    });
    fast.registerStateMachine(machineArn("T3Flaky"), definition("T3Flaky"));
    fast.registerStateMachine(machineArn("T3Broken"), definition("T3Broken"));

    const recovered = await finished(fastClient, await start(fastClient, "T3Flaky", {}));
    expect(recovered.status).toBe("SUCCEEDED");
    expect(recovered.output).toBe('"done"');
    expect(callsOf("T3Flaky")).toHaveLength(3);
    const events = await historyOf(fastClient, recovered.executionArn ?? "");
    expect(typesOf(events).filter((type) => type === "TaskScheduled")).toHaveLength(3);
    expect(events.filter((e) => e.type === "TaskFailed").map((e) => e.taskFailedEventDetails?.error)).toEqual(
      ["Lambda.ServiceException", "Lambda.ServiceException"],
    );

    const exhausted = await finished(fastClient, await start(fastClient, "T3Broken", {}));
    expect(exhausted.status).toBe("FAILED");
    expect(exhausted.error).toBe("Lambda.ServiceException");
    expect(callsOf("T3Broken")).toHaveLength(3);
  });
});

describe("local Step Functions: .waitForTaskToken", () => {
  /** One callback task; `extra` overrides its fields (undefined removes one), `more` adds states. */
  const callbackMachine = (
    fn: string,
    extra: Record<string, unknown> = {},
    more: Record<string, unknown> = {},
  ) => {
    const review: Record<string, unknown> = {
      Type: "Task",
      Resource: CALLBACK,
      Parameters: {
        FunctionName: fnArn(fn),
        Payload: {
          "taskToken.$": "$$.Task.Token",
          "caseId.$": "$.caseId",
          "executionArn.$": "$$.Execution.Id",
        },
      },
      ResultPath: "$.decision",
      End: true,
      ...extra,
    };
    for (const [key, value] of Object.entries(review)) if (value === undefined) delete review[key];
    return { StartAt: "Review", States: { Review: review, ...more } };
  };

  it("hands the Lambda an opaque token and resumes with SendTaskSuccess's output", async () => {
    await withManualClock({ taskSliceMs: 50 }, async (emulator, client, clock) => {
      const openStep = callbackFunction("T4Open");
      emulator.registerStateMachine(machineArn("T4"), callbackMachine("T4Open"));
      const arn = await start(client, "T4", { caseId: "c-4" });
      const payload = await eventually(() => openStep[0]);
      expect(payload.taskToken).toMatch(/^[A-Za-z0-9_-]{88,}$/);
      expect(payload.caseId).toBe("c-4");
      expect(payload.executionArn).toBe(arn);

      // Parked across five 50 ms slices, each handed back to the library and picked up again
      // (a slice timer is armed each time the handler takes the attempt back).
      await eventually(() => (clock.requested(50) === 1 ? true : undefined));
      for (let slice = 1; slice <= 5; slice++) {
        clock.advance(50);
        await eventually(() => (clock.requested(50) === slice + 1 ? true : undefined));
      }
      // Still running, and the Lambda was invoked exactly once.
      expect((await client.send(new DescribeExecutionCommand({ executionArn: arn }))).status).toBe("RUNNING");
      expect(openStep).toHaveLength(1);

      await client.send(
        new SendTaskSuccessCommand({
          taskToken: payload.taskToken,
          output: JSON.stringify({ outcome: "approved" }),
        }),
      );
      const result = await finished(client, arn);
      expect(result.status).toBe("SUCCEEDED");
      expect(JSON.parse(result.output ?? "null")).toEqual({
        caseId: "c-4",
        decision: { outcome: "approved" },
      });
      const types = typesOf(await historyOf(client, arn));
      expect(types).toEqual([
        "ExecutionStarted",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSubmitted",
        "TaskSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
      ]);
      await expect(
        client.send(new SendTaskSuccessCommand({ taskToken: payload.taskToken, output: "{}" })),
      ).rejects.toMatchObject({ name: "TaskTimedOut" });
    });
  });

  it("fails the state with SendTaskFailure's error and cause, which a Catch can handle", async () => {
    const uncaughtStep = callbackFunction("T5Open");
    const caughtStep = callbackFunction("T5OpenCaught");
    fast.registerStateMachine(machineArn("T5"), callbackMachine("T5Open"));
    fast.registerStateMachine(
      machineArn("T5Caught"),
      callbackMachine(
        "T5OpenCaught",
        {
          End: undefined,
          Next: "Done",
          Catch: [{ ErrorEquals: ["ReviewerRejected"], ResultPath: "$.failure", Next: "Handled" }],
        },
        { Done: { Type: "Succeed" }, Handled: { Type: "Pass", End: true } },
      ),
    );

    const failedArn = await start(fastClient, "T5", { caseId: "c-5" });
    const token = (await eventually(() => uncaughtStep[0])).taskToken;
    await fastClient.send(
      new SendTaskFailureCommand({ taskToken: token, error: "ReviewerRejected", cause: "bad docs" }),
    );
    const failed = await finished(fastClient, failedArn);
    expect(failed).toMatchObject({ status: "FAILED", error: "ReviewerRejected", cause: "bad docs" });
    expect(typesOf(await historyOf(fastClient, failedArn))).toContain("TaskFailed");

    const caughtArn = await start(fastClient, "T5Caught", { caseId: "c-5b" });
    const caughtToken = (await eventually(() => caughtStep[0])).taskToken;
    await fastClient.send(
      new SendTaskFailureCommand({ taskToken: caughtToken, error: "ReviewerRejected", cause: "bad docs" }),
    );
    const handled = await finished(fastClient, caughtArn);
    expect(handled.status).toBe("SUCCEEDED");
    expect(JSON.parse(handled.output ?? "null").failure).toEqual({
      Error: "ReviewerRejected",
      Cause: "bad docs",
    });
  });

  it("rejects unknown tokens with TaskDoesNotExist and malformed ones with InvalidToken", async () => {
    const unknown = randomBytes(96).toString("base64url");
    await expect(
      fastClient.send(new SendTaskSuccessCommand({ taskToken: unknown, output: "{}" })),
    ).rejects.toMatchObject({
      name: "TaskDoesNotExist",
    });
    await expect(fastClient.send(new SendTaskFailureCommand({ taskToken: unknown }))).rejects.toMatchObject({
      name: "TaskDoesNotExist",
    });
    await expect(fastClient.send(new SendTaskHeartbeatCommand({ taskToken: unknown }))).rejects.toMatchObject(
      {
        name: "TaskDoesNotExist",
        $metadata: { httpStatusCode: 400 },
      },
    );
    await expect(
      fastClient.send(new SendTaskSuccessCommand({ taskToken: "not a token!", output: "{}" })),
    ).rejects.toMatchObject({ name: "InvalidToken" });
  });

  it("times a parked task out with States.Timeout (TimeoutSeconds and TimeoutSecondsPath), not catchable as States.TaskFailed", async () => {
    const openStep = callbackFunction("T6Open");
    // waitScale 1e-6: 300000 s → 0.3 s.
    fast.registerStateMachine(machineArn("T6"), callbackMachine("T6Open", { TimeoutSeconds: 300_000 }));
    const arn = await start(fastClient, "T6", { caseId: "c-6" });
    const token = (await eventually(() => openStep[0])).taskToken;
    const result = await finished(fastClient, arn);
    expect(result).toMatchObject({ status: "FAILED", error: "States.Timeout" });
    expect(typesOf(await historyOf(fastClient, arn))).toContain("TaskTimedOut");
    await expect(
      fastClient.send(new SendTaskSuccessCommand({ taskToken: token, output: "{}" })),
    ).rejects.toMatchObject({
      name: "TaskTimedOut",
    });

    callbackFunction("T6PathOpen");
    fast.registerStateMachine(
      machineArn("T6Path"),
      callbackMachine(
        "T6PathOpen",
        {
          TimeoutSecondsPath: "$.limits.reviewSeconds",
          End: undefined,
          Next: "Done",
          Catch: [{ ErrorEquals: ["States.TaskFailed"], Next: "WronglyCaught" }],
        },
        { Done: { Type: "Succeed" }, WronglyCaught: { Type: "Succeed" } },
      ),
    );
    const viaPath = await finished(
      fastClient,
      await start(fastClient, "T6Path", { caseId: "c-6b", limits: { reviewSeconds: 300_000 } }),
    );
    expect(viaPath).toMatchObject({ status: "FAILED", error: "States.Timeout" });
  });

  it("times out on a missing heartbeat (States.HeartbeatTimeout, caught as States.Timeout) and SendTaskHeartbeat keeps it alive", async () => {
    await withManualClock({}, async (emulator, client, clock) => {
      const timedOutAt = async (arn: string) =>
        (await historyOf(client, arn)).find((event) => event.type === "TaskTimedOut")?.timestamp;
      const silent = callbackFunction("T7Silent");
      emulator.registerStateMachine(
        machineArn("T7Silent"),
        callbackMachine(
          "T7Silent",
          {
            HeartbeatSeconds: 300,
            End: undefined,
            Next: "Done",
            Catch: [{ ErrorEquals: ["States.Timeout"], ResultPath: "$.timeout", Next: "TimedOut" }],
          },
          { Done: { Type: "Succeed" }, TimedOut: { Type: "Pass", End: true } },
        ),
      );
      const silentArn = await start(client, "T7Silent", { caseId: "c-7" });
      await eventually(() => silent[0]);
      const started = (await historyOf(client, silentArn)).find((event) => event.type === "TaskStarted");
      // A timed-out attempt is recorded the moment its timer fires, so the history answers at once.
      clock.advance(300_000 - 1);
      expect(await timedOutAt(silentArn)).toBeUndefined();
      clock.advance(1);
      expect(await timedOutAt(silentArn)).toEqual(new Date((started?.timestamp?.getTime() ?? 0) + 300_000));
      const timedOut = await finished(client, silentArn);
      expect(timedOut.status).toBe("SUCCEEDED");
      expect(JSON.parse(timedOut.output ?? "null").timeout.Error).toBe("States.HeartbeatTimeout");

      // A 10 s heartbeat, beaten every 6 s for 30 s: each beat restarts the count.
      const beating = callbackFunction("T7Beating");
      emulator.registerStateMachine(
        machineArn("T7Beating"),
        callbackMachine("T7Beating", { HeartbeatSeconds: 10 }),
      );
      const beatingArn = await start(client, "T7Beating", { caseId: "c-7b" });
      const token = (await eventually(() => beating[0])).taskToken;
      for (let beat = 0; beat < 5; beat++) {
        clock.advance(6_000);
        await client.send(new SendTaskHeartbeatCommand({ taskToken: token }));
      }
      clock.advance(10_000 - 1);
      expect(await timedOutAt(beatingArn)).toBeUndefined();
      await client.send(new SendTaskSuccessCommand({ taskToken: token, output: '"ok"' }));
      expect((await finished(client, beatingArn)).status).toBe("SUCCEEDED");
    });
  });

  it("runs a Map whose iterations each wait on their own token, resumable in any order", async () => {
    const openStep = callbackFunction("T8Open");
    fast.registerStateMachine(machineArn("T8"), {
      StartAt: "Reviews",
      States: {
        Reviews: {
          Type: "Map",
          ItemsPath: "$.departments",
          MaxConcurrency: 0,
          ItemSelector: {
            "department.$": "$$.Map.Item.Value",
            "index.$": "$$.Map.Item.Index",
            "caseId.$": "$.caseId",
          },
          ItemProcessor: {
            ProcessorConfig: { Mode: "INLINE" },
            StartAt: "DepartmentReview",
            States: {
              DepartmentReview: {
                Type: "Task",
                Resource: CALLBACK,
                Parameters: {
                  FunctionName: fnArn("T8Open"),
                  Payload: {
                    "taskToken.$": "$$.Task.Token",
                    "department.$": "$.department",
                    "index.$": "$.index",
                  },
                },
                End: true,
              },
            },
          },
          ResultPath: "$.decisions",
          End: true,
        },
      },
    });
    const departments = ["land", "planning", "housing"];
    const arn = await start(fastClient, "T8", { caseId: "c-8", departments });
    // All three are waiting at once: the iterations run in parallel.
    await eventually(() => (openStep.length === 3 ? true : undefined));
    const tokens = openStep.map((p) => p.taskToken);
    expect(new Set(tokens).size).toBe(3);
    expect(openStep.map((p) => p.department).sort()).toEqual([...departments].sort());

    const iterationsDone = async () =>
      typesOf(await historyOf(fastClient, arn)).filter((type) => type === "MapIterationSucceeded").length;
    let answered = 0;
    for (const payload of [...openStep].reverse()) {
      await fastClient.send(
        new SendTaskSuccessCommand({
          taskToken: payload.taskToken,
          output: JSON.stringify({ department: payload.department, index: payload.index }),
        }),
      );
      answered += 1;
      if (payload !== openStep[0]) {
        // The answered iteration has ended; the Map goes on waiting for the others.
        await eventually(async () => ((await iterationsDone()) === answered ? true : undefined));
        expect(typesOf(await historyOf(fastClient, arn))).not.toContain("MapStateSucceeded");
        expect((await fastClient.send(new DescribeExecutionCommand({ executionArn: arn }))).status).toBe(
          "RUNNING",
        );
      }
    }
    const result = await finished(fastClient, arn);
    expect(result.status).toBe("SUCCEEDED");
    expect(JSON.parse(result.output ?? "null").decisions).toEqual(
      departments.map((department, index) => ({ department, index })),
    );
    const events = await historyOf(fastClient, arn);
    expect(events.find((e) => e.type === "MapStateStarted")?.mapStateStartedEventDetails?.length).toBe(3);
    expect(typesOf(events).filter((t) => t === "MapIterationSucceeded")).toHaveLength(3);
    expect(typesOf(events).filter((t) => t === "TaskScheduled")).toHaveLength(3);
  });
});

describe("local Step Functions: executions", () => {
  it("returns the same execution for the same name and input, and ExecutionAlreadyExists for another input", async () => {
    callbackFunction("T9Open");
    fast.registerStateMachine(machineArn("T9"), {
      StartAt: "Wait",
      States: {
        Wait: {
          Type: "Task",
          Resource: CALLBACK,
          Parameters: { FunctionName: fnArn("T9Open"), Payload: { "taskToken.$": "$$.Task.Token" } },
          End: true,
        },
      },
    });
    const first = await start(fastClient, "T9", { caseId: "c-9" }, "case-9");
    const second = await start(fastClient, "T9", { caseId: "c-9" }, "case-9");
    expect(second).toBe(first);
    expect(first).toBe(`arn:aws:states:${REGION}:${ACCOUNT}:execution:T9:case-9`);
    await expect(start(fastClient, "T9", { caseId: "other" }, "case-9")).rejects.toMatchObject({
      name: "ExecutionAlreadyExists",
    });
    const listed = await fastClient.send(new ListExecutionsCommand({ stateMachineArn: machineArn("T9") }));
    expect(listed.executions?.map((e) => e.executionArn)).toEqual([first]);
    await fastClient.send(new StopExecutionCommand({ executionArn: first }));
  });

  it("StopExecution aborts the run and closes its pending tokens", async () => {
    const openStep = callbackFunction("T10Open");
    fast.registerStateMachine(machineArn("T10"), {
      StartAt: "Review",
      States: {
        Review: {
          Type: "Task",
          Resource: CALLBACK,
          Parameters: { FunctionName: fnArn("T10Open"), Payload: { "taskToken.$": "$$.Task.Token" } },
          Next: "After",
        },
        After: { Type: "Task", Resource: fnArn("T10After"), End: true },
      },
    });
    lambdas.set("T10After", () => "should not run");
    const arn = await start(fastClient, "T10", {});
    const token = (await eventually(() => openStep[0])).taskToken;
    await fastClient.send(
      new StopExecutionCommand({ executionArn: arn, error: "Withdrawn", cause: "applicant withdrew" }),
    );
    const stopped = await fastClient.send(new DescribeExecutionCommand({ executionArn: arn }));
    expect(stopped).toMatchObject({ status: "ABORTED", error: "Withdrawn", cause: "applicant withdrew" });
    expect(stopped.stopDate).toBeInstanceOf(Date);
    await expect(
      fastClient.send(new SendTaskSuccessCommand({ taskToken: token, output: "{}" })),
    ).rejects.toMatchObject({
      name: "TaskTimedOut",
    });
    // A later execution that runs a Lambda task to its end: whatever the stopped run still had queued
    // (the library going on to After) has had its turn by then.
    lambdas.set("T10Later", () => "later");
    fast.registerStateMachine(machineArn("T10Later"), {
      StartAt: "Later",
      States: { Later: { Type: "Task", Resource: fnArn("T10Later"), End: true } },
    });
    expect((await finished(fastClient, await start(fastClient, "T10Later", {}))).status).toBe("SUCCEEDED");
    const events = await historyOf(fastClient, arn);
    expect(events.at(-1)?.type).toBe("ExecutionAborted");
    expect(events.at(-1)?.executionAbortedEventDetails).toEqual({
      error: "Withdrawn",
      cause: "applicant withdrew",
    });
    expect(callsOf("T10After")).toHaveLength(0);
  });

  it("waits 7 days at once with waitScale, and a 30-day Wait does not fire early at real scale", async () => {
    fast.registerStateMachine(machineArn("T11"), {
      StartAt: "Week",
      States: {
        Week: { Type: "Wait", Seconds: 7 * DAY_SECONDS, Next: "Until" },
        Until: { Type: "Wait", TimestampPath: "$.until", End: true },
      },
    });
    const until = new Date(Date.now() + 7 * DAY_MS).toISOString();
    const arn = await start(fastClient, "T11", { until });
    // finished() gives up after 20 s: without waitScale these 14 days would never end in time.
    const result = await finished(fastClient, arn);
    expect(result.status).toBe("SUCCEEDED");
    expect(typesOf(await historyOf(fastClient, arn))).toEqual([
      "ExecutionStarted",
      "WaitStateEntered",
      "WaitStateExited",
      "WaitStateEntered",
      "WaitStateExited",
      "ExecutionSucceeded",
    ]);

    // Real scale on a manual clock, which refuses any delay setTimeout would cut to 1 ms.
    await withManualClock({}, async (emulator, client, clock) => {
      emulator.registerStateMachine(machineArn("T11Long"), {
        StartAt: "Month",
        TimeoutSeconds: 365 * DAY_SECONDS,
        States: { Month: { Type: "Wait", Seconds: 30 * DAY_SECONDS, End: true } },
      });
      const longArn = await start(client, "T11Long", {});
      const entered = await eventually(async () =>
        (await historyOf(client, longArn)).find((event) => event.type === "WaitStateEntered"),
      );
      clock.advance(30 * DAY_MS - 1);
      expect((await client.send(new DescribeExecutionCommand({ executionArn: longArn }))).status).toBe(
        "RUNNING",
      );
      clock.advance(1);
      expect((await finished(client, longArn)).status).toBe("SUCCEEDED");
      // The history clock is the manual one: the Wait ended 30 days after it began, not a moment sooner.
      const exited = (await historyOf(client, longArn)).find((event) => event.type === "WaitStateExited");
      expect((exited?.timestamp?.getTime() ?? 0) - (entered.timestamp?.getTime() ?? 0)).toBe(30 * DAY_MS);
    });
  });

  it("times the execution out after the definition's TimeoutSeconds", async () => {
    callbackFunction("T12Open");
    fast.registerStateMachine(machineArn("T12"), {
      StartAt: "Review",
      TimeoutSeconds: 300_000,
      States: {
        Review: {
          Type: "Task",
          Resource: CALLBACK,
          Parameters: { FunctionName: fnArn("T12Open"), Payload: { "taskToken.$": "$$.Task.Token" } },
          End: true,
        },
      },
    });
    const arn = await start(fastClient, "T12", {});
    const result = await finished(fastClient, arn);
    expect(result).toMatchObject({ status: "TIMED_OUT", error: "States.Timeout" });
    expect(typesOf(await historyOf(fastClient, arn)).at(-1)).toBe("ExecutionTimedOut");
  });

  it("validates definitions once per distinct definition and rejects invalid ASL", async () => {
    const definition = { StartAt: "P", States: { P: { Type: "Pass", End: true } } };
    fast.registerStateMachine(machineArn("T13a"), definition);
    // The caller's object is left as it was (the validator would add QueryLanguage to it).
    expect(definition).toEqual({ StartAt: "P", States: { P: { Type: "Pass", End: true } } });
    // Validated once per distinct definition text: see test/unit/sfn-machines.test.ts.
    fast.registerStateMachine(machineArn("T13b"), JSON.stringify(definition));
    const described = await fastClient.send(
      new DescribeStateMachineCommand({ stateMachineArn: machineArn("T13b") }),
    );
    expect(JSON.parse(described.definition ?? "null")).toEqual(definition);
    expect(() =>
      fast.registerStateMachine(machineArn("T13c"), {
        StartAt: "Missing",
        States: { P: { Type: "Pass", End: true } },
      }),
    ).toThrow(/invalid/i);
    await expect(start(fastClient, "T13c", {})).rejects.toMatchObject({ name: "StateMachineDoesNotExist" });
  });

  it("in memory: writes nothing, and still describes a closed execution with its history and output", async () => {
    const dataDir = await tempDir();
    const openStep = callbackFunction("T14mOpen");
    lambdas.set("T14mEcho", (payload) => payload);
    const emulator = await startLocalStepFunctions({ dataDir, invokeLambda, inMemory: true });
    const client = clientFor(emulator);
    try {
      emulator.registerStateMachine(machineArn("T14m"), {
        StartAt: "Echo",
        States: {
          Echo: { Type: "Task", Resource: fnArn("T14mEcho"), Next: "Review" },
          Review: {
            Type: "Task",
            Resource: CALLBACK,
            Parameters: { FunctionName: fnArn("T14mOpen"), Payload: { "taskToken.$": "$$.Task.Token" } },
            ResultPath: "$.decision",
            End: true,
          },
        },
      });
      const arn = await start(client, "T14m", { n: 3 }, "kept");
      const token = (await eventually(() => openStep[0])).taskToken;
      await client.send(new SendTaskSuccessCommand({ taskToken: token, output: '"yes"' }));
      const done = await finished(client, arn);
      expect(done.status).toBe("SUCCEEDED");
      // With no status-change target a closed record leaves the live maps as soon as the store has
      // it (sfn-run.ts, deliverClose): from here on, reads come from the store.
      const history = await historyOf(client, arn);
      const again = await client.send(new DescribeExecutionCommand({ executionArn: arn }));
      expect(again.status).toBe("SUCCEEDED");
      expect(JSON.parse(again.output ?? "null")).toEqual({ n: 3, decision: "yes" });
      expect(await historyOf(client, arn)).toEqual(history);
      expect(typesOf(history).at(-1)).toBe("ExecutionSucceeded");
      const listed = await client.send(new ListExecutionsCommand({ stateMachineArn: machineArn("T14m") }));
      expect(listed.executions?.map((execution) => execution.name)).toEqual(["kept"]);
    } finally {
      client.destroy();
      await emulator.close();
    }
    expect(await readdir(dataDir)).toEqual([]);
  });

  it("keeps describe, history and list across a restart with the same dataDir", async () => {
    const dataDir = await tempDir();
    const openStep = callbackFunction("T14Open");
    lambdas.set("T14Echo", (payload) => payload);
    const definition = {
      StartAt: "Echo",
      States: {
        Echo: { Type: "Task", Resource: fnArn("T14Echo"), Next: "Review" },
        Review: {
          Type: "Task",
          Resource: CALLBACK,
          Parameters: {
            FunctionName: fnArn("T14Open"),
            Payload: { "taskToken.$": "$$.Task.Token", "n.$": "$.n" },
          },
          ResultPath: "$.decision",
          End: true,
        },
      },
    };
    // An injected wall clock: records and history carry its time, not the machine's.
    let clock = Date.UTC(2030, 0, 1);
    const first = await startLocalStepFunctions({ dataDir, invokeLambda, now: () => (clock += 1000) });
    const firstClient = clientFor(first);
    first.registerStateMachine(machineArn("T14"), definition);
    const doneArn = await start(firstClient, "T14", { n: 1 }, "done");
    const doneToken = (await eventually(() => openStep[0])).taskToken;
    await firstClient.send(new SendTaskSuccessCommand({ taskToken: doneToken, output: '"yes"' }));
    const done = await finished(firstClient, doneArn);
    const pendingArn = await start(firstClient, "T14", { n: 2 }, "pending");
    const pendingToken = (await eventually(() => openStep[1])).taskToken;
    const doneHistory = await historyOf(firstClient, doneArn);
    const pendingHistory = await historyOf(firstClient, pendingArn);
    firstClient.destroy();
    await first.close();
    const files = await readdir(join(dataDir, "executions"));
    expect(files.filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(files).toHaveLength(2);
    // The record keeps every task's input and result (enough to replay later) and the pending token.
    const pendingRecord = JSON.parse(
      await readFile(join(dataDir, "executions", `${encodeURIComponent(pendingArn)}.json`), "utf8"),
    );
    expect(pendingRecord.status).toBe("RUNNING");
    expect(pendingRecord.pendingTaskTokens).toEqual([pendingToken]);
    expect(pendingRecord.steps).toMatchObject([
      { stateName: "Echo", kind: "task", input: { n: 2 }, status: "SUCCEEDED", result: { n: 2 } },
      {
        stateName: "Review",
        kind: "task",
        input: { n: 2 },
        parameters: { FunctionName: fnArn("T14Open"), Payload: { taskToken: pendingToken, n: 2 } },
        taskToken: pendingToken,
        status: "RUNNING",
        invocationResult: { Payload: { opened: true }, StatusCode: 200 },
      },
    ]);
    expect(new Date(pendingRecord.startDate).getUTCFullYear()).toBe(2030);

    const second = await startLocalStepFunctions({ dataDir, invokeLambda });
    const secondClient = clientFor(second);
    try {
      const described = await secondClient.send(new DescribeExecutionCommand({ executionArn: doneArn }));
      expect(described).toMatchObject({
        status: "SUCCEEDED",
        output: done.output,
        input: '{"n":1}',
        name: "done",
      });
      expect(described.startDate).toEqual(done.startDate);
      expect(await historyOf(secondClient, doneArn)).toEqual(doneHistory);
      // Not resumed while its state machine is not registered (records stay RUNNING), but readable.
      expect(
        (await secondClient.send(new DescribeExecutionCommand({ executionArn: pendingArn }))).status,
      ).toBe("RUNNING");
      expect(await historyOf(secondClient, pendingArn)).toEqual(pendingHistory);
      expect(typesOf(pendingHistory)).toContain("TaskSubmitted");
      const listed = await secondClient.send(
        new ListExecutionsCommand({ stateMachineArn: machineArn("T14") }),
      );
      expect(listed.executions?.map((e) => e.name).sort()).toEqual(["done", "pending"]);
      await expect(
        secondClient.send(new SendTaskSuccessCommand({ taskToken: pendingToken, output: "{}" })),
      ).rejects.toMatchObject({ name: "TaskDoesNotExist" });
    } finally {
      secondClient.destroy();
      await second.close();
    }
  });
});
