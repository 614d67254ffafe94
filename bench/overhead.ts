/**
 * Platform overhead: N whole cases (default 1,000) end to end on the local
 * cloud with instant reviewers, in one process (API adapter, Lambda runtime,
 * Step Functions emulator, dynalite, s3rver and this driver all share it, as
 * with `npm start`). Reports wall time, cases/s and process CPU ms per case,
 * and where the time went (Lambda wall time by function). Baseline in the
 * same run: the same number of HTTP requests, at the same concurrency, against
 * an empty handler on a second local HTTP API adapter (the transport floor).
 *
 *   npx tsx bench/overhead.ts [--cases 1000] [--concurrency 4] [--profile]
 */
import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import { startLocalHttpApi } from "#infra/local/http-api.ts";
import { flag, numberOption } from "./support/args.ts";
import {
  applyAndSubmit,
  type BenchCloud,
  decide,
  http,
  pool,
  type StepOpened,
  startBenchCloud,
} from "./support/cloud.ts";
import { applicationOf, type Caller, householdCallers, tableClient } from "./support/households.ts";
import { byComponent, summarise } from "./support/profile-summary.ts";
import { median, percentile, printTable, round, runMain, writeResult } from "./support/report.ts";

const DEPARTMENTS = ["agriculture", "natural_resources", "housing_construction"] as const;
const APPROVE = { outcome: "approved", comment: "同意" };

/**
 * One homestead case of household `index`, every reviewer deciding the moment the step opens.
 * A household per case: one household has one open homestead case at a time (一户一宅).
 */
async function wholeCase(
  bench: BenchCloud,
  household: Caller,
  index: number,
): Promise<{ requests: number; ms: number }> {
  const started = performance.now();
  const { caseId, requests } = await applyAndSubmit(bench, {
    caller: household,
    application: applicationOf(index),
  });
  let decisions = 0;
  const step = async (stepId: string) => {
    const opened: StepOpened = await bench.stepOpened(caseId, stepId);
    await decide(bench, caseId, opened, APPROVE);
    decisions++;
  };
  await step("village_review#1");
  await step("township_acceptance#1");
  await Promise.all(DEPARTMENTS.map((department) => step(`joint_review#${department}#1`)));
  await step("township_approval#1");
  await bench.certificatesIssued(caseId);
  await step("site_visit_staking#1");
  // The construction period's run waits for the household's completion report, then the inspection.
  await bench.stepOpened(caseId, "completion_report#1");
  const reported = await household("POST", `/cases/${caseId}/completion-report`, {});
  // 202: stored, its delivery to the workflow still pending (the inspection then opens a little later).
  if (reported.status !== 200 && reported.status !== 202)
    throw new Error(`completion report: ${reported.status} ${reported.body.slice(0, 400)}`);
  await step("site_visit_completion#1");
  return { requests: requests + decisions + 1, ms: performance.now() - started };
}

async function runningExecutions(sfn: SFNClient, stateMachineArn: string): Promise<number> {
  let count = 0;
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn, statusFilter: "RUNNING", maxResults: 1000, nextToken }),
    );
    count += page.executions?.length ?? 0;
    nextToken = page.nextToken;
  } while (nextToken);
  return count;
}

/** The same number of requests against a handler that returns 200 at once, on the same adapter. */
async function transportFloor(requests: number, concurrency: number) {
  const api = await startLocalHttpApi({
    port: 0,
    routes: [
      { method: "POST", path: "/empty/{id}", handler: "empty", access: "public", uses: [], summary: "empty" },
    ],
    invoke: async () => ({ statusCode: 200, body: "{}" }),
  });
  try {
    const cpu = process.cpuUsage();
    const started = performance.now();
    await pool(
      Array.from({ length: requests }, (_, i) => i),
      concurrency,
      (i) => http("POST", `${api.url}/empty/${i}`, { "content-type": "application/json" }, "{}"),
    );
    const used = process.cpuUsage(cpu);
    return { wallMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
  } finally {
    await api.close();
  }
}

async function main() {
  const cases = numberOption("cases", 1000);
  const concurrency = numberOption("concurrency", 4);
  const bench = await startBenchCloud({ context: { countyPolicy: "danling-demo" } });
  const { endpoints } = bench.cloud;
  const sfn = new SFNClient({
    region: endpoints.region,
    credentials: endpoints.credentials,
    endpoint: endpoints.stepFunctions,
  });
  const table = tableClient(endpoints);
  try {
    // Households 0…cases-1 for the measured cases, one more for the warm-up.
    const households = await householdCallers(table, endpoints, bench.dataDir, cases + 1);
    const householdOf = (index: number): Caller => {
      const household = households[index];
      if (!household) throw new Error(`no household ${index}`);
      return household;
    };
    // Warm-up: the first case loads every handler module (the local "cold start"), which N cases amortize anyway.
    await wholeCase(bench, householdOf(cases), cases);
    bench.invocations.length = 0;
    // --profile samples only the measured phase (not tsx, CDK synth and template validation at start).
    const session = flag("profile") ? new Session() : undefined;
    if (session) {
      session.connect();
      await session.post("Profiler.enable");
      await session.post("Profiler.start");
    }

    const cpu = process.cpuUsage();
    const started = performance.now();
    let done = 0;
    const progress = setInterval(() => process.stderr.write(`\roverhead: ${done}/${cases} cases`), 2000);
    const results = await pool(
      Array.from({ length: cases }, (_, i) => i),
      concurrency,
      async (index) => {
        const result = await wholeCase(bench, householdOf(index), index);
        done++;
        return result;
      },
    );
    while ((await runningExecutions(sfn, endpoints.stateMachineArn)) > 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    clearInterval(progress);
    process.stderr.write("\n");
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    const requests = results.reduce((sum, result) => sum + result.requests, 0);
    const caseMs = results.map((result) => result.ms);

    const byFunction = new Map<string, { count: number; ms: number }>();
    for (const invocation of bench.invocations) {
      const entry = byFunction.get(invocation.entry) ?? { count: 0, ms: 0 };
      entry.count++;
      entry.ms += invocation.ms;
      byFunction.set(invocation.entry, entry);
    }
    let profile: Promise<Awaited<ReturnType<typeof summarise>>> | undefined;
    let components: Awaited<ReturnType<typeof byComponent>> | undefined;
    if (session) {
      const { profile: taken } = await session.post("Profiler.stop");
      session.disconnect();
      const file = path.join(tmpdir(), `nongfang-overhead-${Date.now()}.cpuprofile`);
      await writeFile(file, JSON.stringify(taken));
      profile = summarise(file, 20);
      components = await byComponent(file);
      console.log(`CPU profile of the measured phase: ${file}`);
    }
    const floor = await transportFloor(requests, concurrency);

    const summary = {
      cases,
      concurrency,
      wallSeconds: round(wallMs / 1000),
      casesPerSecond: round(cases / (wallMs / 1000)),
      cpuMsPerCase: round(cpuMs / cases),
      cpuSeconds: round(cpuMs / 1000),
      cpuUtilisation: round(cpuMs / wallMs),
      httpRequestsPerCase: round(requests / cases),
      lambdaInvocationsPerCase: round(bench.invocations.length / cases),
      caseLatencyMs: { p50: round(median(caseMs)), p90: round(percentile(caseMs, 90)) },
      emptyHandlerFloor: {
        requests,
        wallSeconds: round(floor.wallMs / 1000),
        cpuMsPerCaseEquivalent: round(floor.cpuMs / cases),
      },
      goals: { wallSeconds: 30, cpuMsPerCase: 50 },
    };
    printTable(`Platform overhead: ${cases} homestead cases, ${concurrency} in flight, instant reviewers`, [
      { metric: "wall time (s)", value: summary.wallSeconds, goal: "≤ 30 (for 1,000)" },
      { metric: "cases/s", value: summary.casesPerSecond, goal: "≥ 33" },
      { metric: "CPU ms per case", value: summary.cpuMsPerCase, goal: "≤ 50" },
      { metric: "CPU utilisation (cores)", value: summary.cpuUtilisation },
      { metric: "HTTP requests per case", value: summary.httpRequestsPerCase },
      { metric: "Lambda invocations per case", value: summary.lambdaInvocationsPerCase },
      {
        metric: "case latency p50 / p90 (ms)",
        value: `${summary.caseLatencyMs.p50} / ${summary.caseLatencyMs.p90}`,
      },
      {
        metric: "baseline: same requests, empty handler: CPU ms per case",
        value: summary.emptyHandlerFloor.cpuMsPerCaseEquivalent,
      },
      {
        metric: "ratio CPU per case / empty-handler floor",
        value: round(summary.cpuMsPerCase / summary.emptyHandlerFloor.cpuMsPerCaseEquivalent, 1),
      },
    ]);
    const functions = [...byFunction.entries()]
      .sort((a, b) => b[1].ms - a[1].ms)
      .map(([entry, { count, ms }]) => ({
        function: entry.replace(/^functions\//, ""),
        "per case": round(count / cases, 1),
        "mean ms": round(ms / count, 1),
        "wall ms per case": round(ms / cases, 1),
      }));
    printTable(
      "Lambda wall time by function (in-process; overlaps, so it does not add up to CPU)",
      functions,
    );
    if (profile) {
      const summaryOfProfile = await profile;
      printTable(
        "Where the CPU went, by component (innermost owning frame; idle excluded)",
        components ?? [],
      );
      printTable(
        "Where the CPU went (self time by package / repo folder, measured phase)",
        summaryOfProfile.buckets,
      );
      printTable("Hottest functions (self time)", summaryOfProfile.functions);
    }
    await writeResult("overhead", {
      summary,
      functions,
      ...(profile ? { profile: { components, ...(await profile) } } : {}),
    });
  } finally {
    sfn.destroy();
    table.destroy();
    await bench.stop();
  }
}

runMain(main);
