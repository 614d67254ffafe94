/**
 * Resident identity card numbers (公民身份号码) per GB 11643-1999.
 *
 * 18 characters: 6-digit address code, 8-digit birth date (YYYYMMDD), 3-digit
 * sequence (odd = male, even = female) and an ISO 7064 MOD 11-2 check character.
 */

export const ID_NUMBER_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
/** Indexed by (weighted sum mod 11). */
export const ID_NUMBER_CHECK_CHARS = "10X98765432";

export type IdNumberProblem = "format" | "birth_date" | "checksum";

export type IdNumberCheck =
  | {
      readonly valid: true;
      readonly normalized: string;
      readonly birthDate: string;
      readonly sex: "male" | "female";
    }
  | { readonly valid: false; readonly problem: IdNumberProblem };

/** The check character for the first 17 digits. Throws on anything that is not 17 digits. */
export function computeIdNumberCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError("computeIdNumberCheckChar needs exactly 17 digits");
  let sum = 0;
  for (let index = 0; index < 17; index += 1) {
    sum += Number(first17.charAt(index)) * (ID_NUMBER_WEIGHTS[index] ?? 0);
  }
  return ID_NUMBER_CHECK_CHARS.charAt(sum % 11);
}

/**
 * Validates an ID number. A lower-case `x` check character is accepted and
 * normalised to `X`: phone keyboards produce it and it is the same number.
 *
 * @param today the latest acceptable birth date (defaults to now); injectable for tests.
 */
export function checkIdNumber(value: string, today: Date = new Date()): IdNumberCheck {
  const normalized = value.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(normalized)) return { valid: false, problem: "format" };

  const year = Number(normalized.slice(6, 10));
  const month = Number(normalized.slice(10, 12));
  const day = Number(normalized.slice(12, 14));
  const birth = new Date(Date.UTC(year, month - 1, day));
  const isRealDate =
    birth.getUTCFullYear() === year && birth.getUTCMonth() === month - 1 && birth.getUTCDate() === day;
  // 1800 only rules out typos; the standard's own worked example is born in 1880.
  if (!isRealDate || year < 1800 || birth.getTime() > today.getTime()) {
    return { valid: false, problem: "birth_date" };
  }

  if (computeIdNumberCheckChar(normalized.slice(0, 17)) !== normalized.charAt(17)) {
    return { valid: false, problem: "checksum" };
  }
  return {
    valid: true,
    normalized,
    birthDate: `${normalized.slice(6, 10)}-${normalized.slice(10, 12)}-${normalized.slice(12, 14)}`,
    sex: Number(normalized.charAt(16)) % 2 === 1 ? "male" : "female",
  };
}

export function isValidIdNumber(value: string, today?: Date): boolean {
  return checkIdNumber(value, today).valid;
}

/**
 * Keeps the first 4 (province + city) and last 4 characters: enough for a clerk
 * to match a paper document, not enough to reuse the number.
 * `maskIdNumber("511402199001011234") → "5114**********1234"`.
 */
export function maskIdNumber(value: string): string {
  const trimmed = value.trim();
  if (trimmed.length <= 8) return "*".repeat(trimmed.length);
  return `${trimmed.slice(0, 4)}${"*".repeat(trimmed.length - 8)}${trimmed.slice(-4)}`;
}
