/**
 * `npm start` never overwrites data a user imported: the hand-made demo set
 * (infra/local/seed.ts) is put only where its keys are free, and the generated
 * county slice (infra/local/demo-seed.ts) is seeded once per data folder, and
 * not at all where its villages already are. Real local cloud, restarted on
 * the same data folder; imports through the real importer.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoSlice } from "#infra/local/demo-seed.ts";
import { referenceItems } from "#infra/local/seed.ts";
import { fileSource, type TableTarget } from "#infra/tools/local-table.ts";
import { FileCheckpointStore } from "#shared/reference/import/checkpoints.ts";
import { importReferenceFile } from "#shared/reference/import/importer.ts";
import { householdKey } from "#shared/store/reference-store.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";

let dataDir: string;
let env: TestCloud | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "nongfang-seed-"));
});
afterAll(async () => {
  await env?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const targetOf = (cloud: TestCloud): TableTarget => ({
  client: cloud.dynamodb,
  tableName: cloud.cloud.endpoints.tableName,
  description: "test",
});

async function restart(): Promise<TestCloud> {
  await env?.stop();
  env = await startTestCloud({ dataDir });
  return env;
}

describe("the demo data on start", () => {
  it("puts every item of the demo set into a new data folder", async () => {
    const cloud = await restart();
    const table = cloud.cloud.endpoints.tableName;
    const items = referenceItems();
    expect(items.some((item) => item.type === "household")).toBe(true);
    for (const item of items) {
      const { Item } = await cloud.dynamodb.send(
        new GetCommand({ TableName: table, Key: { pk: item.pk, sk: item.sk } }),
      );
      expect(Item).toEqual(item);
    }
  }, 120_000);

  it("keeps a household a user changed over the hand-made demo one across a restart", async () => {
    const cloud = await restart();
    const demo = referenceItems().find((item) => item.type === "household");
    expect(demo).toBeDefined();
    const key = { pk: demo?.pk, sk: demo?.sk };
    const table = cloud.cloud.endpoints.tableName;
    await cloud.dynamodb.send(
      new PutCommand({ TableName: table, Item: { ...demo, members: 9, importedBy: "county-admin" } }),
    );
    const again = await restart();
    const { Item } = await again.dynamodb.send(new GetCommand({ TableName: table, Key: key }));
    expect(Item).toMatchObject({ members: 9, importedBy: "county-admin" });
  }, 120_000);

  it("seeds the county slice once, then skips it, keeping what a user imported over it", async () => {
    const cloud = env ?? (await restart());
    const first = await seedDemoSlice({ dataDir, villages: 1, target: targetOf(cloud) });
    expect(first).toMatchObject({ seeded: true });

    // A county admin imports an updated household file: one household of the slice changes.
    const households = path.join(dataDir, "county-1", "households.csv");
    const [header, row] = (await readFile(households, "utf8")).split(/\r?\n/);
    const fields = (row ?? "").split(",");
    const householdId = fields[0] ?? "";
    fields[2] = "9";
    const updated = path.join(dataDir, "updated-households.csv");
    await writeFile(updated, `${header}\n${fields.join(",")}\n`);
    const summary = await importReferenceFile({
      type: "household",
      source: await fileSource(updated),
      client: cloud.dynamodb,
      tableName: cloud.cloud.endpoints.tableName,
      actor: { id: "county-admin", role: "county_admin", name: "县管理员" },
      checkpoints: new FileCheckpointStore(path.join(dataDir, "checkpoints")),
    });
    expect(summary.counts.imported).toBe(1);

    const restarted = await restart();
    const second = await seedDemoSlice({ dataDir, villages: 1, target: targetOf(restarted) });
    expect(second).toMatchObject({ seeded: false, reason: "seeded-before" });
    const { Item } = await restarted.dynamodb.send(
      new GetCommand({ TableName: restarted.cloud.endpoints.tableName, Key: householdKey(householdId) }),
    );
    expect(Item).toMatchObject({ membersCount: 9 });
  }, 300_000);

  it("does not seed the slice over a store that already holds it without a marker (an older start, an import)", async () => {
    const other = await mkdtemp(path.join(tmpdir(), "nongfang-seed-other-"));
    try {
      const cloud = env ?? (await restart());
      // The same table: slice 1 is marked as seeded; slice 2 has no marker, but its first village is there.
      const result = await seedDemoSlice({ dataDir: other, villages: 1, target: targetOf(cloud) });
      expect(result).toMatchObject({ seeded: false, reason: "seeded-before" });
      const fresh = await seedDemoSlice({ dataDir: other, villages: 2, target: targetOf(cloud) });
      expect(fresh).toMatchObject({ seeded: false, reason: "data-present" });
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  }, 120_000);
});
