/** Stored notification settings (`PREFS#…` / `NOTIFY`, shared/notify/outbox.ts). */
import * as z from "zod";
import { sealedSchema } from "../schemas/personal-data.ts";

/** A household's choice: SMS or not (the in-app message centre shows every message either way). */
export const householdPrefsSchema = z.object({ smsOptOut: z.boolean().default(false) });
export type HouseholdPrefs = z.infer<typeof householdPrefsSchema>;

/**
 * A staff member's SMS: `batched` (at most one SMS per the policy's interval for new steps),
 * `digest` (one a day), `off`. The phone is sealed (encryption context: the user id).
 */
export const STAFF_SMS_MODES = ["batched", "digest", "off"] as const;
export const staffPrefsSchema = z.object({
  mode: z.enum(STAFF_SMS_MODES).default("batched"),
  phone: sealedSchema.optional(),
  phoneMasked: z.string().optional(),
  desks: z.array(z.string()).default([]),
  lastSmsAt: z.string().optional(),
  lastDigestAt: z.string().optional(),
});
export type StaffPrefs = z.infer<typeof staffPrefsSchema>;
