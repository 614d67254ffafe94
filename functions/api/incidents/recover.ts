import { httpRoute, ok } from "#shared/http/handler.ts";
import { documentClient, sfnClient, stateMachineArn, tableName } from "#shared/runtime.ts";
import { incidentPathSchema } from "#shared/schemas/incidents.ts";
import { recoverIncident } from "#shared/workflow/operator.ts";

// The delivery code (redeliver) retries itself; the SDK's own retries cover the other actions.
const deps = {
  client: documentClient(),
  tableName: tableName(),
  sfn: sfnClient(),
  stateMachineArn: stateMachineArn(),
  now: () => new Date(),
};

/** POST /incidents/{caseId}/{incidentId}/recover: performs the incident's one recovery, then closes it. */
export const handler = httpRoute(
  "POST /incidents/{caseId}/{incidentId}/recover",
  { path: incidentPathSchema },
  async ({ path, actor }) => ok(await recoverIncident(deps, actor, path.caseId, path.incidentId)),
);
