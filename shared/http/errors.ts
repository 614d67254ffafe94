/**
 * Errors a handler may throw on purpose. Each names a code of the error
 * catalogue (./error-catalogue.ts), which decides its HTTP status, and carries
 * its message in English and Chinese (the catalogue's default when none is
 * given). Only these (4xx, `expose: true`) reach the client with their message;
 * anything else becomes a generic 500 so internals never leak (middy's convention).
 */
import { type Bilingual, ERROR_CATALOGUE, type ErrorCode } from "./error-catalogue.ts";

export type { Bilingual, ErrorCode } from "./error-catalogue.ts";

export interface FieldProblem {
  readonly path: string;
  readonly code: string;
  readonly zh?: string;
  readonly en: string;
}

export class HttpError extends Error {
  readonly statusCode: number;
  readonly expose: boolean;
  /** The Chinese message (`message` is the English one). */
  readonly zh: string;
  /** Response headers the error answer must carry (e.g. `WWW-Authenticate`). */
  readonly headers?: Readonly<Record<string, string>>;
  constructor(
    readonly code: ErrorCode,
    text?: Bilingual,
    readonly details?: unknown,
  ) {
    const known = ERROR_CATALOGUE[code];
    super(text?.en ?? known.en);
    this.name = new.target.name;
    this.zh = text?.zh ?? known.zh;
    this.statusCode = known.status;
    this.expose = known.status < 500;
  }
}

export class BadRequestError extends HttpError {
  constructor(text: Bilingual, details?: unknown) {
    super("bad_request", text, details);
  }
}

export class ValidationFailedError extends HttpError {
  constructor(
    text: Bilingual,
    readonly problems: readonly FieldProblem[],
  ) {
    super("validation_failed", text, { problems });
  }
}

/** A pagination cursor this API did not issue for this query and caller (or an edited one). */
export class InvalidCursorError extends HttpError {
  constructor() {
    super("invalid_cursor");
  }
}

/** A time range that ends before it starts, or bounds outside what the API stores. */
export class InvalidRangeError extends HttpError {
  constructor(text?: Bilingual) {
    super("invalid_range", text);
  }
}

export class UnauthorizedError extends HttpError {
  constructor(text?: Bilingual) {
    super("unauthorized", text);
  }
}

/**
 * The token is genuine but its sign-in was weaker than the caller's role needs
 * (staff without multi-factor evidence, shared/auth/mfa.ts). 401 with the
 * `insufficient_user_authentication` error of RFC 9470 (OAuth 2.0 step-up
 * authentication), so a client knows to sign the user in again with MFA
 * rather than treat it as a missing permission.
 */
export class InsufficientUserAuthenticationError extends HttpError {
  override readonly headers: Readonly<Record<string, string>>;
  constructor(text: Bilingual) {
    super("insufficient_user_authentication", text);
    this.headers = {
      "www-authenticate": `Bearer error="insufficient_user_authentication", error_description="${text.en.replace(/["\\]/g, "")}"`,
    };
  }
}

export class ForbiddenError extends HttpError {
  constructor(text?: Bilingual) {
    super("forbidden", text);
  }
}

export class NotFoundError extends HttpError {
  constructor(text?: Bilingual) {
    super("not_found", text);
  }
}

export class ConflictError extends HttpError {
  constructor(text: Bilingual, details?: unknown, code: ErrorCode = "conflict") {
    super(code, text, details);
  }
}

export class PayloadTooLargeError extends HttpError {
  constructor(text: Bilingual) {
    super("payload_too_large", text);
  }
}

export class UnprocessableEntityError extends HttpError {
  constructor(text: Bilingual, details?: unknown, code: ErrorCode = "unprocessable_entity") {
    super(code, text, details);
  }
}
