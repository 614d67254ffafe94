import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiContract, apiContract, ContractViolationError } from "../support/contract.ts";
import { checkContractOf } from "../support/contract-fetch.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { authHeader, signInAs } from "../support/tokens.ts";

let env: TestCloud;
let api: string;

beforeAll(async () => {
  env = await startTestCloud();
  api = env.cloud.endpoints.api;
}, 300_000);
afterAll(async () => {
  await env?.stop();
});

describe("the API's OpenAPI contract", () => {
  it("serves a valid OpenAPI 3.1 document, the one the contract check uses", async () => {
    const response = await fetch(`${api}/openapi.json`);
    expect(response.status).toBe(200);
    const served = await response.json();
    const validator = new Validator();
    const result = await validator.validate(served);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(served).toEqual(JSON.parse(JSON.stringify(apiContract().document)));
  });

  it("checks every response of the test cloud: an answer the document does not describe fails the call", async () => {
    // The same document without GET /health's 200: the real answer is now undocumented.
    const document = structuredClone(apiContract().document);
    const health = document.paths?.["/health"] as { get: { responses: Record<string, unknown> } };
    delete health.get.responses["200"];
    const stop = checkContractOf(api, new ApiContract(document));
    try {
      const error = await fetch(`${api}/health`).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ContractViolationError);
      expect(String(error)).toMatch(/GET \/health \(getHealth\) → 200: status 200 is not documented/);
    } finally {
      stop();
    }
    expect((await fetch(`${api}/health`)).status).toBe(200);
  });

  it("checks error bodies and their codes per operation", async () => {
    const token = await signInAs(env.cloud.endpoints, "villager-wang");
    const bad = await fetch(`${api}/cases/not-a-case`, { headers: authHeader(token) });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    const contract = apiContract();
    const problems = contract.violations({
      method: "GET",
      url: "/cases/not-a-case",
      status: bad.status,
      contentType: bad.headers.get("content-type"),
      body: JSON.stringify({ error: { code: "made_up_code", message: "x" } }),
    });
    expect(problems.join("\n")).toMatch(/must be equal to one of the allowed values/);
    const unauthorized = await fetch(`${api}/cases`);
    expect(unauthorized.status).toBe(401);
  });
});
