import { describe, expect, it } from "vitest";
import { matchesDeclaredType, sniffContentType } from "#shared/documents/sniff.ts";

const bytes = (...values: number[]) => Uint8Array.from(values);
const text = (value: string) => new TextEncoder().encode(value);
/** An ISO-BMFF `ftyp` box: size, "ftyp", major brand, minor version, compatible brands. */
function ftyp(major: string, ...compatible: string[]): Uint8Array {
  const size = 16 + 4 * compatible.length;
  return Uint8Array.from([
    0,
    0,
    0,
    size,
    ...text("ftyp"),
    ...text(major),
    0,
    0,
    0,
    0,
    ...compatible.flatMap((brand) => [...text(brand)]),
  ]);
}

describe("sniffContentType", () => {
  it("recognises JPEG by FF D8 FF", () => {
    expect(sniffContentType(bytes(0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46))).toBe("image/jpeg");
  });

  it("recognises PNG by its 8-byte signature", () => {
    expect(sniffContentType(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13))).toBe(
      "image/png",
    );
  });

  it("recognises PDF by %PDF- at the start", () => {
    expect(sniffContentType(text("%PDF-1.7\n%âãÏÓ"))).toBe("application/pdf");
  });

  it("refuses a PDF header that does not start the file", () => {
    expect(sniffContentType(text("junk%PDF-1.7"))).toBeUndefined();
  });

  it.each([["heic"], ["heix"], ["hevc"]])("recognises HEIC by major brand %s", (brand) => {
    expect(sniffContentType(ftyp(brand, "mif1", brand))).toBe("image/heic");
  });

  it("recognises HEIC by a compatible brand when the major brand is mif1", () => {
    expect(sniffContentType(ftyp("mif1", "mif1", "heic"))).toBe("image/heic");
  });

  it("recognises other HEIF images by mif1", () => {
    expect(sniffContentType(ftyp("mif1", "mif1", "miaf"))).toBe("image/heif");
  });

  it("does not take an MP4 (ftyp isom) for an image", () => {
    expect(sniffContentType(ftyp("isom", "isom", "mp41"))).toBeUndefined();
  });

  it("recognises WebP and GIF", () => {
    expect(sniffContentType(text("RIFF\u0000\u0000\u0000\u0000WEBPVP8 "))).toBe("image/webp");
    expect(sniffContentType(text("GIF89a"))).toBe("image/gif");
  });

  it("answers undefined for text, empty input and truncated signatures", () => {
    expect(sniffContentType(text("hello, world"))).toBeUndefined();
    expect(sniffContentType(new Uint8Array())).toBeUndefined();
    expect(sniffContentType(bytes(0xff, 0xd8))).toBeUndefined();
    expect(sniffContentType(bytes(0x89, 0x50, 0x4e, 0x47))).toBeUndefined();
  });
});

describe("matchesDeclaredType", () => {
  it("accepts the same type and HEIC declared as HEIF", () => {
    expect(matchesDeclaredType("image/png", "image/png")).toBe(true);
    expect(matchesDeclaredType("image/heif", "image/heic")).toBe(true);
  });

  it("refuses a PNG declared as PDF, and unrecognised bytes", () => {
    expect(matchesDeclaredType("application/pdf", "image/png")).toBe(false);
    expect(matchesDeclaredType("image/jpeg", undefined)).toBe(false);
    expect(matchesDeclaredType("image/heic", "image/heif")).toBe(false);
  });
});
