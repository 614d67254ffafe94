/**
 * Line breaking for the printed papers (pdf.ts): greedy, by measured width,
 * with CJK breaking between any two characters and Latin words kept whole.
 */
import type { PDFFont } from "pdf-lib";

/** Tokens that must not be split: Latin words and numbers; every CJK character stands alone. */
export const WRAP_TOKEN = /[A-Za-z0-9.,:;/@%²_()+-]+|\s+|./gsu;

/** Points within which a line's summed width is checked by measuring the line whole. */
const NEAR_LIMIT = 1;
/** Most tokens a font's width cache keeps (a warm Lambda renders papers for many households). */
const TOKEN_CACHE_LIMIT = 20_000;
const tokenWidths = new Map<string, Map<string, number>>();

/**
 * A token's width at size 1, laid out once per font. Fonts are keyed by their fixed subset name:
 * every paper embeds the same font data, so widths carry over from paper to paper.
 */
function tokenWidth(font: PDFFont, token: string): number {
  let widths = tokenWidths.get(font.name);
  if (!widths) {
    widths = new Map();
    tokenWidths.set(font.name, widths);
  }
  let measured = widths.get(token);
  if (measured === undefined) {
    if (widths.size >= TOKEN_CACHE_LIMIT) widths.clear();
    measured = font.widthOfTextAtSize(token, 1);
    widths.set(token, measured);
  }
  return measured;
}

/**
 * Greedy line breaking by measured width; CJK breaks anywhere, Latin words stay whole.
 * A line's width is the sum of its tokens' (each laid out once, `tokenWidth`): measuring every
 * candidate line whole was quadratic in its length, and fontkit's layout of the CJK font was
 * the largest part of rendering a paper. Near the limit the candidate is measured whole, so a
 * line breaks exactly where measuring it whole would break it.
 */
export function wrapText(text: string, width: number, size: number, font: PDFFont): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    let lineWidth = 0;
    for (const token of paragraph.match(WRAP_TOKEN) ?? []) {
      const candidate = line + token;
      const estimate = lineWidth + tokenWidth(font, token) * size;
      const over =
        Math.abs(estimate - width) < NEAR_LIMIT
          ? font.widthOfTextAtSize(candidate, size) > width
          : estimate > width;
      if (line !== "" && over) {
        lines.push(line.trimEnd());
        line = token.trimStart();
        lineWidth = tokenWidth(font, line) * size;
      } else {
        line = candidate;
        lineWidth = estimate;
      }
    }
    lines.push(line.trimEnd());
  }
  return lines;
}
