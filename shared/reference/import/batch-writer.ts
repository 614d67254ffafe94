/**
 * BatchWriteItem / BatchGetItem with what DynamoDB leaves to the caller:
 * batches of at most 25 writes (100 reads), UnprocessedItems / UnprocessedKeys
 * sent again, and exponential backoff with full jitter on throttling, on
 * unprocessed leftovers and on 5xx/network errors (AWS Architecture Blog,
 * "Exponential Backoff and Jitter"). The SDK's own retries stay on; these
 * cover what it hands back as "done, except these".
 */
import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export const MAX_BATCH_WRITE = 25;
export const MAX_BATCH_GET = 100;

export type WriteRequest =
  | { readonly PutRequest: { readonly Item: Record<string, unknown> } }
  | { readonly DeleteRequest: { readonly Key: Record<string, unknown> } };

/** The table kept refusing a batch after every retry: the import stops at its last checkpoint. */
export class BatchRetriesExhaustedError extends Error {
  override readonly name = "BatchRetriesExhaustedError";
}

export interface BackoffOptions {
  readonly baseMs?: number;
  readonly capMs?: number;
  readonly maxAttempts?: number;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const RETRYABLE_NAMES = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
  "ServiceUnavailable",
  "TimeoutError",
]);

export function isRetryable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const code = (error as { code?: unknown }).code;
  return (
    RETRYABLE_NAMES.has(error.name) ||
    (status !== undefined && status >= 500) ||
    code === "ECONNRESET" ||
    code === "ECONNREFUSED" ||
    code === "EPIPE"
  );
}

export class Backoff {
  private readonly baseMs: number;
  private readonly capMs: number;
  readonly maxAttempts: number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** How many waits happened (the summary reports throttling). */
  retries = 0;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 50;
    this.capMs = options.capMs ?? 5_000;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Full jitter: a uniform wait in [0, min(cap, base · 2^attempt)). */
  delayMs(attempt: number): number {
    return Math.floor(this.random() * Math.min(this.capMs, this.baseMs * 2 ** attempt));
  }

  async wait(attempt: number): Promise<void> {
    this.retries++;
    await this.sleep(this.delayMs(attempt));
  }
}

export class BatchWriter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly backoff: Backoff = new Backoff(),
  ) {}

  get retries(): number {
    return this.backoff.retries;
  }

  /** One batch of ≤ 25 requests, until DynamoDB has taken every one. */
  async writeBatch(requests: readonly WriteRequest[]): Promise<void> {
    if (requests.length > MAX_BATCH_WRITE)
      throw new RangeError(`at most ${MAX_BATCH_WRITE} writes per batch`);
    let pending = [...requests];
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= this.backoff.maxAttempts) {
        throw new BatchRetriesExhaustedError(
          `${pending.length} writes still unprocessed after ${attempt} attempts`,
        );
      }
      if (attempt > 0) await this.backoff.wait(attempt);
      try {
        const { UnprocessedItems } = await this.client.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: pending as WriteRequest[] } }),
        );
        pending = (UnprocessedItems?.[this.tableName] ?? []) as WriteRequest[];
      } catch (error) {
        if (!isRetryable(error)) throw error;
      }
    }
  }

  /**
   * Writes all requests in batches of 25, `concurrency` batches at a time. Two
   * requests for the same key must not share a batch (DynamoDB refuses it); the
   * importer never produces that.
   */
  async writeAll(requests: readonly WriteRequest[], concurrency = 4): Promise<void> {
    const batches: WriteRequest[][] = [];
    for (let i = 0; i < requests.length; i += MAX_BATCH_WRITE)
      batches.push(requests.slice(i, i + MAX_BATCH_WRITE));
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const batch = batches[next++];
        if (batch) await this.writeBatch(batch);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
  }

  /** Reads items by key (any number), with the attributes named; missing items are simply absent. */
  async getAll(
    keys: readonly Record<string, unknown>[],
    attributes: readonly string[],
  ): Promise<Record<string, unknown>[]> {
    const found: Record<string, unknown>[] = [];
    const names = Object.fromEntries(attributes.map((name, index) => [`#a${index}`, name]));
    for (let i = 0; i < keys.length; i += MAX_BATCH_GET) {
      let pending: Record<string, unknown>[] = keys.slice(i, i + MAX_BATCH_GET);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= this.backoff.maxAttempts) {
          throw new BatchRetriesExhaustedError(
            `${pending.length} reads still unprocessed after ${attempt} attempts`,
          );
        }
        if (attempt > 0) await this.backoff.wait(attempt);
        try {
          const page = await this.client.send(
            new BatchGetCommand({
              RequestItems: {
                [this.tableName]: {
                  Keys: pending,
                  ProjectionExpression: Object.keys(names).join(", "),
                  ExpressionAttributeNames: names,
                },
              },
            }),
          );
          found.push(...(page.Responses?.[this.tableName] ?? []));
          pending = page.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
        } catch (error) {
          if (!isRetryable(error)) throw error;
        }
      }
    }
    return found;
  }
}
