import { IdempotencyConfig } from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { makeHandlerIdempotent } from "@aws-lambda-powertools/idempotency/middleware";
import type middy from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { actorOf } from "#shared/auth/actor.ts";
import { getMyCase, submitCase } from "#shared/cases/villager.ts";
import { HttpError } from "#shared/http/errors.ts";
import { httpRoute } from "#shared/http/handler.ts";
import { maskApplication } from "#shared/personal-data/application.ts";
import { caseStore, countyPolicy, sfnClient, stateMachineArn, tableName } from "#shared/runtime.ts";
import { caseIdPath, idempotencyKeyHeader } from "#shared/schemas/requests.ts";

const deps = {
  store: caseStore(),
  policy: countyPolicy(),
  sfn: sfnClient(),
  stateMachineArn: stateMachineArn(),
};

// Idempotency records live in the case table under their own partition (single-table design).
const persistenceStore = new DynamoDBPersistenceLayer({
  tableName: tableName(),
  keyAttr: "pk",
  sortKeyAttr: "sk",
  staticPkValue: "IDEMPOTENCY#submit",
});
const config = new IdempotencyConfig({
  // The key is the caller's: the same header value from another user or for another case is another key.
  eventKeyJmesPath:
    '[requestContext.authorizer.jwt.claims.sub, pathParameters.caseId, headers."idempotency-key"]',
  payloadValidationJmesPath: "body",
  throwOnNoIdempotencyKey: true,
  expiresAfterSeconds: 24 * 3600,
});

/** IETF Idempotency-Key draft: the header is required on submit. */
const requireIdempotencyKey = (): middy.MiddlewareObj<
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2
> => ({
  before: (request) => {
    const key = request.event.headers["idempotency-key"];
    if (!idempotencyKeyHeader.safeParse(key).success) {
      throw new HttpError("idempotency_key_missing");
    }
  },
});

/**
 * POST /cases/{caseId}/submit: checks completeness (422 lists what is missing),
 * records `submit` and starts the approval workflow. A retried request with the
 * same Idempotency-Key returns the first response and starts nothing.
 */
export const handler = httpRoute(
  "POST /cases/{caseId}/submit",
  {
    path: caseIdPath,
    middlewares: [
      requireIdempotencyKey(),
      makeHandlerIdempotent({ persistenceStore, config }) as middy.MiddlewareObj<
        APIGatewayProxyEventV2,
        APIGatewayProxyStructuredResultV2
      >,
    ],
  },
  async ({ path, event }) => {
    const actor = actorOf(event);
    await submitCase(deps, actor, path.caseId);
    const view = await getMyCase(deps, actor, path.caseId);
    // The idempotency record keeps this answer in the table for replays: no ID or phone number in it.
    return { statusCode: 202, body: { ...view, application: maskApplication(view.application) } };
  },
);
