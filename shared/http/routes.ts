/**
 * THE route table. The CDK stack creates one HTTP API route (and one Lambda per
 * handler file) from it, and the local HTTP API serves exactly the same table,
 * so a route cannot exist in one place and not the other.
 *
 * `access` says who may call the route: "public" routes carry no authorizer;
 * every other route will sit behind the JWT authorizer (identity issue) and
 * lists the roles allowed in the handler's policy check.
 * `uses` drives least privilege: the function construct binds only these, and
 * test/infra/least-privilege.test.ts checks each grant against the handler's code.
 */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * What a route's function may touch, reading apart from writing:
 * - "table:read": GetItem, BatchGetItem, Query on the case table and its indexes;
 *   "table:write": PutItem, UpdateItem, DeleteItem, BatchWriteItem, ConditionCheckItem (list both to do both);
 * - "bucket:read": get (and head) objects of the documents bucket, presign downloads;
 *   "bucket:write": put and delete objects, presign uploads;
 * - "workflow:run": start, stop and describe approval workflow executions;
 *   "workflow:respond": answer its tasks (success, failure, heartbeat);
 *   "workflow:recover": redrive, stop and describe executions (the operator's recoveries);
 * - "personal-data:read": open ID and phone numbers sealed with the personal-data key (kms:Decrypt);
 *   "personal-data:write": seal them (kms:GenerateDataKey); writers of the form list both;
 * - "cursor-key": the KMS key that seals pagination cursors (shared/http/cursor.ts);
 * - "imports:start": start executions of the import workflow (infra/constructs/import-workflow.ts);
 * - "sms:send": text a phone through the notifications SMS adapter (shared/notify/sms.ts), with its settings.
 */
export type Resource =
  | "table:read"
  | "table:write"
  | "bucket:read"
  | "bucket:write"
  | "workflow:run"
  | "workflow:respond"
  | "workflow:recover"
  | "personal-data:read"
  | "personal-data:write"
  | "cursor-key"
  | "imports:start"
  | "sms:send";

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** API Gateway path syntax: `/cases/{caseId}`, greedy `{proxy+}`. */
  readonly path: string;
  /** Handler module, relative to the repository root; it exports `handler`. */
  readonly handler: string;
  readonly access: "public" | "signed-in";
  readonly uses: readonly Resource[];
  readonly summary: string;
}

export const ROUTES: readonly RouteDefinition[] = [
  {
    method: "GET",
    path: "/health",
    handler: "functions/api/health.ts",
    access: "public",
    uses: ["table:read"],
    summary: "Liveness and a round trip to the case table",
  },
  {
    method: "GET",
    path: "/me",
    handler: "functions/api/me.ts",
    access: "signed-in",
    uses: ["table:read"],
    summary:
      "The signed-in caller as the API sees them: role, department, townships, village, household, with place names",
  },
  {
    method: "POST",
    path: "/cases",
    handler: "functions/api/cases/create.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "personal-data:read", "personal-data:write"],
    summary: "Villager: start a draft application (homestead or farmhouse)",
  },
  {
    method: "GET",
    path: "/cases",
    handler: "functions/api/cases/list.ts",
    access: "signed-in",
    uses: ["table:read", "personal-data:read"],
    summary: "Villager: my household's cases",
  },
  {
    method: "GET",
    path: "/cases/{caseId}",
    handler: "functions/api/cases/get.ts",
    access: "signed-in",
    uses: ["table:read", "personal-data:read"],
    summary: "Villager: one case with its timeline and what is expected of me now",
  },
  {
    method: "PUT",
    path: "/cases/{caseId}/application",
    handler: "functions/api/cases/application.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "personal-data:read", "personal-data:write"],
    summary: "Villager: save the draft form (autosave)",
  },
  {
    method: "POST",
    path: "/cases/{caseId}/submit",
    handler: "functions/api/cases/submit.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "workflow:run", "personal-data:read", "personal-data:write"],
    summary: "Villager: submit (Idempotency-Key required); starts the approval workflow",
  },
  {
    method: "POST",
    path: "/cases/{caseId}/withdraw",
    handler: "functions/api/cases/withdraw.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "workflow:run", "personal-data:read", "personal-data:write"],
    summary: "Villager: withdraw before approval; stops the workflow",
  },
  {
    method: "POST",
    path: "/cases/{caseId}/documents",
    handler: "functions/api/documents/request-upload.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "bucket:write"],
    summary: "Villager: declare a document (type, content type, size, SHA-256), get a presigned upload URL",
  },
  {
    method: "POST",
    path: "/cases/{caseId}/documents/{documentId}/confirm",
    handler: "functions/api/documents/confirm.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "bucket:read", "bucket:write"],
    summary: "Villager: verify the uploaded bytes (size, magic bytes, SHA-256); confirmed or rejected",
  },
  {
    method: "GET",
    path: "/cases/{caseId}/documents",
    handler: "functions/api/documents/list.ts",
    access: "signed-in",
    uses: ["table:read", "bucket:read"],
    summary: "Villager: a case's documents, their status and short-lived download URLs of confirmed ones",
  },
  {
    method: "DELETE",
    path: "/cases/{caseId}/documents/{documentId}",
    handler: "functions/api/documents/remove.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "bucket:read", "bucket:write"],
    summary: "Villager: remove one of the household's documents while the case is still theirs to change",
  },
  {
    method: "GET",
    path: "/cases/{caseId}/certificates/{type}",
    handler: "functions/api/certificates.ts",
    access: "signed-in",
    uses: ["table:read", "bucket:read"],
    summary: "Villager: a short-lived download URL for an issued certificate (A4 PDF)",
  },
  {
    method: "GET",
    path: "/cases/{caseId}/papers/{paper}",
    handler: "functions/api/papers/download.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "bucket:read", "bucket:write", "personal-data:read"],
    summary:
      "Household or township staff: a short-lived link to a case's PDF (certificate, approval form, refusal, inspection record)",
  },
  {
    method: "POST",
    path: "/cases/{caseId}/certificates/{number}/revoke",
    handler: "functions/api/papers/revoke.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "personal-data:read"],
    summary: "Township head, county admin: revoke a certificate (reason); /verify then says revoked and why",
  },
  {
    method: "POST",
    path: "/cases/{caseId}/certificates/{number}/reissue",
    handler: "functions/api/papers/reissue.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "bucket:read", "bucket:write", "personal-data:read"],
    summary:
      "Township head, county admin: re-issue a certificate after a correction; the old number is superseded",
  },
  {
    method: "POST",
    path: "/cases/{caseId}/certificates/{number}/extend",
    handler: "functions/api/papers/extend.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "bucket:read", "bucket:write", "personal-data:read"],
    summary: "Township head, county admin: extend a certificate's validity as the county's policy allows",
  },
  {
    method: "GET",
    path: "/verify/{number}",
    handler: "functions/api/verify.ts",
    access: "public",
    uses: ["table:read"],
    summary: "Anyone: verify a certificate by its number (QR code target); personal data masked",
  },
  {
    method: "GET",
    path: "/notices",
    handler: "functions/api/notices/list.ts",
    access: "public",
    uses: ["table:read"],
    summary: "Anyone: the published public notices (公示) of a township or village; names masked",
  },
  {
    method: "GET",
    path: "/notices/{noticeId}",
    handler: "functions/api/notices/get.ts",
    access: "public",
    uses: ["table:read"],
    summary: "Anyone: one public notice (masked name, plot, areas, dates) and whether it takes objections",
  },
  {
    method: "POST",
    path: "/notices/{noticeId}/objections",
    handler: "functions/api/notices/object.ts",
    access: "public",
    uses: ["table:read", "table:write", "personal-data:read", "personal-data:write"],
    summary: "Anyone: lodge an objection while the notice runs (contact sealed); 409 once it ended",
  },
  {
    method: "GET",
    path: "/queues/{queue}",
    handler: "functions/api/queues.ts",
    access: "signed-in",
    uses: ["table:read", "cursor-key"],
    summary: "Staff: open steps of my queue in one of my townships, overdue first, then by deadline",
  },
  {
    method: "POST",
    path: "/assisted/cases",
    handler: "functions/api/assisted/create.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "personal-data:read", "personal-data:write"],
    summary: "Village officer or window clerk: open a case on behalf of a household of the register (代办)",
  },
  {
    method: "POST",
    path: "/assisted/cases/{caseId}/consent-code",
    handler: "functions/api/assisted/consent-code.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "personal-data:read", "personal-data:write", "sms:send"],
    summary: "代办 filer: send the head a one-time code by SMS to confirm the household's consent",
  },
  {
    method: "POST",
    path: "/assisted/cases/{caseId}/consent",
    handler: "functions/api/assisted/consent.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "personal-data:read", "personal-data:write"],
    summary: "代办 filer: the head's code read back; the household's consent is recorded",
  },
  {
    method: "POST",
    path: "/claims/code",
    handler: "functions/api/assisted/claim-code.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "personal-data:read", "personal-data:write", "sms:send"],
    summary: "Villager: a code to the head's phone, to claim the household's cases filed on its behalf",
  },
  {
    method: "POST",
    path: "/claims",
    handler: "functions/api/assisted/claim.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "personal-data:read", "personal-data:write"],
    summary: "Villager: with the code, become the owner of the household's cases filed on its behalf",
  },
  {
    method: "GET",
    path: "/assisted/cases",
    handler: "functions/api/assisted/list.ts",
    access: "signed-in",
    uses: ["table:read", "cursor-key"],
    summary:
      "代办 filer: the cases filed on behalf in my village or township, newest first, with what each needs",
  },
  {
    method: "GET",
    path: "/review/search",
    handler: "functions/api/review/search.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "personal-data:read", "personal-data:write"],
    summary: "Staff and auditors: find cases of my townships by short number, applicant name or ID number",
  },
  {
    method: "GET",
    path: "/review/cases/{caseId}",
    handler: "functions/api/review/case.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "bucket:read", "personal-data:read"],
    summary: "Staff: a case of my township: form, pre-check, documents (short URLs), decisions, timeline",
  },
  {
    method: "POST",
    path: "/review/cases/{caseId}/steps/{stepId}/decision",
    handler: "functions/api/review/decision.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "workflow:respond"],
    summary: "Staff: decide a step (one decision per step wins); stored, then sent to the workflow",
  },
  {
    method: "POST",
    path: "/review/cases/{caseId}/steps/{stepId}/photos",
    handler: "functions/api/review/photo-upload.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "bucket:write"],
    summary: "Inspector or reviewer deciding a site-visit step: declare a photo, get a presigned upload URL",
  },
  {
    method: "POST",
    path: "/review/cases/{caseId}/steps/{stepId}/photos/{photoId}/confirm",
    handler: "functions/api/review/photo-confirm.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "bucket:read", "bucket:write"],
    summary: "Inspector or reviewer: verify an uploaded site-visit photo (size, magic bytes, SHA-256)",
  },
  {
    method: "POST",
    path: "/review/cases/{caseId}/steps/{stepId}/redrive",
    handler: "functions/api/review/redrive.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "workflow:respond"],
    summary: "Township head or the deciding role: re-send a stored decision the workflow never received",
  },
  {
    method: "POST",
    path: "/cases/{caseId}/completion-report",
    handler: "functions/api/cases/completion-report.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "workflow:respond"],
    summary: "Villager: the house is built (申请竣工验收); the completion inspection opens",
  },
  {
    method: "GET",
    path: "/incidents",
    handler: "functions/api/incidents/list.ts",
    access: "signed-in",
    uses: ["table:read", "cursor-key"],
    summary:
      "Township head, county admin: open incidents (异常案件) of a township, each with its one recovery",
  },
  {
    method: "POST",
    path: "/incidents/{caseId}/{incidentId}/recover",
    handler: "functions/api/incidents/recover.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "workflow:run", "workflow:respond", "workflow:recover"],
    summary:
      "Township head, county admin: perform an incident's recovery (retry, redrive, redeliver, stop; restart from the last consistent step when those cannot take effect)",
  },
  {
    method: "GET",
    path: "/cases/{caseId}/correction",
    handler: "functions/api/correction-get.ts",
    access: "signed-in",
    uses: ["table:read", "personal-data:read"],
    summary: "Villager: what the reviewers asked to correct (fields, documents, reasons)",
  },
  {
    method: "POST",
    path: "/cases/{caseId}/correction",
    handler: "functions/api/correction-submit.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "workflow:respond", "personal-data:read", "personal-data:write"],
    summary: "Villager: correct the asked fields and resubmit; the case resumes where it was",
  },
  {
    method: "GET",
    path: "/audit/cases/{caseId}/events",
    handler: "functions/api/audit/case-events.ts",
    access: "signed-in",
    uses: ["table:read", "table:write"],
    summary: "Auditor: a case's full history, ordered by seq, with its hash chain verified",
  },
  {
    method: "GET",
    path: "/audit/cases/{caseId}/verify",
    handler: "functions/api/audit/case-verify.ts",
    access: "signed-in",
    uses: ["table:read", "table:write"],
    summary: "Auditor: verify a case's hash chain against the head on the case (first broken link)",
  },
  {
    method: "GET",
    path: "/audit/events",
    handler: "functions/api/audit/events.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "cursor-key"],
    summary: "Auditor: search events by time range, township, department, actor and action (paginated)",
  },
  {
    method: "GET",
    path: "/audit/events.csv",
    handler: "functions/api/audit/events-csv.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "cursor-key"],
    summary: "Auditor: the event search as a CSV download (UTF-8 with BOM)",
  },
  {
    method: "GET",
    path: "/register",
    handler: "functions/api/register.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "cursor-key"],
    summary: "Township staff, auditors, county admin: the register (台账) by township and status",
  },
  {
    method: "GET",
    path: "/register.csv",
    handler: "functions/api/register-csv.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "cursor-key"],
    summary: "Township staff, auditors, county admin: the county filing (备案) export as CSV",
  },
  {
    method: "GET",
    path: "/register.pdf",
    handler: "functions/api/register-pdf.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "cursor-key", "bucket:read", "bucket:write"],
    summary: "Township staff, auditors, county admin: the register as a printable PDF (a short-lived link)",
  },
  {
    method: "GET",
    path: "/openapi.json",
    handler: "functions/api/openapi.ts",
    access: "public",
    uses: [],
    summary: "Anyone: the OpenAPI 3.1 document of this API",
  },
  {
    method: "POST",
    path: "/admin/imports",
    handler: "functions/api/admin/imports.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "bucket:read", "imports:start"],
    summary:
      "County admin: import a reference-data file already uploaded to S3; 202 at once, runs in the background",
  },
  {
    method: "GET",
    path: "/admin/imports/{importId}",
    handler: "functions/api/admin/import-status.ts",
    access: "signed-in",
    uses: ["table:read"],
    summary: "County admin: an import's progress (status, line reached, counts) or its result",
  },
  {
    method: "GET",
    path: "/messages",
    handler: "functions/api/messages/list.ts",
    access: "signed-in",
    uses: ["table:read"],
    summary: "Everyone: the message centre (消息), newest first, with the unread count and SMS settings",
  },
  {
    method: "POST",
    path: "/messages/read",
    handler: "functions/api/messages/read.ts",
    access: "signed-in",
    uses: ["table:read", "table:write"],
    summary: "Everyone but auditors: mark messages read (up to the newest given, per inbox)",
  },
  {
    method: "PUT",
    path: "/messages/settings",
    handler: "functions/api/messages/settings.ts",
    access: "signed-in",
    uses: ["table:read", "table:write", "personal-data:write"],
    summary: "Everyone but auditors: a household's SMS opt-out; a staff member's phone (sealed) and SMS mode",
  },
  {
    method: "GET",
    path: "/admin/notifications/failed",
    handler: "functions/api/admin/failed-sms.ts",
    access: "signed-in",
    uses: ["table:read"],
    summary: "County admin: SMS that could not be delivered after every retry, newest first",
  },
];

/** API Gateway's route key: "GET /cases/{caseId}". */
export function routeKey(route: Pick<RouteDefinition, "method" | "path">): string {
  return `${route.method} ${route.path}`;
}
