/**
 * The demo users of the local OIDC issuer (infra/local/demo-users.json) and the
 * claims their tokens carry: the claims of shared/auth/actor.ts under Cognito's
 * custom-attribute names, and the `amr` a real sign-in would produce.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as z from "zod";
import { ROLES } from "#shared/auth/actor.ts";
import { needsMultiFactor } from "#shared/auth/mfa.ts";
import { DEPARTMENT_IDS } from "#shared/schemas/common.ts";

const townshipCode = z.string().regex(/^\d{9}$/, "a 9-digit township code");
const villageCode = z.string().regex(/^\d{12}$/, "a 12-digit village code");
const placeSchema = z.strictObject({ code: z.string().min(1), zh: z.string().min(1), en: z.string().min(1) });

export const demoUserSchema = z
  .strictObject({
    /** Also the username for `POST /token` and the `sub` claim. */
    id: z.string().regex(/^[a-z0-9-]+$/),
    name: z.string().min(1),
    role: z.enum(ROLES),
    department: z.enum(DEPARTMENT_IDS).optional(),
    townships: z.array(townshipCode).optional(),
    village: villageCode.optional(),
    household: z.string().min(1).optional(),
  })
  .refine((user) => (user.role === "department_reviewer") === (user.department !== undefined), {
    message: "department reviewers, and only they, name a department",
  })
  .refine((user) => user.role !== "villager" || Boolean(user.village && user.household), {
    message: "villagers belong to a village and a household",
  })
  .refine((user) => user.role === "villager" || (user.townships?.length ?? 0) > 0, {
    message: "staff work in at least one township",
  });
export type DemoUser = z.infer<typeof demoUserSchema>;

export const demoDirectorySchema = z
  .strictObject({
    county: placeSchema,
    townships: z.array(placeSchema).min(1),
    villages: z.array(placeSchema),
    users: z.array(demoUserSchema).min(1),
  })
  .superRefine((directory, context) => {
    const seen = new Set<string>();
    for (const user of directory.users) {
      if (seen.has(user.id)) context.addIssue({ code: "custom", message: `duplicate user id ${user.id}` });
      seen.add(user.id);
    }
  });
export type DemoDirectory = z.infer<typeof demoDirectorySchema>;

export const DEMO_USERS_FILE = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "demo-users.json",
);

/** Reads and validates the demo users; a broken file fails the start, not a later sign-in. */
export async function loadDemoDirectory(file: string = DEMO_USERS_FILE): Promise<DemoDirectory> {
  return demoDirectorySchema.parse(JSON.parse(await readFile(file, "utf8")));
}

/** Which accounts an app client signs in: the villager client villagers, the staff client everyone else. */
export type ClientKind = "villager" | "staff";

export const isKind = (user: DemoUser, kind: ClientKind): boolean =>
  (user.role === "villager") === (kind === "villager");

/** The claims of shared/auth/actor.ts for a user (Cognito's custom-attribute names). */
export function actorClaimsOf(user: DemoUser): Record<string, string> {
  return {
    sub: user.id,
    name: user.name,
    "custom:role": user.role,
    ...(user.department ? { "custom:department": user.department } : {}),
    ...(user.townships?.length ? { "custom:townships": user.townships.join(",") } : {}),
    ...(user.village ? { "custom:village": user.village } : {}),
    ...(user.household ? { "custom:household": user.household } : {}),
  };
}

/**
 * The `amr` claim (RFC 8176) of a demo user's tokens, as a real sign-in would
 * produce it: staff sign in with a password and an authenticator code
 * (`["pwd", "otp", "mfa"]`, the values Cognito uses), villagers with an SMS
 * code (`["sms"]`). The API refuses staff tokens without multi-factor
 * evidence (shared/auth/mfa.ts), so the demo users must carry it.
 */
export function amrOf(user: DemoUser): string[] {
  return needsMultiFactor(user.role) ? ["pwd", "otp", "mfa"] : ["sms"];
}
