import { writeFileSync } from "node:fs";
import path from "node:path";
import type { Reporter, TestModule } from "vitest/node";

const FILE_SECONDS_PATH = path.resolve(import.meta.dirname, "../file-seconds.json");

/**
 * `npm run test:file-seconds`: writes test/file-seconds.json, the seconds each
 * file held its worker in this run (import, set-up and tests), which the
 * sequencer (./sequencer.ts) reads to hand out the longest files first. Run it
 * on an idle machine after adding a long file; a file missing from the table
 * is ordered by its last local duration, else by its size.
 */
export default class FileSecondsReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const root = path.resolve(import.meta.dirname, "../..");
    const seconds: Record<string, number> = {};
    for (const module of testModules) {
      const d = module.diagnostic();
      const total =
        d.environmentSetupDuration + d.prepareDuration + d.setupDuration + d.collectDuration + d.duration;
      seconds[path.relative(root, module.moduleId).split(path.sep).join("/")] = Math.round(total / 100) / 10;
    }
    const sorted = Object.fromEntries(Object.entries(seconds).sort(([a], [b]) => a.localeCompare(b)));
    writeFileSync(FILE_SECONDS_PATH, `${JSON.stringify(sorted, null, 2)}\n`);
  }
}
