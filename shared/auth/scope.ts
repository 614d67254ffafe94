/**
 * The object-level rules the policy table's scopes name (shared/auth/policy.ts),
 * written once: every use case that loads a case asks these instead of
 * comparing claims itself, so the route table and the objects agree.
 *
 * - `household`: a villager owns the cases of their `custom:household`;
 *   anything else answers 404 exactly like a missing case (no enumeration).
 * - `townships`: case workers see cases of the townships they work in
 *   (exact township codes); auditors and the county admin see their
 *   jurisdiction (township or county codes, shared/audit/jurisdiction.ts).
 */
import { jurisdictionOf } from "../audit/jurisdiction.ts";
import { CaseNotFoundError } from "../errors.ts";
import type { Actor } from "./actor.ts";

/** What the household rules read of a case. */
interface HouseholdCase {
  readonly householdId: string;
  /** 代办: set on a case staff filed on behalf of the household (shared/assisted/on-behalf.ts). */
  readonly filedOnBehalf?: unknown;
  readonly villageCode?: string;
  readonly townshipCode?: string;
}

/**
 * 代办: may staff `actor` act for the household on a case filed on behalf of it?
 * The village officer of its village, a township window clerk of its township.
 */
export function actsForHousehold(
  actor: Pick<Actor, "role" | "townships" | "villageCode">,
  record: HouseholdCase,
): boolean {
  if (!record.filedOnBehalf || !record.townshipCode || !actor.townships.includes(record.townshipCode))
    return false;
  if (actor.role === "village_officer") return actor.villageCode === record.villageCode;
  return actor.role === "township_clerk";
}

/**
 * Does the caller's household own a case of `householdId`? Villagers; and for
 * a case filed on behalf of the household, the staff who act for it there.
 */
export function ownsCase(
  actor: Pick<Actor, "role" | "householdId"> & Partial<Pick<Actor, "townships" | "villageCode">>,
  record: HouseholdCase,
): boolean {
  if (actor.role !== "villager")
    return actsForHousehold(
      { role: actor.role, townships: actor.townships ?? [], villageCode: actor.villageCode },
      record,
    );
  return actor.householdId !== undefined && actor.householdId === record.householdId;
}

/** The case if the caller's household owns it; otherwise the same 404 as for a case that does not exist. */
export function requireOwned<T extends HouseholdCase>(
  actor: Pick<Actor, "role" | "householdId"> & Partial<Pick<Actor, "townships" | "villageCode">>,
  record: T | undefined,
  caseId: string,
): T {
  if (!record || !ownsCase(actor, record)) throw new CaseNotFoundError(caseId);
  return record;
}

/** Roles whose reach is a jurisdiction (county codes widen it) rather than a list of townships. */
const JURISDICTION_ROLES: ReadonlySet<Actor["role"]> = new Set(["auditor", "county_admin"]);

/** May staff `actor` see a case of `townshipCode`? Villagers never (they have `ownsCase`). */
export function staffCovers(actor: Pick<Actor, "role" | "townships">, townshipCode: string): boolean {
  if (actor.role === "villager") return false;
  if (JURISDICTION_ROLES.has(actor.role)) return jurisdictionOf(actor).covers(townshipCode);
  return actor.townships.includes(townshipCode);
}
