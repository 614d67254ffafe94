import type { Role } from "./actor.ts";

/**
 * Multi-factor evidence in sign-in tokens. Staff can decide cases, read
 * personal data and export registers, so a stolen password alone must not be
 * enough: every role but the villager's needs a token showing that the
 * sign-in used more than one factor. Villagers sign in with one factor, an
 * SMS code to the phone on the household register, which is what the service
 * can expect of them.
 *
 * The evidence is the `amr` claim (RFC 8176 authentication method references),
 * which OpenID Connect issuers (a provincial identity service, the local
 * issuer) put in their tokens. A Cognito pre token generation trigger cannot
 * write `amr` (Cognito reserves it), so behind the default user pool the
 * trigger (shared/auth/pre-token-generation.ts) writes the same values into
 * `nongfang:amr`; both claims are read the same way.
 *
 * A token proves MFA when its methods include `mfa` ("multiple-factor
 * authentication", RFC 8176 §2), or when they span two factor classes
 * (something you know, have, are) from the RFC's values, e.g. `pwd` + `otp`
 * from an issuer that lists methods without adding `mfa`. One method alone
 * never does, however strong: `otp` or `sms` on their own are one factor.
 */

/** Claims whose values are RFC 8176 method references: the standard one and the Cognito trigger's. */
export const AMR_CLAIMS = ["amr", "nongfang:amr"] as const;

/** What the pre token generation trigger writes for a staff sign-in that passed Cognito's MFA challenge. */
export const COGNITO_MFA_METHODS = ["pwd", "mfa"] as const;

/** The factor class of each RFC 8176 method that is one; `mfa` is handled on its own. */
const FACTOR_CLASS: Readonly<Record<string, "knowledge" | "possession" | "inherence">> = {
  pwd: "knowledge",
  pin: "knowledge",
  kba: "knowledge",
  otp: "possession",
  sms: "possession",
  tel: "possession",
  hwk: "possession",
  swk: "possession",
  sc: "possession",
  fpt: "inherence",
  face: "inherence",
  iris: "inherence",
  retina: "inherence",
  vbm: "inherence",
};

/** Roles that may use the API after a single-factor sign-in. Everyone else is staff. */
export const SINGLE_FACTOR_ROLES: readonly Role[] = ["villager"];

/** Fails closed: a role this list does not name (or no role at all) needs MFA. */
export function needsMultiFactor(role: string | undefined): boolean {
  return !SINGLE_FACTOR_ROLES.some((allowed) => allowed === role);
}

/**
 * Method references from one claim value, in every shape it reaches us: a
 * JSON array (a token's payload), API Gateway's rendering of an array in
 * `requestContext.authorizer.jwt.claims` ("[pwd mfa]", infra/local/jwt-authorizer.ts),
 * or a space- or comma-separated string (the Cognito trigger's claim).
 */
export function methodsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === "string");
  if (typeof value !== "string") return [];
  return value
    .trim()
    .replace(/^\[(.*)\]$/s, "$1")
    .split(/[\s,]+/)
    .map((method) => method.trim().replace(/^"|"$/g, ""))
    .filter(Boolean);
}

/** Every method reference the claims carry, from `amr` and `nongfang:amr` together. */
export function authenticationMethods(claims: Readonly<Record<string, unknown>>): string[] {
  return [...new Set(AMR_CLAIMS.flatMap((claim) => methodsOf(claims[claim])))];
}

/** Did the sign-in these methods describe use more than one factor? */
export function provesMultiFactor(methods: readonly string[]): boolean {
  if (methods.includes("mfa")) return true;
  const classes = new Set(methods.map((method) => FACTOR_CLASS[method]).filter(Boolean));
  return classes.size >= 2;
}
