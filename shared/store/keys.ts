/**
 * Key builders for the single case table (grammar documented in
 * infra/constructs/case-table.ts). Small pure functions so every writer and
 * reader agrees on the prefixes.
 */
export const caseKey = (caseId: string) => ({ pk: `CASE#${caseId}`, sk: "CASE" }) as const;
export const stepKey = (caseId: string, stepId: string) =>
  ({ pk: `CASE#${caseId}`, sk: `STEP#${stepId}` }) as const;
export const tokenKey = (caseId: string, stepId: string) =>
  ({ pk: `CASE#${caseId}`, sk: `TOKEN#${stepId}` }) as const;
export const documentKey = (caseId: string, documentId: string) =>
  ({ pk: `CASE#${caseId}`, sk: `DOC#${documentId}` }) as const;
export const eventKey = (caseId: string, seq: number) =>
  ({ pk: `CASE#${caseId}`, sk: `EVENT#${String(seq).padStart(10, "0")}` }) as const;
