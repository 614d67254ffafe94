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
/** An overdue step's copy in the township head's queue (shared/store/step-store.ts). */
export const escalationKey = (caseId: string, stepId: string) =>
  ({ pk: `CASE#${caseId}`, sk: `ESCALATION#${stepId}` }) as const;
export const documentKey = (caseId: string, documentId: string) =>
  ({ pk: `CASE#${caseId}`, sk: `DOC#${documentId}` }) as const;
export const eventKey = (caseId: string, seq: number) =>
  ({ pk: `CASE#${caseId}`, sk: `EVENT#${String(seq).padStart(10, "0")}` }) as const;

/** Sort-key prefixes of the items that live in a case's partition. */
export const CASE_ITEM_PREFIX = {
  step: "STEP#",
  token: "TOKEN#",
  document: "DOC#",
  event: "EVENT#",
  incident: "INCIDENT#",
  escalation: "ESCALATION#",
} as const;

/** The case and step a STEP item's keys name; undefined for any other item. */
export function stepOfKey(key: {
  readonly pk?: unknown;
  readonly sk?: unknown;
}): { readonly caseId: string; readonly stepId: string } | undefined {
  const { pk, sk } = key;
  if (typeof pk !== "string" || typeof sk !== "string") return undefined;
  if (!pk.startsWith("CASE#") || !sk.startsWith(CASE_ITEM_PREFIX.step)) return undefined;
  return { caseId: pk.slice("CASE#".length), stepId: sk.slice(CASE_ITEM_PREFIX.step.length) };
}

/** An incident of a case (operator view): a failure that waits for an operator's recovery. */
export const incidentKey = (caseId: string, incidentId: string) =>
  ({ pk: `CASE#${caseId}`, sk: `INCIDENT#${incidentId}` }) as const;

/** byOpenIncident: the open incidents of one township, oldest first. Removed when the incident closes. */
export const openIncidentKeys = (
  townshipCode: string,
  openedAt: string,
  caseId: string,
  incidentId: string,
) => ({
  gsi6pk: `INCIDENTS#${townshipCode}`,
  gsi6sk: `${openedAt}#${caseId}#${incidentId}`,
});
export const openIncidentPartition = (townshipCode: string) => `INCIDENTS#${townshipCode}`;

/**
 * byUndeliveredDecision: decided steps whose decision has not reached the workflow yet
 * (set with the decision, removed once it is sent), oldest first. Sparse and short-lived:
 * the delivery sweep (shared/workflow/delivery-sweep.ts) reads it once a minute.
 */
export const UNDELIVERED_PARTITION = "UNDELIVERED";
export const undeliveredKeys = (respondedAt: string, caseId: string, stepId: string) => ({
  gsi8pk: UNDELIVERED_PARTITION,
  gsi8sk: `${respondedAt}#${caseId}#${stepId}`,
});

/** The start of byQueue sort keys of overdue entries, and of entries still on time. */
export const QUEUE_SORT_PREFIX = { overdue: "0#", on_time: "1#" } as const;

/** byQueue: open steps of one queue (a department or role) in one township, overdue first, then by deadline. */
export const queueKeys = (
  queue: string,
  townshipCode: string,
  overdue: boolean,
  deadline: string,
  caseId: string,
) => ({
  gsi1pk: `QUEUE#${queue}#${townshipCode}`,
  gsi1sk: `${overdue ? QUEUE_SORT_PREFIX.overdue : QUEUE_SORT_PREFIX.on_time}${deadline}#${caseId}`,
});
export const queuePartition = (queue: string, townshipCode: string) => `QUEUE#${queue}#${townshipCode}`;

/** byOwner: a household's cases, newest last. */
export const ownerKeys = (householdId: string, createdAt: string, caseId: string) => ({
  gsi2pk: `OWNER#${householdId}`,
  gsi2sk: `${createdAt}#${caseId}`,
});
export const ownerPartition = (householdId: string) => `OWNER#${householdId}`;

/** byRegister: the township register (台账) by status. */
export const registerKeys = (townshipCode: string, status: string, updatedAt: string, caseId: string) => ({
  gsi3pk: `REGISTER#${townshipCode}#${status}`,
  gsi3sk: `${updatedAt}#${caseId}`,
});
export const registerPartition = (townshipCode: string, status: string) =>
  `REGISTER#${townshipCode}#${status}`;

/** byEventTime: audit events by UTC day, then time. */
export const eventTimeKeys = (at: string, caseId: string, seq: number) => ({
  gsi4pk: `EVENTS#${at.slice(0, 10)}`,
  gsi4sk: `${at}#${caseId}#${String(seq).padStart(10, "0")}`,
});
export const eventDayPartition = (day: string) => `EVENTS#${day}`;

/** byPerson: where one person (keyed hash of the ID number, purpose idNumber) appears. */
export const personPartition = (idHash: string) => `PERSON#${idHash}`;
/** The register's head of a household (from the import's headIdHash). */
export const registerPersonKeys = (idHash: string, householdId: string) => ({
  gsi7pk: personPartition(idHash),
  gsi7sk: `HOUSEHOLD#${householdId}`,
});
/** A head or member of a case: `slot` is `head` or `member#<index>`. */
export const casePersonItemKey = (caseId: string, slot: string) =>
  ({ pk: `CASE#${caseId}`, sk: `PERSON#${slot}` }) as const;
export const casePersonKeys = (idHash: string, caseId: string, householdId: string) => ({
  gsi7pk: personPartition(idHash),
  gsi7sk: `CASE#${caseId}#${householdId}`,
});

/** A byPerson entry read back: a register household, or a case of a household. */
export type PersonEntry =
  | { readonly source: "register"; readonly householdId: string }
  | { readonly source: "case"; readonly caseId: string; readonly householdId: string };

export function parsePersonEntry(gsi7sk: string): PersonEntry | undefined {
  if (gsi7sk.startsWith("HOUSEHOLD#")) return { source: "register", householdId: gsi7sk.slice(10) };
  const match = /^CASE#([^#]+)#(.+)$/.exec(gsi7sk);
  return match?.[1] && match[2] ? { source: "case", caseId: match[1], householdId: match[2] } : undefined;
}

/** The short number people quote (first 8 characters of the case id, lower-case). */
export const shortNumberOf = (caseId: string) => caseId.slice(0, 8).toLowerCase();

/**
 * byShortNumber, byApplicantIdNumber, byApplicantName: a case found by what people quote
 * (shared/review/search.ts). The ID number and name arrive as keyed hashes, never in clear.
 */
export const searchKeys = (
  caseId: string,
  townshipCode: string,
  hashes: { readonly idNumber?: string; readonly name?: string },
) => {
  const sk = `${townshipCode}#${caseId}`;
  return {
    gsi9pk: `SHORT#${shortNumberOf(caseId)}`,
    gsi9sk: sk,
    ...(hashes.idNumber ? { gsi10pk: `APPLICANT_ID#${hashes.idNumber}`, gsi10sk: sk } : {}),
    ...(hashes.name ? { gsi11pk: `APPLICANT_NAME#${hashes.name}`, gsi11sk: sk } : {}),
  };
};
