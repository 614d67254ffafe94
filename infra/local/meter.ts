/**
 * Optional observers of the local stand-ins, for benchmarks that count the AWS
 * operations a case performs (bench/cost-per-permit.ts). None of them changes
 * what a client sees; without a meter the stand-ins run exactly as before.
 */

/** Capacity one DynamoDB request consumed, by DynamoDB's rules (see dynamodb-meter.ts). */
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

/**
 * Read per request (the stand-ins look the observer up each time), so a
 * benchmark can switch one off for a pass where its own work would skew a
 * figure, e.g. the DynamoDB meter's extra reads inside handler durations.
 */
export interface LocalMeter {
  dynamoDb?: ((usage: DynamoDbUsage) => void) | undefined;
  s3?: ((request: S3Request) => void) | undefined;
  lambda?: ((invocation: LambdaInvocationRecord) => void) | undefined;
}
