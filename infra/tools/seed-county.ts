/**
 * `npm run seed:county [-- --villages <n>] [--resume]`: generates the demo county
 * (infra/local/seed/demo-county.ts) into `.data/county/` and imports every file
 * into the running local cloud (found through `.data/endpoints.json`), in
 * dependency order. Re-running imports nothing new (every row unchanged).
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { generateDemoCounty } from "#infra/local/seed/demo-county.ts";
import { importFile } from "./import.ts";
import { DATA_DIR, tableTarget } from "./local-table.ts";

export async function seedCounty(options: { villages?: number; resume?: boolean; directory?: string }) {
  const directory =
    options.directory ?? path.join(DATA_DIR, options.villages ? `county-${options.villages}` : "county");
  const started = performance.now();
  const manifest = await generateDemoCounty(
    directory,
    options.villages ? { villages: options.villages } : {},
  );
  const generated = performance.now();
  console.log(
    `Generated ${manifest.records} records in ${((generated - started) / 1000).toFixed(1)} s into ${directory}`,
  );
  const target = await tableTarget({});
  try {
    for (const file of manifest.files) {
      await importFile({
        type: file.type,
        file: file.file,
        target,
        resume: options.resume ?? false,
        actor: "seed:county",
      });
    }
  } finally {
    target.client.destroy();
  }
  console.log(
    `Imported in ${((performance.now() - generated) / 1000).toFixed(1)} s into ${target.description}`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { villages: { type: "string" }, resume: { type: "boolean", default: false } },
  });
  await seedCounty({
    ...(values.villages ? { villages: Number.parseInt(values.villages, 10) } : {}),
    resume: values.resume,
  });
}
