/**
 * Errors the HTTP layer throws itself (schema validation, the route's policy,
 * cursors). Use cases under shared/ throw domain errors (../errors.ts) instead,
 * mapped in ./error-mapping.ts; test/unit/error-mapping.test.ts keeps this
 * module's imports inside shared/http/. Each names a code of the error
 * catalogue (./error-catalogue.ts), which decides its HTTP status, and carries
 * its message in English and Chinese (the catalogue's default when none is
 * given). Only these (4xx, `expose: true`) reach the client with their message;
 * anything else becomes a generic 500 so internals never leak (middy's convention).
 */
import type { FieldProblem } from "../errors.ts";
import { type Bilingual, ERROR_CATALOGUE, type ErrorCode } from "./error-catalogue.ts";

export type { FieldProblem } from "../errors.ts";
export type { Bilingual, ErrorCode } from "./error-catalogue.ts";

export class HttpError extends Error {
  readonly statusCode: number;
  readonly expose: boolean;
  /** The Chinese message (`message` is the English one). */
  readonly zh: string;
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
