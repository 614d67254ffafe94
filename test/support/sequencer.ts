import { statSync } from "node:fs";
import path from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import expected from "../file-seconds.json" with { type: "json" };

/**
 * The order the run hands files to its workers: the longest first, whatever
 * their project. vitest's own order runs the projects one after the other
 * (e2e, infra, integration, unit by name) and, on a clean clone where it has
 * no durations yet, the larger files first — so the e2e files, which mostly
 * wait on Chromium and workflow timers, ran together while a core stood idle,
 * and the journeys (the longest file, and a small one) started near the end.
 * Mixing waiting files with busy ones keeps both cores at work, and a long file
 * started first does not leave a tail (docs/testing.md#suite-time).
 *
 * Seconds come from test/file-seconds.json (measured: `npm run
 * test:file-seconds` writes it), so a clean clone runs in the order a developer
 * measured; for a file not in it, from vitest's last local run, else one second
 * per 16 KB of test file.
 */
export default class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const seconds = new Map(files.map((spec) => [spec, expectedSeconds(spec, this.ctx.cache)]));
    return [...files].sort((a, b) => (seconds.get(b) ?? 0) - (seconds.get(a) ?? 0));
  }
}

type Cache = { getTestSpecificationResult(spec: TestSpecification): { duration?: number } | undefined };

export const FILE_SECONDS: Readonly<Record<string, number>> = expected;

function expectedSeconds(spec: TestSpecification, cache: Cache): number {
  const relative = path.relative(spec.project.config.root, spec.moduleId).split(path.sep).join("/");
  const listed = FILE_SECONDS[relative];
  if (listed !== undefined) return listed;
  const measured = cache.getTestSpecificationResult(spec)?.duration;
  if (measured !== undefined && measured > 0) return measured / 1000;
  return statSync(spec.moduleId).size / 16_384;
}
