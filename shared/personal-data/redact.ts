/**
 * What must never reach a log line (PIPL; tokens are credentials): ID numbers,
 * mobile numbers, bearer/JWT tokens and Step Functions task tokens. Two nets,
 * because one is not enough:
 * - by key: values under names like `idNumber`, `phone`, `taskToken`,
 *   `authorization`, `access_token` are replaced whatever they look like;
 * - by value: any string is scanned for ID-number, mobile-number and JWT
 *   shapes (inside longer text too, e.g. an error message quoting input).
 * Used as the Powertools Logger's JSON replacer (shared/logger.ts), so it runs
 * on every key and value of every log item, nested ones and errors included.
 */
import { maskIdNumber } from "../domain/id-number.ts";
import { maskPhone } from "../domain/phone.ts";

export const REDACTED = "[REDACTED]";

/** Keys whose values are secrets or personal data, compared without case, `-` and `_`. */
const SECRET_KEYS = new Set(
  [
    "idNumber",
    "idNo",
    "phone",
    "mobile",
    "phoneNumber",
    "taskToken",
    "token",
    "accessToken",
    "idToken",
    "refreshToken",
    "authorization",
    "cookie",
    "setCookie",
    "password",
    "secret",
    "clientSecret",
    "wrapped",
    "edk",
    "plaintext",
  ].map((key) => key.toLowerCase()),
);
const normalizeKey = (key: string) => key.replace(/[-_]/g, "").toLowerCase();

export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(normalizeKey(key));
}

// 18-character ID numbers (17 digits + digit/X), not part of a longer digit run.
const ID_NUMBER = /(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])/g;
// Mainland mobiles, optionally +86/0086 and spaced or hyphenated (138 1234 5678), not inside a longer
// number or word: the last group of a UUID (…-f13312345136) is an id, not a phone number.
const MOBILE = /(?<![0-9A-Za-z+])(?:(?:\+86|0086)[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}(?![0-9A-Za-z])/g;
// JWTs (three base64url segments starting with eyJ) and "Bearer <anything>".
const JWT = /eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*/g;
const BEARER = /\bBearer\s+[\w.~+/=-]+/gi;
// Step Functions task tokens are long opaque base64-ish strings; locally and on AWS they exceed 100 characters.
const LONG_OPAQUE = /[A-Za-z0-9+/=_-]{100,}/g;

/** Masks every ID number, mobile number, JWT, bearer credential and long opaque token inside `text`. */
export function redactText(text: string): string {
  return text
    .replace(BEARER, `Bearer ${REDACTED}`)
    .replace(JWT, REDACTED)
    .replace(LONG_OPAQUE, REDACTED)
    .replace(ID_NUMBER, (match) => maskIdNumber(match))
    .replace(MOBILE, (match) => maskPhone(match.replace(/[\s-]/g, "")));
}

/** A JSON.stringify replacer: secret keys become [REDACTED], strings are scanned. */
export function redactingReplacer(key: string, value: unknown): unknown {
  if (key !== "" && isSecretKey(key) && value !== undefined && value !== null) return REDACTED;
  if (typeof value === "string") return redactText(value);
  return value;
}

/** A deep copy of `value` with everything `redactingReplacer` removes removed. */
export function redact<T>(value: T): unknown {
  const text = JSON.stringify(value, redactingReplacer);
  return text === undefined ? undefined : (JSON.parse(text) as unknown);
}
