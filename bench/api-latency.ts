/**
 * API latency: autocannon against the local API for the main read and write
 * routes, and, as the baseline in the same run, against an empty handler (one
 * route returning 200, no middleware) mounted on a second instance of the same
 * local HTTP API adapter. Also an "empty + JWT authorizer" row, to separate
 * the adapter's token check from the handlers. Requests go to 127.0.0.1 only,
 * bounded by count and time; targets are interleaved over rounds so drift on
 * this shared machine hits every target alike.
 *
 *   npx tsx bench/api-latency.ts [--seconds 5] [--connections 8] [--rounds 2]
 */
import { request } from "node:http";
import { startLocalHttpApi } from "#infra/local/http-api.ts";
import { createLocalJwtAuthorizer } from "#infra/local/jwt-authorizer.ts";
import { homesteadApplication, LI_HOUSEHOLD } from "../test/support/fixtures.ts";
import { numberOption } from "./support/args.ts";
import { applyAndSubmit, decide, expectStatus, json, startBenchCloud, VILLAGER } from "./support/cloud.ts";
import { median, percentile, printTable, round, runMain, writeResult } from "./support/report.ts";

interface Target {
  name: string;
  url: string;
  method: "GET" | "PUT";
  headers: Record<string, string>;
  body?: string;
}

interface Sample {
  p50: number;
  p99: number;
  rps: number;
  requests: number;
  non2xx: number;
  errors: number;
}

type Loader = (target: Target, seconds: number, connections: number, amount: number) => Promise<Sample>;

/** The demo villager of another household (LI_HOUSEHOLD), whose draft is autosaved. */
const DRAFTING = "villager-li";

/** autocannon when installed (devDependency autocannon@8), else the bounded node:http loader below. */
async function loader(): Promise<{ name: string; run: Loader }> {
  try {
    const { default: autocannon } = await import("autocannon");
    return {
      name: "autocannon",
      run: async (target, seconds, connections, amount) => {
        const result = await autocannon({
          url: target.url,
          method: target.method,
          headers: target.headers,
          ...(target.body ? { body: target.body } : {}),
          connections,
          duration: seconds,
          // Not `amount`: it overrides the duration; this caps the count and keeps the time bound.
          maxOverallRequests: amount,
        });
        return {
          p50: result.latency.p50,
          p99: result.latency.p99,
          rps: result.requests.average,
          requests: result.requests.total,
          non2xx: result.non2xx,
          errors: result.errors,
        };
      },
    };
  } catch {
    return { name: "node:http fallback loader", run: fallbackLoader };
  }
}

/** `connections` loops, each one request at a time, until `seconds` or `amount` requests. */
const fallbackLoader: Loader = async (target, seconds, connections, amount) => {
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  const until = performance.now() + seconds * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      const req = request(target.url, { method: target.method, headers: target.headers }, (res) => {
        res.resume();
        res.on("end", () => {
          latencies.push(performance.now() - started);
          if ((res.statusCode ?? 0) >= 300) non2xx++;
          resolve();
        });
      });
      req.on("error", () => {
        errors++;
        resolve();
      });
      req.end(target.body);
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until && sent < amount) {
        sent++;
        await one();
      }
    }),
  );
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    rps: latencies.length / ((performance.now() - started) / 1000),
    requests: latencies.length,
    non2xx,
    errors,
  };
};

async function main() {
  const seconds = numberOption("seconds", 5);
  const connections = numberOption("connections", 8);
  const rounds = numberOption("rounds", 2);
  const amount = numberOption("amount", 20_000);
  const bench = await startBenchCloud({ context: { countyPolicy: "danling-demo" } });
  const empty = await startLocalHttpApi({
    port: 0,
    routes: [
      { method: "GET", path: "/empty", handler: "empty", access: "public", uses: [], summary: "empty" },
    ],
    invoke: async () => ({ statusCode: 200, headers: { "content-type": "application/json" }, body: "{}" }),
  });
  const { issuer, clientId } = bench.cloud.endpoints.auth;
  const emptyAuth = await startLocalHttpApi({
    port: 0,
    routes: [
      { method: "GET", path: "/empty", handler: "empty", access: "signed-in", uses: [], summary: "empty" },
    ],
    invoke: async () => ({ statusCode: 200, headers: { "content-type": "application/json" }, body: "{}" }),
    authorize: createLocalJwtAuthorizer({ issuer, audience: [clientId] }),
  });
  try {
    // A submitted case waiting in the village officer's queue, and another household's draft to
    // autosave (one household has one open homestead case at a time, a draft included).
    const { caseId } = await applyAndSubmit(bench);
    await bench.stepOpened(caseId, "village_review#1");
    const draft = json<{ caseId: string }>(
      expectStatus(await bench.call(DRAFTING, "POST", "/cases", { kind: "homestead" }), 201, "draft"),
    ).caseId;
    const villager = await bench.headers(VILLAGER);
    const drafting = await bench.headers(DRAFTING);
    const officer = await bench.headers("village-officer-a");
    const targets: Target[] = [
      {
        name: "baseline: empty handler, no middleware",
        url: `${empty.url}/empty`,
        method: "GET",
        headers: {},
      },
      {
        name: "empty handler + JWT authorizer",
        url: `${emptyAuth.url}/empty`,
        method: "GET",
        headers: villager,
      },
      { name: "GET /cases/{id}", url: `${bench.api}/cases/${caseId}`, method: "GET", headers: villager },
      {
        name: "GET /queues/village_officer",
        url: `${bench.api}/queues/village_officer?township=511424100`,
        method: "GET",
        headers: officer,
      },
      {
        name: "PUT /cases/{id}/application",
        url: `${bench.api}/cases/${draft}/application`,
        method: "PUT",
        headers: drafting,
        body: JSON.stringify(homesteadApplication(LI_HOUSEHOLD)),
      },
    ];
    const { name: loaderName, run } = await loader();
    // Warm every route once (module load is the cold-start benchmark's business).
    for (const target of targets) await run(target, 1, 1, 20);
    const samples = new Map<string, Sample[]>();
    for (let r = 0; r < rounds; r++) {
      for (const target of targets) {
        process.stderr.write(`\rapi latency: round ${r + 1}/${rounds} ${target.name.padEnd(40)}`);
        samples.set(target.name, [
          ...(samples.get(target.name) ?? []),
          await run(target, seconds, connections, amount),
        ]);
      }
    }
    process.stderr.write("\n");
    const pick = (name: string, key: keyof Sample) => median((samples.get(name) ?? []).map((s) => s[key]));
    const baseline = targets[0]?.name ?? "";
    const rows = targets.map(({ name }) => ({
      target: name,
      "p50 ms": pick(name, "p50"),
      "p99 ms": pick(name, "p99"),
      "req/s": round(pick(name, "rps"), 0),
      "p99 / empty": round(pick(name, "p99") / pick(baseline, "p99"), 1),
      "≤1.5×": pick(name, "p99") / pick(baseline, "p99") <= 1.5,
      non2xx: (samples.get(name) ?? []).reduce((sum, s) => sum + s.non2xx, 0),
      errors: (samples.get(name) ?? []).reduce((sum, s) => sum + s.errors, 0),
    }));
    printTable(
      `API latency (${loaderName}, ${connections} connections, ${seconds} s per target, median of ${rounds} interleaved rounds)`,
      rows,
    );
    await writeResult("api-latency", {
      loader: loaderName,
      seconds,
      connections,
      rounds,
      amount,
      targets: rows,
    });
    // Keep the case moving so its execution ends with the cloud.
    await decide(bench, caseId, await bench.stepOpened(caseId, "village_review#1"), { outcome: "rejected" });
  } finally {
    await empty.close();
    await emptyAuth.close();
    await bench.stop();
  }
}

runMain(main);
