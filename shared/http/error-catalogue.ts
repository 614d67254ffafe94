/**
 * THE error catalogue: every error the API can answer, by its stable `code`,
 * with its HTTP status and a default message in English and Chinese. The code
 * decides the status here and nowhere else: domain errors (shared/…) name a
 * code, the middy stack (shared/http/handler.ts) answers the status the
 * catalogue gives it. The OpenAPI document publishes, per route, the statuses
 * and codes of `ROUTE_ERRORS` (and the API Gateway answers of `GATEWAY_ERRORS`).
 *
 * Error body: `{"error":{"code":"…","message":"<English>","zh":"<中文>","details"?:…}}`.
 * `message` stays English (clients written before `zh` read it).
 *
 * The entries live in ./catalogue/ by kind (request, state, content, service),
 * in the order published; which codes each route answers is ./route-errors.ts.
 * These modules import nothing else, so the OpenAPI builder, the web app and tests may use them.
 */

import { CONTENT_ERRORS } from "./catalogue/content-errors.ts";
import type { Bilingual, CatalogueEntry } from "./catalogue/entry.ts";
import { REQUEST_ERRORS } from "./catalogue/request-errors.ts";
import { SERVICE_ERRORS } from "./catalogue/service-errors.ts";
import { STATE_ERRORS } from "./catalogue/state-errors.ts";

export type { Bilingual, CatalogueEntry } from "./catalogue/entry.ts";

export const ERROR_CATALOGUE = {
  ...REQUEST_ERRORS,
  ...STATE_ERRORS,
  ...CONTENT_ERRORS,
  ...SERVICE_ERRORS,
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CATALOGUE, code);
}

/** The error body every handler answers (API Gateway's own answers are `GATEWAY_ERRORS`). */
export interface ErrorBody {
  readonly error: {
    readonly code: ErrorCode;
    readonly message: string;
    readonly zh: string;
    readonly details?: unknown;
  };
}

export function errorBody(code: ErrorCode, text?: Bilingual, details?: unknown): ErrorBody {
  const known = ERROR_CATALOGUE[code];
  return {
    error: {
      code,
      message: text?.en ?? known.en,
      zh: text?.zh ?? known.zh,
      ...(details === undefined ? {} : { details }),
    },
  };
}

/**
 * What API Gateway itself answers, before any function runs, as `{"message":"…"}`
 * (the local HTTP API, infra/local/http-api.ts, answers the same): a path it
 * cannot decode, no route, no valid token, a body over 10 MB, a function that
 * failed or timed out.
 */
export const GATEWAY_ERRORS = {
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  413: "Request Entity Too Large",
  500: "Internal Server Error",
} as const;
