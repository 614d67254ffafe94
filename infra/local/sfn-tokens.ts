/**
 * Task tokens of `.waitForTaskToken` tasks: what SendTaskSuccess, -Failure and
 * -Heartbeat reach. After a restart a resumed execution's open tokens answer at
 * once (deferred): their calls wait until the replay has re-armed the task.
 */
import { SfnServiceError } from "./sfn-errors.ts";
import type { JsonValue } from "./sfn-lambda.ts";

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{128}$/;

export interface TokenEntry {
  readonly executionArn: string;
  status: "pending" | "closed";
  succeed(output: JsonValue): void;
  fail(error: string, cause: string): void;
  heartbeat(): void;
  /** Calls made before a resumed execution re-armed the task, applied when it does. */
  readonly deferred?: ((entry: TokenEntry) => void)[];
}

export class TaskTokens {
  private readonly entries = new Map<string, TokenEntry>();

  get(token: string): TokenEntry | undefined {
    return this.entries.get(token);
  }

  set(token: string, entry: TokenEntry): void {
    this.entries.set(token, entry);
  }

  /** A token of a resumed execution, before its replay has re-armed the task: calls are kept for it. */
  defer(executionArn: string, token: string): void {
    const calls: ((entry: TokenEntry) => void)[] = [];
    const entry: TokenEntry = {
      executionArn,
      status: "pending",
      deferred: calls,
      succeed: (output) => {
        entry.status = "closed";
        calls.push((live) => live.succeed(output));
      },
      fail: (error, cause) => {
        entry.status = "closed";
        calls.push((live) => live.fail(error, cause));
      },
      heartbeat: () => calls.push((live) => live.heartbeat()),
    };
    this.entries.set(token, entry);
  }

  /** The pending task of a token, or the Step Functions error SendTask* answers. */
  lookup(token: string): TokenEntry {
    if (!TOKEN_PATTERN.test(token))
      throw new SfnServiceError("InvalidToken", "Invalid Token: malformed task token");
    const entry = this.entries.get(token);
    if (!entry) throw new SfnServiceError("TaskDoesNotExist", "Task Does Not Exist");
    if (entry.status !== "pending") {
      throw new SfnServiceError(
        "TaskTimedOut",
        "Task Timed Out: the task has already been closed or has timed out",
      );
    }
    return entry;
  }

  closeAll(): void {
    for (const entry of this.entries.values()) entry.status = "closed";
  }
}
