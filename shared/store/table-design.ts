/**
 * The one definition of the case table's key schema and secondary indexes.
 *
 * The CDK construct (infra/constructs/case-table.ts) and the local DynamoDB
 * (infra/local/dynamodb.ts) both build the table from this object, so the
 * local table can never drift from the deployed one. Pure data: no AWS imports.
 *
 * Key grammar (ElectroDB style): generic attribute names, prefixed values.
 * See infra/constructs/case-table.ts for the access patterns each index serves.
 */
export interface KeyAttribute {
  readonly name: string;
  readonly type: "S" | "N";
}

export interface IndexDesign {
  /** Named after the access pattern it serves. */
  readonly indexName: string;
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
      partitionKey: { name: "gsi1pk", type: "S" },
      sortKey: { name: "gsi1sk", type: "S" },
    },
    {
      indexName: "byOwner",
      partitionKey: { name: "gsi2pk", type: "S" },
      sortKey: { name: "gsi2sk", type: "S" },
      projection: "KEYS_ONLY",
    },
    {
      indexName: "byRegister",
      partitionKey: { name: "gsi3pk", type: "S" },
      sortKey: { name: "gsi3sk", type: "S" },
      projection: "KEYS_ONLY",
    },
    {
      indexName: "byEventTime",
      partitionKey: { name: "gsi4pk", type: "S" },
      sortKey: { name: "gsi4sk", type: "S" },
    },
    {
      indexName: "byGridCell",
      partitionKey: { name: "gsi5pk", type: "S" },
      sortKey: { name: "gsi5sk", type: "S" },
    },
    {
      // Only open incidents carry its keys: a small, sparse index the operator view pages through.
      indexName: "byOpenIncident",
      partitionKey: { name: "gsi6pk", type: "S" },
      sortKey: { name: "gsi6sk", type: "S" },
    },
    {
      // 一户一宅: where a person (keyed hash of the ID number) appears — a register household's
      // head, a case's head or member. The sort key says which household and case; nothing else is read.
      indexName: "byPerson",
      partitionKey: { name: "gsi7pk", type: "S" },
      sortKey: { name: "gsi7sk", type: "S" },
      projection: "KEYS_ONLY",
    },
    {
      // A decision stored but not yet sent to the workflow (the deciding call died between its commit
      // and SendTaskSuccess): the delivery sweep finds it here. Sparse: markSent removes the keys.
      indexName: "byUndeliveredDecision",
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
      partitionKey: { name: "gsi9pk", type: "S" },
      sortKey: { name: "gsi9sk", type: "S" },
      projection: "KEYS_ONLY",
    },
    {
      indexName: "byApplicantIdNumber",
      partitionKey: { name: "gsi10pk", type: "S" },
      sortKey: { name: "gsi10sk", type: "S" },
      projection: "KEYS_ONLY",
    },
    {
      indexName: "byApplicantName",
      partitionKey: { name: "gsi11pk", type: "S" },
      sortKey: { name: "gsi11sk", type: "S" },
      projection: "KEYS_ONLY",
    },
  ],
};

/** Attribute definitions (every key attribute once), as CreateTable wants them. */
export function keyAttributes(design: TableDesign): KeyAttribute[] {
  const all = [
    design.partitionKey,
    design.sortKey,
    ...design.globalSecondaryIndexes.flatMap((index) => [index.partitionKey, index.sortKey]),
  ];
  return [...new Map(all.map((attribute) => [attribute.name, attribute])).values()];
}
