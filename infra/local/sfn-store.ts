/**
 * On-disk records of the local Step Functions: one JSON file per execution,
 * written atomically (temp file + rename) and never concurrently for the same
 * execution, so a crash or a restart leaves either the previous or the next
 * complete snapshot. Temp files a crash left behind are removed on open.
 * Closed executions are not kept in memory: `open()` returns their summaries
 * and `read()` loads one on demand.
 *
 * `inMemory` (tests whose data folder is never reopened) keeps every record in
 * memory instead and writes nothing: a record changes with every step, and
 * writing its whole history each time was ≈ 3 % of an integration file's CPU,
 * with API calls waiting on those writes (`flushOne`).
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as z from "zod";

export const EXECUTION_STATUSES = ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

/** One event in the shape of GetExecutionHistory (timestamp in epoch milliseconds on disk). */
const historyEventSchema = z
  .object({
    id: z.number().int(),
    previousEventId: z.number().int(),
    timestamp: z.number(),
    type: z.string(),
  })
  .catchall(z.unknown());
export type HistoryEvent = z.infer<typeof historyEventSchema>;

/**
 * Everything one task or wait attempt consumed and produced: a restarted
 * emulator replays an execution from these (see sfn-replay.ts).
 */
const stepRecordSchema = z.object({
  seq: z.number().int(),
  stateName: z.string(),
  /** Where the attempt ran: "" at the top level, "JointReview[2]" in a Map iteration ("A[0]/B[1]" nested). */
  scope: z.string().optional(),
  kind: z.enum(["task", "wait"]),
  resource: z.string(),
  /** The state's effective input (after InputPath). */
  input: z.unknown(),
  /** The Parameters output, task token filled in (tasks only). */
  parameters: z.unknown().optional(),
  taskToken: z.string().optional(),
  timeoutSeconds: z.number().optional(),
  heartbeatSeconds: z.number().optional(),
  /** Epoch ms at which a Wait state is due (waits only). */
  waitUntil: z.number().optional(),
  status: z.enum(["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "CLOSED"]),
  startedAt: z.number(),
  endedAt: z.number().optional(),
  /** What the Lambda invocation returned (for callback tasks: before the token was resumed). */
  invocationResult: z.unknown().optional(),
  result: z.unknown().optional(),
  error: z.string().optional(),
  cause: z.string().optional(),
  /** Epoch ms of the last SendTaskHeartbeat (callback tasks): the heartbeat timeout counts from here. */
  heartbeatAt: z.number().optional(),
  /**
   * What the state's own Retry/Catch made of a failure: "retry" (the next attempt of the state
   * is due at `retryAt`, real epoch ms), "catch", or "none" (the error left the state); "parent"
   * when a Map or Parallel around it caught or retried the error.
   */
  handling: z.enum(["retry", "catch", "none", "parent"]).optional(),
  retryAt: z.number().optional(),
  /** Index of the matching retrier in the state's Retry list (handling "retry"). */
  retrier: z.number().int().optional(),
  /** Re-run by a redrive: kept for the record, never replayed again. */
  discarded: z.boolean().optional(),
});
export type StepRecord = z.infer<typeof stepRecordSchema>;

export const executionRecordSchema = z.object({
  version: z.literal(1),
  executionArn: z.string(),
  stateMachineArn: z.string(),
  name: z.string(),
  /** The execution input as JSON text, as StartExecution received it. */
  input: z.string(),
  status: z.enum(EXECUTION_STATUSES),
  startDate: z.number(),
  stopDate: z.number().optional(),
  output: z.string().optional(),
  error: z.string().optional(),
  cause: z.string().optional(),
  history: z.array(historyEventSchema),
  steps: z.array(stepRecordSchema),
  /** Task tokens that were waiting for SendTask* when this snapshot was written. */
  pendingTaskTokens: z.array(z.string()),
  /** RedriveExecution: how often, and when last. */
  redriveCount: z.number().int().optional(),
  redriveDate: z.number().optional(),
  /** The clientToken of the last redrive: the same request sent again answers the same. */
  redriveClientToken: z.string().optional(),
  /** The closing status change event: "pending" until its targets took it (at least once). */
  statusEvent: z.enum(["pending", "sent"]).optional(),
});
export type ExecutionRecord = z.infer<typeof executionRecordSchema>;

/** What ListExecutions needs of a closed execution, kept in memory instead of the record. */
export interface ExecutionSummary {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: ExecutionStatus;
  readonly startDate: number;
  readonly stopDate: number | undefined;
  readonly statusEvent: "pending" | "sent" | undefined;
}

export function summaryOf(record: ExecutionRecord): ExecutionSummary {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: record.startDate,
    stopDate: record.stopDate,
    statusEvent: record.statusEvent,
  };
}

function fileNameFor(executionArn: string): string {
  // Execution ARNs contain ':' which is not portable in file names.
  return `${encodeURIComponent(executionArn)}.json`;
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await writeFile(temp, text, "utf8");
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Persists the latest snapshot of each execution. Writes for one execution run
 * one at a time; changes made while a write is in flight are coalesced into one
 * more write of the then-current snapshot.
 */
export class ExecutionStore {
  private readonly dir: string;
  private readonly writers = new Map<string, { dirty: boolean; running: Promise<void> | undefined }>();
  private readonly failures: unknown[] = [];
  /** With `inMemory`: the live record of every execution, by ARN (read copies it). */
  private readonly memory: Map<string, () => ExecutionRecord> | undefined;

  constructor(dataDir: string, options: { readonly inMemory?: boolean } = {}) {
    this.dir = join(dataDir, "executions");
    this.memory = options.inMemory ? new Map() : undefined;
  }

  /**
   * Removes the temp files of writes a crash interrupted (the renamed snapshot is the truth),
   * then reads every record: running ones whole, closed ones as summaries.
   */
  async open(): Promise<{ running: ExecutionRecord[]; closed: ExecutionSummary[] }> {
    if (this.memory) return { running: [], closed: [] };
    await mkdir(this.dir, { recursive: true });
    const running: ExecutionRecord[] = [];
    const closed: ExecutionSummary[] = [];
    for (const entry of await readdir(this.dir)) {
      if (entry.endsWith(".tmp")) {
        await rm(join(this.dir, entry), { force: true });
        continue;
      }
      if (!entry.endsWith(".json")) continue;
      const record = await this.readFile(join(this.dir, entry));
      if (record?.status === "RUNNING") running.push(record);
      else if (record) closed.push(summaryOf(record));
    }
    return { running, closed };
  }

  private async readFile(path: string): Promise<ExecutionRecord | undefined> {
    try {
      const parsed = executionRecordSchema.safeParse(JSON.parse(await readFile(path, "utf8")));
      return parsed.success ? parsed.data : undefined;
    } catch {
      // A foreign or damaged file must not stop the emulator from starting; it is just not listed.
      return undefined;
    }
  }

  /** The latest snapshot of one execution (its pending write included), or undefined. */
  async read(executionArn: string): Promise<ExecutionRecord | undefined> {
    if (this.memory) {
      const snapshot = this.memory.get(executionArn);
      return snapshot ? structuredClone(snapshot()) : undefined;
    }
    await this.flushOne(executionArn);
    return this.readFile(join(this.dir, fileNameFor(executionArn)));
  }

  /** Schedules a write of `snapshot()`; the snapshot is taken when the write starts. */
  save(executionArn: string, snapshot: () => ExecutionRecord): void {
    if (this.memory) {
      this.memory.set(executionArn, snapshot);
      return;
    }
    let writer = this.writers.get(executionArn);
    if (!writer) {
      writer = { dirty: false, running: undefined };
      this.writers.set(executionArn, writer);
    }
    writer.dirty = true;
    if (writer.running) return;
    const state = writer;
    const path = join(this.dir, fileNameFor(executionArn));
    state.running = (async () => {
      while (state.dirty) {
        state.dirty = false;
        try {
          await writeAtomically(path, `${JSON.stringify(snapshot(), null, 2)}\n`);
        } catch (error) {
          this.failures.push(error);
        }
      }
      state.running = undefined;
      this.writers.delete(executionArn);
    })();
  }

  /** Waits until the writes scheduled so far for one execution have reached the disk. */
  async flushOne(executionArn: string): Promise<void> {
    for (;;) {
      const running = this.writers.get(executionArn)?.running;
      if (!running) return;
      await running;
    }
  }

  /** Waits until every scheduled write has reached the disk. */
  async flush(): Promise<void> {
    for (;;) {
      const running = [...this.writers.values()].flatMap((w) => (w.running ? [w.running] : []));
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  /** Write errors so far (the emulator keeps serving from memory when the disk fails). */
  get writeFailures(): readonly unknown[] {
    return this.failures;
  }
}
