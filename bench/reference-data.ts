/**
 * `npm run bench:reference [-- --villages <n>]`: the reference-data figures.
 *
 * 1. Generates the demo county (all 70 villages, or --villages n) and times it.
 * 2. Imports every file into a fresh local DynamoDB (the same stand-in
 *    `npm start` runs: dynalite behind the transaction front), timing each
 *    file: rows/s and total. A fraction (--villages) is extrapolated
 *    linearly to the full county and labelled as such.
 * 3. Pre-check latency over 1,000 random plots (seeded): the pre-check's
 *    reference lookup (household, village + boundary, byGridCell candidates)
 *    plus the rules, in-process against the local DynamoDB; p50/p90/p99.
 *
 * Prints a table and writes JSON to bench/results/ (git-ignored). The machine
 * is shared and noisy: read medians and percentiles, not single runs.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { startLocalDynamoDb } from "#infra/local/dynamodb.ts";
import { generateDemoCounty } from "#infra/local/seed/demo-county.ts";
import { mulberry32 } from "#infra/local/seed/prng.ts";
import { importFile } from "#infra/tools/import.ts";
import { getShippedPolicy } from "#shared/domain/policy/shipped-policies.ts";
import { runPrecheck } from "#shared/domain/precheck/run-precheck.ts";
import type { PlotLocation } from "#shared/schemas/application.ts";
import { ReferenceStore } from "#shared/store/reference-store.ts";
import { CASE_TABLE } from "#shared/store/table-design.ts";
import { homesteadApplication, ZHANG_HOUSEHOLD } from "../test/support/fixtures.ts";

const { values } = parseArgs({ options: { villages: { type: "string" }, plots: { type: "string" } } });
const villages = values.villages ? Number.parseInt(values.villages, 10) : 70;
const plotCount = values.plots ? Number.parseInt(values.plots, 10) : 1000;
const FULL_VILLAGES = 70;

const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

const work = await mkdtemp(path.join(tmpdir(), "nongfang-bench-reference-"));
const db = await startLocalDynamoDb({
  dataDir: path.join(work, "db"),
  tables: [{ name: "bench-table", design: CASE_TABLE }],
});
const client = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    endpoint: db.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  }),
  { marshallOptions: { removeUndefinedValues: true } },
);
const target = { client, tableName: "bench-table", description: "bench table" };

try {
  const generateStarted = performance.now();
  const manifest = await generateDemoCounty(path.join(work, "county"), { villages });
  const generateMs = performance.now() - generateStarted;
  console.log(
    `generated ${manifest.records} records (${villages} villages) in ${round(generateMs / 1000)} s`,
  );

  const files: { type: string; rows: number; seconds: number; rowsPerSecond: number; writes: number }[] = [];
  const importStarted = performance.now();
  for (const file of manifest.files) {
    const started = performance.now();
    const summary = await importFile({
      type: file.type,
      file: file.file,
      target,
      actor: "bench",
      quiet: !process.stderr.isTTY,
    });
    const seconds = (performance.now() - started) / 1000;
    files.push({
      type: file.type,
      rows: summary.counts.rows,
      seconds: round(seconds, 2),
      rowsPerSecond: Math.round(summary.counts.rows / seconds),
      writes: summary.writes,
    });
  }
  const importSeconds = (performance.now() - importStarted) / 1000;
  const rows = files.reduce((sum, file) => sum + file.rows, 0);
  const writes = files.reduce((sum, file) => sum + file.writes, 0);
  const scale = FULL_VILLAGES / villages;

  // 1,000 random plots: a 12 m × 12 m square at a random point of a random generated village.
  const random = mulberry32(42);
  const policy = getShippedPolicy("danling-demo");
  const store = new ReferenceStore(client, "bench-table");
  const base = homesteadApplication(ZHANG_HOUSEHOLD);
  const latencies: number[] = [];
  let blocked = 0;
  let candidates = 0;
  for (let i = 0; i < plotCount; i++) {
    const v = Math.floor(random() * villages);
    const township = Math.floor((v * 8) / 70);
    const firstOfTownship = [...Array(70).keys()].findIndex(
      (index) => Math.floor((index * 8) / 70) === township,
    );
    const villageCode = `511424${100 + township}${String(10 + v - firstOfTownship).padStart(3, "0")}`;
    const west = 103.26 + (v % 10) * 46 * 0.00045 + random() * 45 * 0.00045;
    const south = 29.8 + Math.floor(v / 10) * 47 * 0.0004 + random() * 46 * 0.0004;
    const [dx, dy] = [0.000125, 0.00011];
    const location: PlotLocation =
      i % 2 === 0
        ? {
            type: "Polygon",
            coordinates: [
              [
                [west, south],
                [west + dx, south],
                [west + dx, south + dy],
                [west, south + dy],
                [west, south],
              ],
            ],
          }
        : { type: "Point", coordinates: [west, south] };
    const household = `${villageCode}-H${String(1 + Math.floor(random() * 600)).padStart(4, "0")}`;
    const started = performance.now();
    const facts = await store.factsFor(household, villageCode, location);
    const result = runPrecheck({ ...base, proposedPlot: { ...base.proposedPlot, location } }, policy, facts);
    latencies.push(performance.now() - started);
    candidates += facts.overlappingParcels.length;
    if (result.blocked) blocked++;
  }
  latencies.sort((a, b) => a - b);
  const precheck = {
    plots: plotCount,
    p50Ms: round(quantile(latencies, 0.5), 2),
    p90Ms: round(quantile(latencies, 0.9), 2),
    p99Ms: round(quantile(latencies, 0.99), 2),
    maxMs: round(latencies[latencies.length - 1] ?? Number.NaN, 2),
    meanOverlappingParcels: round(candidates / plotCount, 2),
    blockedShare: round(blocked / plotCount, 3),
  };

  const result = {
    at: new Date().toISOString(),
    villages,
    fractionOfCounty: round(1 / scale, 3),
    generate: { records: manifest.records, seconds: round(generateMs / 1000, 2) },
    import: {
      rows,
      itemsWritten: writes,
      seconds: round(importSeconds, 1),
      rowsPerSecond: Math.round(rows / importSeconds),
      files,
      ...(scale === 1
        ? {}
        : {
            extrapolatedFullCountySeconds: round(importSeconds * scale, 0),
            extrapolatedFullCountyRows: Math.round(rows * scale),
          }),
    },
    precheck,
  };
  console.table(files);
  console.table([
    { measure: "generate (s)", value: result.generate.seconds },
    { measure: `import ${rows} rows (s)`, value: result.import.seconds },
    { measure: "import rows/s", value: result.import.rowsPerSecond },
    ...(scale === 1
      ? []
      : [
          {
            measure: "full county import, extrapolated (s)",
            value: result.import.extrapolatedFullCountySeconds,
          },
        ]),
    { measure: "pre-check p50 (ms)", value: precheck.p50Ms },
    { measure: "pre-check p90 (ms)", value: precheck.p90Ms },
    { measure: "pre-check p99 (ms)", value: precheck.p99Ms },
  ]);
  const out = path.join(import.meta.dirname, "results");
  await mkdir(out, { recursive: true });
  const file = path.join(out, `reference-data-${result.at.replaceAll(":", "-")}.json`);
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`written ${file}`);
} finally {
  client.destroy();
  await db.close();
  await rm(work, { recursive: true, force: true });
}
