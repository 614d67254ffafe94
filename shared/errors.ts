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

/**
 * No such thing, or one the caller may not know of: both are answered alike,
 * so a caller cannot probe for what is not theirs.
 */
export class ResourceNotFoundError extends DomainError {}

/** The caller's role, township or department does not allow this. */
export class NotPermittedError extends DomainError {
  constructor(text: Bilingual = { en: "Forbidden", zh: "无权执行此操作" }) {
    super(text);
  }
}

/** One problem with one field of the input, for the caller to show beside it. */
export interface FieldProblem {
  readonly path: string;
  readonly code: string;
  readonly zh?: string;
  readonly en: string;
}

/** The input fails its rules; `problems` lists each field. */
export class InvalidInputError extends DomainError {
  constructor(
    text: Bilingual,
    readonly problems: readonly FieldProblem[],
  ) {
    super(text, { problems });
  }
}

/** A staff member in several townships (or none) named none where the answer depends on it. */
export class TownshipRequiredError extends DomainError {
  constructor(
    text: Bilingual = { en: "Say which township: ?township=<code>", zh: "请指定乡镇：?township=<代码>" },
  ) {
    super(text);
  }
}

/** A pagination cursor not issued for this query and caller (or an edited one). */
export class CursorNotValidError extends DomainError {
  constructor() {
    super({
      en: "The cursor is not valid for this listing; start again without it",
      zh: "翻页标记无效，请不带翻页标记重新查询",
    });
  }
}

/** A time range that ends before it starts, or bounds outside what is stored. */
export class TimeRangeNotValidError extends DomainError {
  constructor(text: Bilingual = { en: "`to` must be after `from`", zh: "结束时间必须晚于开始时间" }) {
    super(text);
  }
}

/** A time range spanning more days than a search may. */
export class TimeRangeTooLongError extends DomainError {}
