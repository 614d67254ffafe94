import { randomUUID } from "node:crypto";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Context } from "aws-lambda";
import pLimit, { type LimitFunction } from "p-limit";
import { logger } from "#shared/logger.ts";
import { ENTRY_METADATA, LOCAL_SKIP_METADATA } from "../constructs/function-metadata.ts";
import { noteLocalWork } from "./changes.ts";
import { type LocalFaults, lambdaFaultError } from "./faults.ts";
import type { LocalMeter } from "./meter.ts";
import { type CfnTemplate, type PhysicalNames, resolveIntrinsics } from "./template.ts";

export interface LocalFunction {
  readonly logicalId: string;
  readonly arn: string;
  /** Handler module relative to the repository root. */
  readonly entry: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
}

/** A handler threw: carries the function error's name like Lambda's `errorType`. */
export class LambdaInvocationError extends Error {}

/** The invocation ran past the function's configured timeout. */
export class LambdaTimeoutError extends Error {
  override name = "Sandbox.Timedout";
}

/** Reads every Lambda function of the template with its handler module and resolved environment. */
export function functionsFromTemplate(template: CfnTemplate, names: PhysicalNames): LocalFunction[] {
  return (
    Object.entries(template.Resources)
      .filter(([, resource]) => resource.Type === "AWS::Lambda::Function")
      // Deploy-time custom resources (marked by their construct) have nothing to do in the local cloud.
      .filter(([, resource]) => resource.Metadata?.[LOCAL_SKIP_METADATA] === undefined)
      .map(([logicalId, resource]) => {
        const entry = resource.Metadata?.[ENTRY_METADATA];
        if (typeof entry !== "string")
          throw new Error(`Function ${logicalId} has no ${ENTRY_METADATA} metadata`);
        const variables = (resource.Properties?.Environment as { Variables?: unknown } | undefined)
          ?.Variables;
        const environment = resolveIntrinsics(variables ?? {}, names) as Record<string, string>;
        return {
          logicalId,
          arn: names.resolveGetAtt(logicalId, "Arn"),
          entry,
          environment,
          timeoutSeconds: Number(resource.Properties?.Timeout ?? 3),
        };
      })
  );
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * How many invocations run at once. On AWS every invocation has a sandbox and
 * a CPU of its own; here they all share this process's one event loop with the
 * DynamoDB, S3 and Step Functions stand-ins. Run unbounded, 100 households at
 * once make every handler take longer than its timeout (each waits behind all
 * the others), and the timeouts' retries add load until nothing finishes. So
 * the rest wait their turn, and a function's timeout starts when it runs, as a
 * Lambda's starts when its sandbox takes the event.
 */
export const DEFAULT_LOCAL_CONCURRENCY = 8;

/**
 * Runs the template's functions in this process by importing their handler
 * modules: the same code CDK bundles. All functions share process.env, so the
 * union of their environments must agree (one table, one bucket, one state
 * machine); a conflict is a configuration error worth failing on.
 */
export class LocalLambdaRuntime {
  private readonly byName = new Map<string, LocalFunction>();
  private readonly handlers = new Map<string, Promise<Handler>>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly admit: LimitFunction;

  constructor(
    readonly functions: readonly LocalFunction[],
    private readonly repoRoot: string,
    /** Benchmarks: every invocation's handler time goes to `meter.lambda`. */
    private readonly meter?: LocalMeter,
    /** Tests only: fail invocations as Lambda may, before or after the handler ran (faults.ts). */
    private readonly faults?: LocalFaults["lambda"],
    concurrency = DEFAULT_LOCAL_CONCURRENCY,
  ) {
    this.admit = pLimit(concurrency);
    for (const fn of functions) {
      this.byName.set(fn.logicalId, fn);
      this.byName.set(fn.arn, fn);
    }
  }

  /** The environment every handler expects, merged; throws if two functions disagree on a value. */
  sharedEnvironment(): Record<string, string> {
    const merged: Record<string, string> = {};
    for (const fn of this.functions) {
      for (const [key, value] of Object.entries(fn.environment)) {
        if (key in merged && merged[key] !== value) {
          throw new Error(`Functions disagree on ${key}; the local runtime shares one environment`);
        }
        merged[key] = value;
      }
    }
    return merged;
  }

  find(nameOrArn: string): LocalFunction {
    // Qualified ARNs (…:function:Name:$LATEST) and bare names both resolve.
    const unqualified = nameOrArn.replace(/^(arn:[^:]+:lambda:[^:]+:[^:]+:function:[^:]+):.+$/, "$1");
    const fn = this.byName.get(unqualified);
    if (!fn) throw new Error(`No local function ${nameOrArn}`);
    return fn;
  }

  private load(fn: LocalFunction): Promise<Handler> {
    let handler = this.handlers.get(fn.logicalId);
    if (!handler) {
      const url = pathToFileURL(path.join(this.repoRoot, fn.entry)).href;
      handler = import(url).then((module: { handler?: unknown }) => {
        if (typeof module.handler !== "function") throw new Error(`${fn.entry} exports no handler`);
        return module.handler as Handler;
      });
      this.handlers.set(fn.logicalId, handler);
    }
    return handler;
  }

  /**
   * Waits (at most `timeoutMs`) for the invocations still running: the local
   * cloud closes its DynamoDB and S3 stand-ins only after them, so a handler
   * answering a last request never reads from a closed store.
   */
  async drain(timeoutMs = 5000): Promise<void> {
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Invokes like Lambda: JSON in, JSON out, errors by name, the function's timeout enforced. */
  invoke(nameOrArn: string, payload: unknown): Promise<unknown> {
    const ended = noteLocalWork();
    const running = this.run(nameOrArn, payload);
    this.inFlight.add(running);
    const settled = () => {
      this.inFlight.delete(running);
      ended();
    };
    running.then(settled, settled);
    return running;
  }

  private async run(nameOrArn: string, payload: unknown): Promise<unknown> {
    const fn = this.find(nameOrArn);
    const fault = this.faults?.({ logicalId: fn.logicalId, entry: fn.entry, payload });
    if (fault?.when === "before") throw lambdaFaultError(fault.error);
    if (fault?.when === "held") await fault.until;
    const result = await this.admit(() => this.runHandler(fn, payload));
    if (fault?.when === "after") throw lambdaFaultError(fault.error);
    return result;
  }

  private async runHandler(fn: LocalFunction, payload: unknown): Promise<unknown> {
    const handler = await this.load(fn);
    const deadline = Date.now() + fn.timeoutSeconds * 1000;
    const context = {
      callbackWaitsForEmptyEventLoop: false,
      functionName: fn.logicalId,
      functionVersion: "$LATEST",
      invokedFunctionArn: fn.arn,
      memoryLimitInMB: "512",
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${fn.logicalId}`,
      logStreamName: "local",
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    } satisfies Context;
    const event = JSON.parse(JSON.stringify(payload ?? null)) as unknown;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new LambdaTimeoutError(`Task timed out after ${fn.timeoutSeconds} seconds`)),
        fn.timeoutSeconds * 1000,
      );
    });
    const started = performance.now();
    let ok = false;
    try {
      const result = await Promise.race([handler(event, context), timeout]);
      ok = true;
      return result === undefined ? null : (JSON.parse(JSON.stringify(result)) as unknown);
    } catch (error) {
      if (error instanceof LambdaTimeoutError) throw error;
      // Lambda prints a function's uncaught error to its log: here through the redacting logger too.
      logger.warn("Function invocation failed", { function: fn.logicalId, error });
      const failure = new LambdaInvocationError(error instanceof Error ? error.message : String(error));
      failure.name = error instanceof Error ? error.name : "Error";
      throw failure;
    } finally {
      clearTimeout(timer);
      // Around the handler only: loading the module is Lambda's Init phase, billed apart (cold starts).
      this.meter?.lambda?.({
        logicalId: fn.logicalId,
        entry: fn.entry,
        durationMs: performance.now() - started,
        ok,
      });
    }
  }
}
