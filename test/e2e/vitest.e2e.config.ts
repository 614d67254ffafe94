import { defineConfig } from "vitest/config";

/**
 * Runs the e2e suite on its own (`npx vitest run --config test/e2e/vitest.e2e.config.ts`)
 * until the root vitest.config.ts gets the same block as its "e2e" project.
 */
export default defineConfig({
  test: {
    name: "e2e",
    root: new URL("../..", import.meta.url).pathname,
    include: ["test/e2e/**/*.test.ts"],
    globalSetup: ["test/e2e/global-setup.ts"],
    testTimeout: 240_000,
    hookTimeout: 180_000,
    maxWorkers: 2,
  },
});
