import { defineConfig } from "vitest/config";

// Four suites, one runner. Integration and e2e tests each start their own local
// cloud on random ports in a temp folder, so files may run in parallel; the
// pool is capped because this machine has 2 cores.
// One temp folder per run, checked empty at the end (test/support/temp-folder.ts).
const TEMP_FOLDER = "test/support/temp-folder.ts";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          globalSetup: [TEMP_FOLDER],
          include: ["test/unit/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "infra",
          globalSetup: [TEMP_FOLDER],
          include: ["test/infra/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "integration",
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
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: [TEMP_FOLDER, "test/e2e/global-setup.ts"],
          testTimeout: 240_000,
          hookTimeout: 180_000,
        },
      },
    ],
    maxWorkers: 2,
    reporters: ["default", "./test/support/closing-line-reporter.ts"],
  },
});
