/**
 * The generated demo county slice that `npm start` loads beside the hand-made
 * demo villages, seeded ONCE per data folder and never over data a user
 * imported: a marker item records the seeding, and a store that already holds
 * the slice's first village (seeded by an older start, or imported by someone)
 * is left as it is. Before, every start re-imported the slice and reverted
 * whatever a county had imported over it since.
 *
 * Marker: pk = SEED#demo-county, sk = SLICE#<villages> (one item; no index keys).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { FileCheckpointStore } from "#shared/reference/import/checkpoints.ts";
import { importReferenceFile } from "#shared/reference/import/importer.ts";
import { villageKey } from "#shared/store/reference-store.ts";
import { fileSource, type TableTarget } from "../tools/local-table.ts";
import { generateDemoCounty } from "./seed/demo-county.ts";

export const DEMO_SEED_ACTOR = {
  id: "npm start",
  role: "county_admin",
  name: "npm start (demo seed)",
} as const;

export const demoSliceMarkerKey = (villages: number) => ({ pk: "SEED#demo-county", sk: `SLICE#${villages}` });

export type DemoSliceSeed =
  | { readonly seeded: true; readonly records: number }
  | { readonly seeded: false; readonly reason: "seeded-before" | "data-present"; readonly since?: string };

/** The first village code of a generated village file (its first data row). */
async function firstVillage(file: string): Promise<string | undefined> {
  const [, first] = (await readFile(file, "utf8")).split(/\r?\n/, 2);
  return first?.split(",")[0] || undefined;
}

export async function seedDemoSlice(options: {
  readonly dataDir: string;
  readonly villages: number;
  readonly target: TableTarget;
  readonly now?: () => Date;
}): Promise<DemoSliceSeed> {
  const { client, tableName } = options.target;
  const now = options.now ?? (() => new Date());
  const marker = demoSliceMarkerKey(options.villages);
  const { Item } = await client.send(
    new GetCommand({ TableName: tableName, Key: marker, ConsistentRead: true }),
  );
  if (Item) return { seeded: false, reason: "seeded-before", since: String(Item.seededAt) };

  const manifest = await generateDemoCounty(path.join(options.dataDir, `county-${options.villages}`), {
    villages: options.villages,
  });
  const markAs = async (outcome: "seeded" | "found") =>
    client.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...marker, type: "seed", outcome, seededAt: now().toISOString(), records: manifest.records },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  const villageFile = manifest.files.find((file) => file.type === "village")?.file;
  const probe = villageFile ? await firstVillage(villageFile) : undefined;
  if (probe) {
    const existing = await client.send(
      new GetCommand({ TableName: tableName, Key: villageKey(probe), ConsistentRead: true }),
    );
    if (existing.Item) {
      // Seeded by a start before the marker existed, or imported by a user: either way not ours to overwrite.
      await markAs("found");
      return { seeded: false, reason: "data-present" };
    }
  }
  const checkpoints = new FileCheckpointStore(path.join(options.dataDir, "import-checkpoints"));
  for (const file of manifest.files) {
    await importReferenceFile({
      type: file.type,
      source: await fileSource(file.file),
      client,
      tableName,
      actor: DEMO_SEED_ACTOR,
      checkpoints,
      concurrency: 6,
    });
  }
  await markAs("seeded");
  return { seeded: true, records: manifest.records };
}
