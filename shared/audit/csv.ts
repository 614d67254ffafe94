/**
 * CSV for the audit and filing exports: RFC 4180 (CRLF records, a field with a
 * comma, quote, CR or LF is quoted and its quotes doubled), UTF-8 with a byte
 * order mark so Excel opens Chinese text correctly, and a header row.
 *
 * Cells that a spreadsheet would run as a formula (starting with = + - @ or a
 * tab/CR) get a leading apostrophe (OWASP "CSV injection"): an exported
 * comment must never execute on the auditor's machine.
 */
import type { HttpResult } from "../http/handler.ts";

export const UTF8_BOM = "\uFEFF";
export type CsvCell = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(value: CsvCell): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (typeof value === "string" && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  const lines = [header, ...rows].map((row) => row.map(csvField).join(","));
  return `${UTF8_BOM}${lines.join("\r\n")}\r\n`;
}

/** A 200 CSV download; `filename` is ASCII, the browser saves it as an attachment. */
export function csvResult(csv: string, filename: string, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode: 200,
    text: csv,
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${filename}"`,
      ...headers,
    },
  };
}
