/**
 * Generated case journeys through the real HTTP API on the local cloud (issue
 * #12): a fast-check model run per journey, every command followed by the
 * invariants of test/support/journeys.ts. Seeded, so a failure replays; the
 * counterexample fast-check prints (seed, path and the shrunk commands) is
 * the journey to debug. `npm run bench:journeys` runs thousands of commands.
 */
import * as fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { getShippedPolicy } from "#shared/domain/policy/shipped-policies.ts";
import { JOURNEY_POLICY_ID } from "../support/journey-policy.ts";
import { JourneyWorld, journeyCommands, runJourney } from "../support/journeys.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";

// The journeys' county policy for the stack and the Lambdas the local cloud runs in this process.
vi.mock("#shared/domain/policy/shipped-policies.ts", async (importOriginal) => {
  const { withJourneyPolicy } = await import("../support/journey-policy.ts");
  return withJourneyPolicy(await importOriginal());
});

/** test-journeys at this scale: no public notice, the township acceptance overdue after ≈ 1.4 s, no reminders. */
const WAIT_SCALE = 1e-5;
const SEED = 20261203;
/** ≈ 200–300 commands in ~1–2 minutes on an idle 2-core machine (journeys end early when a case closes). */
const RUNS = 40;

let env: TestCloud;
let world: JourneyWorld;

beforeAll(async () => {
  env = await startTestCloud({ context: { countyPolicy: JOURNEY_POLICY_ID }, waitScale: WAIT_SCALE });
  world = new JourneyWorld(env, getShippedPolicy(JOURNEY_POLICY_ID), {
    overdueStages: ["township_acceptance"],
  });
}, 300_000);
afterAll(async () => {
  await env?.stop();
});

describe("generated journeys of a homestead case", () => {
  it("keep one party acting, status, timeline and run in agreement, the chain valid and no 5xx after every command", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.commands(journeyCommands(world.options), { maxCommands: 100, size: "max" }),
        async (commands) => {
          const journey = await runJourney(world, commands);
          console.log(`journey ${journey.caseId}:\n  ${journey.trace.join("\n  ")}`);
        },
      ),
      { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: 480_000, markInterruptAsFailure: true },
    );
    console.log(`journeys: ${world.journeys}, commands: ${world.commandsRun}`);
    expect(world.commandsRun).toBeGreaterThan(150);
    expect(world.serverErrors).toEqual([]);
  }, 540_000);
});
