/**
 * `npm run import -- --type <entity> <file.csv|file.geojson> [--resume] [--report <file>] [--table <name>]`
 *
 * Imports one reference file into the running local cloud (found through
 * `.data/endpoints.json`) or, with `--table`, into a deployed table using the
 * standard AWS environment. Prints a progress bar on a terminal, a summary at
 * the end, and writes the rejected rows to `<file>.report.csv` (or --report).
 * Exit code 0 when every row was imported or unchanged, 2 when some were
 * rejected, 1 when the import could not run.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { REFERENCE_TYPES, type ReferenceType, referenceTypeSchema } from "#shared/reference/entities.ts";
import { FileCheckpointStore } from "#shared/reference/import/checkpoints.ts";
import {
  type ImportSummary,
  importReferenceFile,
  rejectionReportCsv,
} from "#shared/reference/import/importer.ts";
import { DATA_DIR, fileSource, type TableTarget, tableTarget } from "./local-table.ts";
import { progressView } from "./progress.ts";

export interface CliImportOptions {
  readonly type: ReferenceType;
  readonly file: string;
  readonly target: TableTarget;
  readonly resume?: boolean;
  readonly report?: string;
  readonly actor?: string;
  readonly quiet?: boolean;
}

export function summaryLine(summary: ImportSummary, seconds: number): string {
  const { rows, imported, unchanged, rejected } = summary.counts;
  return `${summary.type} ${summary.source}: ${rows} rows in ${seconds.toFixed(1)} s (${Math.round(rows / Math.max(seconds, 0.001))} rows/s) — imported ${imported}, unchanged ${unchanged}, rejected ${rejected}; ${summary.writes} items written${summary.retries ? `, ${summary.retries} retries after throttling` : ""}${summary.resumedAfterLine !== undefined ? `; resumed after line ${summary.resumedAfterLine}` : ""}`;
}

/** One file into the table, with progress and the report; used by `npm run import` and `npm run seed:county`. */
export async function importFile(options: CliImportOptions): Promise<ImportSummary> {
  const source = await fileSource(options.file);
  const view = options.quiet ? undefined : progressView(`${options.type} ${source.name}`);
  const started = performance.now();
  let summary: ImportSummary;
  try {
    summary = await importReferenceFile({
      type: options.type,
      source,
      client: options.target.client,
      tableName: options.target.tableName,
      actor: {
        id: options.actor ?? `cli:${process.env.USER ?? "unknown"}`,
        role: "county_admin",
        name: options.actor ?? process.env.USER ?? "cli",
      },
      checkpoints: new FileCheckpointStore(path.join(DATA_DIR, "import-checkpoints")),
      resume: options.resume ?? false,
      concurrency: 6,
      ...(view ? { onProgress: (progress) => view.update(progress) } : {}),
    });
  } finally {
    view?.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const report = options.report ?? `${options.file}.report.csv`;
  if (summary.rejections.length > 0) await writeFile(report, rejectionReportCsv(summary.rejections));
  if (!options.quiet) {
    console.log(summaryLine(summary, seconds));
    if (summary.rejections.length > 0) console.log(`  rejected rows: ${report}`);
  }
  return summary;
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      type: { type: "string" },
      resume: { type: "boolean", default: false },
      report: { type: "string" },
      table: { type: "string" },
      actor: { type: "string" },
    },
  });
  const type = referenceTypeSchema.safeParse(values.type);
  const [file] = positionals;
  if (!type.success || !file || positionals.length > 1) {
    console.error(
      `usage: npm run import -- --type <${REFERENCE_TYPES.join("|")}> <file.csv|file.geojson> [--resume] [--report <file>] [--table <name>]`,
    );
    process.exit(1);
  }
  const target = await tableTarget(values.table ? { table: values.table } : {});
  try {
    const summary = await importFile({
      type: type.data,
      file: path.resolve(file),
      target,
      resume: values.resume,
      ...(values.report ? { report: values.report } : {}),
      ...(values.actor ? { actor: values.actor } : {}),
    });
    process.exitCode = summary.counts.rejected > 0 ? 2 : 0;
  } finally {
    target.client.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    console.error("Run again with --resume to continue after the last committed line.");
    process.exit(1);
  });
}
