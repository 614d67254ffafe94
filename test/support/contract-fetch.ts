/**
 * The contract check on every API call the integration suites make: the
 * global `fetch` is wrapped (once per test file; ./fresh-file.ts unwraps it for the next) so that a response
 * from a checked API origin (every local cloud started by ./local-cloud.ts) is
 * validated against the OpenAPI document (./contract.ts) before the test sees
 * it. A response outside the document rejects the `fetch` call with a
 * ContractViolationError naming the operation, the status and the mismatch,
 * so the test that made the call fails there.
 */
import { type ApiContract, apiContract } from "./contract.ts";

/** Per checked origin, the contracts registered for it; the last one checks. */
const checkedOrigins = new Map<string, ApiContract[]>();
let installed = false;

function requestOf(input: RequestInfo | URL, init: RequestInit | undefined): { method: string; url: URL } {
  if (input instanceof Request) return { method: init?.method ?? input.method, url: new URL(input.url) };
  return { method: init?.method ?? "GET", url: new URL(String(input)) };
}

function install(): void {
  if (installed) return;
  installed = true;
  const original = globalThis.fetch;
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const response = await original(input, init);
    const { method, url } = requestOf(input, init);
    const contract = checkedOrigins.get(url.origin)?.at(-1);
    if (!contract || method.toUpperCase() === "HEAD") return response;
    contract.assert({
      method,
      url: `${url.pathname}${url.search}`,
      status: response.status,
      contentType: response.headers.get("content-type"),
      body: await response.clone().text(),
    });
    return response;
  };
}

/** Checks every response from `apiUrl` against `contract` from now on; the returned function stops it. */
export function checkContractOf(apiUrl: string, contract: ApiContract = apiContract()): () => void {
  install();
  const origin = new URL(apiUrl).origin;
  const contracts = checkedOrigins.get(origin) ?? [];
  contracts.push(contract);
  checkedOrigins.set(origin, contracts);
  return () => {
    const index = contracts.lastIndexOf(contract);
    if (index >= 0) contracts.splice(index, 1);
    if (contracts.length === 0) checkedOrigins.delete(origin);
  };
}
