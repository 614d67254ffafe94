import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiContract } from "../support/contract.ts";
import {
  closeFuzzAgent,
  type FuzzFixtures,
  type FuzzWorld,
  fuzzOperation,
  type OperationReport,
  prepareFixtures,
  RequestFactory,
} from "../support/fuzz.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";

/**
 * A seeded sample of the fuzz suite (bench/fuzz-api.ts sends ≥ 10,000 per
 * operation): requests generated from every operation's schemas, hostile
 * strings, bodies, content types and encodings; every answer documented for
 * its operation and never 5xx; refused writes leave the fuzzed case (its audit
 * head included) and the household's cases as they were.
 */
const SEED = 1313;
const PER_OPERATION = 12;

let env: TestCloud;
let world: FuzzWorld;
let fixtures: FuzzFixtures;
const reports: OperationReport[] = [];

beforeAll(async () => {
  // Danling's demo policy: no public notice, so the case waits at village review at once.
  env = await startTestCloud({ context: { countyPolicy: "danling-demo" } });
  world = {
    api: env.cloud.endpoints.api,
    issuer: env.cloud.endpoints.auth.issuer,
    dynamodb: env.dynamodb,
    tableName: env.cloud.endpoints.tableName,
  };
  fixtures = await prepareFixtures(world);
}, 300_000);
afterAll(async () => {
  closeFuzzAgent();
  await env?.stop();
});

describe("fuzzing every operation from the OpenAPI document (seeded sample)", () => {
  it("answers every request as documented, never 5xx, and refused writes change nothing", async () => {
    const contract = apiContract();
    const factory = new RequestFactory(contract, fixtures, { maxBodyBytes: 200_000 });
    // Reads first, then writes; withdrawing the fuzzed case last (it ends the case).
    const operations = contract
      .operations()
      .sort(
        (a, b) =>
          Number(a.method !== "get") - Number(b.method !== "get") ||
          Number(a.path.endsWith("/withdraw")) - Number(b.path.endsWith("/withdraw")),
      );
    for (const [index, operation] of operations.entries()) {
      reports.push(
        await fuzzOperation(world, contract, factory, fixtures, operation, PER_OPERATION, SEED + index),
      );
    }
    const findings = reports.flatMap((report) => report.findings);
    expect(reports.reduce((sum, report) => sum + report.requests, 0)).toBeGreaterThanOrEqual(300);
    expect(findings.map((finding) => `${finding.kind}: ${finding.request} → ${finding.detail}`)).toEqual([]);
    const total = (pick: (report: OperationReport) => number) =>
      reports.reduce((sum, report) => sum + pick(report), 0);
    expect(
      total((report) => report.fiveXX + report.undocumented + report.stateChanges + report.noAnswer),
    ).toBe(0);
    // The sample reached the handlers, not just the authorizer: every operation answered something besides 401.
    for (const report of reports) {
      const statuses = Object.keys(report.statuses).map(Number);
      expect(
        statuses.some((status) => status !== 401),
        `${report.operation}: ${JSON.stringify(report.statuses)}`,
      ).toBe(true);
    }
  }, 600_000);
});
