/**
 * What every benchmark shares: order statistics, a normal draw, a table printer
 * and the JSON result file. Benchmarks report; they never fail on a number.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const REPO_ROOT = path.resolve(BENCH_DIR, "..");

/** Nearest-rank percentile (p in 0..100) of an unsorted sample; NaN for an empty one. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export const median = (values: readonly number[]) => percentile(values, 50);

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** A standard normal draw (Box–Muller) from a uniform source. */
export function normal(random: () => number): number {
  const u = Math.max(random(), Number.EPSILON);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export type Cell = string | number | boolean | null | undefined;

/** Prints rows as an aligned text table (numbers right-aligned). */
export function printTable(title: string, rows: readonly Record<string, Cell>[]): void {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const text = (cell: Cell) =>
    cell === undefined || cell === null ? "" : typeof cell === "number" ? String(round(cell)) : String(cell);
  const widths = columns.map((column) =>
    Math.max(column.length, ...rows.map((row) => text(row[column]).length)),
  );
  const line = (cells: readonly string[], numeric: readonly boolean[]) =>
    cells
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join("  ");
  console.log(`\n${title}`);
  console.log(
    line(
      columns,
      columns.map(() => false),
    ),
  );
  console.log(widths.map((width) => "-".repeat(width)).join("  "));
  for (const row of rows) {
    console.log(
      line(
        columns.map((column) => text(row[column])),
        columns.map((column) => typeof row[column] === "number"),
      ),
    );
  }
}

/** Writes bench/results/<name>.json (git-ignored) with the machine it ran on. */
export async function writeResult(name: string, result: Record<string, unknown>): Promise<string> {
  const { cpus, totalmem, loadavg } = await import("node:os");
  const file = path.join(BENCH_DIR, "results", `${name}.json`);
  await mkdir(path.dirname(file), { recursive: true });
  const machine = {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    loadAverage: loadavg().map((value) => round(value)),
  };
  await writeFile(
    file,
    `${JSON.stringify({ benchmark: name, at: new Date().toISOString(), machine, ...result }, null, 2)}\n`,
  );
  console.log(`\nwrote ${path.relative(REPO_ROOT, file)}`);
  return file;
}

/** Runs a benchmark's main: exit 0 unless the script itself broke (never on a number). */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

/** True when the module is the script node was asked to run (so run-all can import it). */
export function isMain(metaUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && path.resolve(entry) === fileURLToPath(metaUrl);
}
