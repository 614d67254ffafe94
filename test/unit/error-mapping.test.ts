import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { NotAuthenticatedError } from "#shared/auth/actor.ts";
import {
  CaseNotFoundError,
  CursorNotValidError,
  DomainError,
  InvalidInputError,
  NotPermittedError,
  TimeRangeNotValidError,
  TownshipRequiredError,
} from "#shared/errors.ts";
import { ERROR_CATALOGUE, type ErrorCode } from "#shared/http/error-catalogue.ts";
import { DOMAIN_ERRORS, errorAnswer } from "#shared/http/error-mapping.ts";
import { HttpError, NotFoundError, ValidationFailedError } from "#shared/http/errors.ts";
import { ObjectionsUnhandledError, ObjectionsUnknownError } from "#shared/notices/notices.ts";
import { CaseChangedError } from "#shared/store/case-store.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

function sources(folder: string): { file: string; source: string }[] {
  return readdirSync(path.join(ROOT, folder), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .map((file) => ({
      file: path.join(folder, file),
      source: readFileSync(path.join(ROOT, folder, file), "utf8"),
    }));
}

describe("domain errors and their one HTTP mapping", () => {
  it("maps every DomainError subclass of shared/ to a code of the catalogue", () => {
    const classes = sources("shared").flatMap(({ source }) =>
      [...source.matchAll(/class (\w+) extends DomainError\b/g)].map((match) => match[1] ?? ""),
    );
    expect(classes).toContain("CaseChangedError");
    expect(classes.filter((name) => DOMAIN_ERRORS[name] === undefined)).toEqual([]);
    for (const code of Object.values(DOMAIN_ERRORS)) expect(ERROR_CATALOGUE[code]).toBeDefined();
  });

  it("keeps HTTP out of the store, the workflow tasks and the domain: no status on their errors", () => {
    const layers = ["shared/store", "shared/domain", "shared/workflow"];
    const offenders = layers
      .flatMap(sources)
      // The operator's incident recovery is an API use case living beside the workflow it recovers.
      .filter(({ file }) => file !== "shared/workflow/operator.ts")
      .filter(({ source }) => /from "(\.\.?\/)+http\/|from "#shared\/http\//.test(source))
      .map(({ file }) => file);
    expect(offenders).toEqual([]);
    const changed = new CaseChangedError("c-1");
    expect(changed).toBeInstanceOf(DomainError);
    expect(changed).not.toHaveProperty("statusCode");
    expect(changed.name).toBe("CaseChangedError");
  });

  it("keeps the HTTP layer's errors in it: no module of shared/ outside shared/http/ imports shared/http/errors.ts", () => {
    const httpErrors = path.join(ROOT, "shared/http/errors.ts");
    const importers = sources("shared")
      .filter(({ file }) => !file.startsWith(`shared${path.sep}http${path.sep}`))
      .filter(({ file, source }) =>
        [...source.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gm)].some(
          ([, specifier = ""]) => {
            const target = specifier.startsWith("#shared/")
              ? path.join(ROOT, "shared", specifier.slice("#shared/".length))
              : path.resolve(ROOT, path.dirname(file), specifier);
            return target === httpErrors;
          },
        ),
      )
      .map(({ file }) => file);
    expect(importers).toEqual([]);
  });

  it("answers a lost optimistic-lock race 409 case_changed with its message in both languages", () => {
    expect(errorAnswer(new CaseChangedError("c-1"))).toEqual({
      statusCode: 409,
      body: {
        error: {
          code: "case_changed",
          message: "Case c-1 was changed by someone else; reload and try again",
          zh: "案件 c-1 已被他人修改，请刷新后重试",
        },
      },
    });
  });

  it("answers a missing case 404 not_found, as the HTTP layer's own NotFoundError", () => {
    const domain = errorAnswer(new CaseNotFoundError("c-2"));
    const http = errorAnswer(new NotFoundError({ en: "No case c-2", zh: "未找到案件 c-2" }));
    expect(domain).toEqual(http);
    expect(domain?.statusCode).toBe(404);
  });

  it("answers the generic domain errors as the catalogue's defaults where they bring no text of their own", () => {
    const defaults: [DomainError, ErrorCode][] = [
      [new NotPermittedError(), "forbidden"],
      [new NotAuthenticatedError(), "unauthorized"],
      [new CursorNotValidError(), "invalid_cursor"],
      [new TimeRangeNotValidError(), "invalid_range"],
      [new TownshipRequiredError(), "township_required"],
    ];
    for (const [error, code] of defaults)
      expect(errorAnswer(error)).toEqual(errorAnswer(new HttpError(code)));
    const problems = [{ path: "body.kind", code: "invalid_value", en: "Unknown kind" }];
    const text = { en: "The request is invalid", zh: "请求内容不符合要求" };
    expect(errorAnswer(new InvalidInputError(text, problems))).toEqual(
      errorAnswer(new ValidationFailedError(text, problems)),
    );
    expect(errorAnswer(new InvalidInputError(text, problems))).toMatchObject({
      statusCode: 400,
      body: { error: { code: "validation_failed", details: { problems } } },
    });
  });

  it("answers unhandled objections and unknown ones with their own codes, unhandled first", () => {
    expect(errorAnswer(new ObjectionsUnhandledError(["o-1"], ["o-9"]))).toMatchObject({
      statusCode: 422,
      body: { error: { code: "objection_unhandled", details: { unhandled: ["o-1"], unknown: ["o-9"] } } },
    });
    expect(errorAnswer(new ObjectionsUnknownError([], ["o-9"]))).toMatchObject({
      statusCode: ERROR_CATALOGUE.objection_unknown.status,
      body: { error: { code: "objection_unknown", zh: "本案公示无此异议：o-9" } },
    });
  });

  it("leaves an unexpected error, or a domain error without a mapping, to the generic 500", () => {
    class UnmappedError extends DomainError {}
    expect(errorAnswer(new UnmappedError({ en: "x", zh: "x" }))).toBeUndefined();
    expect(errorAnswer(new Error("boom"))).toBeUndefined();
    expect(errorAnswer("not even an error")).toBeUndefined();
  });
});
