/**
 * Mainland China mobile numbers: 11 digits starting 13–19. Landlines are not
 * accepted because the platform sends SMS notices to this number (the head of
 * household's, shared/notify/sender.ts; opened from its sealed form only to send).
 */

const MOBILE = /^1[3-9]\d{9}$/;

/** Strips spaces, hyphens and a +86 / 0086 prefix so the stored form is always 11 digits. */
export function normalizePhone(value: string): string {
  const compact = value.replace(/[\s-]/g, "");
  return compact.replace(/^(?:\+86|0086)/, "");
}

export function isMainlandMobile(value: string): boolean {
  return MOBILE.test(normalizePhone(value));
}

/** `maskPhone("13812345678") → "138****5678"`; anything else keeps only its last 4 characters. */
export function maskPhone(value: string): string {
  const normalized = normalizePhone(value);
  if (MOBILE.test(normalized)) return `${normalized.slice(0, 3)}****${normalized.slice(7)}`;
  if (normalized.length <= 4) return "*".repeat(normalized.length);
  return `${"*".repeat(normalized.length - 4)}${normalized.slice(-4)}`;
}
