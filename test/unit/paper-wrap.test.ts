/**
 * Line breaking of the printed papers (shared/papers/text-wrap.ts, used by `Paper.wrap`): lines are
 * measured from their tokens' widths, and must break exactly where measuring
 * every candidate line whole (the plain greedy algorithm) breaks them.
 */
import * as fc from "fast-check";
import type { PDFFont } from "pdf-lib";
import { beforeAll, describe, expect, it } from "vitest";
import { Paper } from "#shared/papers/pdf.ts";
import { WRAP_TOKEN } from "#shared/papers/text-wrap.ts";

/** The greedy algorithm that measures every candidate line whole (the same tokens). */
function wrapMeasuringWhole(text: string, width: number, size: number, font: PDFFont): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const token of paragraph.match(WRAP_TOKEN) ?? []) {
      const candidate = line + token;
      if (line !== "" && font.widthOfTextAtSize(candidate, size) > width) {
        lines.push(line.trimEnd());
        line = token.trimStart();
      } else {
        line = candidate;
      }
    }
    lines.push(line.trimEnd());
  }
  return lines;
}

const PIECES = [
  "宅基地",
  "农房",
  "审批",
  "（",
  "）",
  "，",
  "。",
  "李家村",
  "Homestead",
  "approval",
  "No.",
  "119.5m²",
  " ",
  "  ",
  "\n",
  "fi",
  "WAVE",
  "Ta",
  "2026-12-04",
  "一户一宅",
];

let paper: Paper;
beforeAll(async () => {
  paper = await Paper.create({ title: "t", author: "a", subject: "s", date: new Date(0) }, "footer");
});

describe("wrapping a paper's text", () => {
  it("breaks lines where measuring each candidate line whole breaks them, within the width", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...PIECES), { maxLength: 80 }).map((pieces) => pieces.join("")),
        fc.integer({ min: 40, max: 500 }),
        fc.constantFrom(7.5, 9.5, 11, 12, 22),
        fc.boolean(),
        (text, width, size, bold) => {
          const font = bold ? paper.bold : paper.regular;
          const lines = paper.wrap(text, width, size, font);
          expect(lines).toEqual(wrapMeasuringWhole(text, width, size, font));
          for (const line of lines) {
            // A line wider than the width is a single token that cannot be split.
            if (font.widthOfTextAtSize(line, size) > width) expect(line.match(/\S+/gu)).toHaveLength(1);
          }
        },
      ),
      { seed: 20261204, numRuns: 300 },
    );
  });
});
