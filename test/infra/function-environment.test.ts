/**
 * Every function loads with only the environment its stack gives it. Handlers
 * read their configuration when their module loads and fail fast on a missing
 * variable (shared/config.ts): on Lambda that is every request to the function
 * failing with a 5xx. The local cloud cannot show it: its in-process Lambdas
 * share one process.env with every function's variables merged
 * (LocalLambdaRuntime.sharedEnvironment). Here each handler's modules are
 * evaluated afresh with exactly the variables of its function in the
 * synthesized template, and what Lambda itself sets.
 */
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { REPO_ROOT } from "#infra/constructs/function-metadata.ts";
import { functionsFromTemplate } from "#infra/local/lambda-runtime.ts";
import { localPhysicalNames, synthesizeTemplate } from "#infra/local/template.ts";

/** What the Lambda runtime sets in every function (region, credentials of the role, the function's name). */
const LAMBDA_RUNTIME = {
  AWS_REGION: "cn-north-1",
  AWS_DEFAULT_REGION: "cn-north-1",
  AWS_ACCESS_KEY_ID: "ASIATESTTESTTESTTEST",
  AWS_SECRET_ACCESS_KEY: "test",
  AWS_SESSION_TOKEN: "test",
  AWS_LAMBDA_FUNCTION_NAME: "nongfang-test",
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512",
  AWS_EXECUTION_ENV: "AWS_Lambda_nodejs24.x",
};

const before = { ...process.env };
/** process.env as exactly `variables` (the object stays: modules may hold a reference to it). */
function setEnvironment(variables: Readonly<Record<string, string | undefined>>): void {
  for (const key of Object.keys(process.env)) delete process.env[key];
  Object.assign(process.env, variables);
}

afterAll(() => {
  setEnvironment(before);
  // The modules evaluated here saw a function's variables: the next file of this worker loads its own.
  vi.resetModules();
});

describe("each function's environment", () => {
  it("lets its handler module load: nothing it reads at load is missing", async () => {
    const template = await synthesizeTemplate();
    const functions = functionsFromTemplate(template, localPhysicalNames(template));
    expect(functions.length).toBeGreaterThan(40);
    // Functions with the same variables load in one fresh module registry: what loads for one, loads for all.
    const byEnvironment = new Map<string, { environment: Record<string, string>; entries: string[] }>();
    for (const fn of functions) {
      const key = JSON.stringify(Object.entries(fn.environment).sort(([a], [b]) => a.localeCompare(b)));
      const group = byEnvironment.get(key) ?? { environment: { ...fn.environment }, entries: [] };
      group.entries.push(fn.entry);
      byEnvironment.set(key, group);
    }
    const failures: string[] = [];
    for (const { environment, entries } of byEnvironment.values()) {
      vi.resetModules();
      setEnvironment({ PATH: before.PATH, ...LAMBDA_RUNTIME, ...environment });
      try {
        for (const entry of entries) {
          try {
            const module = (await import(path.join(REPO_ROOT, entry))) as { handler?: unknown };
            if (typeof module.handler !== "function") failures.push(`${entry}: exports no handler`);
          } catch (error) {
            failures.push(`${entry}: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
      } finally {
        setEnvironment(before);
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
