/**
 * What the local clouds of a test run log: warnings and errors. At INFO their
 * Lambdas write a line per answered request, ≈ 4,700 in a run, which buried
 * what a failing test printed. `NONGFANG_TEST_LOG_LEVEL=INFO npm test` shows
 * everything.
 */
import * as z from "zod";

export const TEST_LOG_LEVEL = z
  .enum(["DEBUG", "INFO", "WARN", "ERROR"])
  .parse(process.env.NONGFANG_TEST_LOG_LEVEL ?? "WARN");
