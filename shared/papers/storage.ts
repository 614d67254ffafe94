/**
 * Where papers live: each stored once in S3 under a key of its own, with its
 * SHA-256 as object metadata (and in the audit event that filed it), and
 * handed out by a short-lived presigned link that names the file.
 */
import { createHash } from "node:crypto";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { type DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { CaseRecord } from "../schemas/case.ts";
import { townshipKey, villageKey } from "../store/reference-store.ts";
import type { PlaceNames } from "./assemble.ts";

/** A download link lives five minutes: long enough to start a download on a slow connection. */
export const PAPER_LINK_SECONDS = 5 * 60;

export const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

export const certificatePdfKey = (caseId: string, number: string, version = 0) =>
  `certificates/${caseId}/${number}${version > 0 ? `-v${version + 1}` : ""}.pdf`;
export const paperPdfKey = (caseId: string, paper: string) => `papers/${caseId}/${paper}.pdf`;

/** Regenerating a stored paper gave other bytes: the data under it changed after filing. */
export class PaperMismatchError extends Error {
  override readonly name = "PaperMismatchError";
  constructor(key: string, stored: string, regenerated: string) {
    super(`Paper ${key} is stored with SHA-256 ${stored}, regenerated as ${regenerated}`);
  }
}

export interface PaperStorage {
  readonly s3: S3Client;
  readonly bucketName: string;
}

/**
 * Puts the PDF unless the key holds it already (a retried task, a second
 * download): the same bytes are never stored twice, other bytes never replace them.
 */
export async function storeOnce(
  deps: PaperStorage,
  key: string,
  pdf: Uint8Array,
  filename: string,
): Promise<{ sha256: string; created: boolean }> {
  const sha256 = sha256Hex(pdf);
  try {
    const head = await deps.s3.send(new HeadObjectCommand({ Bucket: deps.bucketName, Key: key }));
    const stored = head.Metadata?.sha256;
    if (stored && stored !== sha256) throw new PaperMismatchError(key, stored, sha256);
    if (stored) return { sha256, created: false };
  } catch (error) {
    const name = (error as Error).name;
    if (name !== "NotFound" && name !== "NoSuchKey") throw error;
  }
  await deps.s3.send(
    new PutObjectCommand({
      Bucket: deps.bucketName,
      Key: key,
      Body: pdf,
      ContentType: "application/pdf",
      ContentDisposition: contentDisposition(filename),
      Metadata: { sha256 },
    }),
  );
  return { sha256, created: true };
}

/** RFC 6266: an ASCII fallback name and the UTF-8 name (Chinese titles survive on every browser). */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export async function presignPaper(
  deps: PaperStorage,
  key: string,
  filename: string,
  now: Date,
): Promise<{ url: string; expiresAt: string; filename: string }> {
  const url = await getSignedUrl(
    deps.s3,
    new GetObjectCommand({
      Bucket: deps.bucketName,
      Key: key,
      ResponseContentType: "application/pdf",
      ResponseContentDisposition: contentDisposition(filename),
    }),
    { expiresIn: PAPER_LINK_SECONDS },
  );
  return { url, expiresAt: new Date(now.getTime() + PAPER_LINK_SECONDS * 1000).toISOString(), filename };
}

const nameOf = (item: Record<string, unknown> | undefined) => {
  const name = item?.name as { zh?: unknown; en?: unknown } | undefined;
  return typeof name?.zh === "string"
    ? { zh: name.zh, en: typeof name.en === "string" ? name.en : name.zh }
    : undefined;
};

/** The township's and the village's names from the reference data (the village collective owns the land). */
export async function placeNames(
  client: DynamoDBDocumentClient,
  tableName: string,
  record: Pick<CaseRecord, "townshipCode" | "villageCode">,
): Promise<PlaceNames> {
  const [township, village] = await Promise.all([
    client.send(new GetCommand({ TableName: tableName, Key: townshipKey(record.townshipCode) })),
    client.send(new GetCommand({ TableName: tableName, Key: villageKey(record.villageCode) })),
  ]);
  return { township: nameOf(township.Item), village: nameOf(village.Item) };
}
