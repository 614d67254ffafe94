/**
 * Fuzzing the API from its OpenAPI document (issue #13): for every operation,
 * `--requests` requests (default 10,000) generated with fast-check from the
 * operation's schemas, plus hostile strings, bodies, content types, encodings
 * and sizes (test/support/fuzz.ts; test/integration/fuzz.test.ts runs a seeded
 * sample of the same). Prints per operation the 5xx count, the answers the
 * document does not describe, and state changes by refused writes (the fuzzed
 * case's partition with its audit head, the household's cases) — target 0, 0
 * and 0. Each write operation gets a fresh case waiting at village review, so
 * an accepted write (a withdrawal, a decision) does not leave the rest of its
 * requests nothing to aim at. Requests go to 127.0.0.1 only, bounded by count.
 *
 *   npx tsx bench/fuzz-api.ts [--requests 10000] [--seed 1] [--concurrency 4] [--only submit] [--max-body-mb 11]
 */
import { apiContract } from "../test/support/contract.ts";
import {
  closeFuzzAgent,
  type FuzzWorld,
  fuzzOperation,
  type OperationReport,
  prepareFixtures,
  RequestFactory,
} from "../test/support/fuzz.ts";
import { startTestCloud } from "../test/support/local-cloud.ts";
import { numberOption } from "./support/args.ts";
import { isMain, printTable, round, runMain, writeResult } from "./support/report.ts";

function stringOption(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function main(): Promise<void> {
  const requests = numberOption("requests", 10_000);
  const seed = numberOption("seed", 1);
  const concurrency = numberOption("concurrency", 4);
  const maxBodyBytes = Math.round(numberOption("max-body-mb", 11) * 1024 * 1024);
  const only = stringOption("only");

  const env = await startTestCloud({ context: { countyPolicy: "danling-demo" } });
  const world: FuzzWorld = {
    api: env.cloud.endpoints.api,
    issuer: env.cloud.endpoints.auth.issuer,
    dynamodb: env.dynamodb,
    tableName: env.cloud.endpoints.tableName,
  };
  const reports: (OperationReport & { seconds: number })[] = [];
  try {
    const contract = apiContract();
    const operations = contract
      .operations()
      .filter(
        (operation) =>
          only === undefined ||
          operation.operation.operationId.toLowerCase().includes(only.toLowerCase()) ||
          operation.path.includes(only),
      );
    let fixtures = await prepareFixtures(world);
    for (const [index, operation] of operations.entries()) {
      if (operation.method !== "get") fixtures = await prepareFixtures(world);
      const factory = new RequestFactory(contract, fixtures, { maxBodyBytes });
      const started = performance.now();
      const report = await fuzzOperation(
        world,
        contract,
        factory,
        fixtures,
        operation,
        requests,
        seed + index,
        {
          concurrency,
          maxFindings: 5,
        },
      );
      const seconds = (performance.now() - started) / 1000;
      reports.push({ ...report, seconds });
      console.log(
        `${report.operation}: ${report.requests} requests in ${round(seconds, 1)} s, 5xx ${report.fiveXX}, undocumented ${report.undocumented}, state changes ${report.stateChanges}, no answer ${report.noAnswer}`,
      );
      for (const finding of report.findings) {
        console.log(`  ${finding.kind}: ${finding.request.slice(0, 200)} → ${finding.detail.slice(0, 300)}`);
      }
    }
  } finally {
    closeFuzzAgent();
    await env.stop();
  }

  const top = (statuses: Record<number, number>) =>
    Object.entries(statuses)
      .sort(([, a], [, b]) => b - a)
      .slice(0, 5)
      .map(([status, count]) => `${status}×${count}`)
      .join(" ");
  printTable(
    `fuzz-api: ${requests} requests per operation, seed ${seed}`,
    reports.map((report) => ({
      operation: report.operation,
      requests: report.requests,
      "5xx": report.fiveXX,
      undocumented: report.undocumented,
      "state changes": report.stateChanges,
      "no answer": report.noAnswer,
      "req/s": report.requests / report.seconds,
      statuses: top(report.statuses),
    })),
  );
  const total = (pick: (report: OperationReport) => number) =>
    reports.reduce((sum, report) => sum + pick(report), 0);
  console.log(
    `\ntotal: ${total((report) => report.requests)} requests, 5xx ${total((report) => report.fiveXX)}, undocumented ${total((report) => report.undocumented)}, state changes ${total((report) => report.stateChanges)} (target 0, 0, 0)`,
  );
  await writeResult("fuzz-api", {
    requestsPerOperation: requests,
    seed,
    operations: reports.map(({ findings, ...report }) => ({ ...report, findings: findings.slice(0, 5) })),
  });
}

if (isMain(import.meta.url)) runMain(main);
