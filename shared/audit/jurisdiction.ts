/**
 * Who may read what: the one place the audit and register routes check their
 * caller. Kept small on purpose so it can move into the identity layer's
 * policy table later without touching the use cases.
 *
 * Jurisdiction rule (written down once, here):
 * - Entries of the `custom:townships` claim are administrative division codes.
 *   A 9-digit township code (511424100) covers that township only.
 * - A 6-digit county code (511424) covers every township of that county: every
 *   township code that starts with it. This is how a county-level auditor or
 *   county admin is given the whole county without listing each township.
 * - Nothing else widens it: no wildcard, no empty-claim-means-all. A caller with
 *   no entries covers nothing.
 */
import type { Actor, Role } from "../auth/actor.ts";
import { NotPermittedError } from "../errors.ts";

const COUNTY_CODE = /^\d{6}$/;

export interface Jurisdiction {
  /** The caller's claim entries, as given. */
  readonly entries: readonly string[];
  covers(townshipCode: string): boolean;
}

export function jurisdictionOf(actor: Pick<Actor, "townships">): Jurisdiction {
  const entries = [...actor.townships];
  return {
    entries,
    covers: (townshipCode) =>
      entries.some(
        (entry) => entry === townshipCode || (COUNTY_CODE.test(entry) && townshipCode.startsWith(entry)),
      ),
  };
}

/** Roles that may read audit histories and search events. Auditors only: they read, they change nothing. */
export const AUDIT_ROLES: readonly Role[] = ["auditor"];

/** Roles that may read the register (台账) and export the filing. */
export const REGISTER_ROLES: readonly Role[] = ["township_clerk", "township_head", "auditor", "county_admin"];

/** Throws 403 unless the caller has one of `roles`; returns their jurisdiction. */
export function requireRole(actor: Actor, roles: readonly Role[], what: string): Jurisdiction {
  if (!roles.includes(actor.role)) {
    throw new NotPermittedError({
      en: `${what} is open to ${roles.join(", ")} only; you are signed in as ${actor.role}`,
      zh: `该功能仅对以下角色开放：${roles.join("、")}；您当前的角色为 ${actor.role}`,
    });
  }
  return jurisdictionOf(actor);
}
