/**
 * Many households for the load benches (submit storm, stuck cases): the
 * households themselves (register, ID numbers, tokens) are test/support's;
 * here their drafts are prepared over the bench's keep-alive HTTP client.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { LocalEndpoints } from "#infra/local/cloud.ts";
import { DANLING_DEMO_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import { applicationOf, householdTokens, registerHouseholds } from "../../test/support/households.ts";

export {
  applicationOf,
  householdOf,
  householdTokens,
  registerHouseholds,
  VILLAGE,
} from "../../test/support/households.ts";

import { type Caller, expectStatus, http, json, uploadDocument } from "./cloud.ts";

export type { Caller };

/** A document client of the local cloud's table (the caller destroys it). */
export function tableClient(endpoints: LocalEndpoints): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: endpoints.region,
      credentials: endpoints.credentials,
      endpoint: endpoints.dynamodb,
    }),
  );
}

/** Registers the load's `households` in the table and signs them in: each one's token by index. */
export async function enrolHouseholds(
  ddb: DynamoDBDocumentClient,
  endpoints: LocalEndpoints,
  dataDir: string,
  households: number,
): Promise<(index: number) => Promise<string>> {
  const tokenOf = await householdTokens(endpoints.auth.issuer, dataDir);
  await registerHouseholds(ddb, endpoints.tableName, households);
  return tokenOf;
}

/** Registers `households` and gives each one's caller of the API, by index. */
export async function householdCallers(
  ddb: DynamoDBDocumentClient,
  endpoints: LocalEndpoints,
  dataDir: string,
  households: number,
): Promise<Caller[]> {
  const tokenOf = await enrolHouseholds(ddb, endpoints, dataDir, households);
  return Promise.all(
    Array.from({ length: households }, async (_, index) => callerOf(endpoints.api, await tokenOf(index))),
  );
}

/** A JSON caller of the API with a bearer token. */
export function callerOf(api: string, token: string): Caller {
  return (method, route, body, extra = {}) =>
    http(
      method,
      `${api}${route}`,
      { authorization: `Bearer ${token}`, "content-type": "application/json", ...extra },
      body === undefined ? undefined : JSON.stringify(body),
    );
}

/** The household's draft with its form and every always-required document (upload, confirm); not submitted. */
export async function prepareCase(call: Caller, index: number): Promise<string> {
  const { caseId } = json<{ caseId: string }>(
    expectStatus(await call("POST", "/cases", { kind: "homestead" }), 201, "create"),
  );
  expectStatus(await call("PUT", `/cases/${caseId}/application`, applicationOf(index)), 200, "save");
  for (const requirement of DANLING_DEMO_POLICY.requiredDocuments.homestead) {
    if (requirement.condition !== "always") continue;
    for (let i = 0; i < requirement.minCount; i++) await uploadDocument(call, caseId, requirement.typeId);
  }
  return caseId;
}
