/**
 * The papers' CJK font and the fontkit that subsets it correctly.
 *
 * Font: Noto Sans SC as TrueType (glyf outlines, @expo-google-fonts/noto-sans-sc).
 * fontkit's subsetter writes a broken CFF for the CID-keyed OpenType of
 * @embedpdf/fonts-sc (poppler: "Embedded font file may be invalid", nothing
 * drawn). Its TrueType subsetter writes a short-format `loca` (offsets / 2)
 * without padding glyphs to an even length, so every glyph after an odd-length
 * one is lost; `evenGlyphs` pads them. A page of text then embeds ~20–60 KB.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fontkit from "@pdf-lib/fontkit";

const FONT_FILES = {
  regular: "400Regular/NotoSansSC_400Regular.ttf",
  bold: "700Bold/NotoSansSC_700Bold.ttf",
} as const;

/** The font beside the bundle (Lambda: copied there at bundling) or from the package (tests, local cloud). */
function fontBytes(weight: keyof typeof FONT_FILES): Uint8Array {
  const file = FONT_FILES[weight];
  const beside = path.join(path.dirname(fileURLToPath(import.meta.url)), "fonts", path.basename(file));
  try {
    return readFileSync(beside);
  } catch {
    const require = createRequire(import.meta.url);
    return readFileSync(require.resolve(`@expo-google-fonts/noto-sans-sc/${file}`));
  }
}

/** What fontkit's TrueType subset keeps internally (not in its types): the glyph buffers and their running offset. */
interface SubsetInternals {
  glyf: Uint8Array[];
  offset: number;
  _addGlyph(glyphId: number): number;
}

/** Parsed fonts by their bytes: parsing a CJK font costs more than laying out a whole paper. */
const parsedFonts = new WeakMap<Uint8Array, ReturnType<typeof fontkit.create>>();

/**
 * fontkit whose subsets pad each glyph to an even length, as the short `loca`
 * format requires; each font is parsed once per container and reused by every
 * paper (a subset is made afresh for each embedding, the parsed font is not changed).
 */
export const evenGlyphs: typeof fontkit = {
  ...fontkit,
  create(data, postscriptName) {
    const known = postscriptName === undefined ? parsedFonts.get(data) : undefined;
    if (known) return known;
    const font = fontkit.create(data, postscriptName);
    if (postscriptName === undefined) parsedFonts.set(data, font);
    const createSubset = font.createSubset.bind(font);
    font.createSubset = () => {
      const subset = createSubset();
      const internals = subset as unknown as SubsetInternals;
      const addGlyph = internals._addGlyph.bind(subset);
      internals._addGlyph = (glyphId) => {
        const index = addGlyph(glyphId);
        const buffer = internals.glyf[index];
        if (buffer && buffer.length % 2 === 1) {
          // fontkit's bundled Buffer class (not Node's): its encoder accepts only its own buffers.
          const padded = (buffer.constructor as unknown as { alloc(size: number): Uint8Array }).alloc(
            buffer.length + 1,
          );
          padded.set(buffer);
          internals.glyf[index] = padded;
          internals.offset += 1;
        }
        return index;
      };
      return subset;
    };
    return font;
  },
};

let cachedFonts: { regular: Uint8Array; bold: Uint8Array } | undefined;
/** The regular and bold font files, read once. */
export function fontData() {
  cachedFonts ??= { regular: fontBytes("regular"), bold: fontBytes("bold") };
  return cachedFonts;
}
