import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { ROUTES, routeKey } from "#shared/http/routes.ts";
import { BEARER_SCHEME, buildOpenApiDocument } from "#shared/openapi/document.ts";
import { OPERATIONS, type OperationSpec } from "#shared/openapi/operations.ts";
import { ApiContract } from "../support/contract.ts";

const { document, missing, stale, incomplete } = buildOpenApiDocument(ROUTES);
const METHODS = ["get", "put", "post", "delete", "patch"] as const;

interface Operation {
  readonly operationId?: string;
  readonly security?: readonly Record<string, readonly string[]>[];
  readonly parameters?: readonly {
    readonly name: string;
    readonly in: string;
    readonly required?: boolean;
  }[];
  readonly responses?: Record<string, unknown>;
}

const operationOf = (method: string, path: string): Operation | undefined =>
  (document.paths?.[path.replace(/\{(\w+)\+\}/g, "{$1}")] as Record<string, Operation> | undefined)?.[
    method.toLowerCase()
  ];

const allOperations = (): Operation[] =>
  Object.values(document.paths ?? {}).flatMap((item) =>
    METHODS.map((method) => (item as Record<string, Operation | undefined>)[method]).filter(
      (operation): operation is Operation => operation !== undefined,
    ),
  );

/** Every `$ref` string anywhere in the document. */
function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refsIn(item, found);
  else if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      if (key === "$ref" && typeof item === "string") found.push(item);
      else refsIn(item, found);
    }
  }
  return found;
}

describe("OpenAPI document", () => {
  it("is OpenAPI 3.1 with a title, a version and a bearer JWT security scheme", () => {
    expect(document.openapi).toBe("3.1.0");
    expect(document.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(document.components?.securitySchemes?.[BEARER_SCHEME]).toEqual(
      expect.objectContaining({ type: "http", scheme: "bearer", bearerFormat: "JWT" }),
    );
  });

  it("has an operation for every row of the route table, and none for routes that are gone", () => {
    expect(missing).toEqual([]);
    expect(stale).toEqual([]);
    for (const route of ROUTES) expect(operationOf(route.method, route.path), routeKey(route)).toBeDefined();
    expect(allOperations()).toHaveLength(ROUTES.length);
  });

  it("is a valid OpenAPI 3.1 document (the OpenAPI schema itself)", async () => {
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(JSON.stringify(document)));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("describes every operation completely: a success response and every answer with a specific body schema", () => {
    expect(incomplete).toEqual([]);
  });

  it("reports an operation whose answer has no schema, or a generic one, or no catalogue errors (so the test above fails for it)", () => {
    const health = ROUTES.filter((route) => routeKey(route) === "GET /health");
    const generic: OperationSpec = {
      operationId: "generic",
      tags: [],
      responses: {
        200: {
          description: "anything",
          content: { "application/json": { schema: z.record(z.string(), z.unknown()) } },
        },
      },
    };
    const bare: OperationSpec = {
      operationId: "bare",
      tags: [],
      responses: { 200: { description: "no body" } },
    };
    expect(buildOpenApiDocument(health, { "GET /health": generic }).incomplete).toEqual(["GET /health"]);
    expect(buildOpenApiDocument(health, { "GET /health": bare }).incomplete).toEqual(["GET /health"]);
    expect(buildOpenApiDocument(health).incomplete).toEqual([]);
    // A described operation whose route the error catalogue does not know.
    const uncatalogued = { method: "GET", path: "/health2", access: "public", summary: "" } as const;
    const described = { ...OPERATIONS["GET /health"], operationId: "health2" } as OperationSpec;
    expect(buildOpenApiDocument([uncatalogued], { "GET /health2": described }).incomplete).toEqual([
      "GET /health2",
    ]);
  });

  it("publishes per operation the statuses it answers, with the error codes it gives", () => {
    const submit = operationOf("POST", "/cases/{caseId}/submit");
    expect(Object.keys(submit?.responses ?? {}).sort()).toEqual(
      ["202", "400", "401", "403", "404", "409", "422", "500", "503"].sort(),
    );
    /** The codes of a status's handler error body (beside API Gateway's `{"message"}` when both answer it). */
    const codes = (status: string): string[] => {
      const response = submit?.responses?.[status] as
        | { content: { "application/json": { schema: Record<string, unknown> } } }
        | undefined;
      const schema = response?.content["application/json"].schema ?? {};
      const branches = (schema.anyOf as Record<string, unknown>[] | undefined) ?? [schema];
      return branches.flatMap((branch) => {
        const error = (
          branch.properties as { error?: { properties: { code: { enum: string[] } } } } | undefined
        )?.error;
        return error ? error.properties.code.enum : [];
      });
    };
    expect(codes("409")).toEqual(
      expect.arrayContaining(["idempotency_request_in_progress", "illegal_transition", "case_changed"]),
    );
    expect(codes("422")).toEqual(
      expect.arrayContaining(["idempotency_key_reused", "not_a_draft", "application_incomplete"]),
    );
    expect(codes("400")).toEqual(expect.arrayContaining(["idempotency_key_missing", "validation_failed"]));
    expect(codes("503")).toEqual(["idempotency_store_unavailable", "workflow_not_started", "service_busy"]);
    expect(submit?.parameters?.find((parameter) => parameter.name === "idempotency-key")).toMatchObject({
      in: "header",
      required: true,
    });
    expect(operationOf("POST", "/review/cases/{caseId}/steps/{stepId}/decision")?.responses).toHaveProperty(
      "409",
    );
    expect(operationOf("POST", "/cases/{caseId}/correction")?.responses).toHaveProperty("422");
    const upload = operationOf("POST", "/cases/{caseId}/documents") as {
      requestBody?: { content: { "application/json": { schema: { properties?: object } } } };
    };
    expect(
      Object.keys(upload.requestBody?.content["application/json"].schema.properties ?? {}).sort(),
    ).toEqual(["contentType", "sha256", "size", "type"]);
  });

  it("uses one caseId schema on every route with a caseId", () => {
    const schemas = new Set<string>();
    for (const route of ROUTES.filter((candidate) => candidate.path.includes("{caseId}"))) {
      const parameter = operationOf(route.method, route.path)?.parameters?.find(
        (item) => item.name === "caseId",
      ) as { schema?: unknown } | undefined;
      schemas.add(JSON.stringify(parameter?.schema));
    }
    expect(schemas.size).toBe(1);
  });

  it("gives examples of the main flows, and every example matches its schema", () => {
    const contract = new ApiContract(document);
    let checked = 0;
    for (const { path, method, operation } of contract.operations()) {
      for (const [status, response] of Object.entries(operation.responses)) {
        for (const [mediaType, media] of Object.entries(response.content ?? {})) {
          const example = (media as { example?: unknown }).example;
          if (example === undefined) continue;
          checked++;
          expect(
            contract.violations({
              method,
              url: path.replace(/\{(\w+)\}/g, "x"),
              status: Number(status),
              contentType: mediaType,
              body: JSON.stringify(example),
            }),
            `${method} ${path} ${status}`,
          ).toEqual([]);
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(5);
    for (const key of ["POST /cases", "PUT /cases/{caseId}/application", "POST /cases/{caseId}/documents"]) {
      const [method = "", path = ""] = key.split(" ");
      const body = (
        operationOf(method, path) as { requestBody?: { content: Record<string, { example?: unknown }> } }
      ).requestBody?.content["application/json"]?.example;
      expect(body, key).toBeDefined();
    }
  });

  it("reports a route that has no registered operation (so the test above fails for it)", () => {
    const extra = {
      method: "GET",
      path: "/cases/{caseId}/nothing-registered",
      access: "signed-in",
      summary: "A route someone forgot to document",
    } as const;
    const result = buildOpenApiDocument([...ROUTES, extra]);
    expect(result.missing).toEqual(["GET /cases/{caseId}/nothing-registered"]);
    const item = result.document.paths?.["/cases/{caseId}/nothing-registered"] as Record<string, unknown>;
    expect(item.get).toMatchObject({ "x-undocumented": true });
  });

  it("reports an operation whose route was removed from the table", () => {
    const result = buildOpenApiDocument(ROUTES.filter((route) => route.path !== "/register"));
    expect(result.stale).toEqual(["GET /register"]);
  });

  it("gives every operation a unique operationId", () => {
    const ids = allOperations().map((operation) => operation.operationId);
    expect(ids.every((id) => typeof id === "string" && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(Object.values(OPERATIONS).map((spec) => spec.operationId)).size).toBe(
      Object.keys(OPERATIONS).length,
    );
  });

  it("requires the bearer token on every non-public route and none on public ones", () => {
    for (const route of ROUTES) {
      const operation = operationOf(route.method, route.path);
      if (route.access === "public") expect(operation?.security, routeKey(route)).toEqual([]);
      else {
        expect(operation?.security, routeKey(route)).toEqual([{ [BEARER_SCHEME]: [] }]);
        expect(operation?.responses, routeKey(route)).toHaveProperty("401");
      }
    }
  });

  it("declares every path parameter of every route as a required path parameter", () => {
    for (const route of ROUTES) {
      const names = [...route.path.matchAll(/\{(\w+)\+?\}/g)].map((match) => match[1]);
      const declared = (operationOf(route.method, route.path)?.parameters ?? []).filter(
        (parameter) => parameter.in === "path",
      );
      expect(declared.map((parameter) => parameter.name).sort(), routeKey(route)).toEqual([...names].sort());
      for (const parameter of declared)
        expect(parameter.required, `${routeKey(route)} ${parameter.name}`).toBe(true);
    }
  });

  it("gives every operation a success response and resolves every $ref to a component", () => {
    for (const operation of allOperations()) {
      expect(Object.keys(operation.responses ?? {}).some((status) => /^2\d\d$/.test(status))).toBe(true);
    }
    const refs = refsIn(document);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const [, section, name] = /^#\/components\/(\w+)\/(.+)$/.exec(ref) ?? [];
      const components = document.components as Record<string, Record<string, unknown> | undefined>;
      expect(section && name ? components[section]?.[name] : undefined, ref).toBeDefined();
    }
  });

  it("describes the audit routes with their zod schemas (query parameters, CSV media type)", () => {
    const search = operationOf("GET", "/audit/events");
    expect(search?.parameters?.find((parameter) => parameter.name === "from")).toMatchObject({
      in: "query",
      required: true,
    });
    const csv = operationOf("GET", "/audit/events.csv")?.responses?.["200"] as {
      content: Record<string, unknown>;
    };
    expect(Object.keys(csv.content)).toEqual(["text/csv"]);
    expect(document.components?.schemas).toHaveProperty("AuditEventRecord");
  });

  it("survives a JSON round trip (what GET /openapi.json serves)", () => {
    expect(JSON.parse(JSON.stringify(document))).toEqual(document);
  });
});
