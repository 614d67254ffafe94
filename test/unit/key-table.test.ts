import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import * as keys from "#shared/store/keys.ts";
import { CASE_TABLE, KEY_TABLE } from "#shared/store/table-design.ts";

/**
 * Every key builder of shared/store/keys.ts called once. A builder added there without a sample here
 * fails the first test, so nothing the code writes escapes the comparison with the documented table.
 */
const SAMPLES: Record<string, () => unknown> = {
  caseKey: () => keys.caseKey("c1"),
  stepKey: () => keys.stepKey("c1", "village_review#1"),
  tokenKey: () => keys.tokenKey("c1", "village_review#1"),
  escalationKey: () => keys.escalationKey("c1", "village_review#1"),
  documentKey: () => keys.documentKey("c1", "d1"),
  eventKey: () => keys.eventKey("c1", 1),
  incidentKey: () => keys.incidentKey("c1", "i1"),
  openIncidentKeys: () => keys.openIncidentKeys("t1", "2026-12-03T00:00:00.000Z", "c1", "i1"),
  openIncidentPartition: () => keys.openIncidentPartition("t1"),
  undeliveredKeys: () => keys.undeliveredKeys("2026-12-03T00:00:00.000Z", "c1", "s1"),
  queueKeys: () => keys.queueKeys("q1", "t1", true, "2026-12-03T00:00:00.000Z", "c1"),
  queuePartition: () => keys.queuePartition("q1", "t1"),
  ownerKeys: () => keys.ownerKeys("h1", "2026-12-03T00:00:00.000Z", "c1"),
  ownerPartition: () => keys.ownerPartition("h1"),
  registerKeys: () => keys.registerKeys("t1", "approved", "2026-12-03T00:00:00.000Z", "c1"),
  registerPartition: () => keys.registerPartition("t1", "approved"),
  eventTimeKeys: () => keys.eventTimeKeys("2026-12-03T00:00:00.000Z", "c1", 1),
  eventDayPartition: () => keys.eventDayPartition("2026-12-03"),
  personPartition: () => keys.personPartition("p1"),
  registerPersonKeys: () => keys.registerPersonKeys("p1", "h1"),
  casePersonItemKey: () => keys.casePersonItemKey("c1", "head"),
  casePersonKeys: () => keys.casePersonKeys("p1", "c1", "h1"),
  searchKeys: () => keys.searchKeys("c1", "t1", { idNumber: "i1", name: "n1" }),
  caseCertificateKey: () => keys.caseCertificateKey("c1", "approval"),
  certificateKey: () => keys.certificateKey("n1"),
  counterKey: () => keys.counterKey("p1", "2026"),
  idempotencyPartition: () => keys.idempotencyPartition("submit"),
  otpKey: () => keys.otpKey("claim", "s1"),
  auditLogPartition: () => keys.auditLogPartition("2026-12-03"),
  auditQueryKey: () => keys.auditQueryKey("2026-12-03T00:00:00.000Z", "r1"),
  inboxPartitionOf: () => keys.inboxPartitionOf("household:h1"),
  messageSortKey: () => keys.messageSortKey("2026-12-03T00:00:00.000Z", "c1", 1, "k1"),
  outboxJobKey: () => keys.outboxJobKey(keys.DUE_PARTITION, "2026-12-03T00:00:00.000Z", "j1"),
  readerKey: () => keys.readerKey("u1", "household:h1"),
  householdPrefsKey: () => keys.householdPrefsKey("h1"),
  staffPrefsKey: () => keys.staffPrefsKey("u1"),
  deskPartition: () => keys.deskPartition("d1"),
  deskMemberKey: () => keys.deskMemberKey("d1", "u1"),
  noticeKey: () => keys.noticeKey("n1"),
  noticeListPartition: () => keys.noticeListPartition("t1"),
  noticeListKey: () => keys.noticeListKey("t1", "v1", "2026-12-03T00:00:00.000Z", "n1"),
  objectionKey: () => keys.objectionKey("n1", "o1"),
  householdKey: () => keys.householdKey("h1"),
  homesteadKey: () => keys.homesteadKey("h1", "m1"),
  openCaseKey: () => keys.openCaseKey("h1"),
  plotReturnKey: () => keys.plotReturnKey("h1", "m1"),
  villageKey: () => keys.villageKey("v1"),
  boundaryKey: () => keys.boundaryKey("v1"),
  parcelKey: () => keys.parcelKey("v1", "p1"),
  townshipKey: () => keys.townshipKey("t1"),
  gridCellPartition: () => keys.gridCellPartition("wm6n2"),
  gridCellItemKeys: () => keys.gridCellItemKeys("v1", "p1", "wm6n2"),
  importLogPartition: () => keys.importLogPartition("2026-12-03"),
  importLogKey: () => keys.importLogKey("2026-12-03T00:00:00.000Z", "i1"),
  importJobKey: () => keys.importJobKey("i1"),
  importCheckpointKey: () => keys.importCheckpointKey("parcels", "file-1"),
  importLockKey: () => keys.importLockKey("parcels", "file-1"),
  hashSecretKey: () => keys.hashSecretKey,
  filedOnBehalfPartition: () => keys.filedOnBehalfPartition("t1"),
  filedOnBehalfKeys: () => keys.filedOnBehalfKeys("t1", "2026-12-03T00:00:00.000Z", "v1", "c1"),
  // Partitions and prefixes that a builder above also writes.
  UNDELIVERED_PARTITION: () => keys.UNDELIVERED_PARTITION,
  DUE_PARTITION: () => keys.DUE_PARTITION,
  SENT_PARTITION: () => keys.SENT_PARTITION,
  FAILED_PARTITION: () => keys.FAILED_PARTITION,
  SKIPPED_PARTITION: () => keys.SKIPPED_PARTITION,
  SEARCH_INDEXES: () => Object.values(keys.SEARCH_INDEXES).map((index) => index.partition("x1")),
  CASE_ITEM_PREFIX: () => Object.values(keys.CASE_ITEM_PREFIX),
  CASE_PERSON_PREFIX: () => keys.CASE_PERSON_PREFIX,
  AUDIT_QUERY_PREFIX: () => keys.AUDIT_QUERY_PREFIX,
  MESSAGE_PREFIX: () => keys.MESSAGE_PREFIX,
  OBJECTION_PREFIX: () => keys.OBJECTION_PREFIX,
  HOMESTEAD_PREFIX: () => keys.HOMESTEAD_PREFIX,
  RETURN_PREFIX: () => keys.RETURN_PREFIX,
  VILLAGE_PREFIX: () => keys.VILLAGE_PREFIX,
  TOWNSHIP_PREFIX: () => keys.TOWNSHIP_PREFIX,
  IMPORT_LOG_PREFIX: () => keys.IMPORT_LOG_PREFIX,
};

/** Readers, not builders: they write nothing. */
const READERS = new Set([
  "stepOfKey",
  "parsePersonEntry",
  "parseSearchSortKey",
  "parseFiledOnBehalfSortKey",
  "shortNumberOf",
  "QUEUE_SORT_PREFIX",
]);

/** The literal prefix of a key value or pattern: `CASE#c1` → `CASE#`, `OPENCASE` → `OPENCASE`, `<at>#…` → none. */
const prefixOf = (value: string): string | undefined => /^[A-Z][A-Z_]*#?/.exec(value)?.[0];
const prefixesOf = (pattern: string): string[] =>
  pattern.split(" | ").flatMap((alternative) => prefixOf(alternative) ?? []);

type Attribute = "pk" | "sk" | `gsi${number}${"pk" | "sk"}`;

/** Documented: (attribute, prefix) for the base table's items and each index's keys. */
function documented(): Set<string> {
  const found = new Set<string>();
  for (const item of KEY_TABLE) {
    for (const prefix of prefixesOf(item.pk)) found.add(`pk ${prefix}`);
    for (const prefix of prefixesOf(item.sk)) found.add(`sk ${prefix}`);
  }
  for (const index of CASE_TABLE.globalSecondaryIndexes) {
    for (const prefix of prefixesOf(index.keys.pk)) found.add(`${index.partitionKey.name} ${prefix}`);
    for (const prefix of prefixesOf(index.keys.sk)) found.add(`${index.sortKey.name} ${prefix}`);
  }
  return found;
}

/** Written: (attribute, prefix) of every key object a builder returns; bare strings are partitions or prefixes. */
function written(): { keyed: Set<string>; bare: Set<string> } {
  const keyed = new Set<string>();
  const bare = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === "string") {
      const prefix = prefixOf(value);
      if (prefix) bare.add(prefix);
    } else if (Array.isArray(value)) {
      for (const entry of value) visit(entry);
    } else if (value && typeof value === "object") {
      for (const [attribute, key] of Object.entries(value)) {
        if (!/^(pk|sk|gsi\d+(pk|sk))$/.test(attribute) || typeof key !== "string") continue;
        const prefix = prefixOf(key);
        if (prefix) keyed.add(`${attribute as Attribute} ${prefix}`);
      }
    }
  };
  for (const sample of Object.values(SAMPLES)) visit(sample());
  return { keyed, bare };
}

describe("the documented key table (shared/store/table-design.ts)", () => {
  it("has a sample for every key builder of shared/store/keys.ts", () => {
    const exported = Object.keys(keys).filter((name) => !READERS.has(name));
    expect(exported.filter((name) => !(name in SAMPLES))).toEqual([]);
    expect(Object.keys(SAMPLES).filter((name) => !(name in keys))).toEqual([]);
  });

  it("documents every prefix the builders write, in the attribute they write it to", () => {
    const table = documented();
    expect([...written().keyed].filter((entry) => !table.has(entry)).sort()).toEqual([]);
  });

  it("documents every partition and prefix constant the code queries by", () => {
    const prefixes = new Set([...documented()].map((entry) => entry.split(" ")[1]));
    expect([...written().bare].filter((prefix) => !prefixes.has(prefix)).sort()).toEqual([]);
  });

  it("documents no prefix that no builder writes", () => {
    // A partition builder (a bare string: the idempotency partition, an inbox) writes its prefix too.
    const { keyed, bare } = written();
    const stale = [...documented()].filter(
      (entry) => !keyed.has(entry) && !bare.has(entry.split(" ")[1] ?? ""),
    );
    expect(stale.sort()).toEqual([]);
  });
});

/** Modules outside shared/store/ that still name index attributes; new ones go through a store. */
const NAMES_INDEX_ATTRIBUTES = new Set(["shared/audit/event-search.ts", "shared/register/register.ts"]);

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => path.relative(ROOT, path.join(entry.parentPath, entry.name)));
}
const ROOT = path.resolve(import.meta.dirname, "../..");
/** The code of a file without its comments (good enough for string literals that start a key). */
const codeOf = (file: string) =>
  readFileSync(path.join(ROOT, file), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "");

describe("key strings are built in shared/store/keys.ts only", () => {
  const files = [...sourceFiles(path.join(ROOT, "shared")), ...sourceFiles(path.join(ROOT, "functions"))];

  it("finds no key prefix literal anywhere else in shared/ and functions/", () => {
    const offenders = files
      .filter((file) => file !== "shared/store/keys.ts" && file !== "shared/store/table-design.ts")
      .filter((file) => /[`"'][A-Z][A-Z_]+#/.test(codeOf(file)));
    expect(offenders).toEqual([]);
  });

  it("finds index attribute names only in shared/store/ (and the modules listed to move)", () => {
    const offenders = files
      .filter((file) => !file.startsWith("shared/store/") && !NAMES_INDEX_ATTRIBUTES.has(file))
      .filter((file) => /\bgsi\d+(pk|sk)\b/.test(codeOf(file)));
    expect(offenders).toEqual([]);
  });
});
