/** The papers' domain errors (mapped to HTTP in shared/http/error-mapping.ts). */
import { DomainError } from "../errors.ts";
import type { PaperNotAvailableError } from "./assemble.ts";

export class PaperUnavailableError extends DomainError {
  constructor(cause: PaperNotAvailableError) {
    super({ en: cause.message, zh: `该案件（尚）无此文书：${cause.why}` }, { paper: cause.paper });
  }
}

export class CertificateNotValidError extends DomainError {
  constructor(number: string, status: string) {
    super(
      {
        en: `Certificate ${number} is ${status}; it cannot be changed`,
        zh: `证书 ${number} 已${status === "revoked" ? "撤销" : "作废"}，无法再办理`,
      },
      { number, status },
    );
  }
}

export class ExtensionNotAllowedError extends DomainError {
  constructor(en: string, zh: string) {
    super({ en, zh });
  }
}
