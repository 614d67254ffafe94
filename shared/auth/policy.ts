/**
 * THE authorization policy: one row per route key of shared/http/routes.ts
 * (`"GET /cases/{caseId}"`), saying which roles may call the route at all and
 * which scope rule the use case then applies to the object it touches.
 *
 * Two layers, one table:
 * - **Route level** (here, enforced by `httpRoute`'s authorize middleware before
 *   any input is read): a role not listed gets 403, so a villager calling a
 *   reviewer route or an auditor calling any write route is refused without
 *   touching the table.
 * - **Object level** (the finer rules named in `scope`, kept beside their use
 *   cases because they need the object): `household` → shared/auth/scope.ts
 *   `requireOwnCase` (another household's case answers 404, no enumeration);
 *   `townships` → staff see a case only in their `custom:townships` (404
 *   elsewhere) and decide only what shared/review/rules.ts gives their role and
 *   department; `jurisdiction` → shared/audit/jurisdiction.ts (township or
 *   county codes). A handler cannot pick a scope the table does not name: the
 *   middleware puts the row on the request and the use cases read it from there
 *   when the rule depends on it.
 *
 * `personalData` says who sees ID and phone numbers unmasked in the route's
 * answer (shared/personal-data/mask.ts); everyone else sees `5114**********1234`
 * and `138****5678`.
 *
 * A route without a row fails at load (`httpRoute` throws) and in
 * test/unit/policy.test.ts and the authorization matrix test.
 */

import type { DepartmentId } from "../schemas/common.ts";
import { type Actor, ROLES, type Role } from "./actor.ts";

export type Scope =
  /** Anyone, no token (the route table marks these routes "public"). */
  | "public"
  /** Any signed-in caller; the answer is about the caller only. */
  | "self"
  /** Villagers, own household's cases only (another case id → 404). */
  | "household"
  /** Staff, cases and queues of their own townships only (elsewhere → 404/403). */
  | "townships"
  /** Auditors and county staff: township or county codes of `custom:townships` (shared/audit/jurisdiction.ts). */
  | "jurisdiction";

/** Who sees personal data unmasked in a route's answer. */
export type PersonalDataRule =
  /** The answer carries none. */
  | "none"
  /** The owner household's own data (villager routes, household scope): unmasked. */
  | "owner"
  /** Always masked (public verification, registers, audit). */
  | "masked"
  /** Unmasked only for the roles whose step needs them (NEEDS_PERSONAL_DATA), masked for everyone else. */
  | "step-needs";

export interface RoutePolicy {
  /** Roles that may call the route; any other signed-in role gets 403. Empty for public routes. */
  readonly roles: readonly Role[];
  readonly scope: Scope;
  /** Changes something: never open to auditors (they read, they change nothing). */
  readonly writes: boolean;
  readonly personalData: PersonalDataRule;
  /** Only callers of these roles are queries that the auditors' own trail records. */
  readonly recordedFor?: readonly Role[];
}

export const ALL_ROLES: readonly Role[] = ROLES;

/** Staff who work cases through queues: they have a queue and decide steps in it. */
const CASE_WORKERS: readonly Role[] = [
  "village_officer",
  "township_clerk",
  "department_reviewer",
  "township_head",
  "site_inspector",
];
const VILLAGER: readonly Role[] = ["villager"];
const AUDITOR: readonly Role[] = ["auditor"];
const REGISTER_READERS: readonly Role[] = ["township_clerk", "township_head", "auditor", "county_admin"];

const villagerRead = { roles: VILLAGER, scope: "household", writes: false, personalData: "owner" } as const;
const villagerWrite = { roles: VILLAGER, scope: "household", writes: true, personalData: "owner" } as const;
/** 代办: a case filed on behalf is also the filer's to fill, document and submit (scope.ts actsForHousehold). */
const FILERS: readonly Role[] = ["village_officer", "township_clerk"];
const householdOrFilerRead = { ...villagerRead, roles: [...VILLAGER, ...FILERS] } as const;
const householdOrFilerWrite = { ...villagerWrite, roles: [...VILLAGER, ...FILERS] } as const;
const auditRead = {
  roles: AUDITOR,
  scope: "jurisdiction",
  writes: false,
  personalData: "masked",
  recordedFor: AUDITOR,
} as const;

function householdOrFilerWriteFilersOnly(): RoutePolicy {
  return { roles: FILERS, scope: "townships", writes: true, personalData: "owner" };
}

export const POLICY: Readonly<Record<string, RoutePolicy>> = {
  "GET /health": { roles: [], scope: "public", writes: false, personalData: "none" },
  "GET /openapi.json": { roles: [], scope: "public", writes: false, personalData: "none" },
  "GET /verify/{number}": { roles: [], scope: "public", writes: false, personalData: "masked" },
  "GET /notices": { roles: [], scope: "public", writes: false, personalData: "masked" },
  "GET /notices/{noticeId}": { roles: [], scope: "public", writes: false, personalData: "masked" },
  // Anyone may object during the notice days; the contact is sealed and never shown back.
  "POST /notices/{noticeId}/objections": { roles: [], scope: "public", writes: true, personalData: "none" },
  "GET /me": { roles: ALL_ROLES, scope: "self", writes: false, personalData: "none" },

  "POST /cases": villagerWrite,
  "GET /cases": villagerRead,
  "GET /cases/{caseId}": householdOrFilerRead,
  "PUT /cases/{caseId}/application": householdOrFilerWrite,
  "POST /cases/{caseId}/submit": householdOrFilerWrite,
  "POST /cases/{caseId}/withdraw": villagerWrite,
  "POST /cases/{caseId}/documents": householdOrFilerWrite,
  "POST /cases/{caseId}/documents/{documentId}/confirm": householdOrFilerWrite,
  "GET /cases/{caseId}/documents": householdOrFilerRead,
  "DELETE /cases/{caseId}/documents/{documentId}": householdOrFilerWrite,
  // 代办 (shared/assisted/on-behalf.ts): the filer opens the case and records the household's consent;
  // the household claims it later with a code sent to the head's phone.
  "POST /assisted/cases": { roles: FILERS, scope: "townships", writes: true, personalData: "none" },
  "POST /assisted/cases/{caseId}/consent-code": householdOrFilerWriteFilersOnly(),
  "POST /assisted/cases/{caseId}/consent": householdOrFilerWriteFilersOnly(),
  "POST /claims/code": { roles: VILLAGER, scope: "household", writes: true, personalData: "none" },
  "POST /claims": villagerWrite,
  // The filer's list: a village officer their village's cases filed on behalf, a window clerk a township's.
  "GET /assisted/cases": { roles: FILERS, scope: "townships", writes: false, personalData: "none" },
  // A household without a phone answers its corrections and reports completion through its filer,
  // as it applied: otherwise its case would wait for it in vain. (Staff read papers by their own routes.)
  "GET /cases/{caseId}/certificates/{type}": villagerRead,
  "GET /cases/{caseId}/correction": householdOrFilerRead,
  "POST /cases/{caseId}/correction": householdOrFilerWrite,
  "POST /cases/{caseId}/completion-report": householdOrFilerWrite,

  // Queues are work lists: only roles that have one (own department for reviewers, rules.ts queueAccess).
  "GET /queues/{queue}": { roles: CASE_WORKERS, scope: "townships", writes: false, personalData: "none" },
  // Staff of the case's townships; auditors and the county admin within their jurisdiction (auditor reads recorded).
  // Finding a case (short number, applicant name, ID number): whoever may open it; auditor searches recorded.
  "GET /review/search": {
    roles: [...CASE_WORKERS, "auditor", "county_admin"],
    scope: "townships",
    writes: false,
    personalData: "masked",
    recordedFor: AUDITOR,
  },
  "GET /review/cases/{caseId}": {
    roles: [...CASE_WORKERS, "auditor", "county_admin"],
    scope: "townships",
    writes: false,
    personalData: "step-needs",
    recordedFor: AUDITOR,
  },
  // Who decides which step (own department, township head for acceptance… escalations): rules.ts mayDecide.
  "POST /review/cases/{caseId}/steps/{stepId}/decision": {
    roles: CASE_WORKERS,
    scope: "townships",
    writes: true,
    personalData: "none",
  },
  // Photos of a site visit: whoever may decide the step (rules.ts mayDecide), while it awaits its decision.
  "POST /review/cases/{caseId}/steps/{stepId}/photos": {
    roles: CASE_WORKERS,
    scope: "townships",
    writes: true,
    personalData: "none",
  },
  "POST /review/cases/{caseId}/steps/{stepId}/photos/{photoId}/confirm": {
    roles: CASE_WORKERS,
    scope: "townships",
    writes: true,
    personalData: "none",
  },
  // The household re-sends its own correction answer; staff as mayRedrive says.
  "POST /review/cases/{caseId}/steps/{stepId}/redrive": {
    roles: [...CASE_WORKERS, "villager"],
    scope: "townships",
    writes: true,
    personalData: "none",
  },

  "GET /audit/cases/{caseId}/events": auditRead,
  "GET /audit/cases/{caseId}/verify": auditRead,
  "GET /audit/events": auditRead,
  "GET /audit/events.csv": auditRead,
  "GET /register": {
    roles: REGISTER_READERS,
    scope: "jurisdiction",
    writes: false,
    personalData: "masked",
    recordedFor: AUDITOR,
  },
  "GET /register.csv": {
    roles: REGISTER_READERS,
    scope: "jurisdiction",
    writes: false,
    personalData: "masked",
    recordedFor: AUDITOR,
  },
  "GET /register.pdf": {
    roles: REGISTER_READERS,
    scope: "jurisdiction",
    writes: false,
    personalData: "masked",
    recordedFor: AUDITOR,
  },
  // A case's papers: its household, and staff of its township (auditors, the county admin in their jurisdiction).
  "GET /cases/{caseId}/papers/{paper}": {
    roles: [...VILLAGER, ...CASE_WORKERS, "auditor", "county_admin"],
    scope: "townships",
    writes: false,
    personalData: "none",
  },
  // A certificate's life after issue: the township head of the case's township, the county admin over it.
  "POST /cases/{caseId}/certificates/{number}/revoke": {
    roles: ["township_head", "county_admin"],
    scope: "townships",
    writes: true,
    personalData: "none",
  },
  "POST /cases/{caseId}/certificates/{number}/reissue": {
    roles: ["township_head", "county_admin"],
    scope: "townships",
    writes: true,
    personalData: "none",
  },
  "POST /cases/{caseId}/certificates/{number}/extend": {
    roles: ["township_head", "county_admin"],
    scope: "townships",
    writes: true,
    personalData: "none",
  },

  // The operator view (异常案件): the township head in own townships, the county admin in the county.
  "GET /incidents": {
    roles: ["township_head", "county_admin"],
    scope: "jurisdiction",
    writes: false,
    personalData: "none",
  },
  "POST /incidents/{caseId}/{incidentId}/recover": {
    roles: ["township_head", "county_admin"],
    scope: "jurisdiction",
    writes: true,
    personalData: "none",
  },
  "POST /admin/imports": {
    roles: ["county_admin"],
    scope: "jurisdiction",
    writes: true,
    personalData: "none",
  },
  "GET /admin/imports/{importId}": {
    roles: ["county_admin"],
    scope: "jurisdiction",
    writes: false,
    personalData: "none",
  },
  // The message centre (消息): the caller's own inboxes (household, or the desks of their role and townships).
  "GET /messages": { roles: ALL_ROLES, scope: "self", writes: false, personalData: "none" },
  "POST /messages/read": {
    roles: ALL_ROLES.filter((role) => role !== "auditor"),
    scope: "self",
    writes: true,
    personalData: "none",
  },
  "PUT /messages/settings": {
    roles: ALL_ROLES.filter((role) => role !== "auditor"),
    scope: "self",
    writes: true,
    personalData: "owner",
  },
  "GET /admin/notifications/failed": {
    roles: ["county_admin"],
    scope: "jurisdiction",
    writes: false,
    personalData: "none",
  },
};

/** A route key the table does not know: a programming error, caught at load. */
export class MissingPolicyError extends Error {
  override name = "MissingPolicyError";
  constructor(routeKey: string) {
    super(`No authorization policy for route ${routeKey}: add a row to shared/auth/policy.ts`);
  }
}

export function policyFor(routeKey: string): RoutePolicy {
  const policy = POLICY[routeKey];
  if (!policy) throw new MissingPolicyError(routeKey);
  return policy;
}

/** Route-level check: may this role call the route at all? */
export function roleAllowed(policy: RoutePolicy, role: Role): boolean {
  return policy.roles.includes(role);
}

/**
 * Whose step needs ID and phone numbers in full ("step-needs" routes):
 * - the township window clerk, who checks them against the household register
 *   (户籍) at acceptance;
 * - agriculture & rural affairs reviewers, who check eligibility (one household,
 *   one homestead) against the homestead register by ID number.
 * Everyone else (village officer, other departments, township head, inspectors,
 * auditors, county admin) decides without them and sees them masked.
 */
export const NEEDS_PERSONAL_DATA: readonly {
  readonly role: Role;
  readonly department?: DepartmentId;
}[] = [{ role: "township_clerk" }, { role: "department_reviewer", department: "agriculture" }];

/** Does `actor` see personal data unmasked in the answer of a route with `policy`? */
export function seesPersonalData(policy: RoutePolicy, actor: Pick<Actor, "role" | "department">): boolean {
  switch (policy.personalData) {
    case "owner":
      // Household-scoped routes only answer about the caller's own household (object-level rule), or to
      // the staff filing on its behalf about that case (scope.ts actsForHousehold): they typed it.
      return actor.role === "villager" || FILERS.includes(actor.role);
    case "step-needs":
      return NEEDS_PERSONAL_DATA.some(
        (need) =>
          need.role === actor.role && (need.department === undefined || need.department === actor.department),
      );
    case "masked":
    case "none":
      return false;
  }
}
