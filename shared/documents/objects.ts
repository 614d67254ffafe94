/**
 * The S3 side of documents: presigned URLs and server-side verification of
 * what was actually uploaded. Clients are passed in (built once per container
 * by the handler).
 */
import { createHash } from "node:crypto";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { matchesDeclaredType, SNIFF_BYTES, type SniffedType, sniffContentType } from "./sniff.ts";

/** Long enough to upload 10 MB on a slow rural connection, short enough that a leaked URL soon dies. */
export const UPLOAD_URL_SECONDS = 10 * 60;
/** Reviewers open a document right after asking for it. */
export const DOWNLOAD_URL_SECONDS = 5 * 60;

export interface DeclaredUpload {
  readonly contentType: string;
  readonly size: number;
  /** Lowercase hex. */
  readonly sha256: string;
}

export interface PresignedUpload {
  readonly uploadUrl: string;
  readonly expiresAt: string;
  /** Headers the PUT must carry exactly as given: they are part of the signature. */
  readonly requiredHeaders: Record<string, string>;
}

const hexToBase64 = (hex: string) => Buffer.from(hex, "hex").toString("base64");

/**
 * A PUT URL for one key that signs the content type, the length and the SHA-256:
 * S3 itself refuses a body that does not match (the checksum header stays a
 * header, not a query parameter, so S3 checks it against the body). Our confirm
 * step re-checks anyway: local S3 verifies nothing, and the declaration could lie.
 */
export async function presignUpload(
  s3: S3Client,
  bucket: string,
  key: string,
  declared: DeclaredUpload,
  now: Date,
): Promise<PresignedUpload> {
  const checksum = hexToBase64(declared.sha256);
  const uploadUrl = await getSignedUrl(
    s3,
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      ContentType: declared.contentType,
      ContentLength: declared.size,
      ChecksumSHA256: checksum,
    }),
    {
      expiresIn: UPLOAD_URL_SECONDS,
      signableHeaders: new Set(["content-type", "content-length"]),
      unhoistableHeaders: new Set(["x-amz-checksum-sha256"]),
    },
  );
  return {
    uploadUrl,
    expiresAt: new Date(now.getTime() + UPLOAD_URL_SECONDS * 1000).toISOString(),
    // content-length is signed too; browsers and fetch set it from the body, so it is not listed.
    requiredHeaders: { "content-type": declared.contentType, "x-amz-checksum-sha256": checksum },
  };
}

/** A short-lived GET URL for reviewers (and owners); pins the verified version when the bucket has one. */
export async function presignDocumentGet(
  s3: S3Client,
  bucket: string,
  key: string,
  options: { readonly versionId?: string; readonly contentType?: string; readonly expiresIn?: number } = {},
): Promise<{ url: string; expiresIn: number }> {
  const expiresIn = options.expiresIn ?? DOWNLOAD_URL_SECONDS;
  const url = await getSignedUrl(
    s3,
    new GetObjectCommand({
      Bucket: bucket,
      Key: key,
      ...(options.versionId ? { VersionId: options.versionId } : {}),
      ...(options.contentType ? { ResponseContentType: options.contentType } : {}),
    }),
    { expiresIn },
  );
  return { url, expiresIn };
}

export interface ObjectFacts {
  /** Total size of the stored object (or, if it is larger than declared, at least declared + 1). */
  readonly size: number;
  readonly sniffed: SniffedType | undefined;
  /** Hex SHA-256 of the object; undefined when it is larger than declared (not read to the end). */
  readonly sha256: string | undefined;
  readonly versionId: string | undefined;
}

/** Nothing was uploaded to the key (yet). */
export class UploadNotFoundError extends Error {
  override readonly name = "UploadNotFoundError";
}

/**
 * Reads at most declared size + 1 bytes of the object (a Range request, and a
 * byte count in case the store ignores Range), hashing as it streams: a huge
 * object can neither exhaust memory nor keep the function busy.
 */
export async function readObjectFacts(
  s3: S3Client,
  bucket: string,
  key: string,
  declaredSize: number,
): Promise<ObjectFacts> {
  let response: GetObjectCommandOutput;
  try {
    response = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=0-${declaredSize}` }),
    );
  } catch (error) {
    const name = (error as Error).name;
    if (name === "NoSuchKey" || name === "NotFound")
      throw new UploadNotFoundError(`Nothing uploaded at ${key}`);
    // An empty object has no byte 0: S3 answers 416 to any range.
    if (name === "InvalidRange")
      return {
        size: 0,
        sniffed: undefined,
        sha256: createHash("sha256").digest("hex"),
        versionId: undefined,
      };
    throw error;
  }
  const hash = createHash("sha256");
  const head: number[] = [];
  let read = 0;
  const body = response.Body as AsyncIterable<Uint8Array> & { destroy?: () => void };
  for await (const chunk of body) {
    const allowed = Math.min(chunk.length, declaredSize + 1 - read);
    const part = chunk.subarray(0, allowed);
    if (head.length < SNIFF_BYTES) head.push(...part.subarray(0, SNIFF_BYTES - head.length));
    hash.update(part);
    read += part.length;
    if (read > declaredSize) {
      body.destroy?.();
      break;
    }
  }
  const total = /\/(\d+)$/.exec(response.ContentRange ?? "")?.[1];
  const size = total === undefined ? read : Math.max(Number(total), read);
  return {
    size,
    sniffed: sniffContentType(Uint8Array.from(head)),
    sha256: read > declaredSize ? undefined : hash.digest("hex"),
    versionId: response.VersionId,
  };
}

export interface Difference {
  readonly code: "size_mismatch" | "content_type_mismatch" | "sha256_mismatch";
  readonly zh: string;
  readonly en: string;
}

/** Every way the stored bytes differ from the declaration; empty when they match. */
export function compareWithDeclaration(declared: DeclaredUpload, facts: ObjectFacts): Difference[] {
  const differences: Difference[] = [];
  if (facts.size !== declared.size) {
    const actual = facts.size > declared.size ? `more than ${declared.size}` : String(facts.size);
    const actualZh = facts.size > declared.size ? `超过 ${declared.size}` : String(facts.size);
    differences.push({
      code: "size_mismatch",
      zh: `文件大小不符：申报 ${declared.size} 字节，实际 ${actualZh} 字节`,
      en: `Size differs: declared ${declared.size} bytes, uploaded ${actual} bytes`,
    });
  }
  if (!matchesDeclaredType(declared.contentType, facts.sniffed)) {
    const actual = facts.sniffed ?? "an unrecognised format";
    const actualZh = facts.sniffed ?? "无法识别的格式";
    differences.push({
      code: "content_type_mismatch",
      zh: `文件类型不符：申报 ${declared.contentType}，文件内容实为 ${actualZh}`,
      en: `Content type differs: declared ${declared.contentType}, the file's bytes are ${actual}`,
    });
  }
  if (facts.sha256 !== declared.sha256) {
    differences.push({
      code: "sha256_mismatch",
      zh: "文件校验值（SHA-256）与申报不符，文件可能在上传中损坏或被替换",
      en: "SHA-256 differs from the declared hash: the file was damaged or replaced in transit",
    });
  }
  return differences;
}

export async function deleteObject(
  s3: S3Client,
  bucket: string,
  key: string,
  versionId: string | undefined,
): Promise<void> {
  // In the versioned bucket a plain delete only hides the bytes; deleting the version removes them.
  await s3.send(
    new DeleteObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }),
  );
}
