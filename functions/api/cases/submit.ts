import { getMyCase, submitCase } from "#shared/cases/villager.ts";
import { httpRoute } from "#shared/http/handler.ts";
import { idempotencyKeyMiddlewares } from "#shared/http/idempotency.ts";
import { maskApplication } from "#shared/personal-data/application.ts";
import {
  caseStore,
  countyPolicy,
  dynamoDbClient,
  sfnClient,
  stateMachineArn,
  tableName,
} from "#shared/runtime.ts";
import { caseIdPath } from "#shared/schemas/requests.ts";
import { idempotencyPartition } from "#shared/store/keys.ts";

const deps = {
  store: caseStore(),
  policy: countyPolicy(),
  sfn: sfnClient(),
  stateMachineArn: stateMachineArn(),
};

// Idempotency records live in the case table under their own partition (single-table design).
const idempotency = idempotencyKeyMiddlewares({
  dynamodb: dynamoDbClient(),
  tableName: tableName(),
  partition: idempotencyPartition("submit"),
});

/**
 * POST /cases/{caseId}/submit: checks completeness (422 lists what is missing),
 * records `submit` and starts the approval workflow. The Idempotency-Key header
 * is required (IETF draft): a retry with the same key and body gets the first
 * answer replayed and starts nothing; 409 while the first still runs; 422 for
 * the same key with another body (shared/http/idempotency.ts).
 */
export const handler = httpRoute(
  "POST /cases/{caseId}/submit",
  { path: caseIdPath, middlewares: idempotency },
  async ({ path, headers, actor }) => {
    const idempotencyKey = headers["idempotency-key"];
    await submitCase(deps, actor, path.caseId, idempotencyKey === undefined ? {} : { idempotencyKey });
    const view = await getMyCase(deps, actor, path.caseId);
    // The idempotency record keeps this answer in the table for replays: no ID or phone number in it.
    return { statusCode: 202, body: { ...view, application: maskApplication(view.application) } };
  },
);
