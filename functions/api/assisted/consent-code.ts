import { sendConsentCode } from "#shared/assisted/on-behalf.ts";
import { httpRoute } from "#shared/http/handler.ts";
import { onBehalfDeps } from "#shared/runtime.ts";
import { caseIdPath } from "#shared/schemas/requests.ts";

const deps = onBehalfDeps();

/** POST /assisted/cases/{caseId}/consent-code: a code to the head's phone on the form (代办 consent). */
export const handler = httpRoute(
  "POST /assisted/cases/{caseId}/consent-code",
  { path: caseIdPath },
  async ({ path, actor }) => ({
    statusCode: 202,
    body: await sendConsentCode(deps, actor, path.caseId),
  }),
);
