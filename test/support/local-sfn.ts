/**
 * For tests of the local Step Functions emulator on its own (no local cloud):
 * ARNs, an in-test Lambda "service" that records every call, an SDK client
 * for an emulator, and the start / finished / history calls every such test makes.
 */
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import type { LocalStepFunctions } from "#infra/local/stepfunctions.ts";
import { eventually as poll } from "./eventually.ts";

export const REGION = "us-east-1";
export const ACCOUNT = "000000000000";
export const DAY_SECONDS = 24 * 3600;
export const CALLBACK = "arn:aws:states:::lambda:invoke.waitForTaskToken";
export const INVOKE = "arn:aws:states:::lambda:invoke";
export const machineArn = (name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
export const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;

/** What a callback task hands its function: the task token and the state's parameters. */
export type CallbackPayload = { taskToken: string; [key: string]: unknown };

/**
 * In-test Lambda "service": functions by name, every call recorded. A name
 * nobody set fails as Lambda does (ResourceNotFoundException).
 */
export function lambdaService() {
  const lambdas = new Map<string, (payload: unknown) => unknown>();
  const calls: { name: string; payload: unknown }[] = [];
  async function invokeLambda(functionName: string, payload: unknown): Promise<unknown> {
    const name = functionName.startsWith("arn:") ? (functionName.split(":")[6] ?? "") : functionName;
    calls.push({ name, payload });
    const fn = lambdas.get(name);
    if (!fn)
      throw Object.assign(new Error(`Function not found: ${functionName}`), {
        name: "ResourceNotFoundException",
      });
    return fn(payload);
  }
  const callsOf = (name: string) => calls.filter((call) => call.name === name).map((call) => call.payload);
  /** A callback function: records each payload (with its taskToken) and answers "opened". */
  function callbackFunction(name: string): CallbackPayload[] {
    const payloads: CallbackPayload[] = [];
    lambdas.set(name, (payload) => {
      payloads.push(payload as CallbackPayload);
      return { opened: true };
    });
    return payloads;
  }
  return { lambdas, calls, invokeLambda, callsOf, callbackFunction };
}

/** Polls every 20 ms (the emulator answers fast) for up to 20 s. */
export const eventually = <T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000) =>
  poll(probe, timeoutMs, 20);

export function clientFor(emulator: LocalStepFunctions): SFNClient {
  return new SFNClient({
    endpoint: emulator.endpoint,
    region: REGION,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
}

export async function start(
  client: SFNClient,
  stateMachine: string,
  input: unknown,
  name?: string,
): Promise<string> {
  const { executionArn } = await client.send(
    new StartExecutionCommand({
      stateMachineArn: machineArn(stateMachine),
      input: JSON.stringify(input),
      name,
    }),
  );
  if (!executionArn) throw new Error("no executionArn");
  return executionArn;
}

/** The execution once it is no longer RUNNING. */
export function finished(
  client: SFNClient,
  executionArn: string,
  timeoutMs?: number,
): Promise<DescribeExecutionCommandOutput> {
  return eventually(async () => {
    const description = await client.send(new DescribeExecutionCommand({ executionArn }));
    return description.status === "RUNNING" ? undefined : description;
  }, timeoutMs);
}

export async function historyOf(client: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const { events = [] } = await client.send(
    new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }),
  );
  return events;
}

export const typesOf = (events: HistoryEvent[]) => events.map((event) => event.type);
