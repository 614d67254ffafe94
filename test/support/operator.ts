/** What the operator use cases (incidents: list, recover, open) need, wired to a test cloud. */
import type { Actor } from "#shared/auth/actor.ts";
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

/** The township head of 511424100, who works the operator view (异常案件) in these tests. */
export const HEAD_A: Actor = { id: "head-a", name: "Head", role: "township_head", townships: ["511424100"] };

/** A member of `householdId`, as the villager API sees them. */
export const villagerActor = (id: string, householdId: string): Actor => ({
  id,
  name: "Villager",
  role: "villager",
  townships: [],
  householdId,
});
