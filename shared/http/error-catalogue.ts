/**
 * THE error catalogue: every error the API can answer, by its stable `code`,
 * with its HTTP status and a default message in English and Chinese. The code
 * decides the status here and nowhere else: domain errors (shared/…) name a
 * code, the middy stack (shared/http/handler.ts) answers the status the
 * catalogue gives it. The OpenAPI document publishes, per route, the statuses
 * and codes of `ROUTE_ERRORS` (and the API Gateway answers of `GATEWAY_ERRORS`).
 *
 * Error body: `{"error":{"code":"…","message":"<English>","zh":"<中文>","details"?:…}}`.
 * `message` stays English (clients written before `zh` read it).
 *
 * This module imports nothing, so the OpenAPI builder, the web app and tests may use it.
 */

/** A message in both languages of the API. */
export interface Bilingual {
  readonly en: string;
  readonly zh: string;
}

export interface CatalogueEntry extends Bilingual {
  readonly status: number;
  /** When a client sees it (published in the OpenAPI document). */
  readonly when: string;
}

const entry = (status: number, en: string, zh: string, when: string): CatalogueEntry => ({
  status,
  en,
  zh,
  when,
});

export const ERROR_CATALOGUE = {
  // 400: the request itself is wrong; sending it again unchanged gets the same answer.
  bad_request: entry(400, "The request is not valid", "请求无效", "A generic problem with the request"),
  validation_failed: entry(
    400,
    "The request is invalid",
    "请求内容不符合要求",
    "The path, query or body fails its schema; `details.problems` lists each field",
  ),
  invalid_cursor: entry(
    400,
    "The cursor is not valid for this listing; start again without it",
    "翻页标记无效，请不带翻页标记重新查询",
    "A `cursor` this API did not issue for this query and caller, or one that was edited",
  ),
  invalid_range: entry(
    400,
    "`to` must be after `from`",
    "结束时间必须晚于开始时间",
    "A time range whose end is not after its start, or a bound outside the years 2000–2999",
  ),
  range_too_long: entry(
    400,
    "The time range is too long; narrow from/to",
    "查询时间跨度过长，请缩小范围",
    "A search spanning more days than allowed",
  ),
  township_required: entry(
    400,
    "Say which township: ?township=<code>",
    "请指定乡镇：?township=<代码>",
    "The caller works in several townships (or none) and named none",
  ),
  idempotency_key_missing: entry(
    400,
    "Idempotency-Key header required (8 to 255 characters)",
    "缺少 Idempotency-Key 请求头（8 至 255 个字符）",
    "A submission without a usable Idempotency-Key header",
  ),
  // 401
  unauthorized: entry(401, "Unauthorized", "未登录或登录已失效", "The token lacks the claims Nongfang needs"),
  insufficient_user_authentication: entry(
    401,
    "Staff must sign in with a second factor",
    "工作人员须使用双重身份验证登录",
    "A staff token without multi-factor evidence (RFC 9470 step-up)",
  ),
  // 403
  forbidden: entry(
    403,
    "Forbidden",
    "无权执行此操作",
    "The caller's role, township or department does not allow this",
  ),
  // 404
  not_found: entry(
    404,
    "Not found",
    "未找到",
    "No such resource, or one the caller may not see (answered alike)",
  ),
  // 409: the state of the case does not allow it now.
  conflict: entry(409, "Conflict with the current state", "与当前状态冲突", "A generic state conflict"),
  illegal_transition: entry(
    409,
    "The case's status does not allow this",
    "案件当前状态不允许此操作",
    "The case moved on (e.g. withdrawn, already approved)",
  ),
  case_changed: entry(
    409,
    "The case was changed by someone else; reload and try again",
    "案件已被他人修改，请刷新后重试",
    "Another writer changed the case first",
  ),
  case_locked: entry(
    409,
    "The case is no longer the household's to change",
    "案件当前状态不允许修改",
    "Documents added to a case that is neither a draft nor returned for correction",
  ),
  idempotency_request_in_progress: entry(
    409,
    "A request with this Idempotency-Key is still being processed; retry later",
    "相同 Idempotency-Key 的请求仍在处理中，请稍后重试",
    "The first request with the same key is still running (answered with Retry-After)",
  ),
  step_already_decided: entry(
    409,
    "The step has already been decided",
    "该环节已作出决定",
    "Another decision on the step won",
  ),
  step_not_decided: entry(
    409,
    "The step has no stored decision to send",
    "该环节尚无可重新发送的决定",
    "A redrive of a step nobody decided",
  ),
  delivery_not_needed: entry(
    409,
    "The decision already reached the workflow",
    "该决定已送达审批流程",
    "A redrive of a decision already delivered, or while it is being sent",
  ),
  case_not_decidable: entry(
    409,
    "The case cannot take this decision now",
    "案件当前无法接受该决定",
    "The case's status no longer allows the step's decision",
  ),
  household_has_open_case: entry(
    409,
    "The household already has an open homestead case",
    "本户已有正在办理的宅基地申请",
    "One household, one homestead: a homestead case created or submitted while another of the household is open; `details.openCaseId`",
  ),
  objection_limit: entry(
    429,
    "The notice has received the most objections it takes; contact the village committee",
    "此公示收到的异议已达上限，请直接联系村委会",
    "A notice that already holds the most objections one notice takes",
  ),
  notice_closed: entry(
    409,
    "The public notice has ended; objections are no longer taken",
    "公示期已结束，不再受理异议",
    "An objection to a public notice after its end (`details.endsAt`)",
  ),
  no_correction_awaited: entry(
    409,
    "No correction is awaited",
    "当前无需补正",
    "A correction for a case not returned for correction, or before its step opened",
  ),
  no_completion_report_awaited: entry(
    409,
    "No completion report is awaited",
    "当前不能申请竣工验收",
    "A completion report for a case not under construction (not staked out, or already reported), or before its step opened",
  ),
  not_a_site_visit: entry(
    409,
    "The step records no site visit, so it takes no photos",
    "该环节不含现场踏勘，无需照片",
    "A photo for a step that records no site visit",
  ),
  site_visit_closed: entry(
    409,
    "The step has been decided; its site-visit record takes no more photos",
    "该环节已作出决定，不再接收现场照片",
    "A photo for a decided step",
  ),
  too_many_photos: entry(
    409,
    "The step already has the most photos a visit keeps",
    "该环节的现场照片已达上限",
    "A photo beyond the per-step maximum",
  ),
  import_in_progress: entry(
    409,
    "This file is already being imported",
    "该文件正在导入中",
    "An import of a file while another import of the same file runs",
  ),
  // 413 / 415
  payload_too_large: entry(413, "The request is too large", "请求内容过大", "A body over the route's limit"),
  unsupported_media_type: entry(
    415,
    "The request body must be JSON (Content-Type: application/json)",
    "请求内容须为 JSON（Content-Type: application/json）",
    "A body sent with another content type",
  ),
  // 422: well-formed, but not acceptable.
  unprocessable_entity: entry(
    422,
    "The request cannot be processed",
    "无法处理该请求",
    "A generic semantic problem",
  ),
  malformed_json: entry(
    422,
    "The body is not valid JSON",
    "请求内容不是有效的 JSON",
    "A body that is not JSON",
  ),
  idempotency_key_reused: entry(
    422,
    "This Idempotency-Key was already used with a different request body",
    "该 Idempotency-Key 已用于另一不同的请求",
    "The same key with another body",
  ),
  not_a_villager: entry(
    422,
    "Only a villager signed in with a household and village can apply",
    "只有登记了农户和村的村民才能申请",
    "A villager token without household or village",
  ),
  case_not_editable: entry(
    422,
    "The case cannot be edited in its current status",
    "案件当前状态不可编辑",
    "Saving the form of a case that is not a draft",
  ),
  kind_immutable: entry(
    422,
    "The case kind cannot change; start a new application instead",
    "申请类型不能更改，请重新发起申请",
    "Saving a form of another kind",
  ),
  not_a_draft: entry(
    422,
    "Only a draft can be submitted",
    "只有草稿可以提交",
    "Submitting a case that is not a draft",
  ),
  case_closed: entry(
    422,
    "The case is already closed",
    "案件已办结",
    "Withdrawing a case that is already closed",
  ),
  application_incomplete: entry(
    422,
    "The application is incomplete: see the listed fields and documents",
    "申请不完整：请查看所列的字段和材料",
    "Submitting (or correcting) an application that misses fields or documents",
  ),
  decision_not_accepted: entry(
    422,
    "The decision does not fit this step",
    "该决定不适用于此环节",
    "An outcome, measurement or photo the step does not take",
  ),
  fields_not_requested: entry(
    422,
    "Only the fields asked for may change",
    "只能修改要求补正的内容",
    "A correction that changes fields the reviewers did not ask about",
  ),
  objection_unhandled: entry(
    422,
    "Record how each objection to the public notice was handled before approving",
    "请先记录每条公示异议的处理情况",
    "A village review approval while an objection to the case's public notice is unhandled; `details.unhandled`",
  ),
  objection_unknown: entry(
    422,
    "No such objection to this case's public notice",
    "本案公示无此异议",
    "A village review decision handling objection ids the case's notice does not have; `details.unknown`",
  ),
  correction_unchanged: entry(
    422,
    "The correction must change what was asked",
    "补正须修改所要求的内容",
    "A correction that leaves an asked field as it was, or brings no new confirmed document of an asked type; `details.unchangedFields`, `details.missingDocuments`",
  ),
  document_rejected: entry(
    422,
    "The uploaded file does not match its declaration",
    "上传的文件与申报不符",
    "Confirming a document or photo whose bytes differ from what was declared",
  ),
  upload_missing: entry(
    422,
    "Nothing has been uploaded yet; PUT the file to the upload URL first",
    "尚未收到上传的文件",
    "Confirming a document before its upload",
  ),
  document_not_confirmed: entry(
    422,
    "The document is not confirmed",
    "材料尚未确认",
    "Downloading a document before it was confirmed",
  ),
  // 500: never with details.
  recovery_failed: entry(
    409,
    "The recovery did not take effect; the incident stays open",
    "恢复操作未生效，异常事项仍待处理",
    "The incident's recovery (retry, redrive, redeliver, stop) was refused or did not reach the workflow",
  ),
  incident_closed: entry(
    409,
    "The incident is already closed",
    "该异常事项已处理",
    "Another operator recovered the incident first",
  ),
  paper_not_available: entry(
    409,
    "This paper does not exist for the case (yet)",
    "该案件（尚）无此文书",
    "A refusal notice of a case not refused, an approval form before the township decided, an inspection record before the completion inspection",
  ),
  certificate_not_valid: entry(
    409,
    "The certificate is no longer valid; it cannot be changed",
    "该证书已撤销或已作废，无法再办理",
    "Revoking, re-issuing or extending a certificate already revoked or superseded",
  ),
  extension_not_allowed: entry(
    409,
    "The certificate cannot be extended",
    "该证书不能延期",
    "The county's number of extensions is used up, or the certificate has expired",
  ),
  idempotency_store_unavailable: entry(
    503,
    "The request could not be recorded just now; retry it with the same Idempotency-Key",
    "暂时无法记录请求，请使用相同的 Idempotency-Key 重试",
    "The idempotency record could not be read or written (answered with Retry-After)",
  ),
  workflow_not_started: entry(
    503,
    "The case is submitted but its review could not be started just now; retry the request",
    "申请已提交，但审批流程暂未启动，请重试",
    "Step Functions refused or was unreachable; the case is kept and a retry starts its run (Retry-After)",
  ),
  service_busy: entry(
    503,
    "The service is busy and could not answer in time; retry the request (with the same Idempotency-Key where you sent one)",
    "服务繁忙，未能及时处理，请稍后重试（如带有 Idempotency-Key，请使用相同的值）",
    "The function ran out of time (middy's early timeout), answered with Retry-After instead of a silent 500",
  ),
  // 代办 (shared/assisted/on-behalf.ts): codes sent by SMS, and the SMS service itself.
  code_not_accepted: entry(
    422,
    "The code is wrong, expired or already used",
    "验证码错误、已过期或已使用",
    "A one-time SMS code that does not match, has expired, was used, or was tried too often (`details.reason`)",
  ),
  phone_missing: entry(
    422,
    "Enter the head's mobile number on the form first",
    "请先在申请表中填写户主手机号码",
    "A consent code asked for before the form has the head's phone",
  ),
  consent_missing: entry(
    422,
    "The household's consent to this filing is not recorded yet",
    "尚未记录农户对本次代办的同意",
    "Submitting a case filed on behalf without the head's SMS confirmation or the signed consent form (`details.problems`)",
  ),
  sms_unavailable: entry(
    503,
    "Text messages cannot be sent just now; try again later",
    "暂时无法发送短信，请稍后再试",
    "The SMS provider refused the code or was unreachable, or the county policy has no template for it (Retry-After)",
  ),
  internal_error: entry(
    500,
    "Internal server error",
    "服务器内部错误",
    "An unexpected failure (never detailed)",
  ),
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CATALOGUE, code);
}

/** The error body every handler answers (API Gateway's own answers are `GATEWAY_ERRORS`). */
export interface ErrorBody {
  readonly error: {
    readonly code: ErrorCode;
    readonly message: string;
    readonly zh: string;
    readonly details?: unknown;
  };
}

export function errorBody(code: ErrorCode, text?: Bilingual, details?: unknown): ErrorBody {
  const known = ERROR_CATALOGUE[code];
  return {
    error: {
      code,
      message: text?.en ?? known.en,
      zh: text?.zh ?? known.zh,
      ...(details === undefined ? {} : { details }),
    },
  };
}

/**
 * What API Gateway itself answers, before any function runs, as `{"message":"…"}`
 * (the local HTTP API, infra/local/http-api.ts, answers the same): a path it
 * cannot decode, no route, no valid token, a body over 10 MB, a function that
 * failed or timed out.
 */
export const GATEWAY_ERRORS = {
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  413: "Request Entity Too Large",
  500: "Internal Server Error",
} as const;

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
