import { defineConfig } from "vitest/config";

// Four suites, one runner. Integration and e2e tests each start their own local
// cloud on random ports in a temp folder, so files may run in parallel; the
// pool is capped because this machine has 2 cores.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "infra",
          include: ["test/infra/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
    maxWorkers: 2,
    reporters: ["default", "./test/support/closing-line-reporter.ts"],
  },
});
