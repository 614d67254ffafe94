/**
 * One OpenAPI operation per route of the route table, keyed by API Gateway's
 * route key ("GET /audit/events"). Request and response shapes are the zod
 * schemas the handlers parse with, imported from shared/ (never from a
 * handler module: those build SDK clients and read config at load).
 *
 * Routes whose handlers keep their response shapes inline (or in modules with
 * load-time side effects) get a generic JSON response here, marked
 * `x-response-schema: "generic"`, until their owners move the schemas into
 * shared/schemas/ (see the README's API section).
 */
import type { RouteConfig } from "@asteasolutions/zod-to-openapi";
import * as z from "zod";
import {
  caseHistorySchema,
  caseIdPathSchema,
  caseVerificationSchema,
  eventExportQuerySchema,
  eventSearchQuerySchema,
  eventSearchResultSchema,
} from "../audit/schemas.ts";
import { noticeIdPath, objectionInputSchema, publicNoticeViewSchema } from "../notices/notice.ts";
import { noticeListQuerySchema } from "../notices/notices.ts";
import { adminImportBodySchema } from "../reference/import/admin-import.ts";
import { registerExportQuerySchema, registerPageSchema, registerQuerySchema } from "../register/schemas.ts";
import { correctionInputSchema } from "../review/correction.ts";
import { queueQuerySchema } from "../review/queue.ts";
import { decisionInputSchema } from "../review/rules.ts";
import { applicationDraftSchema } from "../schemas/application.ts";
import { caseKindSchema, certificateTypeSchema } from "../schemas/common.ts";
import {
  incidentPageSchema,
  incidentPathSchema,
  incidentQuerySchema,
  recoveryResultSchema,
} from "../schemas/incidents.ts";
import {
  caseIdPath,
  photoPath,
  photoUploadRequestSchema,
  stepPath,
  withdrawBody,
} from "../schemas/requests.ts";

export interface OperationSpec {
  readonly operationId: string;
  readonly tags: readonly string[];
  readonly description?: string;
  readonly request?: RouteConfig["request"];
  /** Success responses; the error responses are added for every operation by the document builder. */
  readonly responses: RouteConfig["responses"];
  /** True when the success body is not yet described by a shared schema. */
  readonly genericResponse?: boolean;
}

const json = (description: string, schema: z.ZodType) => ({
  description,
  content: { "application/json": { schema } },
});
const csv = (description: string) => ({
  description,
  headers: {
    "content-disposition": { description: "attachment; filename=…", schema: { type: "string" as const } },
    "x-next-cursor": {
      description: "Present when more rows match: pass it as `cursor` for the next download",
      schema: { type: "string" as const },
    },
  },
  content: {
    "text/csv": { schema: z.string().meta({ description: "UTF-8 with BOM, RFC 4180, header row" }) },
  },
});
/** A JSON object the handler returns whose shape is not yet a shared schema. */
const genericObject = z
  .record(z.string(), z.unknown())
  .meta({ description: "JSON object (shape not yet published)" });

const documentPath = caseIdPath.extend({ documentId: z.string().min(1).max(100) });

export const OPERATIONS: Readonly<Record<string, OperationSpec>> = {
  "GET /health": {
    operationId: "getHealth",
    tags: ["operations"],
    responses: {
      200: json(
        "The API is up and the case table answers",
        z.object({ status: z.literal("ok"), table: z.literal("reachable"), tableLatencyMs: z.number() }),
      ),
    },
  },
  "GET /me": {
    operationId: "getMe",
    tags: ["identity"],
    responses: {
      200: json(
        "The signed-in caller as the API sees them",
        z.object({
          id: z.string(),
          name: z.string(),
          role: z.string(),
          department: z.string().nullable(),
          townships: z.array(z.string()),
          village: z.string().nullable(),
          household: z.string().nullable(),
        }),
      ),
    },
  },
  "POST /cases": {
    operationId: "createCase",
    tags: ["cases"],
    request: {
      body: { content: { "application/json": { schema: z.strictObject({ kind: caseKindSchema }) } } },
    },
    responses: { 201: json("The new draft case", genericObject) },
    genericResponse: true,
  },
  "GET /cases": {
    operationId: "listCases",
    tags: ["cases"],
    responses: { 200: json("The caller's cases", genericObject) },
    genericResponse: true,
  },
  "GET /cases/{caseId}": {
    operationId: "getCase",
    tags: ["cases"],
    request: { params: caseIdPath },
    responses: { 200: json("The case with its timeline and expected action", genericObject) },
    genericResponse: true,
  },
  "PUT /cases/{caseId}/application": {
    operationId: "saveApplicationDraft",
    tags: ["cases"],
    request: {
      params: caseIdPath,
      body: { content: { "application/json": { schema: applicationDraftSchema } } },
    },
    responses: { 200: json("The saved draft", genericObject) },
    genericResponse: true,
  },
  "POST /cases/{caseId}/submit": {
    operationId: "submitCase",
    tags: ["cases"],
    request: {
      params: caseIdPath,
      headers: z.object({ "idempotency-key": z.string().min(8).max(255) }),
    },
    responses: {
      200: json("The submitted case (the same answer for a repeated Idempotency-Key)", genericObject),
    },
    genericResponse: true,
  },
  "POST /cases/{caseId}/withdraw": {
    operationId: "withdrawCase",
    tags: ["cases"],
    request: { params: caseIdPath, body: { content: { "application/json": { schema: withdrawBody } } } },
    responses: { 200: json("The withdrawn case", genericObject) },
    genericResponse: true,
  },
  "POST /cases/{caseId}/documents": {
    operationId: "requestDocumentUpload",
    tags: ["documents"],
    request: { params: caseIdPath, body: { content: { "application/json": { schema: genericObject } } } },
    responses: { 201: json("A presigned upload for the document", genericObject) },
    genericResponse: true,
  },
  "POST /cases/{caseId}/documents/{documentId}/confirm": {
    operationId: "confirmDocumentUpload",
    tags: ["documents"],
    request: { params: documentPath },
    responses: { 200: json("The confirmed document", genericObject) },
    genericResponse: true,
  },
  "GET /cases/{caseId}/documents": {
    operationId: "listDocuments",
    tags: ["documents"],
    request: { params: caseIdPath },
    responses: { 200: json("The case's documents", genericObject) },
    genericResponse: true,
  },
  "GET /cases/{caseId}/certificates/{type}": {
    operationId: "getCertificateDownload",
    tags: ["certificates"],
    request: { params: caseIdPath.extend({ type: certificateTypeSchema }) },
    responses: { 200: json("A short-lived download URL for the certificate", genericObject) },
    genericResponse: true,
  },
  "GET /verify/{number}": {
    operationId: "verifyCertificate",
    tags: ["certificates"],
    request: { params: z.object({ number: z.string().min(1) }) },
    responses: { 200: json("The certificate, personal data masked", genericObject) },
    genericResponse: true,
  },
  "GET /notices": {
    operationId: "listPublicNotices",
    tags: ["notices"],
    description:
      "Public, no token. The notices (公示) the platform published when a case's pre-check passed: applicant name masked (王**), village, plot address and areas, planned building, reason, notice start and end. Never ID or phone numbers. `status=open` (default) lists the notices taking objections now.",
    request: { query: noticeListQuerySchema },
    responses: {
      200: json("The notices, newest first", z.object({ notices: z.array(publicNoticeViewSchema) })),
    },
  },
  "GET /notices/{noticeId}": {
    operationId: "getPublicNotice",
    tags: ["notices"],
    description: "Public, no token. One published notice and whether it takes objections now (`open`).",
    request: { params: noticeIdPath },
    responses: { 200: json("The notice", publicNoticeViewSchema) },
  },
  "POST /notices/{noticeId}/objections": {
    operationId: "lodgeObjection",
    tags: ["notices"],
    description:
      "Public, no token. Anyone objects while the notice runs: text of 5–1000 characters, an optional contact (stored sealed, shown only to the staff who handle it). 409 `notice_closed` once the notice ended. The village officer records how each objection was handled with the village review decision (`objections`: objection id → handling); approval is refused (422 `objection_unhandled`) while one is unhandled.",
    request: {
      params: noticeIdPath,
      body: { content: { "application/json": { schema: objectionInputSchema } } },
    },
    responses: {
      201: json(
        "The objection was recorded (and an audit event on the case)",
        z.object({ objectionId: z.string(), noticeId: z.string(), lodgedAt: z.string() }),
      ),
    },
  },
  "GET /queues/{queue}": {
    operationId: "listQueue",
    tags: ["review"],
    request: { params: z.object({ queue: z.string().min(1).max(60) }), query: queueQuerySchema },
    responses: { 200: json("Open steps of the caller's queue, overdue first", genericObject) },
    genericResponse: true,
  },
  "GET /review/cases/{caseId}": {
    operationId: "getReviewCase",
    tags: ["review"],
    request: { params: z.object({ caseId: z.string().min(1).max(100) }) },
    responses: { 200: json("The case for a reviewer, with presigned document URLs", genericObject) },
    genericResponse: true,
  },
  "POST /review/cases/{caseId}/steps/{stepId}/decision": {
    operationId: "decideStep",
    tags: ["review"],
    request: {
      params: z.object({ caseId: z.string().min(1).max(100), stepId: z.string().min(1).max(200) }),
      body: { content: { "application/json": { schema: decisionInputSchema } } },
    },
    responses: { 200: json("The recorded decision and its delivery to the workflow", genericObject) },
    genericResponse: true,
  },
  "POST /review/cases/{caseId}/steps/{stepId}/photos": {
    operationId: "requestSiteVisitPhotoUpload",
    tags: ["review"],
    description:
      "Only while the step awaits its decision, by whoever may decide it, and only on steps the county policy makes a site visit (the case detail marks them with `siteVisit`).",
    request: {
      params: stepPath,
      body: { content: { "application/json": { schema: photoUploadRequestSchema } } },
    },
    responses: {
      201: json("A presigned upload for the photo (photoId, url, headers, expiresAt)", genericObject),
    },
    genericResponse: true,
  },
  "POST /review/cases/{caseId}/steps/{stepId}/photos/{photoId}/confirm": {
    operationId: "confirmSiteVisitPhoto",
    tags: ["review"],
    description:
      "Re-reads the stored bytes (size, magic bytes, SHA-256); a mismatch is deleted and answered 422. The step's decision may then cite the photo id in `photos`.",
    request: { params: photoPath },
    responses: { 200: json("The confirmed photo", genericObject) },
    genericResponse: true,
  },
  "POST /review/cases/{caseId}/steps/{stepId}/redrive": {
    operationId: "redriveStep",
    tags: ["review"],
    request: { params: z.object({ caseId: z.string().min(1).max(100), stepId: z.string().min(1).max(200) }) },
    responses: { 200: json("The decision delivered again to the workflow", genericObject) },
    genericResponse: true,
  },
  "GET /incidents": {
    operationId: "listIncidents",
    tags: ["operations"],
    description:
      "The operator view (异常案件): open incidents of one township, oldest first, each with its cause in plain words and the one action that recovers it.",
    request: { query: incidentQuerySchema },
    responses: { 200: json("One page of open incidents", incidentPageSchema) },
  },
  "POST /incidents/{caseId}/{incidentId}/recover": {
    operationId: "recoverIncident",
    tags: ["operations"],
    description:
      "Performs the incident's recovery (retry the failed task, redrive the execution, redeliver the decision, stop the run), then closes it; 409 when it did not take effect.",
    request: { params: incidentPathSchema },
    responses: { 200: json("The recovered incident, now closed", recoveryResultSchema) },
  },
  "GET /cases/{caseId}/correction": {
    operationId: "getCorrectionRequest",
    tags: ["cases"],
    request: { params: z.object({ caseId: z.string().min(1).max(100) }) },
    responses: { 200: json("What the reviewers asked the household to correct", genericObject) },
    genericResponse: true,
  },
  "POST /cases/{caseId}/correction": {
    operationId: "submitCorrection",
    tags: ["cases"],
    description:
      "The answer must change every field the reviewers asked about and bring a new confirmed document of every type they asked for (uploaded after the request); otherwise 422 `correction_unchanged` with `details.unchangedFields` and `details.missingDocuments`.",
    request: {
      params: z.object({ caseId: z.string().min(1).max(100) }),
      body: { content: { "application/json": { schema: correctionInputSchema } } },
    },
    responses: { 200: json("The corrected case, resumed where it was", genericObject) },
    genericResponse: true,
  },
  "GET /audit/cases/{caseId}/events": {
    operationId: "getCaseAuditHistory",
    tags: ["audit"],
    description:
      "Auditors only, within their jurisdiction (404 for a case outside it, as for a missing one). Recorded in the audit-query log.",
    request: { params: caseIdPathSchema },
    responses: {
      200: json("Every event of the case by seq, with the chain verification", caseHistorySchema),
    },
  },
  "GET /audit/cases/{caseId}/verify": {
    operationId: "verifyCaseAuditChain",
    tags: ["audit"],
    description: "Checks every link and the head stored on the case (catches truncation). Recorded.",
    request: { params: caseIdPathSchema },
    responses: { 200: json("Valid with the head, or the first broken link and why", caseVerificationSchema) },
  },
  "GET /audit/events": {
    operationId: "searchAuditEvents",
    tags: ["audit"],
    description:
      "Events in [from, to) (at most 92 days), oldest first, within the caller's jurisdiction. Recorded.",
    request: { query: eventSearchQuerySchema },
    responses: { 200: json("One page of matching events", eventSearchResultSchema) },
  },
  "GET /audit/events.csv": {
    operationId: "exportAuditEvents",
    tags: ["audit"],
    description: "The same search as a CSV download, up to 5000 rows per file. Recorded.",
    request: { query: eventExportQuerySchema },
    responses: { 200: csv("Matching events as CSV") },
  },
  "GET /register": {
    operationId: "listRegister",
    tags: ["register"],
    description: "Township clerk, township head, auditor, county admin; within their jurisdiction.",
    request: { query: registerQuerySchema },
    responses: { 200: json("Cases of the township by status, newest change first", registerPageSchema) },
  },
  "GET /register.csv": {
    operationId: "exportRegister",
    tags: ["register"],
    description: "The county filing (备案) export, up to 2000 cases per file.",
    request: { query: registerExportQuerySchema },
    responses: { 200: csv("The register as CSV") },
  },
  "POST /admin/imports": {
    operationId: "importReferenceData",
    tags: ["admin"],
    description:
      "County admin: import a reference file (CSV or line-delimited GeoJSON) uploaded under imports/ in the documents bucket. 200 when complete; 202 when it stopped at a checkpoint (call again to continue).",
    request: { body: { content: { "application/json": { schema: adminImportBodySchema } } } },
    responses: {
      200: json(
        "Import complete: counts of imported, unchanged and rejected rows, and the report key",
        genericObject,
      ),
      202: json("Stopped at a checkpoint; call again to continue", genericObject),
    },
  },
  "GET /openapi.json": {
    operationId: "getOpenApiDocument",
    tags: ["operations"],
    responses: { 200: json("This document (OpenAPI 3.1)", genericObject) },
  },
};
