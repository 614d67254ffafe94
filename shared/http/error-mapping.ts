/**
 * The one place a thrown error becomes an HTTP answer (status, error code,
 * bilingual message, headers). Domain errors (shared/errors.ts) carry no
 * status: they are mapped here by name, as are the errors of libraries
 * (Powertools idempotency, middy). HttpError subclasses, thrown by the HTTP
 * layer itself, name their code. Anything else is not answered here: the
 * caller logs it and answers a generic 500, so internals never leak.
 */
import { DomainError } from "../errors.ts";
import {
  type Bilingual,
  ERROR_CATALOGUE,
  type ErrorBody,
  type ErrorCode,
  errorBody,
} from "./error-catalogue.ts";
import { HttpError } from "./errors.ts";

/**
 * Domain errors (shared/errors.ts subclasses), by name. Their own message is
 * answered (both languages) unless the code is a 5xx, which never details.
 * test/unit/error-mapping.test.ts checks every DomainError subclass is here.
 */
export const DOMAIN_ERRORS: Readonly<Record<string, ErrorCode>> = {
  CaseNotFoundError: "not_found",
  CaseChangedError: "case_changed",
  // The review (shared/review/errors.ts).
  StepAlreadyDecidedError: "step_already_decided",
  StepNotDecidedError: "step_not_decided",
  DeliveryNotNeededError: "delivery_not_needed",
  CaseNotDecidableError: "case_not_decidable",
  DecisionNotAcceptedError: "decision_not_accepted",
  NoCorrectionAwaitedError: "no_correction_awaited",
  FieldsNotRequestedError: "fields_not_requested",
  CorrectionUnchangedError: "correction_unchanged",
  NoCompletionReportAwaitedError: "no_completion_report_awaited",
  // Incident recovery (shared/workflow/operator.ts).
  RecoveryFailedError: "recovery_failed",
  IncidentClosedError: "incident_closed",
  // Cases, documents, site visits, papers, 代办.
  HouseholdHasOpenCaseError: "household_has_open_case",
  NotAVillagerError: "not_a_villager",
  ConsentMissingError: "consent_missing",
  IncompleteApplicationError: "application_incomplete",
  CaseLockedError: "case_locked",
  DocumentRejectedError: "document_rejected",
  UploadMissingError: "upload_missing",
  NotASiteVisitError: "not_a_site_visit",
  SiteVisitClosedError: "site_visit_closed",
  PaperUnavailableError: "paper_not_available",
  CertificateNotValidError: "certificate_not_valid",
  ExtensionNotAllowedError: "extension_not_allowed",
  CodeNotAcceptedError: "code_not_accepted",
  // 代办 codes: the SMS provider refused or was unreachable (shared/assisted/on-behalf.ts); worth a retry.
  SmsUnavailableError: "sms_unavailable",
  // Public notices (shared/notices/notices.ts).
  NoticeClosedError: "notice_closed",
  ObjectionLimitError: "objection_limit",
  ObjectionsUnhandledError: "objection_unhandled",
  ObjectionsUnknownError: "objection_unknown",
  // Who may see and do what (shared/errors.ts), and authentication (shared/auth/actor.ts).
  ResourceNotFoundError: "not_found",
  NotPermittedError: "forbidden",
  NotAuthenticatedError: "unauthorized",
  SecondFactorMissingError: "insufficient_user_authentication",
  // The input, listings and time ranges (shared/errors.ts).
  InvalidInputError: "validation_failed",
  TownshipRequiredError: "township_required",
  CursorNotValidError: "invalid_cursor",
  TimeRangeNotValidError: "invalid_range",
  TimeRangeTooLongError: "range_too_long",
  VillageOutsideTownshipError: "bad_request",
  // A case's state (shared/cases/errors.ts, shared/review/errors.ts) and other rules.
  CaseAlreadyClosedError: "case_closed",
  CaseNotEditableError: "case_not_editable",
  KindImmutableError: "kind_immutable",
  NotADraftError: "not_a_draft",
  HeadPhoneMissingError: "phone_missing",
  TooManyPhotosError: "too_many_photos",
  CorrectionIncompleteError: "application_incomplete",
  ImportInProgressError: "import_in_progress",
};

/**
 * Headers an answer of a code must carry. A missing second factor is RFC 9470's
 * `insufficient_user_authentication` challenge (OAuth 2.0 step-up
 * authentication), so a client knows to sign the user in again with MFA.
 */
const CHALLENGES: Partial<Record<ErrorCode, (text: Bilingual) => Readonly<Record<string, string>>>> = {
  insufficient_user_authentication: (text) => ({
    "www-authenticate": `Bearer error="insufficient_user_authentication", error_description="${text.en.replace(/["\\]/g, "")}"`,
  }),
};

/**
 * Other errors of the domain and of libraries, by name, answered with the
 * catalogue's message. Powertools idempotency maps onto the IETF
 * Idempotency-Key draft (shared/http/idempotency.ts): a key reused with
 * another body is 422, a request still in flight 409 (also when its record
 * was just removed because the first attempt failed, or expired while it ran:
 * the retry is the answer), a missing key 400; the idempotency store
 * unreachable is 503. A workflow that could not be started is 503: the case is
 * recorded and a retry of the request starts it. An illegal status transition
 * is a conflict with the case's current state.
 */
const KNOWN_ERRORS: Readonly<Record<string, ErrorCode>> = {
  IllegalTransitionError: "illegal_transition",
  IdempotencyValidationError: "idempotency_key_reused",
  IdempotencyAlreadyInProgressError: "idempotency_request_in_progress",
  IdempotencyInconsistentStateError: "idempotency_request_in_progress",
  IdempotencyItemNotFoundError: "idempotency_request_in_progress",
  IdempotencyKeyError: "idempotency_key_missing",
  IdempotencyPersistenceLayerError: "idempotency_store_unavailable",
  WorkflowNotStartedError: "workflow_not_started",
  // middy's early timeout (timeoutEarlyInMillis before the Lambda's own): an overloaded moment, worth a retry.
  TimeoutError: "service_busy",
};

/** Errors middy's own middlewares throw (statusCode + expose), by status: the JSON body parser's 415 and 422. */
const MIDDY_ERRORS: Readonly<Record<number, ErrorCode>> = {
  413: "payload_too_large",
  415: "unsupported_media_type",
  422: "malformed_json",
};

export interface ErrorAnswer {
  readonly statusCode: number;
  readonly body: ErrorBody;
  readonly headers?: Readonly<Record<string, string>>;
}

function answer(code: ErrorCode, text?: Bilingual, details?: unknown): ErrorAnswer {
  const { status } = ERROR_CATALOGUE[code];
  const detailed = status < 500;
  const challenge = CHALLENGES[code];
  return {
    statusCode: status,
    body: detailed ? errorBody(code, text, details) : errorBody(code),
    // Worth retrying soon: the first request finishes, or the service is back.
    ...(code === "idempotency_request_in_progress" || status === 503
      ? { headers: { "retry-after": "1" } }
      : challenge
        ? { headers: challenge(text ?? ERROR_CATALOGUE[code]) }
        : {}),
  };
}

/** The answer for an error thrown on purpose; undefined for an unexpected one (a 500 the caller logs). */
export function errorAnswer(error: unknown): ErrorAnswer | undefined {
  if (error instanceof HttpError && error.expose) {
    return {
      statusCode: error.statusCode,
      body: errorBody(error.code, { en: error.message, zh: error.zh }, error.details),
    };
  }
  if (error instanceof DomainError) {
    const code = DOMAIN_ERRORS[error.name];
    return code ? answer(code, { en: error.message, zh: error.zh }, error.details) : undefined;
  }
  const known = error instanceof Error ? KNOWN_ERRORS[error.name] : undefined;
  if (known) return answer(known);
  // Errors thrown by middy's own middlewares (e.g. 415/422 from the JSON parser) carry statusCode + expose.
  const status = (error as { statusCode?: unknown } | null | undefined)?.statusCode;
  const expose = (error as { expose?: unknown } | null | undefined)?.expose;
  if (typeof status === "number" && status < 500 && expose === true) {
    return answer(MIDDY_ERRORS[status] ?? "bad_request");
  }
  return undefined;
}
