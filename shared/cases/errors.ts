/**
 * What a household may not do to its case in its current state (no HTTP
 * status: shared/http/error-mapping.ts answers each with its own code).
 */
import { DomainError } from "../errors.ts";

/** The case is already closed (approved, rejected, withdrawn…): nothing left to withdraw. */
export class CaseAlreadyClosedError extends DomainError {
  constructor(status: string) {
    super({ en: `The case is already ${status}`, zh: `案件已处于 ${status} 状态` }, { status });
  }
}

/** The application form is editable only while the case is a draft (or sent back). */
export class CaseNotEditableError extends DomainError {
  constructor(status: string) {
    super(
      { en: `A case in status ${status} cannot be edited here`, zh: `案件状态为 ${status}，此处不可编辑` },
      { status },
    );
  }
}

/** A case's kind is fixed when it opens. */
export class KindImmutableError extends DomainError {
  constructor() {
    super({
      en: "The case kind cannot change; start a new application instead",
      zh: "申请类型不能更改，请重新发起申请",
    });
  }
}

/** Only a draft is submitted. */
export class NotADraftError extends DomainError {
  constructor(status: string, statusZh: string) {
    super(
      {
        en: `Only a draft can be submitted; this case is ${status}`,
        zh: `只有草稿可以提交；该案件当前状态为“${statusZh}”`,
      },
      { status },
    );
  }
}
