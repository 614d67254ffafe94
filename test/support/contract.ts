/**
 * The API contract as a check: every response is matched to the operation it
 * answers (method + path template, literal segments first, as API Gateway
 * routes) and validated against the OpenAPI document built from the route
 * table (what GET /openapi.json serves): the status must be one the operation
 * publishes, the media type one that status publishes, and a JSON body must
 * match its schema (ajv, JSON Schema 2020-12 with formats).
 *
 * Every object schema in the document that does not say otherwise is checked
 * as closed: a field the document does not name fails, so a handler cannot
 * add one without publishing it.
 *
 * Used by the integration suites through ./contract-fetch.ts (a fetch hook)
 * and by the fuzz test and bench.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import formatsModule from "ajv-formats";
import { readRunCache, writeRunCache } from "#infra/local/run-cache.ts";
import { ROUTES } from "#shared/http/routes.ts";
import { buildOpenApiDocument, type OpenApiDocument } from "#shared/openapi/document.ts";

// A CommonJS module: its default export is the module object, whose `default` is the plugin.
const addFormats = formatsModule.default;

const METHODS = ["get", "put", "post", "delete", "patch"] as const;
const DOCUMENT_ID = "https://nongfang.local/openapi.json";

interface MediaType {
  readonly schema?: unknown;
}
interface ResponseObject {
  readonly content?: Record<string, MediaType>;
}
export interface OperationObject {
  readonly operationId: string;
  readonly responses: Record<string, ResponseObject>;
  readonly parameters?: readonly { name: string; in: string; required?: boolean; schema?: unknown }[];
  readonly requestBody?: { content: Record<string, MediaType> };
}

export interface MatchedOperation {
  /** OpenAPI path, e.g. `/cases/{caseId}`. */
  readonly path: string;
  readonly method: (typeof METHODS)[number];
  readonly operation: OperationObject;
}

export interface ObservedResponse {
  readonly method: string;
  /** Path (and optional query) of the request, relative to the API's root. */
  readonly url: string;
  readonly status: number;
  readonly contentType: string | null;
  readonly body: string;
}

interface CompiledPath {
  readonly path: string;
  readonly pattern: RegExp;
  readonly literals: number;
}

/** Closes every object schema that names properties and says nothing of others (outside allOf, where closing would break the merge). */
function closeObjects(value: unknown, insideAllOf = false): unknown {
  if (Array.isArray(value)) return value.map((item) => closeObjects(item, insideAllOf));
  if (!value || typeof value !== "object") return value;
  const schema: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // The branches of a oneOf/anyOf inside an allOf are merged with its other members too.
    const merged = key === "allOf" || ((key === "oneOf" || key === "anyOf") && insideAllOf);
    schema[key] = closeObjects(item, merged);
  }
  const isObjectSchema = schema.type === "object" && typeof schema.properties === "object";
  if (isObjectSchema && !insideAllOf && !("additionalProperties" in schema)) {
    schema.additionalProperties = false;
  }
  if (Array.isArray(schema.allOf) && !("unevaluatedProperties" in schema)) {
    schema.unevaluatedProperties = false;
  }
  return schema;
}

const pointer = (...segments: string[]) =>
  segments.map((segment) => segment.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");

export class ApiContract {
  readonly document: OpenApiDocument;
  private readonly ajv: Ajv2020;
  private readonly paths: readonly CompiledPath[];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(document: OpenApiDocument = buildOpenApiDocument(ROUTES).document) {
    this.document = document;
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    const checked = closeObjects(JSON.parse(JSON.stringify(document))) as Record<string, unknown>;
    this.ajv.addSchema({ ...checked, $id: DOCUMENT_ID });
    this.paths = Object.keys(document.paths ?? {})
      .map((path) => {
        const segments = path.split("/");
        const source = segments
          .map((segment) =>
            /^\{\w+\}$/.test(segment) ? "([^/]+)" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
          )
          .join("/");
        const literals = segments.filter((segment) => segment !== "" && !segment.startsWith("{")).length;
        return { path, pattern: new RegExp(`^${source}$`), literals };
      })
      .sort((a, b) => b.literals - a.literals);
  }

  /** Every operation of the document with its path and method. */
  operations(): MatchedOperation[] {
    return Object.entries(this.document.paths ?? {}).flatMap(([path, item]) =>
      METHODS.flatMap((method) => {
        const operation = (item as Record<string, OperationObject | undefined>)[method];
        return operation ? [{ path, method, operation }] : [];
      }),
    );
  }

  /** The operation a request goes to, as the API routes it; undefined when none does (API Gateway's 404). */
  match(method: string, url: string): MatchedOperation | undefined {
    const pathname = new URL(url, "http://api.local").pathname;
    const lower = method.toLowerCase();
    for (const candidate of this.paths) {
      if (!candidate.pattern.test(pathname)) continue;
      const item = this.document.paths?.[candidate.path] as Record<string, OperationObject | undefined>;
      const operation = item[lower];
      if (operation) return { path: candidate.path, method: lower as MatchedOperation["method"], operation };
    }
    return undefined;
  }

  /** Why a response breaks the contract (empty when it keeps it, or when no operation serves the request). */
  violations(observed: ObservedResponse): string[] {
    const matched = this.match(observed.method, observed.url);
    if (!matched) return [];
    const where = `${observed.method.toUpperCase()} ${matched.path} (${matched.operation.operationId}) → ${observed.status}`;
    const status = String(observed.status);
    const response = matched.operation.responses[status];
    if (!response) {
      return [
        `${where}: status ${status} is not documented (documented: ${Object.keys(matched.operation.responses).join(", ")}); body ${observed.body.slice(0, 300)}`,
      ];
    }
    const content = response.content ?? {};
    const mediaTypes = Object.keys(content);
    if (mediaTypes.length === 0) {
      return observed.body.length === 0 ? [] : [`${where}: the response has a body, the document none`];
    }
    const mediaType = (observed.contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    if (!mediaTypes.includes(mediaType)) {
      return [
        `${where}: content-type ${observed.contentType} is not documented (documented: ${mediaTypes.join(", ")})`,
      ];
    }
    if (mediaType !== "application/json") return [];
    let body: unknown;
    try {
      body = JSON.parse(observed.body);
    } catch {
      return [`${where}: the body is not JSON: ${observed.body.slice(0, 200)}`];
    }
    const validate = this.validator(matched, status, mediaType);
    if (validate(body)) return [];
    return [
      `${where}: the body does not match the document: ${describe(validate.errors ?? [])}; body ${observed.body.slice(0, 500)}`,
    ];
  }

  /** Throws when the response breaks the contract. */
  assert(observed: ObservedResponse): void {
    const problems = this.violations(observed);
    if (problems.length > 0) throw new ContractViolationError(problems);
  }

  private validator(matched: MatchedOperation, status: string, mediaType: string): ValidateFunction {
    const ref = `${DOCUMENT_ID}#/${pointer("paths", matched.path, matched.method, "responses", status, "content", mediaType, "schema")}`;
    let validate = this.validators.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref });
      this.validators.set(ref, validate);
    }
    return validate;
  }
}

function describe(errors: readonly ErrorObject[]): string {
  return errors
    .slice(0, 8)
    .map((error) => {
      const extra =
        error.keyword === "additionalProperties"
          ? ` (${String((error.params as { additionalProperty?: unknown }).additionalProperty)})`
          : error.keyword === "enum"
            ? ` (${JSON.stringify((error.params as { allowedValues?: unknown }).allowedValues)})`
            : "";
      return `${error.instancePath || "/"} ${error.message ?? error.keyword}${extra}`;
    })
    .join("; ");
}

/** A response the OpenAPI document does not describe. */
export class ContractViolationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`The API answered outside its OpenAPI document:\n- ${problems.join("\n- ")}`);
    this.name = "ContractViolationError";
  }
}

/**
 * The document of the route table, generated once per test run: every file
 * that starts a local cloud checks its answers against it, and generating it
 * from the zod schemas costs ≈ 0.3 s of CPU (infra/local/run-cache.ts).
 */
function documentOfThisRun(): OpenApiDocument {
  const cached = readRunCache<OpenApiDocument>("openapi", "ROUTES");
  if (cached) return cached;
  const { document } = buildOpenApiDocument(ROUTES);
  writeRunCache("openapi", "ROUTES", document);
  return document;
}

// Kept on globalThis: the files of a worker share it while this module is evaluated again for each
// (./fresh-file.ts). The validators ajv compiled for one file serve the next (≈ 0.2 s of CPU a file).
const WORKER_CONTRACT = Symbol.for("nongfang.test.apiContract");
const holder = globalThis as {
  [WORKER_CONTRACT]?: { readonly text: string; readonly contract: ApiContract };
};

/** One contract per worker and document (building the document and compiling validators is not free). */
export function apiContract(): ApiContract {
  const document = documentOfThisRun();
  const text = JSON.stringify(document);
  if (holder[WORKER_CONTRACT]?.text !== text) {
    holder[WORKER_CONTRACT] = { text, contract: new ApiContract(document) };
  }
  return holder[WORKER_CONTRACT].contract;
}
