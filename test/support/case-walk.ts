/**
 * A case record walked through the status machine by the store alone (no
 * workflow, no HTTP): for tests whose subject starts at a later status, such
 * as the township's decision papers and certificates.
 */
import type { CaseVerb } from "#shared/domain/case-status.ts";
import type { CaseRecord } from "#shared/schemas/case.ts";
import type { CaseStore } from "#shared/store/case-store.ts";

const SYSTEM = { id: "system", role: "system" };

/** From a draft to accepted by the township: what the workflow does when nothing stops it. */
export const TO_ACCEPTED: readonly CaseVerb[] = [
  "submit",
  "completePrecheck",
  "startPublicNotice",
  "startVillageReview",
  "forwardToTownship",
  "accept",
];

/** From a draft to awaiting the township head's decision. */
export const TO_TOWNSHIP_DECISION: readonly CaseVerb[] = [
  ...TO_ACCEPTED,
  "startJointReview",
  "completeJointReview",
];

/** Applies `verbs` in order: the household submits, the system does the rest; every guard passes. */
export async function walkCase(
  store: CaseStore,
  record: CaseRecord,
  verbs: readonly CaseVerb[] = TO_TOWNSHIP_DECISION,
): Promise<CaseRecord> {
  let current = record;
  for (const verb of verbs) {
    current = await store.transition(current, verb, {
      actor: verb === "submit" ? { id: current.ownerId, role: "villager" } : SYSTEM,
      ...(verb === "completePrecheck" ? { facts: { precheckBlocked: false } } : {}),
      ...(verb === "completeJointReview" ? { facts: { openConsultations: 0 } } : {}),
    });
  }
  return current;
}
