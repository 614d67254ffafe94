/**
 * Who may touch a case's documents: the villager whose household owns the case
 * (the `household` scope of shared/auth/policy.ts, rule in shared/auth/scope.ts).
 * Anyone else gets the same 404 as for a case that does not exist, so case ids
 * of other households can never be probed.
 */
import type { Actor } from "../auth/actor.ts";
import { requireOwned } from "../auth/scope.ts";
import { STATUS_NAMES_ZH } from "../domain/case-status.ts";
import { DomainError } from "../errors.ts";
import type { CaseRecord } from "../schemas/case.ts";
import type { CaseStore } from "../store/case-store.ts";

export async function requireOwnCase(cases: CaseStore, actor: Actor, caseId: string): Promise<CaseRecord> {
  return requireOwned(actor, await cases.get(caseId), caseId);
}

/** The case is no longer the household's to change (submitted and under review, decided…). */
export class CaseLockedError extends DomainError {
  constructor(record: CaseRecord) {
    super(
      {
        en: `Documents can be added only while the case is a draft or returned for correction; case ${record.caseId} is ${record.status}`,
        zh: `只有填写中、已退回或需要补正的案件可以补充材料；案件 ${record.caseId.slice(0, 8)} 当前状态为“${STATUS_NAMES_ZH[record.status]}”`,
      },
      { status: record.status },
    );
  }
}

// A returned case too: a household sent back for a missing or unreadable document replaces it and submits again.
const OPEN_FOR_DOCUMENTS = new Set(["draft", "returned", "correction_requested"]);

export function assertOpenForDocuments(record: CaseRecord): void {
  if (!OPEN_FOR_DOCUMENTS.has(record.status)) throw new CaseLockedError(record);
}
