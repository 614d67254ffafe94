import { defineConfig } from "vitest/config";
import LongestFirstSequencer from "./test/support/sequencer.ts";

// Four suites, one runner. Integration and e2e tests each start their own local
// cloud on random ports in a temp folder, so files may run in parallel. Three
// workers on 2 cores: a file waits part of its time (workflow timers, polling
// pages, Chromium), and a third worker fills those waits (measured: 2 workers
// used 1.1–1.5 cores; 3 with the longest files first, 1.93 of 2; 4 crowd every
// file; docs/testing.md#suite-time).
// One temp folder per run, checked empty at the end (test/support/temp-folder.ts).
const TEMP_FOLDER = "test/support/temp-folder.ts";
// Integration and e2e files share their worker's packages; each starts with fresh project modules,
// process.env and fetch, as in a worker of its own (test/support/fresh-file.ts).
const FRESH_FILE = "test/support/fresh-file-setup.ts";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          // Pure code: the files share their worker's modules (no per-file process and imports).
          isolate: false,
          globalSetup: [TEMP_FOLDER],
          include: ["test/unit/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "infra",
          // The files share their worker's modules, aws-cdk-lib loaded once (not per file).
          isolate: false,
          globalSetup: [TEMP_FOLDER],
          setupFiles: ["test/support/cdk-app-cleanup.ts"],
          include: ["test/infra/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "integration",
          isolate: false,
          setupFiles: [FRESH_FILE],
          globalSetup: [TEMP_FOLDER],
          include: ["test/integration/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Real headless Chromium (Debian's) against a local cloud per file; the web app is built once.
        test: {
          name: "e2e",
          isolate: false,
          setupFiles: [FRESH_FILE],
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: [TEMP_FOLDER, "test/e2e/global-setup.ts"],
          testTimeout: 240_000,
          hookTimeout: 180_000,
        },
      },
    ],
    maxWorkers: 3,
    // Worker threads, not child processes: a file's worker starts with less (measured on the whole
    // suite, 335 → 320 s with a worker per file; 324 → 285 s with the integration files sharing theirs).
    pool: "threads",
    // Longest files first across the four projects (test/support/sequencer.ts).
    sequence: { sequencer: LongestFirstSequencer },
    reporters: ["default", "./test/support/closing-line-reporter.ts"],
  },
});
