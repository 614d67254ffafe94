/**
 * Which error codes each route (by API Gateway route key) can answer from its
 * function: the OpenAPI document publishes them per route, and a test checks
 * the keys are exactly the route table's.
 */
import { ERROR_CATALOGUE, ERROR_CODES, type ErrorCode } from "./error-catalogue.ts";

/** Every route may answer these (given its access and input). */
const SIGNED_IN: readonly ErrorCode[] = ["unauthorized", "insufficient_user_authentication", "forbidden"];
const ALWAYS: readonly ErrorCode[] = ["service_busy", "internal_error"];
/** A route with a JSON body: middy's JSON parser and the body schema. */
const JSON_BODY: readonly ErrorCode[] = ["validation_failed", "unsupported_media_type", "malformed_json"];

interface RouteErrorSpec {
  readonly access: "public" | "signed-in";
  readonly body?: boolean;
  /** Path or query parameters with a schema (→ validation_failed). */
  readonly input?: boolean;
  readonly codes: readonly ErrorCode[];
}

const SPECS: Readonly<Record<string, RouteErrorSpec>> = {
  "GET /health": { access: "public", codes: [] },
  "GET /me": { access: "signed-in", codes: [] },
  "POST /cases": { access: "signed-in", body: true, codes: ["not_a_villager", "household_has_open_case"] },
  "GET /cases": { access: "signed-in", codes: [] },
  "GET /cases/{caseId}": { access: "signed-in", input: true, codes: ["not_found"] },
  "PUT /cases/{caseId}/application": {
    access: "signed-in",
    body: true,
    input: true,
    codes: ["not_found", "case_not_editable", "kind_immutable", "case_changed", "illegal_transition"],
  },
  "POST /cases/{caseId}/submit": {
    access: "signed-in",
    input: true,
    codes: [
      "not_found",
      "idempotency_key_missing",
      "idempotency_request_in_progress",
      "idempotency_key_reused",
      "idempotency_store_unavailable",
      "workflow_not_started",
      "not_a_draft",
      "application_incomplete",
      "consent_missing",
      "household_has_open_case",
      "illegal_transition",
      "case_changed",
    ],
  },
  "POST /cases/{caseId}/withdraw": {
    access: "signed-in",
    body: true,
    input: true,
    codes: ["not_found", "case_closed", "illegal_transition", "case_changed"],
  },
  "POST /cases/{caseId}/documents": {
    access: "signed-in",
    body: true,
    input: true,
    codes: ["not_found", "case_locked", "case_changed"],
  },
  "POST /cases/{caseId}/documents/{documentId}/confirm": {
    access: "signed-in",
    input: true,
    codes: ["not_found", "case_locked", "document_rejected", "upload_missing", "case_changed"],
  },
  "GET /cases/{caseId}/documents": { access: "signed-in", input: true, codes: ["not_found"] },
  "DELETE /cases/{caseId}/documents/{documentId}": {
    access: "signed-in",
    input: true,
    codes: ["not_found", "case_locked", "case_changed"],
  },
  "GET /cases/{caseId}/certificates/{type}": {
    access: "signed-in",
    input: true,
    codes: ["not_found", "paper_not_available"],
  },
  "GET /verify/{number}": { access: "public", input: true, codes: ["not_found"] },
  "GET /notices": { access: "public", input: true, codes: ["bad_request"] },
  "GET /notices/{noticeId}": { access: "public", input: true, codes: ["not_found"] },
  "POST /notices/{noticeId}/objections": {
    access: "public",
    body: true,
    input: true,
    codes: ["not_found", "notice_closed", "objection_limit", "case_changed"],
  },
  "GET /queues/{queue}": {
    access: "signed-in",
    input: true,
    codes: ["not_found", "township_required", "invalid_cursor"],
  },
  "GET /review/search": { access: "signed-in", input: true, codes: [] },
  "POST /assisted/cases": { access: "signed-in", body: true, input: true, codes: ["not_found"] },
  "POST /assisted/cases/{caseId}/consent-code": {
    access: "signed-in",
    input: true,
    codes: ["not_found", "phone_missing", "sms_unavailable"],
  },
  "POST /assisted/cases/{caseId}/consent": {
    access: "signed-in",
    body: true,
    input: true,
    codes: ["not_found", "code_not_accepted", "case_changed"],
  },
  "POST /claims/code": { access: "signed-in", body: true, input: true, codes: ["sms_unavailable"] },
  "POST /claims": {
    access: "signed-in",
    body: true,
    input: true,
    codes: ["code_not_accepted", "case_changed"],
  },
  "GET /assisted/cases": { access: "signed-in", input: true, codes: ["township_required", "invalid_cursor"] },
  "GET /review/cases/{caseId}": { access: "signed-in", input: true, codes: ["not_found"] },
  "POST /review/cases/{caseId}/steps/{stepId}/decision": {
    access: "signed-in",
    body: true,
    input: true,
    codes: [
      "not_found",
      "step_already_decided",
      "case_not_decidable",
      "decision_not_accepted",
      "objection_unhandled",
      "objection_unknown",
      "illegal_transition",
      "case_changed",
    ],
  },
  "POST /review/cases/{caseId}/steps/{stepId}/photos": {
    access: "signed-in",
    body: true,
    input: true,
    codes: ["not_found", "not_a_site_visit", "site_visit_closed", "too_many_photos", "case_changed"],
  },
  "POST /review/cases/{caseId}/steps/{stepId}/photos/{photoId}/confirm": {
    access: "signed-in",
    input: true,
    codes: [
      "not_found",
      "not_a_site_visit",
      "site_visit_closed",
      "document_rejected",
      "upload_missing",
      "case_changed",
    ],
  },
  "POST /review/cases/{caseId}/steps/{stepId}/redrive": {
    access: "signed-in",
    input: true,
    codes: ["not_found", "step_not_decided", "delivery_not_needed", "case_changed"],
  },
  "GET /incidents": {
    access: "signed-in",
    input: true,
    codes: ["township_required", "invalid_cursor"],
  },
  "POST /incidents/{caseId}/{incidentId}/recover": {
    access: "signed-in",
    input: true,
    codes: ["not_found", "recovery_failed", "incident_closed", "case_changed"],
  },
  "GET /cases/{caseId}/correction": { access: "signed-in", input: true, codes: ["not_found"] },
  "POST /cases/{caseId}/correction": {
    access: "signed-in",
    body: true,
    input: true,
    codes: [
      "not_found",
      "no_correction_awaited",
      "fields_not_requested",
      "correction_unchanged",
      "application_incomplete",
      "illegal_transition",
      "case_changed",
    ],
  },
  "POST /cases/{caseId}/completion-report": {
    access: "signed-in",
    body: true,
    input: true,
    codes: ["not_found", "no_completion_report_awaited", "illegal_transition", "case_changed"],
  },
  "GET /audit/cases/{caseId}/events": { access: "signed-in", input: true, codes: ["not_found"] },
  "GET /audit/cases/{caseId}/verify": { access: "signed-in", input: true, codes: ["not_found"] },
  "GET /audit/events": {
    access: "signed-in",
    input: true,
    codes: ["invalid_range", "range_too_long", "invalid_cursor"],
  },
  "GET /audit/events.csv": {
    access: "signed-in",
    input: true,
    codes: ["invalid_range", "range_too_long", "invalid_cursor"],
  },
  "GET /register": {
    access: "signed-in",
    input: true,
    codes: ["township_required", "invalid_range", "invalid_cursor"],
  },
  "GET /register.csv": {
    access: "signed-in",
    input: true,
    codes: ["township_required", "invalid_range", "invalid_cursor"],
  },
  "GET /cases/{caseId}/papers/{paper}": {
    access: "signed-in",
    input: true,
    codes: ["not_found", "paper_not_available", "case_changed"],
  },
  "POST /cases/{caseId}/certificates/{number}/revoke": {
    access: "signed-in",
    body: true,
    input: true,
    codes: ["not_found", "certificate_not_valid", "case_changed"],
  },
  "POST /cases/{caseId}/certificates/{number}/reissue": {
    access: "signed-in",
    body: true,
    input: true,
    codes: ["not_found", "certificate_not_valid", "paper_not_available", "case_changed"],
  },
  "POST /cases/{caseId}/certificates/{number}/extend": {
    access: "signed-in",
    body: true,
    input: true,
    codes: ["not_found", "certificate_not_valid", "extension_not_allowed", "case_changed"],
  },
  "GET /register.pdf": {
    access: "signed-in",
    input: true,
    codes: ["township_required", "invalid_range", "invalid_cursor"],
  },
  "GET /openapi.json": { access: "public", codes: [] },
  "POST /admin/imports": { access: "signed-in", body: true, codes: ["not_found", "import_in_progress"] },
  "GET /admin/imports/{importId}": { access: "signed-in", input: true, codes: ["not_found"] },
  "GET /messages": { access: "signed-in", input: true, codes: [] },
  "POST /messages/read": { access: "signed-in", body: true, input: true, codes: ["not_found"] },
  "PUT /messages/settings": { access: "signed-in", body: true, input: true, codes: [] },
  "GET /admin/notifications/failed": { access: "signed-in", input: true, codes: [] },
};

function codesOf(spec: RouteErrorSpec): ErrorCode[] {
  const all = new Set<ErrorCode>([
    ...(spec.access === "signed-in" ? SIGNED_IN : []),
    ...(spec.body ? JSON_BODY : []),
    ...(spec.input ? (["validation_failed"] as const) : []),
    ...spec.codes,
    ...ALWAYS,
  ]);
  return ERROR_CODES.filter((code) => all.has(code));
}

/**
 * Every error code each route (by API Gateway route key) can answer from its
 * function, in catalogue order. A test checks it has exactly the route table's keys.
 */
export const ROUTE_ERRORS: Readonly<Record<string, readonly ErrorCode[]>> = Object.fromEntries(
  Object.entries(SPECS).map(([key, spec]) => [key, codesOf(spec)]),
);

/** The statuses a route's function can answer with an error, and the codes behind each. */
export function routeErrorStatuses(routeKey: string): ReadonlyMap<number, readonly ErrorCode[]> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of ROUTE_ERRORS[routeKey] ?? []) {
    const status = ERROR_CATALOGUE[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return byStatus;
}
