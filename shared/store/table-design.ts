/**
 * The one definition of the case table's key schema and secondary indexes.
 *
 * The CDK construct (infra/constructs/case-table.ts) and the local DynamoDB
 * (infra/local/dynamodb.ts) both build the table from this object, so the
 * local table can never drift from the deployed one. Pure data: no AWS imports.
 *
 * Key grammar (ElectroDB style): generic attribute names, prefixed values,
 * built by shared/store/keys.ts and nowhere else. KEY_TABLE below and the
 * `keys` of each index document every prefix; test/unit/key-table.test.ts
 * checks them against what the builders write, both ways. See
 * infra/constructs/case-table.ts for the access patterns each index serves.
 */
export interface KeyAttribute {
  readonly name: string;
  readonly type: "S" | "N";
}

/** Key patterns: literal prefixes, `<…>` for values, ` | ` between alternatives. */
export interface KeyPattern {
  readonly pk: string;
  readonly sk: string;
}

export interface IndexDesign {
  /** Named after the access pattern it serves. */
  readonly indexName: string;
  /** What its keys hold (documentation, checked against the key builders). */
  readonly keys: KeyPattern;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  /**
   * What the index copies of each item: "ALL" (default), or "KEYS_ONLY" for
   * indexes over the case item. That item is rewritten on every transition
   * (~30 times a permit); with ALL each rewrite is copied in full into the
   * index too (about half of a permit's write units, bench/cost-per-permit.ts),
   * while KEYS_ONLY writes nothing unless the index key changes. Their rare
   * readers (a household's list, the register) fetch the items by key.
   */
  readonly projection?: "ALL" | "KEYS_ONLY";
}

export interface TableDesign {
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  readonly globalSecondaryIndexes: readonly IndexDesign[];
}

export const CASE_TABLE: TableDesign = {
  partitionKey: { name: "pk", type: "S" },
  sortKey: { name: "sk", type: "S" },
  globalSecondaryIndexes: [
    {
      indexName: "byQueue",
      keys: { pk: "QUEUE#<queue>#<township>", sk: "<0 overdue | 1 on time>#<deadline>#<caseId>" },
      partitionKey: { name: "gsi1pk", type: "S" },
      sortKey: { name: "gsi1sk", type: "S" },
    },
    {
      indexName: "byOwner",
      keys: { pk: "OWNER#<householdId>", sk: "<createdAt>#<caseId>" },
      partitionKey: { name: "gsi2pk", type: "S" },
      sortKey: { name: "gsi2sk", type: "S" },
      projection: "KEYS_ONLY",
    },
    {
      indexName: "byRegister",
      keys: { pk: "REGISTER#<township>#<status>", sk: "<updatedAt>#<caseId>" },
      partitionKey: { name: "gsi3pk", type: "S" },
      sortKey: { name: "gsi3sk", type: "S" },
      projection: "KEYS_ONLY",
    },
    {
      indexName: "byEventTime",
      keys: { pk: "EVENTS#<yyyy-mm-dd>", sk: "<at>#<caseId>#<seq, 10 digits>" },
      partitionKey: { name: "gsi4pk", type: "S" },
      sortKey: { name: "gsi4sk", type: "S" },
    },
    {
      indexName: "byGridCell",
      keys: { pk: "GRID#<geohash>", sk: "<villageCode>#<parcelId>" },
      partitionKey: { name: "gsi5pk", type: "S" },
      sortKey: { name: "gsi5sk", type: "S" },
    },
    {
      // Only open incidents carry its keys: a small, sparse index the operator view pages through.
      indexName: "byOpenIncident",
      keys: { pk: "INCIDENTS#<township>", sk: "<openedAt>#<caseId>#<incidentId>" },
      partitionKey: { name: "gsi6pk", type: "S" },
      sortKey: { name: "gsi6sk", type: "S" },
    },
    {
      // 一户一宅: where a person (keyed hash of the ID number) appears — a register household's
      // head, a case's head or member. The sort key says which household and case; nothing else is read.
      indexName: "byPerson",
      keys: {
        pk: "PERSON#<keyed hash of the ID number>",
        sk: "HOUSEHOLD#<householdId> | CASE#<caseId>#<householdId>",
      },
      partitionKey: { name: "gsi7pk", type: "S" },
      sortKey: { name: "gsi7sk", type: "S" },
      projection: "KEYS_ONLY",
    },
    {
      // A decision stored but not yet sent to the workflow (the deciding call died between its commit
      // and SendTaskSuccess): the delivery sweep finds it here. Sparse: markSent removes the keys.
      indexName: "byUndeliveredDecision",
      keys: { pk: "UNDELIVERED", sk: "<respondedAt>#<caseId>#<stepId>" },
      partitionKey: { name: "gsi8pk", type: "S" },
      sortKey: { name: "gsi8sk", type: "S" },
      projection: "KEYS_ONLY",
    },
    // Staff and auditors find a case by what people quote (shared/review/search.ts): the short number
    // on every screen and paper, the applicant's name, the applicant's ID number — the last two as
    // keyed hashes, never in clear. Sort key: `<township>#<caseId>`, so jurisdiction needs no read.
    // Keys only, on the case item: written when the key changes, not on every transition.
    {
      indexName: "byShortNumber",
      keys: { pk: "SHORT#<first 8 characters of the case id>", sk: "<township>#<caseId>" },
      partitionKey: { name: "gsi9pk", type: "S" },
      sortKey: { name: "gsi9sk", type: "S" },
      projection: "KEYS_ONLY",
    },
    {
      indexName: "byApplicantIdNumber",
      keys: { pk: "APPLICANT_ID#<keyed hash>", sk: "<township>#<caseId>" },
      partitionKey: { name: "gsi10pk", type: "S" },
      sortKey: { name: "gsi10sk", type: "S" },
      projection: "KEYS_ONLY",
    },
    {
      indexName: "byApplicantName",
      keys: { pk: "APPLICANT_NAME#<keyed hash of the normalized name>", sk: "<township>#<caseId>" },
      partitionKey: { name: "gsi11pk", type: "S" },
      sortKey: { name: "gsi11sk", type: "S" },
      projection: "KEYS_ONLY",
    },
    {
      // 代办: the cases filed on behalf of a household, newest first, for their filers
      // (shared/assisted/filed-list.ts). Sparse (only such cases carry the keys) and keys only: the
      // keys never change after filing, so a transition of the case writes nothing here.
      indexName: "byFiledOnBehalf",
      keys: { pk: "FILED#<township>", sk: "<filedAt>#<villageCode>#<caseId>" },
      partitionKey: { name: "gsi12pk", type: "S" },
      sortKey: { name: "gsi12sk", type: "S" },
      projection: "KEYS_ONLY",
    },
  ],
};

/**
 * Every kind of item of the table: its key patterns and the module that writes it.
 * (Index keys are documented with each index above.)
 */
export interface ItemDesign extends KeyPattern {
  readonly item: string;
  readonly writtenBy: string;
}

const row = (item: string, pk: string, sk: string, writtenBy: string): ItemDesign => ({
  item,
  pk,
  sk,
  writtenBy,
});
const CASE = "CASE#<caseId>";

export const KEY_TABLE: readonly ItemDesign[] = [
  row("case", CASE, "CASE", "shared/store/case-store.ts"),
  row("workflow step", CASE, "STEP#<stepId>", "shared/store/step-store.ts"),
  row("task token (never returned)", CASE, "TOKEN#<stepId>", "shared/store/step-store.ts"),
  row("escalation of an overdue step", CASE, "ESCALATION#<stepId>", "shared/store/step-store.ts"),
  row("document", CASE, "DOC#<documentId>", "shared/documents/document-store.ts"),
  row("audit event", CASE, "EVENT#<seq, 10 digits>", "shared/store/case-items.ts"),
  row("incident (operator view)", CASE, "INCIDENT#<incidentId>", "shared/workflow/incidents.ts"),
  row("a case's certificate number", CASE, "CERTIFICATE#<type>", "shared/certificates/"),
  row("a case's person (一户一宅)", CASE, "PERSON#head | PERSON#member#<i>", "shared/workflow/precheck.ts"),
  row("certificate (public facts)", "CERT#<number>", "CERT", "shared/certificates/"),
  row("certificate number counter", "COUNTER#<numberPrefix>#<year>", "COUNTER", "shared/certificates/"),
  // Powertools' record: its own sort key, `<Lambda function name>#<hash of caller, case and key>`.
  row("idempotency record", "IDEMPOTENCY#<operation>", "<function>#<hash>", "shared/http/idempotency.ts"),
  row("field keyring hash secret", "KEYRING", "FIELD_HASH_SECRET", "shared/crypto/kms-keyring.ts"),
  row("one-time code (代办)", "OTP#<purpose>#<subject>", "OTP", "shared/assisted/one-time-code.ts"),
  row(
    "auditor query (log)",
    "AUDITLOG#<yyyy-mm-dd>",
    "AUDIT_QUERY#<at>#<requestId>",
    "shared/audit/query-log.ts",
  ),
  row(
    "in-app message (消息)",
    "INBOX#<recipient>",
    "MSG#<at>#<caseId>#<seq>#<kind>",
    "shared/notify/outbox.ts",
  ),
  row("SMS job owed", "OUTBOX#due", "<dueAt>#<jobId>", "shared/notify/outbox.ts"),
  row(
    "SMS job done",
    "OUTBOX#sent | OUTBOX#failed | OUTBOX#skipped",
    "<at>#<jobId>",
    "shared/notify/sender.ts",
  ),
  row("inbox read watermark", "READER#<userId>", "INBOX#<recipient>", "shared/notify/inbox.ts"),
  row("notification settings", "PREFS#household:<id> | PREFS#user:<id>", "NOTIFY", "shared/notify/inbox.ts"),
  row("desk member (SMS)", "DESK#<desk>", "MEMBER#<userId>", "shared/notify/inbox.ts"),
  row("public notice", "NOTICE#<noticeId>", "NOTICE", "shared/notices/notices.ts"),
  row("objection to a notice", "NOTICE#<noticeId>", "OBJECTION#<objectionId>", "shared/notices/notices.ts"),
  row(
    "notice list entry",
    "NOTICES#<township>",
    "<villageCode>#<startsAt>#<noticeId>",
    "shared/notices/notices.ts",
  ),
  row("household register", "HOUSEHOLD#<householdId>", "HOUSEHOLD", "shared/reference/entities.ts"),
  row(
    "homestead (register, or a case's plot)",
    "HOUSEHOLD#<householdId>",
    "HOMESTEAD#<id>",
    "shared/store/household-items.ts",
  ),
  row("open homestead case", "HOUSEHOLD#<householdId>", "OPENCASE", "shared/store/household-items.ts"),
  row(
    "old plot to return",
    "HOUSEHOLD#<householdId>",
    "RETURN#<homesteadId>",
    "shared/store/household-items.ts",
  ),
  row("village (terrain)", "VILLAGE#<villageCode>", "VILLAGE", "shared/reference/entities.ts"),
  row("construction boundary", "VILLAGE#<villageCode>", "BOUNDARY", "shared/reference/entities.ts"),
  row("land parcel", "VILLAGE#<villageCode>", "PARCEL#<parcelId>", "shared/reference/entities.ts"),
  row("parcel grid entry", "VILLAGE#<villageCode>", "GRID#<cell>#<parcelId>", "shared/reference/entities.ts"),
  row("township", "TOWNSHIP#<townshipCode>", "TOWNSHIP", "shared/reference/entities.ts"),
  row(
    "import log",
    "IMPORTLOG#<yyyy-mm-dd>",
    "IMPORT#<finishedAt>#<importId>",
    "shared/reference/import/import-log.ts",
  ),
  row("import job", "IMPORTJOB#<importId>", "JOB", "shared/reference/import/import-jobs.ts"),
  row("import checkpoint", "IMPORT#<type>#<digest>", "CHECKPOINT", "shared/reference/import/checkpoints.ts"),
  row("running import (lock)", "IMPORT#<type>#<digest>", "RUNNING", "shared/reference/import/import-jobs.ts"),
];

/** Attribute definitions (every key attribute once), as CreateTable wants them. */
export function keyAttributes(design: TableDesign): KeyAttribute[] {
  const all = [
    design.partitionKey,
    design.sortKey,
    ...design.globalSecondaryIndexes.flatMap((index) => [index.partitionKey, index.sortKey]),
  ];
  return [...new Map(all.map((attribute) => [attribute.name, attribute])).values()];
}
