/**
 * Import progress for people: a progress bar with rows/s on a terminal
 * (cli-progress), plain periodic lines when the output is a file or a CI log
 * (a bar's carriage returns would fill the log with one line per redraw).
 */
import cliProgress from "cli-progress";
import type { ImportProgress } from "#shared/reference/import/importer.ts";

export interface ProgressView {
  update(progress: ImportProgress): void;
  stop(): void;
}

const mb = (bytes: number) => (bytes / 1_048_576).toFixed(1);

export function progressView(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressView {
  const started = Date.now();
  const rate = (rows: number) => Math.round(rows / Math.max((Date.now() - started) / 1000, 0.001));
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${label} {bar} {percentage}% | {mb}/{totalMb} MB | {rows} rows | {rate} rows/s | imported {imported} unchanged {unchanged} rejected {rejected} | ETA {eta_formatted}`,
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    let begun = false;
    return {
      update: (progress) => {
        const payload = {
          mb: mb(progress.bytesRead),
          totalMb: mb(progress.totalBytes ?? progress.bytesRead),
          rate: rate(progress.counts.rows),
          ...progress.counts,
        };
        if (!begun) {
          bar.start(progress.totalBytes ?? progress.bytesRead, 0, payload);
          begun = true;
        }
        bar.update(progress.bytesRead, payload);
      },
      stop: () => {
        if (begun) bar.stop();
      },
    };
  }
  let lastPrinted = 0;
  return {
    update: (progress) => {
      if (Date.now() - lastPrinted < 5_000) return;
      lastPrinted = Date.now();
      const share = progress.totalBytes
        ? ` (${Math.round((100 * progress.bytesRead) / progress.totalBytes)}%)`
        : "";
      const { rows, imported, unchanged, rejected } = progress.counts;
      stream.write(
        `${label}: line ${progress.line}${share}, ${rows} rows, ${rate(rows)} rows/s, imported ${imported}, unchanged ${unchanged}, rejected ${rejected}\n`,
      );
    },
    stop: () => undefined,
  };
}
