/**
 * One upload: declare it (content type, size, SHA-256) to get a presigned PUT
 * URL, send the bytes with XMLHttpRequest (fetch reports no upload progress),
 * then ask the server to confirm. A dropped connection is retried with
 * back-off on the same URL while it is valid, with a new one after.
 *
 * The same path serves the household's documents and the inspectors'
 * site-visit photos; an `UploadTarget` says where to declare and confirm.
 */
import { ApiError, api, NetworkError } from "../api.ts";
import type { WebConfig } from "../config.ts";
import type { DocumentView, UploadTicket } from "./types.ts";

/** Where an upload is declared and confirmed, and what it may be. */
export interface UploadTarget {
  /** POST {contentType, size, sha256, …extra} here for a presigned PUT. */
  readonly declarePath: string;
  readonly extra?: Readonly<Record<string, string>>;
  /** The confirm route of the declared upload's id. */
  confirmPath(id: string): string;
  /** Content types this target takes, among the county's upload rules (default: all of them). */
  readonly accepts?: (contentType: string) => boolean;
}

const casePath = (caseId: string) => `/cases/${encodeURIComponent(caseId)}`;

/** A household document of one policy type. */
export function documentTarget(caseId: string, type: string): UploadTarget {
  return {
    declarePath: `${casePath(caseId)}/documents`,
    extra: { type },
    confirmPath: (id) => `${casePath(caseId)}/documents/${encodeURIComponent(id)}/confirm`,
  };
}

/** A photo of the site visit a staff member is recording on `stepId`. */
export function sitePhotoTarget(caseId: string, stepId: string): UploadTarget {
  const step = `/review${casePath(caseId)}/steps/${encodeURIComponent(stepId)}`;
  return {
    declarePath: `${step}/photos`,
    confirmPath: (id) => `${step}/photos/${encodeURIComponent(id)}/confirm`,
    accepts: (contentType) => contentType.startsWith("image/"),
  };
}

export type UploadPhase =
  | { readonly phase: "hashing" }
  | { readonly phase: "uploading"; readonly percent: number; readonly attempt: number }
  | { readonly phase: "verifying" }
  | { readonly phase: "confirmed"; readonly document: DocumentView }
  /** The server compared the bytes and refused them (size, type by content, checksum). */
  | { readonly phase: "rejected"; readonly reasons: readonly { zh: string; en: string }[] }
  /** Refused before sending: type or size not allowed (by the county's rules or the server). */
  | {
      readonly phase: "refused";
      readonly reason: "too_large" | "type" | "server";
      readonly problems?: readonly { zh?: string; en: string }[];
      readonly maxBytes?: number;
    }
  /** Gave up after retries; `retry` starts again from where it stopped. */
  | { readonly phase: "failed"; readonly error: unknown };

const MAX_ATTEMPTS = 3;
const FORBIDDEN_HEADERS = new Set(["content-length", "host"]);

class TransferError extends Error {
  constructor(readonly status: number) {
    super(`upload failed with ${status}`);
  }
}

function put(ticket: UploadTicket, file: Blob, onProgress: (percent: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", ticket.uploadUrl);
    for (const [name, value] of Object.entries(ticket.requiredHeaders)) {
      if (!FORBIDDEN_HEADERS.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(Math.round((event.loaded / event.total) * 100));
    };
    xhr.onload = () =>
      xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new TransferError(xhr.status));
    xhr.onerror = () => reject(new TransferError(0));
    xhr.ontimeout = () => reject(new TransferError(0));
    xhr.send(file);
  });
}

async function sha256Hex(file: Blob): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Upload {
  /** Runs (or resumes) the upload; resolves with the final phase. */
  run(): Promise<UploadPhase>;
}

export function createUpload(
  config: WebConfig,
  target: UploadTarget,
  file: File,
  report: (phase: UploadPhase) => void,
): Upload {
  let sha256: string | undefined;
  let ticket: UploadTicket | undefined;
  let sent = false;
  const contentType = file.type.toLowerCase();

  const finish = (phase: UploadPhase) => {
    report(phase);
    return phase;
  };

  const run = async (): Promise<UploadPhase> => {
    const rule = config.county.uploads.find((upload) => upload.contentType === contentType);
    if (!rule || (target.accepts && !target.accepts(contentType)))
      return finish({ phase: "refused", reason: "type" });
    if (file.size > rule.maxBytes)
      return finish({ phase: "refused", reason: "too_large", maxBytes: rule.maxBytes });
    try {
      if (!sha256) {
        report({ phase: "hashing" });
        sha256 = await sha256Hex(file);
      }
      for (let attempt = 1; !sent; attempt++) {
        if (!ticket || Date.parse(ticket.expiresAt) - Date.now() < 30_000) {
          ticket = await api<UploadTicket>(target.declarePath, {
            method: "POST",
            body: { ...target.extra, contentType, size: file.size, sha256 },
          });
        }
        report({ phase: "uploading", percent: 0, attempt });
        try {
          await put(ticket, file, (percent) => report({ phase: "uploading", percent, attempt }));
          sent = true;
        } catch (error) {
          // 4xx from storage: the URL is no good (expired, signature); a new ticket may help once.
          if (error instanceof TransferError && error.status >= 400 && error.status < 500) ticket = undefined;
          if (attempt >= MAX_ATTEMPTS) throw error;
          report({ phase: "uploading", percent: 0, attempt: attempt + 1 });
          await sleep(1000 * 2 ** (attempt - 1));
        }
      }
      report({ phase: "verifying" });
      const id = ticket?.documentId ?? ticket?.photoId ?? "";
      const document = await api<DocumentView>(target.confirmPath(id), { method: "POST" });
      return finish({ phase: "confirmed", document });
    } catch (error) {
      if (error instanceof ApiError && error.status === 422) {
        const details = error.details as { rejections?: { zh: string; en: string }[] } | undefined;
        if (details?.rejections) {
          // The object is deleted server-side; a retry must start with a new declaration.
          ticket = undefined;
          sent = false;
          return finish({ phase: "rejected", reasons: details.rejections });
        }
      }
      if (error instanceof ApiError && error.status === 400) {
        const details = error.details as { problems?: { zh?: string; en: string }[] } | undefined;
        return finish({ phase: "refused", reason: "server", problems: details?.problems ?? [] });
      }
      // Network, storage or server trouble: the villager may retry; nothing was confirmed.
      return finish({ phase: "failed", error: error instanceof TransferError ? new NetworkError() : error });
    }
  };
  return { run };
}
