/**
 * Errors the domain, the stores and the workflow throw on purpose. Each is a
 * named class (Step Functions' Retry/Catch and the HTTP mapping match the
 * `name`) with its message in English and Chinese and optional details for
 * the caller. None carries an HTTP status: shared/http/error-mapping.ts turns
 * each name into the API's status and error code, in one place.
 */

/** A message in both languages of the platform. */
export interface Bilingual {
  readonly en: string;
  readonly zh: string;
}

export class DomainError extends Error {
  /** The Chinese message (`message` is the English one). */
  readonly zh: string;
  constructor(
    text: Bilingual,
    readonly details?: unknown,
    options?: ErrorOptions,
  ) {
    super(text.en, options);
    this.name = new.target.name;
    this.zh = text.zh;
  }
}

/** No case with this id (or none the caller may know of). */
export class CaseNotFoundError extends DomainError {
  constructor(caseId: string) {
    super({ en: `No case ${caseId}`, zh: `未找到案件 ${caseId}` });
  }
}
