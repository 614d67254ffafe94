import { auditRequestOf } from "#shared/audit/audit-service.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { caseSearchQuerySchema, searchCases } from "#shared/review/search.ts";
import { caseStore } from "#shared/runtime.ts";

// The personal-data keyring gives the keyed hash of a name or ID number typed in the search.
const deps = { cases: caseStore() };

/** GET /review/search?q=&by=: cases of my townships (jurisdiction) by short number, applicant name or ID number. */
export const handler = httpRoute(
  "GET /review/search",
  { query: caseSearchQuerySchema },
  async ({ event, query, policy, actor }) => {
    return ok(
      await searchCases(
        deps,
        actor,
        query,
        // Auditors' searches are recorded (the policy row's recordedFor), found or not.
        policy.recordedFor?.includes(actor.role) ? auditRequestOf(event, actor) : undefined,
      ),
    );
  },
);
