/**
 * The documents use cases behind the HTTP handlers: request an upload URL,
 * confirm (verify) the upload, list. Handlers only parse and map.
 */
import { randomUUID } from "node:crypto";
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import * as z from "zod";
import { CONSENT_FORM } from "../assisted/on-behalf.ts";
import { type Actor, auditActorOf } from "../auth/actor.ts";
import { getShippedPolicy } from "../domain/policy/shipped-policies.ts";
import { DomainError, type FieldProblem, InvalidInputError, ResourceNotFoundError } from "../errors.ts";
import type { CaseRecord } from "../schemas/case.ts";
import type { CountyPolicy } from "../schemas/policy.ts";
import type { DocumentList, DocumentView, UploadTicket } from "../schemas/responses.ts";
import type { CaseStore } from "../store/case-store.ts";
import { assertOpenForDocuments, requireOwnCase } from "./access.ts";
import {
  type DocumentRecord,
  documentObjectKey,
  documentView,
  type Rejection,
  sha256HexSchema,
} from "./document.ts";
import type { DocumentStore } from "./document-store.ts";
import {
  compareWithDeclaration,
  deleteObject,
  presignDocumentGet,
  presignUpload,
  readObjectFacts,
  UploadNotFoundError,
} from "./objects.ts";

export interface DocumentsDeps {
  readonly cases: CaseStore;
  readonly documents: DocumentStore;
  readonly s3: S3Client;
  readonly bucketName: string;
  readonly now: () => Date;
}

export const uploadRequestSchema = z.strictObject({
  type: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/)
    .max(60),
  contentType: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z]+\/[a-z0-9.+-]+$/)
    .max(100),
  size: z.int().positive(),
  sha256: sha256HexSchema,
});
export type UploadRequest = z.infer<typeof uploadRequestSchema>;

/** Policy rules an upload request breaks (document type, content type, size), in both languages. */
export function uploadProblems(
  policy: CountyPolicy,
  record: CaseRecord,
  request: UploadRequest,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const types = [
    ...policy.requiredDocuments[record.kind].map((requirement) => requirement.typeId),
    // 代办: the consent form the head signed, asked only of a case filed on behalf (shared/assisted/on-behalf.ts).
    ...(record.filedOnBehalf ? [CONSENT_FORM] : []),
  ];
  if (!types.includes(request.type)) {
    problems.push({
      path: "body.type",
      code: "document.unknown_type",
      zh: `本县 ${record.kind === "homestead" ? "宅基地" : "农房"} 申请不接受此类材料：${request.type}`,
      en: `Document type "${request.type}" is not one this county asks for in a ${record.kind} case (allowed: ${types.join(", ")})`,
    });
  }
  problems.push(...fileProblems(policy.uploads, request));
  return problems;
}

/**
 * The county's content type and size rules for one file, in both languages;
 * `uploads` may be narrowed by the caller (site-visit photos: images only).
 */
export function fileProblems(
  uploads: CountyPolicy["uploads"],
  request: Pick<UploadRequest, "contentType" | "size">,
): FieldProblem[] {
  const rule = uploads.find((upload) => upload.contentType === request.contentType);
  if (!rule) {
    const allowed = uploads.map((upload) => upload.contentType).join(", ");
    return [
      {
        path: "body.contentType",
        code: "document.content_type_not_allowed",
        zh: `不接受此文件格式：${request.contentType}（可上传：${allowed}）`,
        en: `Content type ${request.contentType} is not accepted (allowed: ${allowed})`,
      },
    ];
  }
  if (request.size > rule.maxBytes) {
    const mb = (rule.maxBytes / 1024 / 1024).toFixed(1);
    return [
      {
        path: "body.size",
        code: "document.too_large",
        zh: `文件过大：${request.contentType} 最大 ${mb} MB`,
        en: `File too large: ${request.contentType} may be at most ${rule.maxBytes} bytes (${mb} MB)`,
      },
    ];
  }
  return [];
}

/**
 * A presigned PUT for a new document of the case and its pending DOC item
 * (household documents and site-visit photos alike).
 */
export async function declareUpload(
  deps: DocumentsDeps,
  actor: Actor,
  caseId: string,
  declared: Pick<UploadRequest, "contentType" | "size" | "sha256"> & {
    readonly documentType: string;
    readonly stepId?: string;
  },
): Promise<UploadTicket> {
  const now = deps.now();
  const documentId = randomUUID();
  const key = documentObjectKey(caseId, documentId);
  const presigned = await presignUpload(deps.s3, deps.bucketName, key, declared, now);
  await deps.documents.createPending({
    caseId,
    documentId,
    documentType: declared.documentType,
    ...(declared.stepId ? { stepId: declared.stepId } : {}),
    contentType: declared.contentType,
    size: declared.size,
    sha256: declared.sha256,
    key,
    status: "pending",
    uploadedBy: actor.id,
    requestedAt: now.toISOString(),
    uploadExpiresAt: presigned.expiresAt,
  });
  return { documentId, ...presigned };
}

export async function requestUpload(
  deps: DocumentsDeps,
  actor: Actor,
  caseId: string,
  request: UploadRequest,
): Promise<UploadTicket> {
  const record = await requireOwnCase(deps.cases, actor, caseId);
  assertOpenForDocuments(record);
  const problems = uploadProblems(getShippedPolicy(record.policyId), record, request);
  if (problems.length > 0)
    throw new InvalidInputError(
      { en: "The document cannot be uploaded", zh: "材料不符合上传要求" },
      problems,
    );

  return declareUpload(deps, actor, caseId, { ...request, documentType: request.type });
}

/** The bytes differ from the declaration: the object is gone and the document rejected. */
export class DocumentRejectedError extends DomainError {
  constructor(
    documentId: string,
    readonly rejections: readonly Rejection[],
  ) {
    super(
      {
        en: `Document ${documentId} was rejected: ${rejections.map((rejection) => rejection.en).join("; ")}`,
        zh: `材料 ${documentId} 未通过校验：${rejections.map((rejection) => rejection.zh).join("；")}`,
      },
      { documentId, rejections },
    );
  }
}

export class UploadMissingError extends DomainError {
  constructor(documentId: string) {
    super(
      {
        en: `Nothing has been uploaded for document ${documentId} yet; PUT the file to the upload URL first`,
        zh: `材料 ${documentId} 尚未收到上传的文件，请先上传到上传地址`,
      },
      { documentId },
    );
  }
}

export async function requireDocument(
  deps: DocumentsDeps,
  caseId: string,
  documentId: string,
): Promise<DocumentRecord> {
  const document = await deps.documents.get(caseId, documentId);
  if (!document)
    throw new ResourceNotFoundError({
      en: `No document ${documentId} in case ${caseId}`,
      zh: `案件 ${caseId} 中没有材料 ${documentId}`,
    });
  return document;
}

/**
 * Verifies the stored bytes against the declaration (size, magic bytes,
 * SHA-256) and marks the document confirmed together with a `confirmDocument`
 * event on the case, in one transaction. Confirming again is harmless.
 */
export async function confirmUpload(
  deps: DocumentsDeps,
  actor: Actor,
  caseId: string,
  documentId: string,
): Promise<DocumentView> {
  const record = await requireOwnCase(deps.cases, actor, caseId);
  const document = await requireDocument(deps, caseId, documentId);
  if (document.status === "confirmed") return documentView(document);
  if (document.status === "rejected") throw new DocumentRejectedError(documentId, document.rejections ?? []);
  assertOpenForDocuments(record);
  return verifyAndConfirm(deps, actor, document, {
    action: "confirmDocument",
    guard: assertOpenForDocuments,
  });
}

export interface ConfirmEvent {
  /** The audit action recorded with the confirmation. */
  readonly action: string;
  /**
   * Re-checked on the latest case inside the transaction's retry loop: may the
   * upload still count? Absent when the caller's precondition is not about the
   * case's status (a site-visit photo: its step was checked open just before).
   */
  readonly guard?: (latest: CaseRecord) => void;
  /** Extra audit data beside the document's facts. */
  readonly data?: Record<string, string | number>;
}

/**
 * The verification every upload goes through, whoever uploaded it: re-read the
 * stored object, compare size, magic bytes and SHA-256 with the declaration; a
 * mismatch deletes the object and rejects the document; a match confirms it
 * together with one audit event, in one transaction.
 */
export async function verifyAndConfirm(
  deps: DocumentsDeps,
  actor: Actor,
  document: DocumentRecord,
  event: ConfirmEvent,
): Promise<DocumentView> {
  const { caseId, documentId } = document;
  let facts: Awaited<ReturnType<typeof readObjectFacts>>;
  try {
    facts = await readObjectFacts(deps.s3, deps.bucketName, document.key, document.size);
  } catch (error) {
    if (error instanceof UploadNotFoundError) throw new UploadMissingError(documentId);
    throw error;
  }
  const differences = compareWithDeclaration(document, facts);
  if (differences.length > 0) {
    await deleteObject(deps.s3, deps.bucketName, document.key, facts.versionId);
    const rejected = await deps.documents.reject(document, deps.now().toISOString(), differences);
    if (!rejected) {
      // Another confirm finished first; report what it decided.
      const current = await requireDocument(deps, caseId, documentId);
      if (current.status === "confirmed") return documentView(current);
    }
    throw new DocumentRejectedError(documentId, differences);
  }

  const at = deps.now().toISOString();
  try {
    await deps.cases.withRetry(caseId, async (latest) => {
      event.guard?.(latest);
      return deps.cases.record(latest, {
        actor: auditActorOf(actor),
        action: event.action,
        data: {
          documentId,
          type: document.documentType,
          size: document.size,
          sha256: document.sha256,
          ...event.data,
        },
        alsoWrite: [deps.documents.confirmWrite(document, at, facts.versionId)],
      });
    });
  } catch (error) {
    // The document left `pending` under us (a parallel confirm won): the outcome is the same.
    if (!(error instanceof TransactionCanceledException)) throw error;
    const current = await requireDocument(deps, caseId, documentId);
    if (current.status !== "confirmed") throw error;
    return documentView(current);
  }
  return documentView({
    ...document,
    status: "confirmed",
    confirmedAt: at,
    ...(facts.versionId ? { versionId: facts.versionId } : {}),
  });
}

/**
 * Removes one of the household's documents (a blurred scan, the wrong photo)
 * while the case is still the household's to change: the DOC item goes with a
 * `removeDocument` event in one transaction, then the stored bytes. A
 * site-visit photo is the inspector's, not the household's: 404 as if absent.
 */
export async function removeDocument(
  deps: DocumentsDeps,
  actor: Actor,
  caseId: string,
  documentId: string,
): Promise<void> {
  const record = await requireOwnCase(deps.cases, actor, caseId);
  const document = await requireDocument(deps, caseId, documentId);
  if (document.stepId)
    throw new ResourceNotFoundError({
      en: `No document ${documentId} in case ${caseId}`,
      zh: `案件 ${caseId} 中没有材料 ${documentId}`,
    });
  assertOpenForDocuments(record);
  try {
    await deps.cases.withRetry(caseId, async (latest) => {
      assertOpenForDocuments(latest);
      return deps.cases.record(latest, {
        actor: { id: actor.id, role: actor.role },
        action: "removeDocument",
        data: { documentId, type: document.documentType, sha256: document.sha256 },
        alsoWrite: [deps.documents.removeWrite(document)],
      });
    });
  } catch (error) {
    // Removed (or confirmed) by a parallel request: read again and answer from what is there now.
    if (!(error instanceof TransactionCanceledException)) throw error;
    const current = await deps.documents.get(caseId, documentId);
    if (current) throw error;
    return;
  }
  // The bytes of a removed document serve nothing; the event keeps its SHA-256.
  await deleteObject(deps.s3, deps.bucketName, document.key, document.versionId);
}

export async function listDocuments(
  deps: DocumentsDeps,
  actor: Actor,
  caseId: string,
): Promise<DocumentList> {
  await requireOwnCase(deps.cases, actor, caseId);
  // The household's own uploads; site-visit photos are the inspectors' record (reviewer case detail).
  const documents = (await deps.documents.list(caseId)).filter((document) => document.stepId === undefined);
  return {
    documents: await Promise.all(
      documents.map(async (document) =>
        document.status === "confirmed"
          ? { ...documentView(document), download: await documentDownloadUrl(deps, document) }
          : documentView(document),
      ),
    ),
  };
}

/** A short-lived URL to a confirmed document's verified bytes (for reviewers' handlers to reuse). */
export async function documentDownloadUrl(
  deps: Pick<DocumentsDeps, "s3" | "bucketName">,
  document: DocumentRecord,
) {
  if (document.status !== "confirmed")
    throw new ResourceNotFoundError({
      en: `Document ${document.documentId} is not confirmed`,
      zh: `材料 ${document.documentId} 尚未确认`,
    });
  return presignDocumentGet(deps.s3, deps.bucketName, document.key, {
    contentType: document.contentType,
    ...(document.versionId ? { versionId: document.versionId } : {}),
  });
}
