/**
 * Streams the records of an import file (CSV or GeoJSON) from its bytes, with
 * the line each came from, and turns what cannot be a record into rejections
 * (never a silent drop).
 *
 * Encoding: UTF-8, with or without a BOM. A file that is GBK (what Excel on
 * Chinese Windows saves as "CSV") or UTF-16 fails as a whole with a clear
 * message, because every Chinese name in it would be wrong; a few lines with
 * broken bytes in an otherwise UTF-8 file are rejected line by line.
 */
import { Readable } from "node:stream";
import { parse } from "csv-parse";

export type SourceFormat = "csv" | "geojson";

export type SourceEvent =
  | { readonly kind: "record"; readonly line: number; readonly record: Record<string, unknown> }
  | { readonly kind: "rejected"; readonly line: number; readonly field: string; readonly reason: string };

/** The file cannot be read as UTF-8 text at all: nothing is imported. */
export class ImportEncodingError extends Error {
  override readonly name = "ImportEncodingError";
}

/** The file's structure is unusable (no header, not a FeatureCollection): nothing is imported. */
export class ImportFormatError extends Error {
  override readonly name = "ImportFormatError";
}

export function formatOf(fileName: string): SourceFormat {
  const lower = fileName.toLowerCase();
  if (lower.endsWith(".csv")) return "csv";
  if (lower.endsWith(".geojson") || lower.endsWith(".json")) return "geojson";
  throw new ImportFormatError(`Cannot tell the format of ${fileName}: name it .csv or .geojson`);
}

const SAMPLE_BYTES = 64 * 1024;
const utf8Fatal = () => new TextDecoder("utf-8", { fatal: true });

function validUtf8(bytes: Uint8Array): boolean {
  try {
    // stream: true so a character cut by the sample's end is not counted as broken.
    utf8Fatal().decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}

function validGbk(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("gbk", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * Decides on the first 64 KB. GBK only when most lines with non-ASCII bytes are
 * not UTF-8 yet all decode as GBK: a UTF-8 file with one broken line must not
 * be refused whole (much UTF-8 Chinese happens to be valid GBK too).
 */
export function sniffEncoding(sample: Uint8Array): void {
  if ((sample[0] === 0xff && sample[1] === 0xfe) || (sample[0] === 0xfe && sample[1] === 0xff)) {
    throw new ImportEncodingError(
      "The file is UTF-16; save it as UTF-8 (in Excel: “CSV UTF-8”) and import again",
    );
  }
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= sample.length; i++) {
    if (i === sample.length || sample[i] === 0x0a) {
      lines.push(sample.subarray(start, i));
      start = i + 1;
    }
  }
  // The last line may be cut mid-character by the sample's end.
  if (sample.length === SAMPLE_BYTES) lines.pop();
  const nonAscii = lines.filter((line) => line.some((byte) => byte >= 0x80));
  const broken = nonAscii.filter((line) => !validUtf8(line));
  if (broken.length > 0 && broken.length * 2 > nonAscii.length && broken.every(validGbk)) {
    throw new ImportEncodingError(
      "The file is not UTF-8: it looks GBK-encoded (Excel on Chinese Windows saves CSV this way); save it as UTF-8 (in Excel: “CSV UTF-8”) and import again",
    );
  }
}

/**
 * Decodes the byte stream to text (BOM dropped). The first 64 KB are read and
 * sniffed before anything is yielded, so an encoding error reaches the caller
 * of the first `next()` (not a stream's error event). Broken bytes become
 * U+FFFD, which the record readers turn into a rejection of that line.
 */
async function decodeUtf8(bytes: AsyncIterable<Uint8Array>): Promise<AsyncGenerator<string>> {
  const iterator = bytes[Symbol.asyncIterator]();
  const sample: Uint8Array[] = [];
  let sampled = 0;
  let done = false;
  while (sampled < SAMPLE_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    sample.push(next.value);
    sampled += next.value.length;
  }
  const head = Buffer.concat(sample, sampled);
  sniffEncoding(head.subarray(0, SAMPLE_BYTES));
  const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false });
  return (async function* () {
    yield decoder.decode(head, { stream: true });
    while (!done) {
      const next = await iterator.next();
      if (next.done) break;
      yield decoder.decode(next.value, { stream: true });
    }
    const tail = decoder.decode();
    if (tail) yield tail;
  })();
}

const REPLACEMENT = "\uFFFD";
const brokenBytes = (line: number): SourceEvent => ({
  kind: "rejected",
  line,
  field: "(line)",
  reason: "invalid UTF-8 bytes (is this line GBK?)",
});

/** CSV with a header row; every record is keyed by the header's column names. */
async function* csvRecords(
  text: AsyncIterable<string>,
  requiredColumns: readonly string[],
): AsyncGenerator<SourceEvent> {
  const skipped: SourceEvent[] = [];
  const input = Readable.from(text);
  const parser = input.pipe(
    parse({
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (error) => {
        const line = typeof error?.lines === "number" ? error.lines : 0;
        skipped.push({
          kind: "rejected",
          line,
          field: "(line)",
          reason: `malformed CSV: ${error?.message ?? "unreadable"}`,
        });
        return undefined;
      },
    }),
  );
  // pipe() does not forward a source error (an S3 stream cut off): end the parse with it.
  input.once("error", (error) => parser.destroy(error));
  let header: string[] | undefined;
  for await (const entry of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    yield* skipped.splice(0);
    const { record, info } = entry;
    if (!header) {
      header = record.map((name) => name.trim());
      const absent = requiredColumns.filter((column) => !header?.includes(column));
      if (absent.length > 0) {
        throw new ImportFormatError(
          `The header lacks the column(s) ${absent.join(", ")} (found: ${header.join(", ")})`,
        );
      }
      continue;
    }
    if (record.some((value) => value.includes(REPLACEMENT))) {
      yield brokenBytes(info.lines);
      continue;
    }
    if (record.length !== header.length) {
      yield {
        kind: "rejected",
        line: info.lines,
        field: "(line)",
        reason: `${record.length} fields, the header has ${header.length}`,
      };
      continue;
    }
    const fields: Record<string, unknown> = {};
    for (const [index, name] of header.entries()) fields[name] = record[index];
    yield { kind: "record", line: info.lines, record: fields };
  }
  yield* skipped.splice(0);
  if (!header) throw new ImportFormatError("The file is empty: no header row");
}

async function* lines(text: AsyncIterable<string>): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of text) {
    rest += chunk;
    let newline = rest.indexOf("\n");
    while (newline >= 0) {
      yield rest.slice(0, newline).replace(/\r$/, "");
      rest = rest.slice(newline + 1);
      newline = rest.indexOf("\n");
    }
  }
  if (rest) yield rest.replace(/\r$/, "");
}

function featureRecord(feature: unknown): Record<string, unknown> | string {
  if (!feature || typeof feature !== "object" || (feature as { type?: unknown }).type !== "Feature") {
    return "not a GeoJSON Feature";
  }
  const { properties, geometry } = feature as { properties?: unknown; geometry?: unknown };
  return {
    ...(properties && typeof properties === "object" ? (properties as Record<string, unknown>) : {}),
    ...(geometry === undefined || geometry === null ? {} : { polygon: geometry }),
  };
}

/**
 * A GeoJSON FeatureCollection. Streamed when it has one feature per line (what
 * `ogr2ogr` and the demo generator write), so a 60 MB layer never sits in memory
 * whole; any other layout is read whole and its features are numbered instead
 * of lined (the report says "feature n").
 */
async function* geojsonRecords(text: AsyncIterable<string>): AsyncGenerator<SourceEvent> {
  let lineNo = 0;
  let mode: "start" | "lines" | "whole" = "start";
  const whole: string[] = [];
  for await (const raw of lines(text)) {
    lineNo++;
    const line = raw.trim();
    if (mode === "whole") {
      whole.push(raw);
      continue;
    }
    if (mode === "start") {
      if (line === "") continue;
      // `{"type":"FeatureCollection", …, "features":[` alone on the first line: one feature per line follows.
      if (line.includes('"features"') && line.endsWith("[")) mode = "lines";
      else {
        mode = "whole";
        whole.push(raw);
      }
      continue;
    }
    const body = line.replace(/,$/, "");
    if (body === "" || /^[\]}]+$/.test(body)) continue;
    if (body.includes(REPLACEMENT)) {
      yield brokenBytes(lineNo);
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      yield { kind: "rejected", line: lineNo, field: "(line)", reason: "not valid JSON" };
      continue;
    }
    const record = featureRecord(parsed);
    yield typeof record === "string"
      ? { kind: "rejected", line: lineNo, field: "(line)", reason: record }
      : { kind: "record", line: lineNo, record };
  }
  if (mode === "start") throw new ImportFormatError("The file is empty");
  if (mode === "lines") return;
  let document: unknown;
  try {
    document = JSON.parse(whole.join("\n"));
  } catch (error) {
    throw new ImportFormatError(`The GeoJSON is not valid JSON: ${(error as Error).message}`);
  }
  const features = (document as { type?: unknown; features?: unknown }).features;
  if ((document as { type?: unknown }).type !== "FeatureCollection" || !Array.isArray(features)) {
    throw new ImportFormatError("The GeoJSON is not a FeatureCollection");
  }
  for (const [index, feature] of features.entries()) {
    const record = featureRecord(feature);
    yield typeof record === "string"
      ? { kind: "rejected", line: index + 1, field: "(feature)", reason: record }
      : { kind: "record", line: index + 1, record };
  }
}

export async function* readRecords(
  format: SourceFormat,
  bytes: AsyncIterable<Uint8Array>,
  requiredColumns: readonly string[],
): AsyncGenerator<SourceEvent> {
  const text = await decodeUtf8(bytes);
  yield* format === "csv" ? csvRecords(text, requiredColumns) : geojsonRecords(text);
}
