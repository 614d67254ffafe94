/**
 * A case's documents for tests: uploaded through the API (declare, PUT to the
 * presigned URL, confirm), or written straight into the table as the
 * documents API leaves them, for tests whose subject is what comes after the
 * upload (submission, one open case per household). Imports no county policy
 * module, so files that mock the shipped policies (e2e) may use it too.
 */
import { createHash, randomUUID } from "node:crypto";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { expect } from "vitest";
import { documentKey } from "#shared/store/keys.ts";
import type { TestCloud } from "./local-cloud.ts";

/** A small valid PDF, the bytes every test upload sends unless it says otherwise. */
export const PDF = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");

export const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** A JSON API call as one user (test/support/api.ts's ApiDriver.apiAs, e2e's apiAs). */
export type JsonCall = <T>(
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; body: T }>;

export interface UploadTicket {
  documentId: string;
  uploadUrl: string;
  requiredHeaders: Record<string, string>;
}

/** The policy's document requirements of one case kind (`policy.requiredDocuments[kind]`). */
export type DocumentRequirements = readonly { typeId: string; minCount: number; condition?: string }[];

/**
 * Declares one document of a case, PUTs its bytes to the presigned URL and
 * (unless `confirm: false`) confirms it, as whoever `call` is signed in as;
 * every step must answer its success status. Returns the document id.
 */
/** PUTs `bytes` to a presigned upload URL with the headers it was signed with; storage must answer 200. */
export async function putToUploadUrl(
  ticket: { readonly uploadUrl: string; readonly requiredHeaders: Record<string, string> },
  bytes: Uint8Array,
): Promise<void> {
  const put = await fetch(ticket.uploadUrl, {
    method: "PUT",
    headers: ticket.requiredHeaders,
    body: new Uint8Array(bytes),
  });
  expect(put.status).toBe(200);
}

export async function uploadDocument(
  call: JsonCall,
  caseId: string,
  document: { type: string; bytes?: Uint8Array; contentType?: string; confirm?: boolean },
): Promise<string> {
  const { type, bytes = PDF, contentType = "application/pdf", confirm = true } = document;
  const declared = await call<UploadTicket>("POST", `/cases/${caseId}/documents`, {
    type,
    contentType,
    size: bytes.length,
    sha256: sha256Hex(bytes),
  });
  expect(declared.status, JSON.stringify(declared.body)).toBe(201);
  await putToUploadUrl(declared.body, bytes);
  if (confirm) {
    const confirmed = await call("POST", `/cases/${caseId}/documents/${declared.body.documentId}/confirm`);
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
  }
  return declared.body.documentId;
}

/** Uploads and confirms every document the requirements always ask for, as many copies as each needs. */
export async function uploadRequiredDocuments(
  call: JsonCall,
  caseId: string,
  requirements: DocumentRequirements,
  bytes: Uint8Array = PDF,
): Promise<void> {
  for (const requirement of requirements) {
    if (requirement.condition !== "always") continue;
    for (let i = 0; i < requirement.minCount; i++)
      await uploadDocument(call, caseId, { type: requirement.typeId, bytes });
  }
}

/** One confirmed document of `documentType` in the case (a PDF unless `item` says otherwise); returns its id. */
export async function seedConfirmedDocument(
  env: TestCloud,
  caseId: string,
  document: { documentType: string; uploadedBy: string; item?: Record<string, unknown> },
): Promise<string> {
  const documentId = randomUUID();
  const at = new Date().toISOString();
  await env.dynamodb.send(
    new PutCommand({
      TableName: env.cloud.endpoints.tableName,
      Item: {
        ...documentKey(caseId, documentId),
        type: "document",
        caseId,
        documentId,
        documentType: document.documentType,
        contentType: "application/pdf",
        size: 1024,
        sha256: "a".repeat(64),
        key: `cases/${caseId}/documents/${documentId}`,
        status: "confirmed",
        uploadedBy: document.uploadedBy,
        requestedAt: at,
        uploadExpiresAt: at,
        confirmedAt: at,
        ...document.item,
      },
    }),
  );
  return documentId;
}

/** Confirmed documents of every type (each as many as needed) the requirements always ask for. */
export async function seedRequiredDocuments(
  env: TestCloud,
  caseId: string,
  options: { requirements: DocumentRequirements; uploadedBy: string },
): Promise<void> {
  for (const requirement of options.requirements) {
    if (requirement.condition !== "always") continue;
    for (let i = 0; i < requirement.minCount; i++) {
      await seedConfirmedDocument(env, caseId, {
        documentType: requirement.typeId,
        uploadedBy: options.uploadedBy,
      });
    }
  }
}
