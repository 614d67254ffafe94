/**
 * Recipients of messages. A household is one recipient (its cases' head's
 * phone gets the SMS). Staff are reached through desks: the queue of one role
 * or department in one township (the same queues as `GET /queues/{queue}`),
 * plus the county admin's desk per township for incidents. Every staff member
 * reads the desks they work; an SMS goes to each member who registered a
 * phone for it (shared/notify/inbox.ts `saveSettings`).
 */
import type { Actor } from "../auth/actor.ts";

export type Recipient =
  | { readonly type: "household"; readonly id: string }
  | { readonly type: "desk"; readonly id: string };

export const deskOf = (queue: string, townshipCode: string): Recipient => ({
  type: "desk",
  id: `${queue}@${townshipCode}`,
});

/** `household:511424100001-H0001`, `desk:township_clerk@511424100`: the inbox partition's suffix. */
export const recipientKey = (recipient: Recipient): string => `${recipient.type}:${recipient.id}`;

export function parseRecipientKey(key: string): Recipient | undefined {
  const match = /^(household|desk):(.+)$/.exec(key);
  if (!match?.[2]) return undefined;
  return { type: match[1] as Recipient["type"], id: match[2] };
}

const ROLE_QUEUES: ReadonlySet<string> = new Set([
  "village_officer",
  "township_clerk",
  "township_head",
  "site_inspector",
  "county_admin",
]);

/** The inboxes a signed-in person reads: the household's, or the desks of their role in their townships. */
export function inboxesOf(
  actor: Pick<Actor, "role" | "department" | "townships" | "householdId">,
): Recipient[] {
  if (actor.role === "villager")
    return actor.householdId ? [{ type: "household", id: actor.householdId }] : [];
  const queue = actor.role === "department_reviewer" ? actor.department : actor.role;
  if (!queue || (actor.role !== "department_reviewer" && !ROLE_QUEUES.has(queue))) return [];
  return actor.townships.map((township) => deskOf(queue, township));
}
