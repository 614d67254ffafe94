/**
 * Proof Key for Code Exchange (RFC 7636) with the S256 method, on WebCrypto
 * only, so the browser (web/src/auth.ts, which creates the verifier) and the
 * local issuer (infra/local/oidc-issuer.ts, which checks it) share one
 * implementation. Cognito supports only S256 (developerguide
 * using-pkce-in-authorization-code.html), and `plain` would give nothing
 * against a stolen code, so there is no `plain` here.
 */

/** RFC 4648 §5 base64url without padding, the encoding of RFC 7636 §4.2. */
export function base64UrlEncode(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** RFC 7636 §4.1: 43 to 128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~". */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

export function isCodeVerifier(value: string): boolean {
  return VERIFIER.test(value);
}

/**
 * A code verifier from 32 random octets (RFC 7636 §4.1's recommendation:
 * 256 bits of entropy, 43 characters). `random` exists for the RFC's test vector.
 */
export function createCodeVerifier(random: Uint8Array = crypto.getRandomValues(new Uint8Array(32))): string {
  if (random.length < 32) throw new RangeError("A code verifier needs at least 32 random octets");
  return base64UrlEncode(random);
}

/** `BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))` (RFC 7636 §4.2, S256). */
export async function codeChallengeS256(verifier: string): Promise<string> {
  if (!isCodeVerifier(verifier)) throw new RangeError("Not an RFC 7636 code verifier");
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64UrlEncode(new Uint8Array(digest));
}

/**
 * The authorization server's check (RFC 7636 §4.6): the verifier must be well
 * formed and hash to the challenge the authorization request carried.
 */
export async function verifiesS256(verifier: string, challenge: string): Promise<boolean> {
  if (!isCodeVerifier(verifier)) return false;
  const expected = await codeChallengeS256(verifier);
  // Both sides are public-length base64url strings; compare all characters anyway.
  if (expected.length !== challenge.length) return false;
  let difference = 0;
  for (let index = 0; index < expected.length; index += 1) {
    difference |= expected.charCodeAt(index) ^ challenge.charCodeAt(index);
  }
  return difference === 0;
}

/** An unguessable value for `state` and `nonce` (128 bits, base64url). */
export function randomUrlToken(octets = 16): string {
  return base64UrlEncode(crypto.getRandomValues(new Uint8Array(octets)));
}
