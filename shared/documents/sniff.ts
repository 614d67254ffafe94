/**
 * Content type from the first bytes of a file ("magic bytes"), never from the
 * name or the Content-Type header the uploader sent: a villager's phone, or an
 * attacker, can label anything as image/jpeg.
 *
 * Pure TypeScript, no AWS imports; 32 bytes are enough for every type we know.
 */
export const SNIFF_BYTES = 32;

export type SniffedType =
  | "image/jpeg"
  | "image/png"
  | "application/pdf"
  | "image/heic"
  | "image/heif"
  | "image/webp"
  | "image/gif";

const startsWith = (bytes: Uint8Array, signature: readonly number[], offset = 0): boolean =>
  bytes.length >= offset + signature.length &&
  signature.every((byte, index) => bytes[offset + index] === byte);

const ascii = (bytes: Uint8Array, from: number, to: number): string =>
  String.fromCharCode(...bytes.subarray(from, Math.min(to, bytes.length)));

// ISO-BMFF brands (ISO/IEC 23008-12): HEVC-coded images are HEIC, other HEIF codings are plain HEIF.
const HEIC_BRANDS = new Set(["heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs"]);
const HEIF_BRANDS = new Set(["mif1", "msf1", "mif2"]);

/** The `ftyp` box: size (4), "ftyp", major brand (4), minor version (4), compatible brands (4 each). */
function sniffIsoBmff(bytes: Uint8Array): SniffedType | undefined {
  if (bytes.length < 12 || ascii(bytes, 4, 8) !== "ftyp") return undefined;
  const boxSize =
    ((bytes[0] ?? 0) << 24) | ((bytes[1] ?? 0) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0);
  const major = ascii(bytes, 8, 12);
  if (HEIC_BRANDS.has(major)) return "image/heic";
  const end = Math.min(boxSize > 0 ? boxSize : bytes.length, bytes.length);
  const compatible: string[] = [];
  for (let offset = 16; offset + 4 <= end; offset += 4) compatible.push(ascii(bytes, offset, offset + 4));
  if (compatible.some((brand) => HEIC_BRANDS.has(brand))) return "image/heic";
  if (HEIF_BRANDS.has(major) || compatible.some((brand) => HEIF_BRANDS.has(brand))) return "image/heif";
  // Other ftyp files (MP4, MOV, AVIF…) are not documents we accept.
  return undefined;
}

/** The type the bytes really are, or undefined when they match no type we accept. */
export function sniffContentType(head: Uint8Array): SniffedType | undefined {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  // PDF readers tolerate junk before %PDF-, but an upload that needs that tolerance is suspect: require it first.
  if (ascii(head, 0, 5) === "%PDF-") return "application/pdf";
  if (ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 12) === "WEBP") return "image/webp";
  if (ascii(head, 0, 6) === "GIF87a" || ascii(head, 0, 6) === "GIF89a") return "image/gif";
  return sniffIsoBmff(head);
}

/**
 * Whether bytes sniffed as `sniffed` satisfy a declared `declared` type. HEIC is
 * a kind of HEIF, so a HEIC file declared as image/heif passes; nothing else is lenient.
 */
export function matchesDeclaredType(declared: string, sniffed: SniffedType | undefined): boolean {
  if (sniffed === undefined) return false;
  if (declared === sniffed) return true;
  return declared === "image/heif" && sniffed === "image/heic";
}
