/**
 * Many households for the load benches (submit storm, stuck cases): the
 * households themselves (register, ID numbers, tokens) are test/support's;
 * here their drafts are prepared over the bench's keep-alive HTTP client.
 */
import { createHash } from "node:crypto";
import { DANLING_DEMO_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import { applicationOf } from "../../test/support/households.ts";

export {
  applicationOf,
  householdOf,
  householdTokens,
  registerHouseholds,
  VILLAGE,
} from "../../test/support/households.ts";

import { expectStatus, type HttpResult, http, json, PDF } from "./cloud.ts";

const PDF_SHA256 = createHash("sha256").update(PDF).digest("hex");

export type Caller = (
  method: string,
  route: string,
  body?: unknown,
  extra?: Record<string, string>,
) => Promise<HttpResult>;

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
    for (let i = 0; i < requirement.minCount; i++) {
      const upload = json<{ documentId: string; uploadUrl: string; requiredHeaders: Record<string, string> }>(
        expectStatus(
          await call("POST", `/cases/${caseId}/documents`, {
            type: requirement.typeId,
            contentType: "application/pdf",
            size: PDF.length,
            sha256: PDF_SHA256,
          }),
          201,
          "request upload",
        ),
      );
      expectStatus(await http("PUT", upload.uploadUrl, upload.requiredHeaders, PDF), 200, "upload");
      expectStatus(
        await call("POST", `/cases/${caseId}/documents/${upload.documentId}/confirm`),
        200,
        "confirm",
      );
    }
  }
  return caseId;
}
