/**
 * Keys of the certificate items (grammar of infra/constructs/case-table.ts):
 * - `CASE#<caseId>` / `CERTIFICATE#<type>`: the number a case holds for a type (the idempotency claim);
 * - `CERT#<number>` / `CERT`: the public facts behind /verify;
 * - `COUNTER#<numberPrefix>#<year>` / `COUNTER`: the last sequence number used.
 * Keyed by the policy's number prefix (which embeds the county code), so numbers
 * that share a prefix can never share a sequence number.
 */
export const caseCertificateKey = (caseId: string, type: string) =>
  ({ pk: `CASE#${caseId}`, sk: `CERTIFICATE#${type}` }) as const;
export const certificateKey = (number: string) => ({ pk: `CERT#${number}`, sk: "CERT" }) as const;
export const counterKey = (numberPrefix: string, year: string) =>
  ({ pk: `COUNTER#${numberPrefix}#${year}`, sk: "COUNTER" }) as const;
