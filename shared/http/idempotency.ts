/**
 * The Idempotency-Key header (IETF draft-ietf-httpapi-idempotency-key-header)
 * on top of Powertools idempotency, made safe under concurrency:
 *
 * - header missing or invalid → 400 `idempotency_key_missing`, before anything is stored;
 * - the first request with a key runs; every later one with the same key and
 *   body gets its stored answer replayed, byte for byte;
 * - while the first still runs → 409 `idempotency_request_in_progress`;
 * - the same key with another body → 422 `idempotency_key_reused`;
 * - the first request fails → its record goes, so the key may be retried.
 *
 * Powertools' middy middleware deletes the key's record on ANY error of the
 * request, including its own "already in progress" and "payload mismatch"
 * errors: a concurrent retry would delete the first request's in-progress
 * record, the next retry would run the use case a second time (an answer
 * from the case's status instead of the replay) and others would find no
 * record at all (IdempotencyItemNotFoundError, a 500). Here only the request
 * that wrote the in-progress record may remove it, and only while it is still
 * in progress: a completed answer is never deleted.
 */
import { IdempotencyConfig } from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { makeHandlerIdempotent } from "@aws-lambda-powertools/idempotency/middleware";
import type { IdempotencyRecord } from "@aws-lambda-powertools/idempotency/persistence";
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import type middy from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { idempotencyKeyHeader } from "../schemas/requests.ts";
import { HttpError } from "./errors.ts";

type HttpMiddleware = middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>;

/** Powertools' record status names (IdempotencyRecordStatus). */
const IN_PROGRESS = "INPROGRESS";
const STATUS_ATTRIBUTE = "status";

/** Deletes a key's record only while it is in progress: a completed answer stays for its replays. */
class InProgressDeletingPersistenceLayer extends DynamoDBPersistenceLayer {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly table: string,
    options: { readonly staticPkValue: string },
  ) {
    super({
      tableName: table,
      keyAttr: "pk",
      sortKeyAttr: "sk",
      staticPkValue: options.staticPkValue,
      awsSdkV3Client: dynamodb,
    });
  }

  protected override async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    try {
      await this.dynamodb.send(
        new DeleteItemCommand({
          TableName: this.table,
          Key: this.getKey(record.idempotencyKey),
          ConditionExpression: "#status = :inprogress",
          ExpressionAttributeNames: { "#status": STATUS_ATTRIBUTE },
          ExpressionAttributeValues: { ":inprogress": { S: IN_PROGRESS } },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw error;
    }
  }
}

/** 400: the draft makes the header mandatory where the resource says so. */
export class IdempotencyKeyMissingError extends HttpError {
  constructor() {
    super("idempotency_key_missing");
  }
}

export interface IdempotencyOptions {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  /** The partition of this operation's records in the single table, e.g. `IDEMPOTENCY#submit`. */
  readonly partition: string;
}

/**
 * The middlewares of an idempotent route (httpRoute registers them after the
 * input is validated, so a malformed request is a 400 that leaves the key
 * unused): the key header checked, then the key's record.
 */
export function idempotencyKeyMiddlewares(options: IdempotencyOptions): HttpMiddleware[] {
  const persistenceStore = new InProgressDeletingPersistenceLayer(options.dynamodb, options.tableName, {
    staticPkValue: options.partition,
  });
  const config = new IdempotencyConfig({
    // The key is the caller's: the same header value from another user or for another case is another key.
    eventKeyJmesPath:
      '[requestContext.authorizer.jwt.claims.sub, pathParameters.caseId, headers."idempotency-key"]',
    // The draft's request fingerprint: the same key with another body is refused (422).
    payloadValidationJmesPath: "body",
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: 24 * 3600,
  });
  const powertools = makeHandlerIdempotent({ persistenceStore, config }) as HttpMiddleware;

  const validate: HttpMiddleware = {
    before: (request) => {
      const key = request.event.headers["idempotency-key"];
      if (!idempotencyKeyHeader.safeParse(key).success) {
        throw new IdempotencyKeyMissingError();
      }
    },
  };

  // The requests that wrote their key's in-progress record (middy passes one request object through all hooks).
  const owners = new WeakSet<object>();
  const owned: HttpMiddleware = {
    before: async (request) => {
      // Throws for a request in progress (409), another body (422) or a store failure: none of them owns the record.
      const replay = await powertools.before?.(request);
      if (replay === undefined) owners.add(request);
      return replay;
    },
    after: async (request) => {
      if (owners.has(request)) await powertools.after?.(request);
    },
    onError: async (request) => {
      if (owners.has(request)) await powertools.onError?.(request);
    },
  };
  return [validate, owned];
}
