import * as z from "zod";
import { COGNITO_MFA_METHODS, needsMultiFactor } from "./mfa.ts";

/**
 * Staff MFA, enforced by the default Cognito user pool at token time.
 *
 * The pool's MFA setting is OPTIONAL, not ON, because villagers sign in
 * passwordless with an SMS code and Cognito offers passwordless first factors
 * only where MFA is not required. So Cognito itself would let a staff account
 * without MFA sign in with its password alone. This use case runs in the pool's
 * pre token generation trigger (event version V2_0) before Cognito issues any
 * ID or access token, on sign-in and on every refresh:
 *
 * - villagers pass untouched;
 * - anyone else (staff, and any account without a known role: fail closed)
 *   must have an MFA method active on the account, read with AdminGetUser
 *   (`UserMFASettingList`). Cognito challenges every user who has one on every
 *   sign-in (no device is ever remembered in this pool), and does not offer
 *   passwordless sign-in to such users, so an active method means this sign-in
 *   passed a password and a second factor. Without one the trigger throws and
 *   Cognito refuses the sign-in; a failed lookup refuses too, never allows;
 * - staff tokens get `nongfang:amr: "pwd mfa"` in both the ID and the access
 *   token, which the API checks again (shared/auth/mfa.ts). The standard `amr`
 *   claim would be the natural place, but Cognito does not let the trigger
 *   write `amr`.
 *
 * Checking on refresh matters: a user can turn their own MFA off with
 * SetUserMFAPreference, and from then on their refresh token stops working.
 */

/** The parts of Cognito's V2_0 event this use case reads; everything else passes back as it came. */
export const preTokenGenerationEventSchema = z.looseObject({
  triggerSource: z.string().startsWith("TokenGeneration_"),
  userPoolId: z.string().min(1),
  userName: z.string().min(1),
  callerContext: z.looseObject({ clientId: z.string().min(1) }),
  request: z.looseObject({
    userAttributes: z.record(z.string(), z.string()),
    groupConfiguration: z.looseObject({}).nullish(),
  }),
  response: z.looseObject({}).nullish(),
});
export type PreTokenGenerationEvent = z.infer<typeof preTokenGenerationEventSchema>;

/**
 * AdminGetUser's answer, only the MFA part. `MFAOptions` is ignored on purpose:
 * Cognito documents it as legacy (SMS only) and `UserMFASettingList` as the
 * list of every active method.
 */
export const adminGetUserMfaSchema = z.object({
  UserMFASettingList: z.array(z.string()).optional(),
  PreferredMfaSetting: z.string().optional(),
});

/** MFA methods Cognito challenges for at sign-in; any other value is not taken as evidence. */
export const MFA_METHODS: ReadonlySet<string> = new Set(["SOFTWARE_TOKEN_MFA", "SMS_MFA", "EMAIL_OTP"]);

/** The AdminGetUser call (SDK client in the handler); its answer is parsed here. */
export type AdminGetUser = (input: { UserPoolId: string; Username: string }) => Promise<unknown>;

/** A staff account without an active MFA method: Cognito refuses the sign-in and shows this message. */
export class MfaRequiredError extends Error {
  override name = "MfaRequiredError";
  constructor() {
    super(
      "Staff accounts must have MFA turned on (authenticator app or SMS code); ask the county administrator to set it up",
    );
  }
}

/** AdminGetUser failed or answered something unexpected: the sign-in is refused, never let through. */
export class MfaLookupError extends Error {
  override name = "MfaLookupError";
  constructor(cause: unknown) {
    super("Could not read the account's MFA settings; sign-in refused, try again", { cause });
  }
}

/** The claim the API reads (shared/auth/mfa.ts AMR_CLAIMS), in both tokens. */
export const MFA_CLAIMS: Readonly<Record<string, string>> = { "nongfang:amr": COGNITO_MFA_METHODS.join(" ") };

export async function preTokenGeneration(
  event: PreTokenGenerationEvent,
  deps: { readonly adminGetUser: AdminGetUser },
): Promise<PreTokenGenerationEvent> {
  if (!needsMultiFactor(event.request.userAttributes["custom:role"])) return event;

  let settings: z.infer<typeof adminGetUserMfaSchema>;
  try {
    settings = adminGetUserMfaSchema.parse(
      await deps.adminGetUser({ UserPoolId: event.userPoolId, Username: event.userName }),
    );
  } catch (error) {
    throw new MfaLookupError(error);
  }
  const active = (settings.UserMFASettingList ?? []).filter((method) => MFA_METHODS.has(method));
  if (active.length === 0) throw new MfaRequiredError();

  const groups = event.request.groupConfiguration;
  return {
    ...event,
    response: {
      claimsAndScopeOverrideDetails: {
        idTokenGeneration: { claimsToAddOrOverride: { ...MFA_CLAIMS } },
        accessTokenGeneration: { claimsToAddOrOverride: { ...MFA_CLAIMS } },
        // Cognito replaces the groups with whatever this says; handing back the request's keeps them.
        ...(groups ? { groupOverrideDetails: groups } : {}),
      },
    },
  };
}
