/**
 * Cycle time: a seeded reviewer simulator (bench/reviewers.json) drives cases
 * through the real local workflow, every decision over HTTP as the demo user of
 * the role. Two modes run side by side in the same cloud with the same draws:
 *
 * - parallel: what the platform does (the joint-review departments all get
 *   the case at once);
 * - sequential: the paper chain, each department starting only when the
 *   previous one has answered (the workflow still opens all steps; the
 *   simulated reviewers wait their turn).
 *
 * Virtual clock: the emulator's waitScale shrinks the public notice and every
 * task timeout; reviewers sleep their drawn response times scaled the same way
 * (so timeouts fire exactly when they would). Each case's simulated timeline
 * is rebuilt from the draws (exact) plus the platform's measured real latency
 * between a decision and the next step opening (unscaled: seconds stay
 * seconds), plus the public notice converted back from the execution history.
 * Cycle time = working hours from submission to permit (certificates issued),
 * minus the working hours of the statutory public notice (reported apart).
 *
 *   npx tsx bench/cycle-time.ts [--cases 12] [--seed 20261125] [--wait-scale 5e-5]
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { SFNClient } from "@aws-sdk/client-sfn";
import { numberOption } from "./support/args.ts";
import { startBenchCloud } from "./support/cloud.ts";
import {
  type CaseResult,
  type HouseholdOf,
  type ReviewerModel,
  Simulator,
} from "./support/cycle-simulator.ts";
import { applicationOf, householdCallers, tableClient } from "./support/households.ts";
import { BENCH_DIR, median, percentile, printTable, round, runMain, writeResult } from "./support/report.ts";

function summary(results: readonly CaseResult[]) {
  const permits = results.filter((r) => r.end === "permit");
  const hours = permits.map((r) => r.workingHours);
  return {
    cases: results.length,
    permits: permits.length,
    refused: results.length - permits.length,
    medianWorkingHours: round(median(hours)),
    p90WorkingHours: round(percentile(hours, 90)),
    medianPlatformSeconds: round(median(permits.map((r) => r.platformSeconds))),
    corrections: results.reduce((sum, r) => sum + r.corrections, 0),
    overdueSteps: results.reduce((sum, r) => sum + r.overdueSteps, 0),
  };
}

async function main() {
  const model = JSON.parse(await readFile(path.join(BENCH_DIR, "reviewers.json"), "utf8")) as ReviewerModel;
  model.seed = numberOption("seed", model.seed);
  const cases = numberOption("cases", model.casesPerMode);
  const scale = numberOption("wait-scale", model.waitScale);
  const bench = await startBenchCloud({ context: { countyPolicy: model.policy }, waitScale: scale });
  const { endpoints } = bench.cloud;
  const sfn = new SFNClient({
    region: endpoints.region,
    credentials: endpoints.credentials,
    endpoint: endpoints.stepFunctions,
  });
  const table = tableClient(endpoints);
  const started = performance.now();
  try {
    // A household per case and mode (cases of the paper chain after those of the platform).
    const callers = await householdCallers(table, endpoints, bench.dataDir, 2 * cases);
    const householdOf: HouseholdOf = (index, mode) => {
      const slot = mode === "parallel" ? index : cases + index;
      const call = callers[slot];
      if (!call) throw new Error(`no household for case ${index} (${mode})`);
      return { call, application: applicationOf(slot) };
    };
    const simulator = new Simulator(bench, sfn, model, scale, householdOf);
    const indexes = Array.from({ length: cases }, (_, i) => i);
    const [parallel, sequential] = await Promise.all([
      Promise.all(indexes.map((i) => simulator.run(i, "parallel"))),
      Promise.all(indexes.map((i) => simulator.run(i, "sequential"))),
    ]);
    const p = summary(parallel);
    const s = summary(sequential);
    const permitted = parallel.filter((r) => r.end === "permit");
    const handoff = model.paperHandoffHours.value;
    // Paper chain sensitivity: one hand-off between every two offices on the case's path.
    const paperWithHandoff = sequential
      .filter((r) => r.end === "permit")
      .map((r) => r.workingHours + handoff * (3 + r.departments + 2 * r.corrections));
    const notice = permitted.map((r) => r.noticeCalendarDays);
    const ratio = s.medianWorkingHours / p.medianWorkingHours;
    printTable(
      `Cycle time, submission → permit, working hours (${cases} cases per mode, policy ${model.policy}, seed ${model.seed}, waitScale ${scale})`,
      [
        {
          mode: "platform (parallel joint review)",
          permits: p.permits,
          refused: p.refused,
          median: p.medianWorkingHours,
          p90: p.p90WorkingHours,
          "platform s (median)": p.medianPlatformSeconds,
          corrections: p.corrections,
          overdue: p.overdueSteps,
        },
        {
          mode: "baseline: paper chain (sequential)",
          permits: s.permits,
          refused: s.refused,
          median: s.medianWorkingHours,
          p90: s.p90WorkingHours,
          "platform s (median)": s.medianPlatformSeconds,
          corrections: s.corrections,
          overdue: s.overdueSteps,
        },
        {
          mode: "draws only, parallel (no platform)",
          median: round(median(permitted.map((r) => r.drawsParallelHours))),
          p90: round(
            percentile(
              permitted.map((r) => r.drawsParallelHours),
              90,
            ),
          ),
        },
        {
          mode: "draws only, sequential",
          median: round(median(permitted.map((r) => r.drawsSequentialHours))),
          p90: round(
            percentile(
              permitted.map((r) => r.drawsSequentialHours),
              90,
            ),
          ),
        },
        {
          mode: `sensitivity: paper chain + ${handoff} h hand-off per office`,
          median: round(median(paperWithHandoff)),
          p90: round(percentile(paperWithHandoff, 90)),
        },
      ],
    );
    printTable("Against the goal", [
      { figure: "median working hours (platform)", value: p.medianWorkingHours, goal: "≤ 2" },
      { figure: "speed-up vs paper chain (median ratio)", value: round(ratio, 2), goal: "≥ 10×" },
      {
        figure: `speed-up vs paper chain + hand-offs`,
        value: round(median(paperWithHandoff) / p.medianWorkingHours, 2),
        goal: "(sensitivity)",
      },
      { figure: "public notice, calendar days (median, excluded above)", value: round(median(notice), 2) },
      {
        figure: "public notice, working hours (median, excluded above)",
        value: round(median(permitted.map((r) => r.noticeWorkingHours)), 1),
      },
      { figure: "real run time (s)", value: round((performance.now() - started) / 1000, 1) },
    ]);
    await writeResult("cycle-time", {
      model: { ...model, casesPerMode: cases, waitScale: scale },
      parallel: p,
      sequential: s,
      speedup: round(ratio, 2),
      paperWithHandoff: { handoffHours: handoff, medianWorkingHours: round(median(paperWithHandoff)) },
      noticeCalendarDaysMedian: round(median(notice), 2),
      cases: [...parallel, ...sequential].map((r) => ({ ...r, workingHours: round(r.workingHours, 3) })),
    });
  } finally {
    sfn.destroy();
    table.destroy();
    await bench.stop();
  }
}

runMain(main);
