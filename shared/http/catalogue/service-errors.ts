import { type CatalogueEntry, entry } from "./entry.ts";

/** Incident recovery and papers (409), what the service could not do (500, 503), and the 代办 codes sent by SMS. */
export const SERVICE_ERRORS = {
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
