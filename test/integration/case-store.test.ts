import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalDynamoDb, startLocalDynamoDb } from "#infra/local/dynamodb.ts";
import { EnvelopeEncryptor } from "#shared/crypto/encryptor.ts";
import { ensureLocalKeyFile, LocalFileKeyring } from "#shared/crypto/local-keyring.ts";
import { verifyChain } from "#shared/domain/audit-chain.ts";
import { IllegalTransitionError } from "#shared/domain/case-status.ts";
import { CaseChangedError, CaseStore } from "#shared/store/case-store.ts";
import { CASE_ITEM_PREFIX, caseKey } from "#shared/store/keys.ts";
import { stepItem } from "#shared/store/step-store.ts";
import { CASE_TABLE } from "#shared/store/table-design.ts";
import { type NewCase, newCaseFields } from "../support/fixtures.ts";

const TABLE = "cases";
let dataDir: string;
let dynamodb: LocalDynamoDb;
let store: CaseStore;
let documents: DynamoDBDocumentClient;
const villager = { id: "villager-1", role: "villager" };

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "nongfang-store-"));
  dynamodb = await startLocalDynamoDb({ dataDir, tables: [{ name: TABLE, design: CASE_TABLE }] });
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: dynamodb.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "x", secretAccessKey: "x" },
    }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  store = new CaseStore(client, TABLE);
  documents = client;
});
afterAll(async () => {
  await dynamodb?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** A new case of household h-1, and its draft's fields. */
const draftOf = (caseId: string, fields: Partial<NewCase> = {}) =>
  newCaseFields(caseId, { householdId: "h-1", ownerId: villager.id, ...fields });
const newCase = (caseId: string) => store.create(draftOf(caseId), villager);

describe("CaseStore", () => {
  it("creates a draft with its first event and lists it for the household", async () => {
    const record = await newCase("s-1");
    expect(record).toMatchObject({ status: "draft", eventSeq: 1 });
    const loaded = await store.load("s-1");
    expect(loaded.events.map((event) => event.action)).toEqual(["create"]);
    expect((await store.listByHousehold("h-1")).map((item) => item.caseId)).toContain("s-1");
  });

  it("refuses to create the same case twice", async () => {
    await newCase("s-dup");
    await expect(newCase("s-dup")).rejects.toThrow();
  });

  it("writes one chained event per transition and the chain verifies", async () => {
    let record = await newCase("s-2");
    record = await store.transition(record, "submit", { actor: villager });
    record = await store.transition(record, "completePrecheck", {
      actor: { id: "system", role: "system" },
      facts: { precheckBlocked: false },
    });
    const { events } = await store.load("s-2");
    expect(events.map((event) => [event.action, event.fromStatus, event.toStatus])).toEqual([
      ["create", null, "draft"],
      ["submit", "draft", "submitted"],
      ["completePrecheck", "submitted", "prechecked"],
    ]);
    expect(verifyChain(events)).toEqual({ valid: true });
    expect(record.eventHead).toBe(events.at(-1)?.hash);
  });

  it("rejects an illegal transition without writing anything", async () => {
    const record = await newCase("s-3");
    await expect(store.transition(record, "approve", { actor: villager })).rejects.toBeInstanceOf(
      IllegalTransitionError,
    );
    expect((await store.load("s-3")).events).toHaveLength(1);
  });

  it("lets exactly one of many concurrent writers with the same view win", async () => {
    const record = await newCase("s-4");
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => store.record(record, { actor: villager, action: `note-${i}` })),
    );
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    for (const result of results) {
      if (result.status === "rejected") expect(result.reason).toBeInstanceOf(CaseChangedError);
    }
    const { events } = await store.load("s-4");
    expect(events).toHaveLength(2);
    expect(verifyChain(events)).toEqual({ valid: true });
  });

  it("serialises concurrent writers that retry, keeping the chain intact", async () => {
    await newCase("s-5");
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        store.withRetry("s-5", (record) => store.record(record, { actor: villager, action: `consult-${i}` })),
      ),
    );
    const { events } = await store.load("s-5");
    expect(events).toHaveLength(7);
    expect(verifyChain(events)).toEqual({ valid: true });
  });
});

describe("CaseStore.loadCurrent", () => {
  it("reads a case as it stands, every item but its history, the same as a full load", async () => {
    let record = await newCase("s-current");
    record = await store.transition(record, "submit", { actor: villager });
    const pk = caseKey("s-current").pk;
    const step = stepItem({
      caseId: "s-current",
      stepId: "village_review#1",
      step: "village_review",
      round: 1,
      status: "awaiting_response",
      townshipCode: "511424100",
      openedAt: "2026-12-01T08:00:00.000Z",
      overdue: false,
    });
    // An item of every kind around the events in the partition's sort order.
    for (const item of [
      { ...step, pk, sk: `${CASE_ITEM_PREFIX.step}village_review#1` },
      { pk, sk: `${CASE_ITEM_PREFIX.document}d-1`, documentId: "d-1", status: "confirmed" },
      { pk, sk: `${CASE_ITEM_PREFIX.escalation}village_review#1`, at: "2026-12-02T08:00:00.000Z" },
      { pk, sk: `${CASE_ITEM_PREFIX.incident}i-1`, kind: "task_failed" },
      { pk, sk: `${CASE_ITEM_PREFIX.token}village_review#1`, taskToken: "t" },
    ])
      await documents.send(new PutCommand({ TableName: TABLE, Item: item }));

    const full = await store.load("s-current");
    expect(full.events.length).toBeGreaterThan(1);
    // What the queries brought back: the history stays in the table.
    let itemsRead = 0;
    documents.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        itemsRead += (result.output as { Items?: unknown[] }).Items?.length ?? 0;
        return result;
      },
      { step: "initialize", name: "countItemsRead" },
    );
    const current = await store
      .loadCurrent("s-current")
      .finally(() => documents.middlewareStack.remove("countItemsRead"));
    expect(itemsRead).toBe(6);
    expect(current).toEqual({ record: full.record, steps: full.steps, documents: full.documents });
    expect(current.steps.map((item) => item.stepId)).toEqual(["village_review#1"]);
    expect(current.documents).toHaveLength(1);
    await expect(store.loadCurrent("s-missing")).rejects.toThrow(/No case s-missing/);
  });
});

describe("CaseStore personal data", () => {
  it("seals the ID and phone numbers once, and again only when they change", async () => {
    const keyFile = path.join(dataDir, "keys", "field.key");
    ensureLocalKeyFile(keyFile);
    const encryptor = new EnvelopeEncryptor(new LocalFileKeyring(keyFile));
    let seals = 0;
    const counting = Object.assign(Object.create(encryptor) as EnvelopeEncryptor, {
      seal: (...args: Parameters<EnvelopeEncryptor["seal"]>) => {
        seals++;
        return encryptor.seal(...args);
      },
    });
    const client = (store as unknown as { client: CaseStore["client"] }).client;
    const sealing = new CaseStore(
      client,
      TABLE,
      () => new Date(),
      () => counting,
    );
    const head = { name: "王建国", idNumber: "511424198003141235", phone: "13800000000" };
    let record = await sealing.create(
      draftOf("s-pii", { application: { kind: "homestead", head } }),
      villager,
    );
    expect(seals).toBe(1);
    // Status changes carry the unchanged numbers: no new data key (KMS GenerateDataKey) per write.
    record = await sealing.transition(record, "submit", { actor: villager });
    record = await sealing.record(await sealing.require("s-pii"), { actor: villager, action: "comment" });
    expect(seals).toBe(1);
    // A new phone number is sealed afresh, and reads back in full with the key.
    const changed = {
      ...(await sealing.require("s-pii")),
      application: { kind: "homestead" as const, head: { ...head, phone: "13900000000" } },
    };
    await sealing.record(changed, { actor: villager, action: "comment" });
    expect(seals).toBe(2);
    expect((await sealing.require("s-pii")).application.head?.phone).toBe("13900000000");
    // A fresh container (new store) opens the sealed part, and reuses it for its own writes.
    const fresh = new CaseStore(
      client,
      TABLE,
      () => new Date(),
      () => counting,
    );
    await fresh.record(await fresh.require("s-pii"), { actor: villager, action: "comment" });
    expect(seals).toBe(2);
    // The stored item never holds the plaintext numbers.
    const { Item } = await client.send(new GetCommand({ TableName: TABLE, Key: caseKey("s-pii") }));
    expect(JSON.stringify(Item)).not.toMatch(/511424198003141235|13900000000/);
  });
});
