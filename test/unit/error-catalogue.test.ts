import { describe, expect, it } from "vitest";
import { ERROR_CATALOGUE, ERROR_CODES } from "#shared/http/error-catalogue.ts";
import { ROUTE_ERRORS, routeErrorStatuses } from "#shared/http/route-errors.ts";
import { ROUTES, routeKey } from "../../shared/http/routes.ts";

const HAN = /\p{Script=Han}/u;

describe("the error catalogue", () => {
  it("gives every code a status, an English and a Chinese message, neither glued to the other", () => {
    for (const code of ERROR_CODES) {
      const entry = ERROR_CATALOGUE[code];
      expect(code, code).toMatch(/^[a-z][a-z_]*[a-z]$/);
      expect(entry.status, code).toBeGreaterThanOrEqual(400);
      expect(entry.en, code).not.toMatch(HAN);
      expect(entry.zh, code).toMatch(HAN);
      expect(entry.en, code).not.toContain(" / ");
    }
  });

  it("lists the errors of exactly the routes of the route table", () => {
    expect(Object.keys(ROUTE_ERRORS).sort()).toEqual(ROUTES.map(routeKey).sort());
  });

  it("lets every signed-in route answer 401 and 403, and every route 500", () => {
    for (const route of ROUTES) {
      const statuses = routeErrorStatuses(routeKey(route));
      expect(statuses.has(500), routeKey(route)).toBe(true);
      if (route.access === "signed-in") {
        expect(statuses.get(401), routeKey(route)).toEqual([
          "unauthorized",
          "insufficient_user_authentication",
        ]);
        expect(statuses.get(403), routeKey(route)).toEqual(["forbidden"]);
      }
    }
  });

  it("lets every route with a path parameter answer validation_failed and not_found", () => {
    for (const route of ROUTES.filter((candidate) => candidate.path.includes("{"))) {
      expect(ROUTE_ERRORS[routeKey(route)], routeKey(route)).toEqual(
        expect.arrayContaining(["validation_failed", "not_found"]),
      );
    }
  });
});
