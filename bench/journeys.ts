/**
 * Thousands of generated journeys' commands through the real HTTP API: the
 * model of test/support/journeys.ts, run many more times than `npm test` does.
 * Unlike the test it does not stop at the first violation: each journey runs
 * until its commands end or an invariant breaks, and the report counts
 * commands run, journeys, invariant violations (by what broke, with the
 * journey's commands for the first of each), 5xx answers, and the decisions
 * whose delivery was pending (re-driven).
 *
 *   npx tsx bench/journeys.ts [--journeys 200] [--commands 100] [--seed N] [--wait-scale 1e-4]
 *                             [--expect fixA,fixB | --all]
 *
 * `--expect` names pending fixes (PENDING_FIXES) to expect although their switch is still off,
 * `--all` expects every one: run it on a branch with the fix to see the journeys pass.
 */
import * as fc from "fast-check";
import { DANLING_DEMO_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import {
  JourneyViolationError,
  JourneyWorld,
  journeyCommands,
  PENDING_FIXES,
  type PendingFix,
  runJourney,
} from "../test/support/journeys.ts";
import { startTestCloud } from "../test/support/local-cloud.ts";
import { flag, numberOption } from "./support/args.ts";
import { printTable, round, runMain, writeResult } from "./support/report.ts";

async function main(): Promise<void> {
  const journeys = numberOption("journeys", 200);
  const maxCommands = numberOption("commands", 100);
  const seed = numberOption("seed", 20261203);
  // The demo policy (the bench cannot swap in the tests' policies) at 1e-4: the township acceptance
  // (1 working day) is overdue after ≈ 26 s, reminders come every ≈ 8.6 s.
  const waitScale = numberOption("wait-scale", 1e-4);
  // --expect a,b: expect these pending fixes too (names of PENDING_FIXES); --all: every one.
  const expectIndex = process.argv.indexOf("--expect");
  const expected = expectIndex >= 0 ? (process.argv[expectIndex + 1] ?? "").split(",") : [];
  const fixes = Object.fromEntries(
    Object.keys(PENDING_FIXES).map((fix) => [
      fix,
      flag("all") || expected.includes(fix) || PENDING_FIXES[fix as PendingFix],
    ]),
  ) as Record<PendingFix, boolean>;

  const env = await startTestCloud({ context: { countyPolicy: "danling-demo" }, waitScale });
  const options = { overdueStages: ["township_acceptance"] as const, fixes };
  const world = new JourneyWorld(env, DANLING_DEMO_POLICY, options);
  const arbitrary = fc.commands(journeyCommands(options), { maxCommands, size: "max" });
  const violations = new Map<string, { count: number; first: string }>();
  const started = performance.now();
  let crashed = 0;
  try {
    for (let index = 0; index < journeys; index++) {
      const [commands] = fc.sample(arbitrary, { seed: seed + index, numRuns: 1 });
      if (!commands) continue;
      try {
        await runJourney(world, commands);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (!(error instanceof JourneyViolationError)) crashed++;
        // One kind per message without ids and numbers, so the same break counts once.
        const kind = message
          .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, "<case>")
          .replace(/\d+/g, "N")
          .slice(0, 160);
        const entry = violations.get(kind) ?? { count: 0, first: "" };
        entry.count++;
        entry.first ||= `seed ${seed + index}: ${message}\n    after: ${commands.toString()}`;
        violations.set(kind, entry);
      }
      if ((index + 1) % 10 === 0) {
        console.log(
          `${index + 1}/${journeys} journeys, ${world.commandsRun} commands, ` +
            `${[...violations.values()].reduce((sum, entry) => sum + entry.count, 0)} violations, ` +
            `${world.serverErrors.length} 5xx (${round((performance.now() - started) / 1000, 0)} s)`,
        );
      }
    }
  } finally {
    await env.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const violationCount = [...violations.values()].reduce((sum, entry) => sum + entry.count, 0);
  printTable(
    `Generated journeys (seed ${seed}, waitScale ${waitScale}, fixes expected: ${JSON.stringify(fixes)})`,
    [
      { figure: "journeys", value: world.journeys },
      { figure: "commands run", value: world.commandsRun },
      { figure: "invariant violations", value: violationCount },
      { figure: "5xx answers", value: world.serverErrors.length },
      { figure: "decisions re-driven (202 pending)", value: world.pendingDeliveries.length },
      { figure: "known issues tolerated (pending fixes off)", value: world.knownIssues.length },
      { figure: "seconds", value: round(seconds, 0) },
    ],
  );
  for (const [kind, entry] of violations) console.log(`\n${entry.count} × ${kind}\n  ${entry.first}`);
  const statuses = new Map<string, number>();
  for (const error of world.serverErrors) {
    const key = `${error.method} ${error.path.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, "{id}")} → ${error.status}`;
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
  }
  for (const [key, count] of statuses) console.log(`5xx: ${count} × ${key}`);
  await writeResult("journeys", {
    seed,
    waitScale,
    fixes,
    journeys: world.journeys,
    commands: world.commandsRun,
    violations: Object.fromEntries([...violations].map(([kind, entry]) => [kind, entry])),
    crashed,
    serverErrors: world.serverErrors,
    pendingDeliveries: world.pendingDeliveries,
    knownIssues: world.knownIssues.length,
    seconds: round(seconds, 1),
  });
}

runMain(main);
