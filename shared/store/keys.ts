/**
 * Every key builder of the single table, and nowhere else: small pure functions
 * so every writer and reader agrees on the prefixes. Each prefix is documented in
 * KEY_TABLE and the index designs of ./table-design.ts (checked both ways by
 * test/unit/key-table.test.ts, which also fails on a key literal built elsewhere).
 */
import { createHash } from "node:crypto";

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
export const CASE_PERSON_PREFIX = "PERSON#";
/** The register's head of a household (from the import's headIdHash). */
export const registerPersonKeys = (idHash: string, householdId: string) => ({
  gsi7pk: personPartition(idHash),
  gsi7sk: `HOUSEHOLD#${householdId}`,
});
/** A head or member of a case: `slot` is `head` or `member#<index>`. */
export const casePersonItemKey = (caseId: string, slot: string) =>
  ({ pk: `CASE#${caseId}`, sk: `${CASE_PERSON_PREFIX}${slot}` }) as const;
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
export const SEARCH_INDEXES = {
  short: { indexName: "byShortNumber", pk: "gsi9pk", sk: "gsi9sk", partition: (v: string) => `SHORT#${v}` },
  idNumber: {
    indexName: "byApplicantIdNumber",
    pk: "gsi10pk",
    sk: "gsi10sk",
    partition: (v: string) => `APPLICANT_ID#${v}`,
  },
  name: {
    indexName: "byApplicantName",
    pk: "gsi11pk",
    sk: "gsi11sk",
    partition: (v: string) => `APPLICANT_NAME#${v}`,
  },
} as const;
/** A search index entry's sort key read back: the case's township and id. */
export function parseSearchSortKey(sk: string): { townshipCode: string; caseId: string } | undefined {
  const at = sk.indexOf("#");
  return at > 0 && at < sk.length - 1
    ? { townshipCode: sk.slice(0, at), caseId: sk.slice(at + 1) }
    : undefined;
}
export const searchKeys = (
  caseId: string,
  townshipCode: string,
  hashes: { readonly idNumber?: string; readonly name?: string },
) => {
  const sk = `${townshipCode}#${caseId}`;
  return {
    gsi9pk: SEARCH_INDEXES.short.partition(shortNumberOf(caseId)),
    gsi9sk: sk,
    ...(hashes.idNumber ? { gsi10pk: SEARCH_INDEXES.idNumber.partition(hashes.idNumber), gsi10sk: sk } : {}),
    ...(hashes.name ? { gsi11pk: SEARCH_INDEXES.name.partition(hashes.name), gsi11sk: sk } : {}),
  };
};

// ── Items outside a case's partition ─────────────────────────────────────

/**
 * Certificates (shared/certificates/): the number a case holds for a type (the idempotency claim), the
 * public facts behind /verify, and the last sequence number of a number prefix (which embeds the
 * county code, so numbers that share a prefix can never share a sequence number).
 */
export const caseCertificateKey = (caseId: string, type: string) =>
  ({ pk: `CASE#${caseId}`, sk: `CERTIFICATE#${type}` }) as const;
export const certificateKey = (number: string) => ({ pk: `CERT#${number}`, sk: "CERT" }) as const;
export const counterKey = (numberPrefix: string, year: string) =>
  ({ pk: `COUNTER#${numberPrefix}#${year}`, sk: "COUNTER" }) as const;

/**
 * Idempotency records (shared/http/idempotency.ts, Powertools): one partition per operation; the sort
 * key is Powertools' own, `<Lambda function name>#<hash of caller, case and Idempotency-Key>`.
 */
export const idempotencyPartition = (operation: string) => `IDEMPOTENCY#${operation}`;

/** The field keyring's hash secret (shared/crypto/kms-keyring.ts): one item, the secret sealed by KMS. */
export const hashSecretKey = { pk: "KEYRING", sk: "FIELD_HASH_SECRET" } as const;

/** A one-time code of 代办 (shared/assisted/one-time-code.ts): one live code per purpose and subject. */
export const otpKey = (purpose: string, subject: string) =>
  ({ pk: `OTP#${purpose}#${subject}`, sk: "OTP" }) as const;

/** Who audited what (shared/audit/query-log.ts): one item per auditor read, by UTC day. */
export const auditLogPartition = (day: string) => `AUDITLOG#${day}`;
export const AUDIT_QUERY_PREFIX = "AUDIT_QUERY#";
export const auditQueryKey = (at: string, requestId: string) => ({
  pk: auditLogPartition(at.slice(0, 10)),
  sk: `${AUDIT_QUERY_PREFIX}${at}#${requestId}`,
});

// ── Notifications (shared/notify/) ───────────────────────────────────────

/** A person's in-app messages (消息), newest last; `recipient` as recipientKey (shared/notify/desks.ts) encodes it. */
export const inboxPartitionOf = (recipient: string) => `INBOX#${recipient}`;
export const MESSAGE_PREFIX = "MSG#";
export const messageSortKey = (at: string, caseId: string, seq: number, kind: string) =>
  `${MESSAGE_PREFIX}${at}#${caseId}#${String(seq).padStart(10, "0")}#${kind}`;
/** SMS jobs: still owed (the sender's work list, oldest due first), and what became of them. */
export const DUE_PARTITION = "OUTBOX#due";
export const SENT_PARTITION = "OUTBOX#sent";
export const FAILED_PARTITION = "OUTBOX#failed";
export const SKIPPED_PARTITION = "OUTBOX#skipped";
export const outboxJobKey = (partition: string, at: string, jobId: string) => ({
  pk: partition,
  sk: `${at}#${jobId}`,
});
/** How far a person has read an inbox (unread = newer). */
export const readerKey = (userId: string, recipient: string) => ({
  pk: `READER#${userId}`,
  sk: inboxPartitionOf(recipient),
});
/** SMS opt-out of a household; a staff member's sealed phone. */
export const householdPrefsKey = (householdId: string) => ({
  pk: `PREFS#household:${householdId}`,
  sk: "NOTIFY",
});
export const staffPrefsKey = (userId: string) => ({ pk: `PREFS#user:${userId}`, sk: "NOTIFY" });
/** Staff who get a desk's SMS. */
export const deskPartition = (desk: string) => `DESK#${desk}`;
export const deskMemberKey = (desk: string, userId: string) => ({
  pk: deskPartition(desk),
  sk: `MEMBER#${userId}`,
});

// ── Public notices (shared/notices/) ─────────────────────────────────────

export const noticeKey = (noticeId: string) => ({ pk: `NOTICE#${noticeId}`, sk: "NOTICE" }) as const;
/** A township's notices, by village and start. */
export const noticeListPartition = (townshipCode: string) => `NOTICES#${townshipCode}`;
export const noticeListKey = (
  townshipCode: string,
  villageCode: string,
  startsAt: string,
  noticeId: string,
) => ({ pk: noticeListPartition(townshipCode), sk: `${villageCode}#${startsAt}#${noticeId}` }) as const;
export const OBJECTION_PREFIX = "OBJECTION#";
export const objectionKey = (noticeId: string, objectionId: string) =>
  ({ pk: `NOTICE#${noticeId}`, sk: `${OBJECTION_PREFIX}${objectionId}` }) as const;

// ── Reference data (shared/store/reference-store.ts, shared/reference/import/) ──

export const householdKey = (householdId: string) =>
  ({ pk: `HOUSEHOLD#${householdId}`, sk: "HOUSEHOLD" }) as const;
export const HOMESTEAD_PREFIX = "HOMESTEAD#";
/** A homestead of the register, or the plot of a case (一户一宅, shared/store/household-items.ts). */
export const homesteadKey = (householdId: string, homesteadId: string) =>
  ({ pk: householdKey(householdId).pk, sk: `${HOMESTEAD_PREFIX}${homesteadId}` }) as const;
/** A household's open homestead case (一户一宅): at most one. */
export const openCaseKey = (householdId: string) =>
  ({ pk: householdKey(householdId).pk, sk: "OPENCASE" }) as const;
export const RETURN_PREFIX = "RETURN#";
/** An old plot the household returns once its new house is complete. */
export const plotReturnKey = (householdId: string, homesteadId: string) =>
  ({ pk: householdKey(householdId).pk, sk: `${RETURN_PREFIX}${homesteadId}` }) as const;
export const VILLAGE_PREFIX = "VILLAGE#";
export const TOWNSHIP_PREFIX = "TOWNSHIP#";
export const villageKey = (villageCode: string) =>
  ({ pk: `${VILLAGE_PREFIX}${villageCode}`, sk: "VILLAGE" }) as const;
export const boundaryKey = (villageCode: string) =>
  ({ pk: villageKey(villageCode).pk, sk: "BOUNDARY" }) as const;
export const parcelKey = (villageCode: string, parcelId: string) =>
  ({ pk: villageKey(villageCode).pk, sk: `PARCEL#${parcelId}` }) as const;
export const townshipKey = (townshipCode: string) =>
  ({ pk: `${TOWNSHIP_PREFIX}${townshipCode}`, sk: "TOWNSHIP" }) as const;
/** byGridCell: the parcels whose bounding box covers one grid cell (a geohash). */
export const gridCellPartition = (cell: string) => `GRID#${cell}`;
export const gridCellItemKeys = (villageCode: string, parcelId: string, cell: string) => ({
  pk: villageKey(villageCode).pk,
  sk: `GRID#${cell}#${parcelId}`,
  gsi5pk: gridCellPartition(cell),
  gsi5sk: `${villageCode}#${parcelId}`,
});
/** A finished import, by UTC day (who, file SHA-256, counts; append-only). */
export const importLogPartition = (day: string) => `IMPORTLOG#${day}`;
export const IMPORT_LOG_PREFIX = "IMPORT#";
export const importLogKey = (finishedAt: string, importId: string) => ({
  pk: importLogPartition(finishedAt.slice(0, 10)),
  sk: `${IMPORT_LOG_PREFIX}${finishedAt}#${importId}`,
});
export const importJobKey = (importId: string) => ({ pk: `IMPORTJOB#${importId}`, sk: "JOB" });
/** One import of a file (type and identity): its checkpoint while interrupted, its lock while running. */
const importDigest = (identity: string) => createHash("sha256").update(identity).digest("hex").slice(0, 32);
export const importCheckpointKey = (type: string, identity: string) => ({
  pk: `IMPORT#${type}#${importDigest(identity)}`,
  sk: "CHECKPOINT",
});
export const importLockKey = (type: string, identity: string) => ({
  pk: `IMPORT#${type}#${importDigest(identity)}`,
  sk: "RUNNING",
});

// ── 代办 (shared/assisted/) ───────────────────────────────────────────────

/**
 * byFiledOnBehalf: a township's cases filed on behalf of a household, by filing time (the filer's
 * list). Sparse: only a case with `filedOnBehalf` carries the keys, from the transaction that
 * creates it so; the village in the sort key lets a village officer keep their own village's.
 */
export const filedOnBehalfPartition = (townshipCode: string) => `FILED#${townshipCode}`;
export const filedOnBehalfKeys = (
  townshipCode: string,
  filedAt: string,
  villageCode: string,
  caseId: string,
) => ({
  gsi12pk: filedOnBehalfPartition(townshipCode),
  gsi12sk: `${filedAt}#${villageCode}#${caseId}`,
});
/** A byFiledOnBehalf sort key read back: the case's village and id. */
export function parseFiledOnBehalfSortKey(sk: string): { villageCode: string; caseId: string } | undefined {
  const match = /^[^#]+#([^#]+)#(.+)$/.exec(sk);
  return match?.[1] && match[2] ? { villageCode: match[1], caseId: match[2] } : undefined;
}
