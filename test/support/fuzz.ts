/**
 * A fuzzer driven by the OpenAPI document: for each operation, fast-check
 * arbitraries derived from its parameter and body schemas (valid-ish values,
 * and the same with one part broken), plus hostile strings (bad percent
 * escapes, NUL, huge, unicode, prototype-pollution keys, JSON with wrong
 * types), content types, encodings and sizes. Each request goes over raw HTTP
 * (node:http, so a malformed path reaches the server as sent) and its answer
 * is checked: documented for that operation (./contract.ts) and never 5xx.
 * Around each request that is refused (4xx), the fuzzed case's partition
 * (case item, steps, documents, audit events: its audit head included) and the
 * household's case count must not change.
 *
 * Used by test/integration/fuzz.test.ts (a seeded sample) and
 * bench/fuzz-api.ts (≥ 10,000 requests per operation).
 */
import { createHash } from "node:crypto";
import { Agent, request } from "node:http";
import { type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import fc from "fast-check";
import { policyFor } from "#shared/auth/policy.ts";
import { getShippedPolicy } from "#shared/domain/policy/shipped-policies.ts";
import type { ApiContract, MatchedOperation } from "./contract.ts";
import { homesteadApplication } from "./fixtures.ts";
import { DEMO_USER_OF_ROLE } from "./tokens.ts";

// ------------------------------------------------------------------ HTTP

export interface RawRequest {
  readonly method: string;
  /** Path and query exactly as sent (may hold malformed escapes). */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  /** What the generator meant to send, for reports. */
  readonly label: string;
}

export interface RawResponse {
  readonly status: number;
  readonly contentType: string | null;
  readonly body: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

/** A kept-alive socket the server closed as it was reused (Node's documented race): the request never arrived. */
class ReusedSocketReset extends Error {}

/** Sends one request; on a reused socket the server had just closed, once more on a fresh one. */
export function send(api: string, raw: RawRequest, timeoutMs = 60_000): Promise<RawResponse> {
  return sendOnce(api, raw, timeoutMs).catch((error: unknown) => {
    if (error instanceof ReusedSocketReset) return sendOnce(api, raw, timeoutMs);
    throw error;
  });
}

function sendOnce(api: string, raw: RawRequest, timeoutMs: number): Promise<RawResponse> {
  const url = new URL(api);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: raw.method,
        path: raw.path,
        agent,
        timeout: timeoutMs,
        headers: {
          ...raw.headers,
          ...(raw.body === undefined ? {} : { "content-length": String(raw.body.length) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers["content-type"] ?? null,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`No answer in ${timeoutMs} ms`)));
    req.on("error", (error: NodeJS.ErrnoException) =>
      reject(req.reusedSocket && error.code === "ECONNRESET" ? new ReusedSocketReset(error.message) : error),
    );
    req.end(raw.body);
  });
}

export function closeFuzzAgent(): void {
  agent.destroy();
}

async function callJson(
  api: string,
  method: string,
  path: string,
  token: string,
  body?: unknown,
  extra: Record<string, string> = {},
): Promise<RawResponse> {
  return send(api, {
    method,
    path,
    label: "setup",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...extra },
    ...(body === undefined ? {} : { body: Buffer.from(JSON.stringify(body)) }),
  });
}

// ------------------------------------------------------------------ the fuzzed world

export interface FuzzWorld {
  readonly api: string;
  readonly issuer: string;
  readonly dynamodb: DynamoDBDocumentClient;
  readonly tableName: string;
}

/** The real things a request may aim at: a submitted case waiting at village review, its step and a document. */
export interface FuzzFixtures {
  readonly caseId: string;
  readonly stepId: string;
  readonly documentId: string;
  readonly household: string;
  /** Demo user per role (township A), for callers the route's policy allows. */
  readonly users: Readonly<Record<string, string>>;
  readonly tokens: Readonly<Record<string, string>>;
}

/** Keyed by role, as the route policies name them: a role's token is "allowed" where its role is. */
const DEMO_USERS: Readonly<Record<string, string>> = DEMO_USER_OF_ROLE;

async function tokenOf(world: FuzzWorld, userId: string): Promise<string> {
  const url = new URL(world.issuer);
  const response = await send(`${url.protocol}//${url.host}`, {
    method: "POST",
    path: `${url.pathname.replace(/\/$/, "")}/token`,
    label: "sign in",
    headers: { "content-type": "application/json" },
    body: Buffer.from(JSON.stringify({ username: userId })),
  });
  if (response.status !== 200) throw new Error(`Sign-in as ${userId}: ${response.status} ${response.body}`);
  return (JSON.parse(response.body) as { access_token: string }).access_token;
}

const PDF = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");

async function putToS3(uploadUrl: string, headers: Record<string, string>, bytes: Buffer): Promise<void> {
  const url = new URL(uploadUrl);
  const response = await send(`${url.protocol}//${url.host}`, {
    method: "PUT",
    path: `${url.pathname}${url.search}`,
    headers,
    body: bytes,
    label: "upload",
  });
  if (response.status !== 200) throw new Error(`Upload: ${response.status} ${response.body}`);
}

async function caseItems(world: FuzzWorld, caseId: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await world.dynamodb.send(
      new QueryCommand({
        TableName: world.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": `CASE#${caseId}` },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * A homestead case of villager-wang, filled, its required documents uploaded
 * and confirmed, submitted, and waiting at village review (the step open).
 */
export async function prepareFixtures(world: FuzzWorld): Promise<FuzzFixtures> {
  const tokens: Record<string, string> = {};
  for (const [role, userId] of Object.entries(DEMO_USERS)) tokens[role] = await tokenOf(world, userId);
  const villager = tokens.villager ?? "";
  const expect = (response: RawResponse, status: number, what: string) => {
    if (response.status !== status)
      throw new Error(`${what}: ${response.status} ${response.body.slice(0, 300)}`);
    return JSON.parse(response.body || "{}") as Record<string, unknown>;
  };
  // One household, one open homestead case: withdraw what an earlier run (or a fuzzed POST /cases) left open.
  const listed = expect(await callJson(world.api, "GET", "/cases", villager), 200, "list") as {
    cases?: { caseId: string; status: string }[];
  };
  for (const open of listed.cases ?? []) {
    if (["withdrawn", "rejected", "expired", "completed"].includes(open.status)) continue;
    await callJson(world.api, "POST", `/cases/${open.caseId}/withdraw`, villager, {});
  }
  const created = expect(
    await callJson(world.api, "POST", "/cases", villager, { kind: "homestead" }),
    201,
    "create",
  );
  const caseId = String(created.caseId);
  expect(
    await callJson(world.api, "PUT", `/cases/${caseId}/application`, villager, homesteadApplication()),
    200,
    "save",
  );
  const [record] = (await caseItems(world, caseId)).filter((item) => item.sk === "CASE");
  const policy = getShippedPolicy(String(record?.policyId));
  const sha256 = createHash("sha256").update(PDF).digest("hex");
  let documentId = "";
  for (const requirement of policy.requiredDocuments.homestead) {
    if (requirement.condition !== undefined && requirement.condition !== "always") continue;
    for (let i = 0; i < requirement.minCount; i++) {
      const ticket = expect(
        await callJson(world.api, "POST", `/cases/${caseId}/documents`, villager, {
          type: requirement.typeId,
          contentType: "application/pdf",
          size: PDF.length,
          sha256,
        }),
        201,
        "upload request",
      ) as { documentId: string; uploadUrl: string; requiredHeaders: Record<string, string> };
      await putToS3(ticket.uploadUrl, ticket.requiredHeaders, PDF);
      expect(
        await callJson(
          world.api,
          "POST",
          `/cases/${caseId}/documents/${ticket.documentId}/confirm`,
          villager,
        ),
        200,
        "confirm",
      );
      documentId = ticket.documentId;
    }
  }
  expect(
    await callJson(world.api, "POST", `/cases/${caseId}/submit`, villager, undefined, {
      "idempotency-key": `fuzz-${caseId}`,
    }),
    202,
    "submit",
  );
  const until = Date.now() + 60_000;
  let stepId: string | undefined;
  while (!stepId) {
    const step = (await caseItems(world, caseId)).find(
      (item) => String(item.sk).startsWith("STEP#") && item.status === "awaiting_response",
    );
    if (step) stepId = String(step.stepId);
    else if (Date.now() > until) throw new Error("The fuzzed case's first step never opened");
    else await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    caseId,
    stepId,
    documentId,
    household: String(record?.householdId),
    users: DEMO_USERS,
    tokens,
  };
}

// ------------------------------------------------------------------ state

export interface StateSnapshot {
  /** SHA-256 of the fuzzed case's partition (case item with its audit head, steps, tokens, documents, events). */
  readonly caseHash: string;
  readonly eventSeq: number;
  /** Cases of the fuzzed household (byOwner). */
  readonly householdCases: number;
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export async function snapshot(world: FuzzWorld, fixtures: FuzzFixtures): Promise<StateSnapshot> {
  const items = await caseItems(world, fixtures.caseId);
  items.sort((a, b) => String(a.sk).localeCompare(String(b.sk)));
  const owner = await world.dynamodb.send(
    new QueryCommand({
      TableName: world.tableName,
      IndexName: "byOwner",
      KeyConditionExpression: "gsi2pk = :pk",
      ExpressionAttributeValues: { ":pk": `OWNER#${fixtures.household}` },
      Select: "COUNT",
    }),
  );
  const record = items.find((item) => item.sk === "CASE");
  return {
    caseHash: createHash("sha256").update(stableJson(items)).digest("hex"),
    eventSeq: Number(record?.eventSeq ?? 0),
    householdCases: owner.Count ?? 0,
  };
}

const sameState = (a: StateSnapshot, b: StateSnapshot) =>
  a.caseHash === b.caseHash && a.householdCases === b.householdCases;

/** Polls until the fuzzed state stops moving (the workflow acts on an accepted write in the background). */
async function settled(world: FuzzWorld, fixtures: FuzzFixtures): Promise<StateSnapshot> {
  let last = await snapshot(world, fixtures);
  let stableReads = 0;
  const until = Date.now() + 30_000;
  while (stableReads < 3 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const next = await snapshot(world, fixtures);
    stableReads = sameState(last, next) ? stableReads + 1 : 0;
    last = next;
  }
  return last;
}

// ------------------------------------------------------------------ arbitraries from JSON Schema

type Schema = Record<string, unknown>;

export class SchemaArbitraries {
  constructor(private readonly contract: ApiContract) {}

  resolve(schema: unknown): Schema {
    let current = (schema ?? {}) as Schema;
    for (let depth = 0; typeof current.$ref === "string" && depth < 20; depth++) {
      const name = current.$ref.replace("#/components/schemas/", "");
      current = ((this.contract.document.components?.schemas ?? {}) as Record<string, Schema>)[name] ?? {};
    }
    return current;
  }

  /** Values the schema accepts, or nearly (patterns and refinements the schema cannot express may still fail). */
  valid(schema: unknown, depth = 0): fc.Arbitrary<unknown> {
    const s = this.resolve(schema);
    const variants = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
    if (variants?.length) return fc.oneof(...variants.map((variant) => this.valid(variant, depth + 1)));
    if (Array.isArray(s.allOf)) return this.valid(s.allOf[0], depth + 1);
    if (s.const !== undefined) return fc.constant(s.const);
    if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
    const type = Array.isArray(s.type) ? (s.type.find((t) => t !== "null") ?? "null") : s.type;
    switch (type) {
      case "string":
        return this.string(s);
      case "integer":
        return fc.integer({
          min: typeof s.minimum === "number" ? Math.ceil(s.minimum) : -1_000_000,
          max: typeof s.maximum === "number" ? Math.floor(s.maximum) : 1_000_000,
        });
      case "number": {
        const min = typeof s.minimum === "number" ? s.minimum : -1e6;
        const max = typeof s.maximum === "number" ? s.maximum : 1e6;
        const exclusive = typeof s.exclusiveMinimum === "number" ? s.exclusiveMinimum : undefined;
        return fc.double({
          min: exclusive ?? min,
          max,
          noNaN: true,
          noDefaultInfinity: true,
          minExcluded: exclusive !== undefined,
        });
      }
      case "boolean":
        return fc.boolean();
      case "null":
        return fc.constant(null);
      case "array": {
        if (Array.isArray(s.prefixItems))
          return fc.tuple(...s.prefixItems.map((item) => this.valid(item, depth + 1)));
        const maxLength = Math.min(typeof s.maxItems === "number" ? s.maxItems : 4, depth > 3 ? 1 : 4);
        return fc.array(this.valid(s.items, depth + 1), {
          minLength: Math.min(typeof s.minItems === "number" ? s.minItems : 0, maxLength),
          maxLength,
        });
      }
      case "object":
      case undefined: {
        const properties = (s.properties ?? {}) as Record<string, unknown>;
        if (Object.keys(properties).length === 0)
          return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 });
        const required = new Set((s.required ?? []) as string[]);
        const record = Object.fromEntries(
          Object.entries(properties).map(([name, property]) => [name, this.valid(property, depth + 1)]),
        );
        return fc.record(record, {
          requiredKeys: Object.keys(properties).filter((name) => required.has(name)),
        });
      }
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  }

  private string(s: Schema): fc.Arbitrary<string> {
    const maxLength = typeof s.maxLength === "number" ? Math.min(s.maxLength, 60) : 40;
    const minLength = typeof s.minLength === "number" ? Math.min(s.minLength, maxLength) : 0;
    switch (s.format) {
      case "uuid":
        return fc.uuid();
      case "date-time":
        return fc
          .date({
            min: new Date("2000-01-01T00:00:00Z"),
            max: new Date("2099-12-31T23:59:59Z"),
            noInvalidDate: true,
          })
          .map((date) => date.toISOString());
      case "date":
        return fc
          .date({
            min: new Date("2000-01-01T00:00:00Z"),
            max: new Date("2099-12-31T00:00:00Z"),
            noInvalidDate: true,
          })
          .map((date) => date.toISOString().slice(0, 10));
      case "uri":
        return fc.webUrl();
      default:
        break;
    }
    if (typeof s.pattern === "string") {
      try {
        return fc
          .stringMatching(new RegExp(s.pattern))
          .filter(
            (value) => value.length <= ((s.maxLength as number) ?? 10_000) && value.length >= minLength,
          );
      } catch {
        // A pattern JavaScript cannot compile: fall through to plain strings.
      }
    }
    return fc.string({
      minLength,
      maxLength,
      unit: fc.constantFrom("a", "b", "1", "-", "_", "中", " ", "z"),
    });
  }
}

// ------------------------------------------------------------------ hostile input

/** Strings meant to break parsers and handlers; percent-encoded where they go into a URL. */
export const HOSTILE_STRINGS: readonly string[] = [
  "",
  " ",
  "\u0000",
  "null",
  "undefined",
  "NaN",
  "-1",
  "0",
  "1e309",
  "9999999999999999999999",
  "true",
  "[]",
  "{}",
  "__proto__",
  "constructor",
  "prototype",
  "../../etc/passwd",
  "<script>alert(1)</script>",
  "' OR '1'='1",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, on purpose
  "${7*7}",
  "案件",
  "😀",
  "\u202e\u0041",
  "\uFEFF",
  "a".repeat(300),
  "9999-12-31T23:59:59Z",
  "0000-00-00T00:00:00Z",
  "2026-02-30T00:00:00Z",
  "1970-01-01T00:00:00Z",
];

/** Path segments as sent (raw): malformed escapes included, the kind API Gateway answers with a 4xx. */
export const HOSTILE_SEGMENTS: readonly string[] = [
  "%ZZ",
  "%",
  "%E4%B8",
  "%C0%AF",
  "%FF",
  "%00",
  "a%2Fb",
  "%2e%2e",
  "..",
  ".",
  "%20",
  "x".repeat(3000),
  "%E6%A1%88%E4%BB%B6",
  "%F0%9F%98%80",
  "%3Cscript%3E",
  "%27%20OR%201%3D1",
  "CASE%23x",
  "__proto__",
  "0",
  "-1",
];

const CONTENT_TYPES: readonly (string | undefined)[] = [
  "application/json",
  "application/json; charset=utf-8",
  "application/vnd.nongfang+json",
  "application/json; charset=utf-16",
  "text/plain",
  "text/json",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=xyz",
  "application/octet-stream",
  "application/xml",
  "*/*",
  "application/json, text/plain",
  undefined,
];

const encode = (value: string) => encodeURIComponent(value);

function deepNest(levels: number): string {
  return `${"[".repeat(levels)}${"]".repeat(levels)}`;
}

/** Raw JSON-ish bodies that are not what any schema wants. */
export function hostileBodies(maxBytes: number): fc.Arbitrary<Buffer> {
  const texts: fc.Arbitrary<string>[] = [
    fc.constantFrom(
      "",
      "{",
      '{"a":',
      "null",
      "[]",
      "0",
      '"text"',
      "{}",
      "not json",
      '{"__proto__":{"polluted":true}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      '{"kind":"homestead","__proto__":{"isAdmin":true}}',
      '{"a":1,"a":2}',
      "\uFEFF{}",
      '{"\u0000":"\u0000"}',
      "[1,2,3]",
      '{"outcome":"approved","comment":{"$ne":null}}',
      "1".repeat(400),
    ),
    fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value) ?? "null"),
    fc.string({ maxLength: 200 }),
    fc.integer({ min: 100, max: 20_000 }).map(deepNest),
  ];
  const bytes: fc.Arbitrary<Buffer>[] = [
    fc.uint8Array({ maxLength: 300 }).map((array) => Buffer.from(array)),
    fc.constant(Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00])),
    fc.constant(Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d])),
  ];
  if (maxBytes >= 1_000_000) {
    bytes.push(
      fc
        .constantFrom(1_000_000, Math.min(maxBytes, 11 * 1024 * 1024))
        .map((size) => Buffer.from(`{"x":"${"a".repeat(Math.max(0, size - 8))}"}`)),
    );
  }
  return fc.oneof(...texts.map((text) => text.map((value) => Buffer.from(value, "utf8"))), ...bytes);
}

/** `value` with one place replaced by `replacement` (a key's value, or a new key). */
function mutate(value: unknown, replacement: unknown, pick: number, key: string): unknown {
  if (!value || typeof value !== "object" || Array.isArray(value)) return replacement;
  const keys = Object.keys(value);
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  if (keys.length === 0 || pick % 3 === 0) {
    Object.defineProperty(copy, key, {
      value: replacement,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    return copy;
  }
  const target = keys[pick % keys.length] ?? "";
  const inner = copy[target];
  copy[target] =
    inner && typeof inner === "object" && !Array.isArray(inner) && pick % 2 === 0
      ? mutate(inner, replacement, Math.floor(pick / 2), key)
      : replacement;
  if (pick % 7 === 0) delete copy[target];
  return copy;
}

// ------------------------------------------------------------------ requests per operation

interface Parameter {
  readonly name: string;
  readonly in: string;
  readonly required?: boolean;
  readonly schema?: unknown;
}

export interface FuzzOptions {
  /** Largest body to send (the sample keeps it small; the bench goes past API Gateway's 10 MiB). */
  readonly maxBodyBytes: number;
}

export class RequestFactory {
  private readonly schemas: SchemaArbitraries;

  constructor(
    contract: ApiContract,
    private readonly fixtures: FuzzFixtures,
    private readonly options: FuzzOptions,
  ) {
    this.schemas = new SchemaArbitraries(contract);
  }

  /** The real value a path parameter may aim at (the fixture's case, step, document). */
  private realValue(name: string): string | undefined {
    switch (name) {
      case "caseId":
        return this.fixtures.caseId;
      case "stepId":
        return this.fixtures.stepId;
      case "documentId":
      case "photoId":
        return this.fixtures.documentId;
      default:
        return undefined;
    }
  }

  private segment(parameter: Parameter): fc.Arbitrary<string> {
    const real = this.realValue(parameter.name);
    const valid = this.schemas.valid(parameter.schema).map((value) => encode(String(value)));
    return fc.oneof(
      { weight: real ? 6 : 0, arbitrary: fc.constant(real ? encode(real) : "x") },
      { weight: 3, arbitrary: valid },
      { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_SEGMENTS) },
      { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_STRINGS).map(encode) },
      { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map(encode) },
    );
  }

  private queryValue(parameter: Parameter): fc.Arbitrary<string> {
    return fc.oneof(
      { weight: 5, arbitrary: this.schemas.valid(parameter.schema).map((value) => encode(String(value))) },
      { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_STRINGS).map(encode) },
      { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_SEGMENTS) },
      { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map(encode) },
    );
  }

  private caller(operation: MatchedOperation): fc.Arbitrary<string | undefined> {
    const key = `${operation.method.toUpperCase()} ${operation.path}`;
    let roles: readonly string[] = [];
    try {
      roles = policyFor(key).roles;
    } catch {
      roles = [];
    }
    const tokens = this.fixtures.tokens;
    const allowed = roles.map((role) => tokens[role]).filter((token): token is string => token !== undefined);
    const others = Object.entries(tokens)
      .filter(([role]) => !roles.includes(role))
      .map(([, token]) => token);
    return fc.oneof(
      {
        weight: allowed.length > 0 ? 16 : 0,
        arbitrary: fc.constantFrom(...(allowed.length > 0 ? allowed : [""])),
      },
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom("garbage", "a.b.c", "Bearer", "\u00e9") },
      {
        weight: others.length > 0 ? 2 : 0,
        arbitrary: fc.constantFrom(...(others.length > 0 ? others : [""])),
      },
    );
  }

  private body(
    schema: unknown,
  ): fc.Arbitrary<{ body: Buffer; contentType: string | undefined; label: string }> {
    const json = (value: unknown) => Buffer.from(JSON.stringify(value) ?? "null");
    const valid = this.schemas.valid(schema);
    const hostileValue = fc.oneof(
      fc.constantFrom<unknown>(...HOSTILE_STRINGS, null, true, 0, -1, 1e308, [], {}, [null], { $ne: null }),
      fc.jsonValue({ maxDepth: 2 }),
      fc.constant("x".repeat(100_000)),
    );
    const pollutionKeys = fc.constantFrom(
      "__proto__",
      "constructor",
      "prototype",
      "toString",
      "hasOwnProperty",
    );
    const contentType = fc.oneof(
      { weight: 12, arbitrary: fc.constant<string | undefined>("application/json") },
      { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
    );
    return fc.oneof(
      {
        weight: 5,
        arbitrary: fc
          .tuple(valid, contentType)
          .map(([value, type]) => ({ body: json(value), contentType: type, label: "valid-ish" })),
      },
      {
        weight: 5,
        arbitrary: fc
          .tuple(
            valid,
            hostileValue,
            fc.nat(),
            fc.oneof(pollutionKeys, fc.string({ maxLength: 12 })),
            contentType,
          )
          .map(([value, replacement, pick, key, type]) => ({
            // mutate() defines new keys as own properties, so "__proto__" is sent as a key.
            body: json(mutate(value, replacement, pick, key)),
            contentType: type,
            label: "mutated",
          })),
      },
      {
        weight: 3,
        arbitrary: fc
          .tuple(hostileBodies(this.options.maxBodyBytes), contentType)
          .map(([body, type]) => ({ body, contentType: type, label: "hostile" })),
      },
      {
        weight: 1,
        arbitrary: fc.constant({
          body: Buffer.alloc(0),
          contentType: "application/json" as string | undefined,
          label: "empty",
        }),
      },
    );
  }

  /** Requests for one operation. */
  requests(operation: MatchedOperation): fc.Arbitrary<RawRequest> {
    const parameters = (operation.operation.parameters ?? []) as readonly Parameter[];
    const pathParameters = parameters.filter((parameter) => parameter.in === "path");
    const queryParameters = parameters.filter((parameter) => parameter.in === "query");
    const headerParameters = parameters.filter((parameter) => parameter.in === "header");
    const bodySchema = operation.operation.requestBody?.content["application/json"]?.schema;

    const segments = fc.tuple(...pathParameters.map((parameter) => this.segment(parameter)));
    const query = fc.tuple(
      ...queryParameters.map((parameter) =>
        fc.option(
          this.queryValue(parameter).map((value) => `${encode(parameter.name)}=${value}`),
          {
            freq: parameter.required ? 8 : 2,
          },
        ),
      ),
      fc.option(
        fc.constantFrom(
          "unknown=1",
          "limit=0",
          "limit=-5",
          "limit=abc",
          "cursor=%ZZ",
          "a=%",
          "%ZZ=1",
          "township=1&township=2",
        ),
        { freq: 4 },
      ),
    );
    const headers = fc.tuple(
      ...headerParameters.map((parameter) =>
        fc.option(
          fc.oneof(
            this.schemas.valid(parameter.schema).map(String),
            fc.constantFrom("", "short", "k".repeat(300), "é-non-ascii"),
          ),
          { freq: 6 },
        ),
      ),
    );
    const body =
      bodySchema === undefined ? fc.constant(undefined) : fc.option(this.body(bodySchema), { freq: 12 });
    const encoding = fc.constantFrom<string | undefined>(
      undefined,
      undefined,
      undefined,
      undefined,
      "gzip",
      "br",
      "identity",
    );

    return fc
      .tuple(segments, query, headers, body, this.caller(operation), encoding)
      .map(([values, queryParts, headerValues, sent, token, contentEncoding]) => {
        let index = 0;
        const path = operation.path.replace(/\{\w+\}/g, () => values[index++] ?? "");
        const search = queryParts.filter((part): part is string => part !== null && part !== undefined);
        const raw: Record<string, string> = {};
        headerParameters.forEach((parameter, at) => {
          const value = headerValues[at];
          // Only what node:http may send (a header value has no control characters nor non-Latin-1).
          if (value !== null && value !== undefined && /^[\t\x20-\x7e]*$/.test(value))
            raw[parameter.name] = value;
        });
        if (token !== undefined)
          raw.authorization = /\./.test(token) && token.length > 40 ? `Bearer ${token}` : token;
        if (sent?.contentType !== undefined) raw["content-type"] = sent.contentType;
        if (sent && contentEncoding) raw["content-encoding"] = contentEncoding;
        return {
          method: operation.method.toUpperCase(),
          path: `${path}${search.length > 0 ? `?${search.join("&")}` : ""}`,
          headers: raw,
          ...(sent ? { body: sent.body } : {}),
          label: sent?.label ?? "no body",
        };
      });
  }
}

// ------------------------------------------------------------------ running

export interface Finding {
  readonly kind: "5xx" | "undocumented" | "state-change" | "no-answer";
  readonly request: string;
  readonly detail: string;
}

export interface OperationReport {
  readonly operation: string;
  readonly requests: number;
  readonly statuses: Record<number, number>;
  readonly fiveXX: number;
  readonly undocumented: number;
  readonly stateChanges: number;
  readonly noAnswer: number;
  readonly findings: readonly Finding[];
}

const isWrite = (method: string) => method !== "get";

function describeRequest(raw: RawRequest): string {
  const body =
    raw.body === undefined
      ? ""
      : ` body(${raw.label}, ${raw.body.length} B): ${raw.body.subarray(0, 160).toString("utf8")}`;
  const type = raw.headers["content-type"] ? ` [${raw.headers["content-type"]}]` : "";
  return `${raw.method} ${raw.path.slice(0, 200)}${type}${body}`;
}

/**
 * Sends `count` requests generated for `operation` (seeded), checks each
 * answer against the contract and, for writes refused with a 4xx, that the
 * fuzzed state did not move.
 */
export async function fuzzOperation(
  world: FuzzWorld,
  contract: ApiContract,
  factory: RequestFactory,
  fixtures: FuzzFixtures,
  operation: MatchedOperation,
  count: number,
  seed: number,
  options: { readonly concurrency?: number; readonly maxFindings?: number } = {},
): Promise<OperationReport> {
  const samples = fc.sample(factory.requests(operation), { numRuns: count, seed });
  const statuses: Record<number, number> = {};
  const findings: Finding[] = [];
  let fiveXX = 0;
  let undocumented = 0;
  let stateChanges = 0;
  let noAnswer = 0;
  const maxFindings = options.maxFindings ?? 20;
  const note = (finding: Finding) => {
    if (findings.length < maxFindings) findings.push(finding);
  };
  const write = isWrite(operation.method);
  // Writes go one at a time so a state change is pinned on the request that made it.
  const concurrency = write ? 1 : (options.concurrency ?? 4);
  let before = write ? await snapshot(world, fixtures) : undefined;
  let next = 0;
  const worker = async () => {
    while (next < samples.length) {
      const raw = samples[next++] as RawRequest;
      let response: RawResponse;
      try {
        response = await send(world.api, raw);
      } catch (error) {
        noAnswer++;
        note({ kind: "no-answer", request: describeRequest(raw), detail: String(error) });
        continue;
      }
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      if (response.status >= 500) {
        fiveXX++;
        note({
          kind: "5xx",
          request: describeRequest(raw),
          detail: `${response.status} ${response.body.slice(0, 200)}`,
        });
      }
      const violations = contract.violations({
        method: raw.method,
        url: raw.path,
        status: response.status,
        contentType: response.contentType,
        body: response.body,
      });
      if (violations.length > 0) {
        undocumented++;
        note({
          kind: "undocumented",
          request: describeRequest(raw),
          detail: violations.join("; ").slice(0, 600),
        });
      }
      if (write && before) {
        if (response.status >= 200 && response.status < 300) {
          before = await settled(world, fixtures);
        } else {
          const after = await snapshot(world, fixtures);
          if (!sameState(before, after)) {
            stateChanges++;
            note({
              kind: "state-change",
              request: describeRequest(raw),
              detail: `${response.status} ${response.body.slice(0, 200)}; audit seq ${before.eventSeq} → ${after.eventSeq}, household cases ${before.householdCases} → ${after.householdCases}`,
            });
            before = await settled(world, fixtures);
          }
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return {
    operation: `${operation.method.toUpperCase()} ${operation.path}`,
    requests: samples.length,
    statuses,
    fiveXX,
    undocumented,
    stateChanges,
    noAnswer,
    findings,
  };
}
