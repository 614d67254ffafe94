/** Cases made through the HTTP API for e2e files whose subject is not the villager's form. */
import { expect } from "vitest";
import type { ApplicationComplete } from "#shared/schemas/application.ts";
import type { CaseKind } from "#shared/schemas/common.ts";
import { uploadRequiredDocuments } from "../support/documents.ts";
import type { TestCloud } from "../support/local-cloud.ts";
import { authHeader, signInAs } from "../support/tokens.ts";
import { makePdf } from "./browser.ts";

export type ApiCall = <T>(
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<{ status: number; body: T }>;

/** A demo user's JSON API. */
export async function apiAs(env: TestCloud, userId: string): Promise<ApiCall> {
  const token = await signInAs(env.cloud.endpoints, userId);
  return async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${env.cloud.endpoints.api}${path}`, {
      method,
      headers: { "content-type": "application/json", ...authHeader(token), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
  };
}

/** The county's documents for `kind` as the app is given them (config.json). */
export async function requiredDocuments(
  env: TestCloud,
  kind: CaseKind,
): Promise<{ typeId: string; minCount: number; condition: string }[]> {
  const config = (await (await fetch(`${env.cloud.endpoints.api}/config.json`)).json()) as {
    county: {
      requiredDocuments: Record<CaseKind, { typeId: string; minCount: number; condition: string }[]>;
    };
  };
  return config.county.requiredDocuments[kind];
}

/** Creates, fills, documents (one PDF per required copy) and submits a case as a villager. */
export async function submitThroughApi(
  env: TestCloud,
  villager: string,
  kind: CaseKind,
  form: ApplicationComplete,
): Promise<string> {
  const call = await apiAs(env, villager);
  const created = await call<{ caseId: string }>("POST", "/cases", { kind });
  expect(created.status).toBe(201);
  const { caseId } = created.body;
  expect((await call("PUT", `/cases/${caseId}/application`, form)).status).toBe(200);
  await uploadRequiredDocuments(call, caseId, await requiredDocuments(env, kind), makePdf());
  const submitted = await call("POST", `/cases/${caseId}/submit`, undefined, {
    "idempotency-key": `submit-${caseId}`,
  });
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
  return caseId;
}
