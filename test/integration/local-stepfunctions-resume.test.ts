/**
 * The local Step Functions after a restart and on RedriveExecution: recorded
 * attempts are replayed (their functions are not invoked again), open callback
 * tasks keep their tokens, timeouts, Waits and retry intervals go on with the
 * time left, history keeps its ids; a redrive runs only what failed; closes
 * are announced as EventBridge status change events once on disk.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type HistoryEvent,
  RedriveExecutionCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { afterAll, describe, expect, it } from "vitest";
import type { EventBridgeEvent } from "#infra/local/sfn-events.ts";
import {
  type LocalStepFunctions,
  type LocalStepFunctionsOptions,
  startLocalStepFunctions,
} from "#infra/local/stepfunctions.ts";
import {
  ACCOUNT,
  CALLBACK,
  clientFor,
  DAY_SECONDS,
  eventually,
  finished,
  fnArn,
  historyOf,
  lambdaService,
  machineArn,
  REGION,
  start,
  typesOf,
} from "../support/local-sfn.ts";

class BoomError extends Error {
  override name = "BoomError";
}

const { lambdas, invokeLambda, callsOf, callbackFunction } = lambdaService();

const dirs: string[] = [];
const running = new Set<{ emulator: LocalStepFunctions; client: SFNClient }>();
afterAll(async () => {
  for (const { emulator, client } of running) {
    client.destroy();
    await emulator.close();
  }
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "nongfang-sfn-resume-"));
  dirs.push(dir);
  return dir;
}

/** An emulator with the given machines registered (registering resumes their running executions). */
async function boot(
  dataDir: string,
  machines: Record<string, object>,
  options: Partial<LocalStepFunctionsOptions> = {},
) {
  const emulator = await startLocalStepFunctions({ dataDir, invokeLambda, ...options });
  const client = clientFor(emulator);
  for (const [name, definition] of Object.entries(machines))
    emulator.registerStateMachine(machineArn(name), definition);
  const handle = { emulator, client };
  running.add(handle);
  return {
    client,
    stop: async () => {
      running.delete(handle);
      client.destroy();
      await emulator.close();
    },
  };
}

/** The history before the restart is kept as it was, and the ids go on without a gap. */
function expectContinuedHistory(before: HistoryEvent[], after: HistoryEvent[]) {
  expect(after.slice(0, before.length)).toEqual(before);
  after.forEach((event, index) => {
    expect(event.id).toBe(index + 1);
    expect(event.previousEventId).toBe(index);
  });
}

const callback = (fn: string, extra: Record<string, unknown> = {}) => ({
  Type: "Task",
  Resource: CALLBACK,
  Parameters: {
    FunctionName: fnArn(fn),
    Payload: { "taskToken.$": "$$.Task.Token", "caseId.$": "$.caseId" },
  },
  ...extra,
});

describe("local Step Functions: resuming after a restart", () => {
  it("replays recorded tasks without invoking them, keeps the open task's token and continues the history", async () => {
    const dataDir = await tempDir();
    lambdas.set("R1Prepare", (payload) => ({ prepared: payload }));
    lambdas.set("R1Finish", () => "finished");
    const review = callbackFunction("R1Open");
    const definition = {
      StartAt: "Prepare",
      States: {
        Prepare: { Type: "Task", Resource: fnArn("R1Prepare"), ResultPath: "$.plan", Next: "Decide" },
        Decide: {
          Type: "Choice",
          Choices: [{ Variable: "$.plan.prepared.caseId", StringEquals: "c-1", Next: "Review" }],
          Default: "Finish",
        },
        Review: callback("R1Open", { ResultPath: "$.decision", Next: "Finish" }),
        Finish: { Type: "Task", Resource: fnArn("R1Finish"), ResultPath: "$.finish", End: true },
      },
    };
    const first = await boot(dataDir, { R1: definition });
    const arn = await start(first.client, "R1", { caseId: "c-1" });
    const token = (await eventually(() => review[0])).taskToken;
    const before = await historyOf(first.client, arn);
    await first.stop();

    const second = await boot(dataDir, { R1: definition });
    await second.client.send(
      new SendTaskSuccessCommand({ taskToken: token, output: '{"outcome":"approved"}' }),
    );
    const done = await finished(second.client, arn);
    expect(done.status).toBe("SUCCEEDED");
    expect(JSON.parse(done.output ?? "null")).toEqual({
      caseId: "c-1",
      plan: { prepared: { caseId: "c-1" } },
      decision: { outcome: "approved" },
      finish: "finished",
    });
    // Neither the finished task nor the callback task's function ran again.
    expect(callsOf("R1Prepare")).toHaveLength(1);
    expect(review).toHaveLength(1);
    expect(callsOf("R1Finish")).toHaveLength(1);
    const after = await historyOf(second.client, arn);
    expectContinuedHistory(before, after);
    expect(typesOf(after).filter((type) => type === "TaskStateEntered")).toHaveLength(3);
    expect(typesOf(after).filter((type) => type === "ChoiceStateEntered")).toHaveLength(1);
    expect(typesOf(after).slice(before.length)).toEqual([
      "TaskSucceeded",
      "TaskStateExited",
      "TaskStateEntered",
      "LambdaFunctionScheduled",
      "LambdaFunctionStarted",
      "LambdaFunctionSucceeded",
      "TaskStateExited",
      "ExecutionSucceeded",
    ]);
    await second.stop();
  });

  it("resumes a Map with its iterations at different points, each answered by its own token", async () => {
    const dataDir = await tempDir();
    const opened = callbackFunction("R2Open");
    const definition = {
      StartAt: "Joint",
      States: {
        Joint: {
          Type: "Map",
          ItemsPath: "$.departments",
          MaxConcurrency: 0,
          ItemSelector: { "department.$": "$$.Map.Item.Value", "caseId.$": "$.caseId" },
          ItemProcessor: {
            ProcessorConfig: { Mode: "INLINE" },
            StartAt: "Consult",
            States: {
              Consult: {
                Type: "Task",
                Resource: CALLBACK,
                Parameters: {
                  FunctionName: fnArn("R2Open"),
                  Payload: { "taskToken.$": "$$.Task.Token", "department.$": "$.department" },
                },
                End: true,
              },
            },
          },
          ResultPath: "$.answers",
          End: true,
        },
      },
    };
    const departments = ["agriculture", "natural_resources", "housing"];
    const first = await boot(dataDir, { R2: definition });
    const arn = await start(first.client, "R2", { caseId: "c-2", departments });
    await eventually(() => (opened.length === 3 ? true : undefined));
    const tokenOf = (department: string) => opened.find((p) => p.department === department)?.taskToken ?? "";
    await first.client.send(
      new SendTaskSuccessCommand({ taskToken: tokenOf("natural_resources"), output: '"nr-ok"' }),
    );
    await first.stop();

    const second = await boot(dataDir, { R2: definition });
    // The answered token stays answered; the others are valid again, in any order.
    await expect(
      second.client.send(
        new SendTaskSuccessCommand({ taskToken: tokenOf("natural_resources"), output: '"x"' }),
      ),
    ).rejects.toMatchObject({ name: "TaskDoesNotExist" });
    await second.client.send(new SendTaskSuccessCommand({ taskToken: tokenOf("housing"), output: '"h-ok"' }));
    await second.client.send(
      new SendTaskSuccessCommand({ taskToken: tokenOf("agriculture"), output: '"a-ok"' }),
    );
    const done = await finished(second.client, arn);
    expect(done.status).toBe("SUCCEEDED");
    expect(JSON.parse(done.output ?? "null").answers).toEqual(["a-ok", "nr-ok", "h-ok"]);
    expect(opened).toHaveLength(3);
    const events = await historyOf(second.client, arn);
    expect(typesOf(events).filter((type) => type === "MapIterationStarted")).toHaveLength(3);
    expect(typesOf(events).filter((type) => type === "MapIterationSucceeded")).toHaveLength(3);
    expect(typesOf(events).filter((type) => type === "TaskScheduled")).toHaveLength(3);
    await second.stop();
  });

  it("times an open task out with the time it had left, and a Wait ends when it was due", async () => {
    const dataDir = await tempDir();
    const opened = callbackFunction("R3Open");
    // waitScale 1e-3: a 10-day timeout lasts 864 s, far beyond this test; the clock moves instead.
    const definition = {
      StartAt: "Notice",
      States: {
        Notice: { Type: "Wait", Seconds: 10 * DAY_SECONDS, Next: "Review" },
        Review: callback("R3Open", {
          TimeoutSeconds: 10 * DAY_SECONDS,
          HeartbeatSeconds: 8 * DAY_SECONDS,
          ResultPath: "$.decision",
          Catch: [{ ErrorEquals: ["States.Timeout"], ResultPath: "$.late", Next: "Late" }],
          End: true,
        }),
        Late: { Type: "Pass", End: true },
      },
    };
    const scaled = (seconds: number) => seconds * 1000 * 1e-3;
    let clock = Date.UTC(2030, 0, 1);
    const first = await boot(dataDir, { R3: definition }, { waitScale: 1e-3, now: () => clock });
    const arn = await start(first.client, "R3", { caseId: "c-3" });
    await eventually(async () =>
      typesOf(await historyOf(first.client, arn)).includes("WaitStateEntered") ? true : undefined,
    );
    await first.stop();

    // 10 days of Wait nearly over: the restarted Wait ends within ~50 ms, not 864 s.
    clock += scaled(10 * DAY_SECONDS) - 50;
    const second = await boot(dataDir, { R3: definition }, { waitScale: 1e-3, now: () => clock });
    const token = (await eventually(() => opened[0])).taskToken;
    // A heartbeat 5 days in: the heartbeat timeout (8 days) counts from here, the task timeout from the start.
    clock += scaled(5 * DAY_SECONDS);
    await second.client.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await second.stop();

    clock += scaled(5 * DAY_SECONDS) - 50;
    const third = await boot(dataDir, { R3: definition }, { waitScale: 1e-3, now: () => clock });
    const done = await finished(third.client, arn);
    expect(done.status).toBe("SUCCEEDED");
    expect(JSON.parse(done.output ?? "null").late.Error).toBe("States.Timeout");
    expect(opened).toHaveLength(1);
    await third.stop();
  });

  it("fires a timeout whose time ran out while the emulator was stopped at once", async () => {
    const dataDir = await tempDir();
    const opened = callbackFunction("R4Open");
    const definition = {
      StartAt: "Review",
      States: { Review: callback("R4Open", { TimeoutSeconds: 10 * DAY_SECONDS, End: true }) },
    };
    let clock = Date.UTC(2030, 0, 1);
    const first = await boot(dataDir, { R4: definition }, { waitScale: 1e-3, now: () => clock });
    const arn = await start(first.client, "R4", { caseId: "c-4" });
    const token = (await eventually(() => opened[0])).taskToken;
    await first.stop();
    clock += 11 * DAY_SECONDS * 1000;
    const second = await boot(dataDir, { R4: definition }, { waitScale: 1e-3, now: () => clock });
    const done = await finished(second.client, arn);
    expect(done).toMatchObject({ status: "FAILED", error: "States.Timeout" });
    await expect(
      second.client.send(new SendTaskSuccessCommand({ taskToken: token, output: "{}" })),
    ).rejects.toMatchObject({ name: "TaskTimedOut" });
    await second.stop();
  });

  it("waits out what is left of a retry interval after a restart, then retries", async () => {
    const dataDir = await tempDir();
    let failures = 0;
    lambdas.set("R5Flaky", () => {
      if (failures++ === 0) throw new BoomError("first call fails");
      return "ok";
    });
    const definition = {
      StartAt: "Flaky",
      States: {
        Flaky: {
          Type: "Task",
          Resource: fnArn("R5Flaky"),
          Retry: [{ ErrorEquals: ["BoomError"], IntervalSeconds: 10 * DAY_SECONDS, MaxAttempts: 2 }],
          End: true,
        },
      },
    };
    let clock = Date.UTC(2030, 0, 1);
    const first = await boot(dataDir, { R5: definition }, { waitScale: 1e-3, now: () => clock });
    const arn = await start(first.client, "R5", {});
    await eventually(async () =>
      typesOf(await historyOf(first.client, arn)).includes("LambdaFunctionFailed") ? true : undefined,
    );
    await first.stop();
    clock += 10 * DAY_SECONDS * 1000 * 1e-3 - 50;
    const second = await boot(dataDir, { R5: definition }, { waitScale: 1e-3, now: () => clock });
    const done = await finished(second.client, arn);
    expect(done.status).toBe("SUCCEEDED");
    expect(callsOf("R5Flaky")).toHaveLength(2);
    await second.stop();
  });

  it("removes temp files a crash left behind", async () => {
    const dataDir = await tempDir();
    const first = await boot(dataDir, {});
    await first.stop();
    const stale = join(dataDir, "executions", "x.json.123.abc.tmp");
    await writeFile(stale, "{");
    const second = await boot(dataDir, {});
    expect((await readdir(join(dataDir, "executions"))).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    await second.stop();
  });
});

describe("local Step Functions: RedriveExecution", () => {
  it("re-runs only the failed task of a failed execution, with the same ARN", async () => {
    const dataDir = await tempDir();
    let healthy = false;
    lambdas.set("D1First", () => "first");
    lambdas.set("D1Second", () => {
      if (!healthy) throw new BoomError("not yet");
      return "second";
    });
    const definition = {
      StartAt: "First",
      States: {
        First: { Type: "Task", Resource: fnArn("D1First"), ResultPath: "$.first", Next: "Second" },
        Second: {
          Type: "Task",
          Resource: fnArn("D1Second"),
          ResultPath: "$.second",
          Retry: [{ ErrorEquals: ["BoomError"], IntervalSeconds: 1, MaxAttempts: 1 }],
          End: true,
        },
      },
    };
    const { client, stop } = await boot(dataDir, { D1: definition }, { waitScale: 1e-3 });
    const arn = await start(client, "D1", { caseId: "c-d1" });
    const failed = await finished(client, arn);
    expect(failed).toMatchObject({ status: "FAILED", error: "BoomError", redriveCount: 0 });
    expect(failed.redriveStatus).toBe("REDRIVABLE");
    expect(callsOf("D1Second")).toHaveLength(2);

    healthy = true;
    const redriven = await client.send(
      new RedriveExecutionCommand({ executionArn: arn, clientToken: "t-1" }),
    );
    expect(redriven.redriveDate).toBeInstanceOf(Date);
    // The same request again (an SDK retry) answers the same, without a second redrive.
    const again = await client.send(new RedriveExecutionCommand({ executionArn: arn, clientToken: "t-1" }));
    expect(again.redriveDate).toEqual(redriven.redriveDate);
    const done = await finished(client, arn);
    expect(done).toMatchObject({ status: "SUCCEEDED", redriveCount: 1, redriveStatus: "NOT_REDRIVABLE" });
    expect(done.redriveStatusReason).toBe("Execution is SUCCEEDED and cannot be redriven");
    expect(JSON.parse(done.output ?? "null")).toEqual({ caseId: "c-d1", first: "first", second: "second" });
    expect(callsOf("D1First")).toHaveLength(1);
    expect(callsOf("D1Second")).toHaveLength(3);
    const events = await historyOf(client, arn);
    const types = typesOf(events);
    expect(types.filter((type) => type === "ExecutionFailed")).toHaveLength(1);
    expect(types.indexOf("ExecutionRedriven")).toBe(types.indexOf("ExecutionFailed") + 1);
    expect(events.find((e) => e.type === "ExecutionRedriven")?.executionRedrivenEventDetails).toEqual({
      redriveCount: 1,
    });
    expect(types.at(-1)).toBe("ExecutionSucceeded");
    await expect(client.send(new RedriveExecutionCommand({ executionArn: arn }))).rejects.toMatchObject({
      name: "ExecutionNotRedrivable",
    });
    await stop();
  });

  it("re-runs only the failed iteration of a Map, also after a restart", async () => {
    const dataDir = await tempDir();
    let broken = true;
    lambdas.set("D2Work", (payload) => {
      const item = (payload as { item: string }).item;
      if (item === "b" && broken) throw new BoomError("b is broken");
      return `${item}-done`;
    });
    const definition = {
      StartAt: "Each",
      States: {
        Each: {
          Type: "Map",
          ItemsPath: "$.items",
          ItemSelector: { "item.$": "$$.Map.Item.Value" },
          ItemProcessor: {
            ProcessorConfig: { Mode: "INLINE" },
            StartAt: "Work",
            States: { Work: { Type: "Task", Resource: fnArn("D2Work"), End: true } },
          },
          ResultPath: "$.results",
          End: true,
        },
      },
    };
    const first = await boot(dataDir, { D2: definition });
    const arn = await start(first.client, "D2", { items: ["a", "b", "c"] });
    expect((await finished(first.client, arn)).status).toBe("FAILED");
    await first.stop();

    broken = false;
    const second = await boot(dataDir, { D2: definition });
    await second.client.send(new RedriveExecutionCommand({ executionArn: arn }));
    const done = await finished(second.client, arn);
    expect(done.status).toBe("SUCCEEDED");
    expect(JSON.parse(done.output ?? "null").results).toEqual(["a-done", "b-done", "c-done"]);
    const items = callsOf("D2Work").map((payload) => (payload as { item: string }).item);
    // a succeeded before and is not run again; b failed and runs again; c (abandoned when the Map failed,
    // or never started) runs once to completion.
    expect(items.filter((item) => item === "a")).toHaveLength(1);
    expect(items.filter((item) => item === "b")).toHaveLength(2);
    expect(items.filter((item) => item === "c").length).toBeGreaterThanOrEqual(1);
    await second.stop();
  });

  it("redrives an aborted execution: the callback task that was waiting opens again with a new token", async () => {
    const dataDir = await tempDir();
    const opened = callbackFunction("D3Open");
    const definition = { StartAt: "Review", States: { Review: callback("D3Open", { End: true }) } };
    const { client, stop } = await boot(dataDir, { D3: definition });
    const arn = await start(client, "D3", { caseId: "c-d3" });
    const oldToken = (await eventually(() => opened[0])).taskToken;
    await client.send(
      new StopExecutionCommand({ executionArn: arn, error: "Operator", cause: "by mistake" }),
    );
    await client.send(new RedriveExecutionCommand({ executionArn: arn }));
    const newToken = (await eventually(() => opened[1])).taskToken;
    expect(newToken).not.toBe(oldToken);
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: oldToken, output: "{}" })),
    ).rejects.toMatchObject({ name: "TaskTimedOut" });
    await client.send(new SendTaskSuccessCommand({ taskToken: newToken, output: '"ok"' }));
    expect((await finished(client, arn)).status).toBe("SUCCEEDED");
    await stop();
  });
});

describe("local Step Functions: status change events", () => {
  it("announces a close once the record is on disk, retrying a target that failed", async () => {
    const dataDir = await tempDir();
    lambdas.set("E1Fail", () => {
      throw new BoomError("broken");
    });
    const received: EventBridgeEvent[] = [];
    const onDisk: string[] = [];
    let rejections = 0;
    const onStatusChange = async (event: EventBridgeEvent) => {
      if (event.detail.status !== "RUNNING" && rejections++ === 0) throw new Error("target unavailable");
      received.push(event);
      const file = join(
        dataDir,
        "executions",
        `${encodeURIComponent(String(event.detail.executionArn))}.json`,
      );
      onDisk.push(JSON.parse(await readFile(file, "utf8")).status);
    };
    const definition = {
      StartAt: "Fail",
      States: { Fail: { Type: "Task", Resource: fnArn("E1Fail"), End: true } },
    };
    const { client, stop } = await boot(dataDir, { E1: definition }, { onStatusChange });
    const arn = await start(client, "E1", { caseId: "c-e1" });
    const failed = await eventually(() => received.find((event) => event.detail.status === "FAILED"));
    expect(failed).toMatchObject({
      version: "0",
      "detail-type": "Step Functions Execution Status Change",
      source: "aws.states",
      account: ACCOUNT,
      region: REGION,
      resources: [arn],
      detail: {
        executionArn: arn,
        stateMachineArn: machineArn("E1"),
        name: expect.any(String),
        status: "FAILED",
        error: "BoomError",
        input: '{"caseId":"c-e1"}',
        output: null,
      },
    });
    expect(received.find((event) => event.detail.status === "RUNNING")).toBeDefined();
    expect(onDisk).toContain("FAILED");
    expect(rejections).toBeGreaterThan(1);
    await stop();
  });

  it("sends a close that was not delivered before a stop after the next start", async () => {
    const dataDir = await tempDir();
    lambdas.set("E2Fail", () => {
      throw new BoomError("broken");
    });
    const definition = {
      StartAt: "Fail",
      States: { Fail: { Type: "Task", Resource: fnArn("E2Fail"), End: true } },
    };
    const first = await boot(
      dataDir,
      { E2: definition },
      { onStatusChange: () => Promise.reject(new Error("down")) },
    );
    const arn = await start(first.client, "E2", {});
    await finished(first.client, arn);
    await first.stop();
    const received: EventBridgeEvent[] = [];
    const second = await boot(
      dataDir,
      { E2: definition },
      {
        onStatusChange: async (event) => {
          received.push(event);
        },
      },
    );
    const event = await eventually(() => received.find((e) => e.detail.executionArn === arn));
    expect(event.detail.status).toBe("FAILED");
    await second.stop();
  });
});
