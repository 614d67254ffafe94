/**
 * Errors a handler may throw on purpose. Each carries its HTTP status; only
 * these (4xx, `expose: true`) reach the client with their message. Anything
 * else becomes a generic 500 so internals never leak (middy's convention).
 */
export interface FieldProblem {
  readonly path: string;
  readonly code: string;
  readonly zh?: string;
  readonly en: string;
}

export class HttpError extends Error {
  readonly expose: boolean;
  /** Response headers the error answer must carry (e.g. `WWW-Authenticate`). */
  readonly headers?: Readonly<Record<string, string>>;
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
    this.expose = statusCode < 500;
  }
}

export class BadRequestError extends HttpError {
  constructor(message: string, details?: unknown) {
    super(400, "bad_request", message, details);
  }
}

export class ValidationFailedError extends HttpError {
  constructor(
    message: string,
    readonly problems: readonly FieldProblem[],
  ) {
    super(400, "validation_failed", message, { problems });
  }
}

export class UnauthorizedError extends HttpError {
  constructor(message = "Unauthorized") {
    super(401, "unauthorized", message);
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
  constructor(message: string) {
    super(401, "insufficient_user_authentication", message);
    this.headers = {
      "www-authenticate": `Bearer error="insufficient_user_authentication", error_description="${message.replace(/["\\]/g, "")}"`,
    };
  }
}

export class ForbiddenError extends HttpError {
  constructor(message = "Forbidden") {
    super(403, "forbidden", message);
  }
}

export class NotFoundError extends HttpError {
  constructor(message = "Not found") {
    super(404, "not_found", message);
  }
}

export class ConflictError extends HttpError {
  constructor(message: string, details?: unknown) {
    super(409, "conflict", message, details);
  }
}

export class PayloadTooLargeError extends HttpError {
  constructor(message: string) {
    super(413, "payload_too_large", message);
  }
}

export class UnprocessableEntityError extends HttpError {
  constructor(message: string, details?: unknown) {
    super(422, "unprocessable_entity", message, details);
  }
}
