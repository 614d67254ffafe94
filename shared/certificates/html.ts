/** Escapes text for HTML element content and quoted attribute values. Every value we print goes through it. */
export function escapeHtml(value: string | number): string {
  return String(value)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Formats areas and lengths the way the forms do: up to two decimals, no trailing zeros. */
export const formatNumber = (value: number) => String(Math.round(value * 100) / 100);
