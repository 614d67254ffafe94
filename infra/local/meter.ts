/**
 * Optional observers of the local stand-ins, for benchmarks that count the AWS
 * operations a case performs (bench/cost-per-permit.ts). None of them changes
 * what a client sees; without a meter the stand-ins run exactly as before.
 */
import type { CallDynalite, TableShapes } from "./dynamodb-dynalite.ts";

/** Capacity one DynamoDB request consumed, by DynamoDB's rules (see bench/support/dynamodb-meter.ts). */
export interface DynamoDbUsage {
  readonly operation: string;
  /** Read request units (on-demand), the same number as RCUs: 0.5 per eventually consistent 4 KB. */
  readonly readUnits: number;
  /** Write request units, table and global secondary indexes together. */
  readonly writeUnits: number;
  /** Of `writeUnits`, what the GSI updates cost. */
  readonly indexWriteUnits: number;
  /** The meter could not size this request (reported, so a benchmark can say its count is short). */
  readonly unmetered?: boolean;
}

/** One request that reached the local S3 endpoint (SDK calls and presigned URLs alike). */
export interface S3Request {
  readonly method: string;
  /** Path-style: `/<bucket>/<key>`, query string included. */
  readonly url: string;
  readonly status: number;
  /** Declared body size (content-length), 0 when absent. */
  readonly requestBytes: number;
  readonly userAgent: string;
}

/** One Lambda invocation, timed around the handler only (module loading excluded, as Lambda's Init phase is). */
export interface LambdaInvocationRecord {
  /** The function's logical id in the template (memory size and architecture are read there). */
  readonly logicalId: string;
  readonly entry: string;
  readonly durationMs: number;
  readonly ok: boolean;
}

/** A DynamoDB answer as the local front relays it. */
export interface DynamoDbAnswer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * Sizes what a request through the local DynamoDB front consumed
 * (bench/support/dynamodb-meter.ts). The front calls `before` holding the
 * request's item locks, forwards the request, then calls `measure`; a
 * transaction is sized from the ConsumedCapacity the engine answered.
 */
export interface DynamoDbCapacityMeter<Before = unknown> {
  /** Operations sized around the forwarded request (not the transactions). */
  measures(operation: string): boolean;
  before(operation: string, request: unknown): Promise<Before>;
  measure(
    operation: string,
    request: unknown,
    before: Before,
    answer: DynamoDbAnswer,
  ): Promise<DynamoDbUsage>;
  transaction(operation: string, answer: DynamoDbAnswer): DynamoDbUsage;
}

/**
 * Read per request (the stand-ins look the observer up each time), so a
 * benchmark can switch one off for a pass where its own work would skew a
 * figure, e.g. the DynamoDB meter's extra reads inside handler durations.
 */
export interface LocalMeter {
  /** Observes each DynamoDB request's usage, as sized by `dynamoDbCapacity`. */
  dynamoDb?: ((usage: DynamoDbUsage) => void) | undefined;
  /**
   * Builds the sizer once, at start, from the front's access to dynalite
   * (bench/support/dynamodb-meter.ts's `dynamoDbCapacity`). Without it no
   * DynamoDB request is sized or observed.
   */
  dynamoDbCapacity?: (dynalite: {
    readonly call: CallDynalite;
    readonly shapes: TableShapes;
  }) => DynamoDbCapacityMeter;
  s3?: ((request: S3Request) => void) | undefined;
  lambda?: ((invocation: LambdaInvocationRecord) => void) | undefined;
}
