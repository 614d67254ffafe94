/**
 * Runs every benchmark, one process each (each starts its own local cloud and
 * sets process.env for it), with sizes chosen to stay under ~15 minutes on the
 * 2-core machine. A benchmark that breaks is reported and the others still run;
 * the exit code is 1 only if a script broke (never for a figure).
 *
 * `--smoke` runs every script, those outside the full run too, at its smallest
 * size (≈ 6 minutes): whether each still drives the procedure to its end. The
 * figures mean nothing at that size. Run it after changing the procedure: the
 * benches drive whole cases and are not part of `npm test`.
 *
 *   npx tsx bench/run-all.ts [--smoke]
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { flag } from "./support/args.ts";
import { printTable, REPO_ROOT, round } from "./support/report.ts";

type Run = { name: string; args: readonly string[] };

const RUNS: readonly Run[] = [
  { name: "cold-start", args: ["--runs", "20"] },
  { name: "papers", args: ["--renders", "20"] },
  { name: "api-latency", args: ["--seconds", "5", "--rounds", "2"] },
  { name: "cycle-time", args: [] },
  // 1,000 cases take ≈ 12 min here (see bench/README.md); run-all measures 100 and reports the rate.
  { name: "overhead", args: ["--cases", "100", "--profile"] },
  // 10 cases per scenario (5 metered, 5 timed), ~3 minutes; the default 20 gives steadier means.
  { name: "cost-per-permit", args: ["--cases", "10"] },
];

/** Every script at its smallest size (not suite-cpu and tab-cpu: they measure the tests, not the platform). */
const SMOKE: readonly Run[] = [
  { name: "cold-start", args: ["--runs", "1"] },
  { name: "papers", args: ["--renders", "2"] },
  { name: "api-latency", args: ["--seconds", "1", "--rounds", "1"] },
  { name: "cycle-time", args: ["--cases", "1"] },
  { name: "overhead", args: ["--cases", "2"] },
  { name: "cost-per-permit", args: ["--cases", "1"] },
  { name: "submit-storm", args: ["--households", "4"] },
  { name: "stuck-cases", args: ["--households", "4", "--deadline-s", "180"] },
  { name: "journeys", args: ["--journeys", "2"] },
  { name: "fuzz-api", args: ["--requests", "50"] },
  { name: "reference-data", args: ["--villages", "1"] },
];

const tsx = path.join(REPO_ROOT, "node_modules", ".bin", "tsx");
const outcomes = (flag("smoke") ? SMOKE : RUNS).map(({ name, args }) => {
  console.log(`\n=== ${name} ${args.join(" ")}`);
  const started = performance.now();
  const result = spawnSync(tsx, [path.join("bench", `${name}.ts`), ...args], {
    cwd: REPO_ROOT,
    stdio: "inherit",
  });
  return {
    benchmark: name,
    "exit code": result.status ?? -1,
    seconds: round((performance.now() - started) / 1000, 0),
  };
});
printTable("bench/run-all", outcomes);
process.exit(outcomes.some((outcome) => outcome["exit code"] !== 0) ? 1 : 0);
