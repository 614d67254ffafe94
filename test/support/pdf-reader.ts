/**
 * Reads a printed paper back the way a reviewer would: its text layer
 * (poppler's `pdftotext`), its first page as an image (`pdftoppm`) and the QR
 * code on that image (jsQR). Temp files live in one directory removed at once.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import jsQRModule from "jsqr";
import { PNG } from "pngjs";

type Decode = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
/** jsqr is CommonJS with an `exports.default`: Node's ESM import may hand over the module object. */
const jsQR: Decode =
  typeof jsQRModule === "function"
    ? (jsQRModule as unknown as Decode)
    : (jsQRModule as unknown as { default: Decode }).default;

export interface ReadPaper {
  readonly text: string;
  readonly pages: number;
  /** PNG of the first page at `dpi`. */
  readonly firstPage: Buffer;
  /** What the QR code on the first page decodes to (undefined: none found). */
  readonly qr: string | undefined;
  /** pdftoppm / pdftotext complaints (a broken embedded font shows here). */
  readonly warnings: string;
}

export function readPaper(pdf: Uint8Array, dpi = 110): ReadPaper {
  const directory = mkdtempSync(path.join(tmpdir(), "nongfang-paper-"));
  try {
    const file = path.join(directory, "paper.pdf");
    writeFileSync(file, pdf);
    const run = (command: string, args: string[]) =>
      execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const text = run("pdftotext", ["-layout", "-enc", "UTF-8", file, "-"]);
    const info = run("pdfinfo", [file]);
    const pages = Number(/Pages:\s+(\d+)/.exec(info)?.[1] ?? 0);
    const render = spawnSync(
      "pdftoppm",
      ["-r", String(dpi), "-png", "-f", "1", "-l", "1", file, path.join(directory, "page")],
      { encoding: "utf8" },
    );
    if (render.status !== 0) throw new Error(`pdftoppm failed: ${render.stderr}`);
    const warnings = render.stderr.trim();
    const firstPage = readFileSync(path.join(directory, "page-1.png"));
    const png = PNG.sync.read(firstPage);
    const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    return { text, pages, firstPage, qr: decoded?.data, warnings };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** pdftotext -layout spreads table cells with spaces: compare text with all whitespace removed. */
export const squash = (text: string) => text.replace(/\s+/g, "");
