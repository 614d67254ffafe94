/**
 * One OpenAPI operation per route of the route table, keyed by API Gateway's
 * route key ("GET /audit/events"). Request and response shapes are the zod
 * schemas the handlers parse with and the use cases answer with (their result
 * types are `z.infer` of shared/schemas/responses.ts), imported from shared/
 * (never from a handler module: those build SDK clients and read config at
 * load).
 *
 * The error responses come from the error catalogue (./errors.ts,
 * shared/http/error-catalogue.ts `ROUTE_ERRORS`); an operation lists here only
 * an answer that is not the JSON error body (the verification page's HTML 404).
 */
import type { RouteConfig } from "@asteasolutions/zod-to-openapi";
import * as z from "zod";
import { filedListQuerySchema } from "../assisted/filed-list.ts";
import {
  caseHistorySchema,
  caseVerificationSchema,
  eventExportQuerySchema,
  eventSearchQuerySchema,
  eventSearchResultSchema,
} from "../audit/schemas.ts";
import { completionReportInputSchema } from "../cases/completion-report.ts";
import { uploadRequestSchema } from "../documents/use-cases.ts";
import { noticeIdPath, objectionInputSchema, publicNoticeViewSchema } from "../notices/notice.ts";
import { noticeListQuerySchema } from "../notices/notices.ts";
import {
  failedSmsPageSchema,
  failedSmsQuerySchema,
  markReadInputSchema,
  markReadResultSchema,
  messageListQuerySchema,
  messagePageSchema,
  notificationSettingsSchema,
  settingsInputSchema,
} from "../notify/inbox.ts";
import {
  certificateChangeSchema,
  certificatePath as certificateNumberPath,
  paperKindSchema,
} from "../papers/schemas.ts";
import { adminImportBodySchema, importIdPathSchema } from "../reference/import/admin-import.ts";
import { importJobSchema } from "../reference/import/import-jobs.ts";
import { registerExportQuerySchema, registerPageSchema, registerQuerySchema } from "../register/schemas.ts";
import { correctionInputSchema } from "../review/correction.ts";
import { queueQuerySchema } from "../review/queue.ts";
import { decisionInputSchema } from "../review/rules.ts";
import { caseSearchQuerySchema } from "../review/search.ts";
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
  documentPath,
  idempotencyKeyHeader,
  photoPath,
  photoUploadRequestSchema,
  stepPath,
  withdrawBody,
} from "../schemas/requests.ts";
import {
  caseListSchema,
  caseSearchResultSchema,
  caseSummarySchema,
  caseViewSchema,
  certificateDownloadSchema,
  certificateVerificationSchema,
  completionReportResultSchema,
  correctionResultSchema,
  correctionViewSchema,
  decisionResultSchema,
  documentListSchema,
  documentViewSchema,
  filedCasePageSchema,
  healthSchema,
  issuedCertificateSchema,
  meSchema,
  paperDownloadSchema,
  paperVerificationSchema,
  photoUploadTicketSchema,
  queuePageSchema,
  registerPdfSchema,
  reviewCaseDetailSchema,
  uploadTicketSchema,
  withdrawResultSchema,
} from "../schemas/responses.ts";
import { errorBodySchema } from "./errors.ts";
import { EXAMPLES } from "./examples.ts";

export interface OperationSpec {
  readonly operationId: string;
  readonly tags: readonly string[];
  readonly description?: string;
  readonly request?: RouteConfig["request"];
  /** Success responses (and any answer that is not the JSON error body, e.g. an HTML 404). */
  readonly responses: RouteConfig["responses"];
}

interface Examples {
  readonly example?: unknown;
}
const json = (description: string, schema: z.ZodType, examples: Examples = {}) => ({
  description,
  content: { "application/json": { schema, ...examples } },
});
const jsonBody = (schema: z.ZodType, examples: Examples = {}) => ({
  body: { required: true, content: { "application/json": { schema, ...examples } } },
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
const html = (description: string) => ({
  description,
  content: { "text/html": { schema: z.string().meta({ description: "A page, zh-CN first, English too" }) } },
});

// One caseId schema on every route (shared/schemas/requests.ts).
const certificatePath = caseIdPath.extend({ type: certificateTypeSchema });

export const OPERATIONS: Readonly<Record<string, OperationSpec>> = {
  "GET /health": {
    operationId: "getHealth",
    tags: ["operations"],
    responses: { 200: json("The API is up and the case table answers", healthSchema) },
  },
  "GET /me": {
    operationId: "getMe",
    tags: ["identity"],
    responses: { 200: json("The signed-in caller as the API sees them", meSchema) },
  },
  "POST /cases": {
    operationId: "createCase",
    tags: ["cases"],
    request: jsonBody(z.strictObject({ kind: caseKindSchema }), { example: { kind: "homestead" } }),
    responses: {
      201: {
        ...json("The new draft case", caseViewSchema, { example: EXAMPLES.draftCase }),
        headers: {
          location: { description: "/cases/{caseId} of the new case", schema: { type: "string" } },
        },
      },
    },
  },
  "GET /cases": {
    operationId: "listCases",
    tags: ["cases"],
    responses: { 200: json("The caller's household's cases", caseListSchema) },
  },
  "GET /cases/{caseId}": {
    operationId: "getCase",
    tags: ["cases"],
    request: { params: caseIdPath },
    responses: {
      200: json("The case with its timeline and expected action", caseViewSchema, {
        example: EXAMPLES.draftCase,
      }),
    },
  },
  "PUT /cases/{caseId}/application": {
    operationId: "saveApplicationDraft",
    tags: ["cases"],
    description:
      "Autosave: any part of the form, each field only type- and length-checked. A returned case goes back to draft on its first edit.",
    request: { params: caseIdPath, ...jsonBody(applicationDraftSchema, { example: EXAMPLES.application }) },
    responses: { 200: json("The saved draft", caseViewSchema) },
  },
  "POST /cases/{caseId}/submit": {
    operationId: "submitCase",
    tags: ["cases"],
    description:
      "Checks completeness (422 lists the missing fields and documents), records `submit` and starts the approval workflow. The Idempotency-Key header is required; a repeated request with the same key answers the first response and starts nothing.",
    request: {
      params: caseIdPath,
      headers: z.object({
        "idempotency-key": idempotencyKeyHeader.meta({
          description: "IETF Idempotency-Key: the same value retries the same submission",
          example: "4f1c2a9e-7d1b-4a5e-9c3f-0b8e2d6a1f77",
        }),
      }),
    },
    responses: {
      202: json("Submitted; the workflow runs (ID and phone numbers masked)", caseViewSchema, {
        example: EXAMPLES.submittedCase,
      }),
    },
  },
  "POST /cases/{caseId}/withdraw": {
    operationId: "withdrawCase",
    tags: ["cases"],
    request: { params: caseIdPath, ...jsonBody(withdrawBody, { example: { reason: "家庭计划改变" } }) },
    responses: {
      200: json(
        "The withdrawn case; `workflow` says whether its run stopped now or stops at its next task",
        withdrawResultSchema,
      ),
    },
  },
  "POST /cases/{caseId}/documents": {
    operationId: "requestDocumentUpload",
    tags: ["documents"],
    description:
      "Declares one file (the county's document type, content type, size, SHA-256); 400 lists the county rules it breaks. PUT the bytes to `uploadUrl` with `requiredHeaders`, then confirm.",
    request: { params: caseIdPath, ...jsonBody(uploadRequestSchema, { example: EXAMPLES.uploadRequest }) },
    responses: {
      201: json("A presigned upload for the document", uploadTicketSchema, {
        example: EXAMPLES.uploadTicket,
      }),
    },
  },
  "POST /cases/{caseId}/documents/{documentId}/confirm": {
    operationId: "confirmDocumentUpload",
    tags: ["documents"],
    description:
      "Re-reads the stored bytes (size, magic bytes, SHA-256); a mismatch is deleted and answered 422 with the rejections.",
    request: { params: documentPath },
    responses: { 200: json("The confirmed document", documentViewSchema) },
  },
  "DELETE /cases/{caseId}/documents/{documentId}": {
    operationId: "removeDocument",
    tags: ["documents"],
    description:
      "Removes one of the household's documents (and its bytes) while the case is a draft, returned or asked for correction; answers the documents left.",
    request: { params: documentPath },
    responses: { 200: json("The case's documents after the removal", documentListSchema) },
  },
  "GET /cases/{caseId}/documents": {
    operationId: "listDocuments",
    tags: ["documents"],
    request: { params: caseIdPath },
    responses: { 200: json("The case's documents; confirmed ones with a download URL", documentListSchema) },
  },
  "GET /cases/{caseId}/certificates/{type}": {
    operationId: "getCertificateDownload",
    tags: ["certificates"],
    request: { params: certificatePath },
    responses: { 200: json("A short-lived download URL for the certificate", certificateDownloadSchema) },
  },
  "GET /cases/{caseId}/papers/{paper}": {
    operationId: "getPaperDownload",
    tags: ["certificates"],
    description:
      "The household, or staff of the case's township: a short-lived link to one of the case's A4 PDFs. The approval form, refusal notice and inspection record are filed (stored once, `filePaper` event with the SHA-256) on first request; 409 `paper_not_available` before the case has one.",
    request: { params: caseIdPath.extend({ paper: paperKindSchema }) },
    responses: { 200: json("A short-lived download link naming the file", paperDownloadSchema) },
  },
  "POST /cases/{caseId}/certificates/{number}/revoke": {
    operationId: "revokeCertificate",
    tags: ["certificates"],
    description: "Township head or county admin: revoke (reason); /verify then says revoked and why.",
    request: { params: certificateNumberPath, ...jsonBody(certificateChangeSchema) },
    responses: { 200: json("The certificate as now held", issuedCertificateSchema) },
  },
  "POST /cases/{caseId}/certificates/{number}/reissue": {
    operationId: "reissueCertificate",
    tags: ["certificates"],
    description:
      "Township head or county admin: re-issue after a correction under a new number; the old one is superseded.",
    request: { params: certificateNumberPath, ...jsonBody(certificateChangeSchema) },
    responses: { 200: json("The new certificate", issuedCertificateSchema) },
  },
  "POST /cases/{caseId}/certificates/{number}/extend": {
    operationId: "extendCertificate",
    tags: ["certificates"],
    description:
      "Township head or county admin: extend the validity as the county policy allows (papers.extension).",
    request: { params: certificateNumberPath, ...jsonBody(certificateChangeSchema) },
    responses: { 200: json("The extended certificate", issuedCertificateSchema) },
  },
  "GET /verify/{number}": {
    operationId: "verifyCertificate",
    tags: ["certificates"],
    description:
      "JSON with `?format=json` or an Accept header preferring JSON over HTML; a page otherwise. Unknown numbers answer 404 the same way.",
    request: {
      params: z.object({ number: z.string().max(200) }),
      query: z.object({ format: z.enum(["html", "json"]).optional() }),
    },
    responses: {
      200: {
        description: "The certificate, personal data masked",
        content: {
          "application/json": { schema: z.union([certificateVerificationSchema, paperVerificationSchema]) },
          ...html("").content,
        },
      },
      404: {
        description: "No certificate with this number",
        content: {
          "application/json": { schema: errorBodySchema(["not_found"]) },
          ...html("").content,
        },
      },
    },
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
    responses: { 200: json("Open steps of the caller's queue, overdue first", queuePageSchema) },
  },
  "POST /assisted/cases": {
    operationId: "fileOnBehalf",
    tags: ["cases"],
    description:
      "代办: a village officer (own village) or township window clerk (own townships) opens a draft for a household of the register; the filer then fills, documents and submits it through the household's routes.",
    request: jsonBody(z.strictObject({ kind: caseKindSchema, householdId: z.string() }), {
      example: { kind: "homestead", householdId: "511424100001-H0001" },
    }),
    responses: { 201: json("The new draft, marked as filed on behalf", caseViewSchema) },
  },
  "POST /assisted/cases/{caseId}/consent-code": {
    operationId: "sendConsentCode",
    tags: ["cases"],
    request: { params: caseIdPath },
    responses: {
      202: json(
        "A one-time code was sent to the head's phone on the form",
        z.strictObject({ sentTo: z.string(), expiresAt: z.string() }),
      ),
    },
  },
  "POST /assisted/cases/{caseId}/consent": {
    operationId: "confirmConsent",
    tags: ["cases"],
    request: {
      params: caseIdPath,
      ...jsonBody(z.strictObject({ code: z.string() }), { example: { code: "123456" } }),
    },
    responses: { 200: json("The household's consent is recorded", caseViewSchema) },
  },
  "POST /claims/code": {
    operationId: "sendClaimCode",
    tags: ["cases"],
    description: "The same answer whether or not a case matches: a phone number reveals nothing.",
    request: jsonBody(z.strictObject({ phone: z.string() }), { example: { phone: "13800138000" } }),
    responses: {
      202: json(
        "A code was sent if the household has cases filed on its behalf for this phone",
        z.strictObject({ sentTo: z.string(), expiresAt: z.string().nullable() }),
      ),
    },
  },
  "POST /claims": {
    operationId: "claimCases",
    tags: ["cases"],
    request: jsonBody(z.strictObject({ phone: z.string(), code: z.string() }), {
      example: { phone: "13800138000", code: "123456" },
    }),
    responses: {
      200: json("The cases the villager now owns", z.strictObject({ claimed: z.array(caseSummarySchema) })),
    },
  },
  "GET /assisted/cases": {
    operationId: "listFiledCases",
    tags: ["cases"],
    description:
      "代办: the cases filed on behalf of households, newest first — a village officer's own village, a window clerk's township (`township` required when they work in several). Each with its short number, the head's name, the plot address, its status, what is expected now (e.g. `answer_correction`) and whether the household claimed it. Households' own cases are not listed. Paginated with `nextCursor`.",
    request: { query: filedListQuerySchema },
    responses: { 200: json("One page of the cases filed on behalf", filedCasePageSchema) },
  },
  "GET /review/search": {
    operationId: "searchCases",
    tags: ["review"],
    description:
      "A short number (8 characters), an ID number (18) or a name; `by` when ambiguous. Names and ID numbers are compared as keyed hashes; other townships' cases are not found.",
    request: { query: caseSearchQuerySchema },
    responses: {
      200: json("Cases of the caller's townships (jurisdiction) that match", caseSearchResultSchema),
    },
  },
  "GET /review/cases/{caseId}": {
    operationId: "getReviewCase",
    tags: ["review"],
    request: { params: caseIdPath },
    responses: {
      200: json("The case for a reviewer, with presigned document URLs", reviewCaseDetailSchema),
    },
  },
  "POST /review/cases/{caseId}/steps/{stepId}/decision": {
    operationId: "decideStep",
    tags: ["review"],
    description:
      "One decision per step wins (the others get 409). 200 when the workflow got it; 202 when it is stored but not yet delivered (redrive it).",
    request: { params: stepPath, ...jsonBody(decisionInputSchema, { example: EXAMPLES.decision }) },
    responses: {
      200: json("The recorded decision, delivered to the workflow", decisionResultSchema, {
        example: EXAMPLES.decisionResult,
      }),
      202: json("The recorded decision, not yet delivered (`delivery.status` pending)", decisionResultSchema),
    },
  },
  "POST /review/cases/{caseId}/steps/{stepId}/photos": {
    operationId: "requestSiteVisitPhotoUpload",
    tags: ["review"],
    description:
      "Only while the step awaits its decision, by whoever may decide it, and only on steps the county policy makes a site visit (the case detail marks them with `siteVisit`).",
    request: { params: stepPath, ...jsonBody(photoUploadRequestSchema) },
    responses: { 201: json("A presigned upload for the photo", photoUploadTicketSchema) },
  },
  "POST /review/cases/{caseId}/steps/{stepId}/photos/{photoId}/confirm": {
    operationId: "confirmSiteVisitPhoto",
    tags: ["review"],
    description:
      "Re-reads the stored bytes (size, magic bytes, SHA-256); a mismatch is deleted and answered 422. The step's decision may then cite the photo id in `photos`.",
    request: { params: photoPath },
    responses: { 200: json("The confirmed photo", documentViewSchema) },
  },
  "POST /review/cases/{caseId}/steps/{stepId}/redrive": {
    operationId: "redriveStep",
    tags: ["review"],
    request: { params: stepPath },
    responses: {
      200: json("The decision delivered again to the workflow", decisionResultSchema),
      202: json("Still not delivered (`delivery.status` pending, with the reason)", decisionResultSchema),
    },
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
    request: { params: caseIdPath },
    responses: { 200: json("What the reviewers asked the household to correct", correctionViewSchema) },
  },
  "POST /cases/{caseId}/correction": {
    operationId: "submitCorrection",
    tags: ["cases"],
    description:
      "Only the asked fields may change (422 `details.notRequested` otherwise); the corrected form must be complete (422 `details.problems`). The answer must change every field the reviewers asked about and bring a new confirmed document of every type they asked for (uploaded after the request); otherwise 422 `correction_unchanged` with `details.unchangedFields` and `details.missingDocuments`. 200 when the workflow resumed; 202 when the answer is stored but not yet delivered.",
    request: { params: caseIdPath, ...jsonBody(correctionInputSchema, { example: EXAMPLES.correction }) },
    responses: {
      200: json("The corrected case, resumed where it was", correctionResultSchema),
      202: json("Stored, not yet delivered to the workflow", correctionResultSchema),
    },
  },
  "POST /cases/{caseId}/completion-report": {
    operationId: "reportCompletion",
    tags: ["cases"],
    description:
      "申请竣工验收. During the construction period after staking-out (expected.action `report_completion`); the completion inspection opens and its time limit starts. 409 before staking-out or after the report.",
    request: { params: caseIdPath, ...jsonBody(completionReportInputSchema, { example: {} }) },
    responses: {
      200: json(
        "The report reached the workflow; the completion inspection is open",
        completionReportResultSchema,
      ),
      202: json(
        "The report is stored; its delivery to the workflow is pending (redrive)",
        completionReportResultSchema,
      ),
    },
  },
  "GET /audit/cases/{caseId}/events": {
    operationId: "getCaseAuditHistory",
    tags: ["audit"],
    description:
      "Auditors only, within their jurisdiction (404 for a case outside it, as for a missing one). Recorded in the audit-query log.",
    request: { params: caseIdPath },
    responses: {
      200: json("Every event of the case by seq, with the chain verification", caseHistorySchema),
    },
  },
  "GET /audit/cases/{caseId}/verify": {
    operationId: "verifyCaseAuditChain",
    tags: ["audit"],
    description: "Checks every link and the head stored on the case (catches truncation). Recorded.",
    request: { params: caseIdPath },
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
  "GET /register.pdf": {
    operationId: "printRegister",
    tags: ["register"],
    description: "The register page as a printable A4 PDF: a short-lived link (up to 2000 cases per file).",
    request: { query: registerExportQuerySchema },
    responses: { 200: json("A short-lived link to the register PDF", registerPdfSchema) },
  },
  "POST /admin/imports": {
    operationId: "importReferenceData",
    tags: ["admin"],
    description:
      "County admin: import a reference file (CSV or line-delimited GeoJSON) uploaded under imports/ in the documents bucket. 202 at once with the queued job; the import runs in the background (the import workflow) and `Location` / GET /admin/imports/{importId} shows its progress. 409 `import_in_progress` while another import of the same file runs.",
    request: jsonBody(adminImportBodySchema, { example: EXAMPLES.adminImport }),
    responses: {
      202: {
        ...json("Queued: the import runs in the background", importJobSchema),
        headers: {
          location: { description: "/admin/imports/{importId}", schema: { type: "string" as const } },
        },
      },
    },
  },
  "GET /admin/imports/{importId}": {
    operationId: "getReferenceImport",
    tags: ["admin"],
    description:
      "County admin: an import's status (queued, running, complete, failed), line reached, counts and, when complete, the first rejections and the report's key.",
    request: { params: importIdPathSchema },
    responses: { 200: json("The import job", importJobSchema) },
  },
  "GET /messages": {
    operationId: "listMessages",
    tags: ["messages"],
    description:
      "The message centre (消息): the caller's messages newest first (a household's, or those of the desks the caller works: their role's or department's queue in each township), the unread count (at most 99) and the caller's SMS settings.",
    request: { query: messageListQuerySchema },
    responses: { 200: json("The caller's messages", messagePageSchema) },
  },
  "POST /messages/read": {
    operationId: "markMessagesRead",
    tags: ["messages"],
    description: "Marks messages read: each inbox up to the newest id given. Answers the unread count left.",
    request: jsonBody(markReadInputSchema),
    responses: { 200: json("The unread count after marking", markReadResultSchema) },
  },
  "PUT /messages/settings": {
    operationId: "saveNotificationSettings",
    tags: ["messages"],
    description:
      "Villagers: `smsOptOut` (the household gets no SMS; in-app messages stay). Staff: `phone` (sealed at rest, shown masked) and `mode` (`batched`: at most one SMS per the county's interval for new steps; `digest`: one a day; `off`).",
    request: jsonBody(settingsInputSchema),
    responses: { 200: json("The settings now in force", notificationSettingsSchema) },
  },
  "GET /admin/notifications/failed": {
    operationId: "listFailedSms",
    tags: ["admin"],
    description:
      "County admin: SMS the sender gave up on after the policy's attempts (newest first, own jurisdiction), to follow up by phone; the in-app message was delivered regardless.",
    request: { query: failedSmsQuerySchema },
    responses: { 200: json("SMS not delivered", failedSmsPageSchema) },
  },
  "GET /openapi.json": {
    operationId: "getOpenApiDocument",
    tags: ["operations"],
    responses: {
      200: json(
        "This document (OpenAPI 3.1)",
        z
          .looseObject({
            openapi: z.string().startsWith("3.1"),
            info: z.looseObject({}),
            paths: z.looseObject({}),
          })
          .meta({ description: "An OpenAPI 3.1 document" }),
      ),
    },
  },
};
