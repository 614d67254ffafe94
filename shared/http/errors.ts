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
