/** When an SMS may go: quiet hours, retry backoff, a staff member's batch or digest time. */
import type { NotificationPolicy } from "../schemas/notifications.ts";
import type { StaffPrefs } from "./prefs.ts";

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

const minutesOf = (clock: string): number => {
  const [hours, minutes] = clock.split(":").map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
};

/** The start of the local day of `at` plus `clock` (HH:MM), as an instant. */
function localClockOn(at: Date, clock: string, offsetMinutes: number): Date {
  const local = at.getTime() + offsetMinutes * MINUTE_MS;
  const dayStart = local - (((local % DAY_MS) + DAY_MS) % DAY_MS);
  return new Date(dayStart + minutesOf(clock) * MINUTE_MS - offsetMinutes * MINUTE_MS);
}

/** When quiet hours end, if `at` falls in them; undefined when SMS may go now. */
export function quietUntil(at: Date, policy: NotificationPolicy): Date | undefined {
  const quiet = policy.quietHours;
  if (!quiet) return undefined;
  const offset = policy.utcOffsetMinutes;
  const local = new Date(at.getTime() + offset * MINUTE_MS);
  const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
  const from = minutesOf(quiet.from);
  const to = minutesOf(quiet.to);
  const inQuiet = from <= to ? minute >= from && minute < to : minute >= from || minute < to;
  if (!inQuiet) return undefined;
  const end = localClockOn(at, quiet.to, offset);
  return end.getTime() > at.getTime() ? end : new Date(end.getTime() + DAY_MS);
}

/** The wait before attempt `attempts + 1`: doubling from `firstDelaySeconds`, at most `maxDelaySeconds`. */
export function backoffMs(attempts: number, policy: NotificationPolicy): number {
  const seconds = Math.min(
    policy.retry.maxDelaySeconds,
    policy.retry.firstDelaySeconds * 2 ** (attempts - 1),
  );
  return seconds * 1000;
}

/** When a staff member's batched SMS may go: after the interval since the last one, or at the digest time. */
export function staffBatchWait(now: Date, staff: StaffPrefs, policy: NotificationPolicy): Date | undefined {
  if (staff.mode === "digest") {
    const today = localClockOn(now, policy.staff.digestAt, policy.utcOffsetMinutes);
    const due = today.getTime() <= now.getTime() ? today : new Date(today.getTime() - DAY_MS);
    if (!staff.lastDigestAt || Date.parse(staff.lastDigestAt) < due.getTime()) return undefined;
    return new Date(due.getTime() + DAY_MS);
  }
  if (!staff.lastSmsAt) return undefined;
  const next = Date.parse(staff.lastSmsAt) + policy.staff.batchIntervalMinutes * MINUTE_MS;
  return next > now.getTime() ? new Date(next) : undefined;
}
