/**
 * The QR code on a paper, read from the page's drawing operators: exactly the
 * modules of the code are dark. A scanner would still decode a code with a few
 * modules wrong (error correction), so the decoding tests (papers-render) would
 * not see a misdrawn run; this one does.
 */
import { decodePDFRawStream, PDFArray, PDFDocument, PDFRawStream, type PDFRef } from "pdf-lib";
import QRCode from "qrcode";
import { describe, expect, it } from "vitest";
import { MM, Paper } from "#shared/papers/pdf.ts";

const URL_ON_PAPER = "https://permits.example.cn/verify/511424-ZJDPZ-2026-00042";
const AT = { x: 100, y: 200, sizeMm: 30 };
const QUIET = 2;

/** Every content stream of the first page, decoded, in order. */
async function pageOperators(pdf: Uint8Array): Promise<string> {
  const doc = await PDFDocument.load(pdf);
  const contents = doc.getPage(0).node.Contents();
  const refs = contents instanceof PDFArray ? contents.asArray() : contents ? [contents] : [];
  return refs
    .map((ref) => {
      const stream = doc.context.lookup(ref as PDFRef);
      if (!(stream instanceof PDFRawStream)) throw new Error("expected a raw content stream");
      return Buffer.from(decodePDFRawStream(stream).decode()).toString("latin1");
    })
    .join("\n");
}

/** The black filled paths of the page: each path's rectangles. */
function blackPaths(operators: string): { x: number; y: number; width: number; height: number }[][] {
  const paths = [...operators.matchAll(/\n0 0 0 rg\n((?:[-\d. ]+ re\n)+)f\n/g)];
  return paths.map((match) =>
    (match[1] ?? "")
      .trim()
      .split("\n")
      .map((line) => {
        const [x = 0, y = 0, width = 0, height = 0] = line.split(" ").map(Number);
        return { x, y, width, height };
      }),
  );
}

describe("a paper's QR code", () => {
  it("darkens exactly the code's modules, in one filled path of runs", async () => {
    const paper = await Paper.create(
      { title: "QR", author: "test", subject: "test", date: new Date("2026-03-14T00:00:00Z") },
      "test",
    );
    paper.qr(URL_ON_PAPER, AT.x, AT.y, AT.sizeMm);
    const paths = blackPaths(await pageOperators(await paper.save()));
    expect(paths).toHaveLength(1);

    const code = QRCode.create(URL_ON_PAPER, { errorCorrectionLevel: "M" });
    const count = code.modules.size;
    const cell = (AT.sizeMm * MM) / (count + 2 * QUIET);
    const drawn = Array.from({ length: count }, () => Array<boolean>(count).fill(false));
    for (const run of paths[0] ?? []) {
      const row = count - 1 - Math.round((run.y - AT.y) / cell - QUIET);
      const first = Math.round((run.x - AT.x) / cell - QUIET);
      const length = Math.round(run.width / cell);
      expect(run.height).toBeCloseTo(cell, 3);
      for (let column = first; column < first + length; column++) {
        expect(drawn[row]?.[column], `module ${row},${column} drawn twice`).toBe(false);
        const cells = drawn[row];
        if (cells) cells[column] = true;
      }
    }
    const wanted = Array.from({ length: count }, (_, row) =>
      Array.from({ length: count }, (_, column) => Boolean(code.modules.get(row, column))),
    );
    expect(drawn).toEqual(wanted);
    // Runs, not modules: fewer rectangles than dark modules.
    const dark = wanted.flat().filter(Boolean).length;
    expect((paths[0] ?? []).length).toBeLessThan(dark * 0.7);
  });
});
