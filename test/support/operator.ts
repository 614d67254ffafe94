/** What the operator use cases (incidents: list, recover, open) need, wired to a test cloud. */
import { cursorsFromEnv } from "#shared/http/cursor.ts";
import type { TestCloud } from "./local-cloud.ts";

export const operatorDeps = (env: TestCloud) => ({
  client: env.dynamodb,
  tableName: env.cloud.endpoints.tableName,
  sfn: env.sfn,
  now: () => new Date(),
  stateMachineArn: env.cloud.endpoints.stateMachineArn,
  // The local cloud set the cursor keyring in this process's environment.
  cursors: cursorsFromEnv(),
});
