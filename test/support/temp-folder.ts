/**
 * vitest global setup for every suite: the whole run gets one temp folder of
 * its own (TMPDIR, so `os.tmpdir()` in every worker and child process points
 * there), and the run fails if a test leaves anything in it. The OS temp
 * folder itself is the same before and after `npm test`.
 *
 * The folder also caches the synthesized CDK template for the run
 * (NONGFANG_TEMPLATE_CACHE, read by infra/local/template.ts): each test file
 * that starts a local cloud would otherwise synthesize the same stack again.
 *
 * And Node's compile cache (NODE_COMPILE_CACHE, read when a process starts):
 * every worker loads the same dependencies (the AWS SDK, dynalite, s3rver,
 * playwright-core); with the cache, the first compile them and the rest load
 * the compiled code. Child processes (restart.test.ts) share it.
 * It lives in node_modules/.cache, not in the run's folder: a worker writes
 * its entries as it exits, which may be after this setup's teardown removed
 * the folder (it came back, and stayed in the OS temp folder). Node keys the
 * entries by its version and each file's content, so old ones are never used
 * for changed code.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { REPO_ROOT } from "#infra/constructs/function-metadata.ts";

const CACHE = "template-cache";
const COMPILE_CACHE = path.join(REPO_ROOT, "node_modules", ".cache", "nongfang-node-compile");

interface RunFolder {
  readonly dir: string;
  readonly previous: {
    readonly tmp: string | undefined;
    readonly cache: string | undefined;
    readonly compileCache: string | undefined;
  };
  users: number;
}

// Each suite (project) runs this setup in the same main process: the first creates the folder, the last checks it.
const shared = globalThis as { nongfangRunFolder?: RunFolder };

export default function setup(): () => void {
  if (!shared.nongfangRunFolder) {
    const dir = mkdtempSync(path.join(tmpdir(), "nongfang-run-"));
    mkdirSync(path.join(dir, CACHE));
    shared.nongfangRunFolder = {
      dir,
      previous: {
        tmp: process.env.TMPDIR,
        cache: process.env.NONGFANG_TEMPLATE_CACHE,
        compileCache: process.env.NODE_COMPILE_CACHE,
      },
      users: 0,
    };
    process.env.TMPDIR = dir;
    process.env.NONGFANG_TEMPLATE_CACHE = path.join(dir, CACHE);
    // A folder the developer chose is kept.
    process.env.NODE_COMPILE_CACHE ??= COMPILE_CACHE;
  }
  const run = shared.nongfangRunFolder;
  run.users++;
  return () => {
    if (--run.users > 0) return;
    shared.nongfangRunFolder = undefined;
    const leftovers = readdirSync(run.dir).filter((entry) => entry !== CACHE);
    rmSync(run.dir, { recursive: true, force: true });
    restore("TMPDIR", run.previous.tmp);
    restore("NONGFANG_TEMPLATE_CACHE", run.previous.cache);
    restore("NODE_COMPILE_CACHE", run.previous.compileCache);
    if (leftovers.length > 0) {
      throw new Error(
        `Tests left ${leftovers.length} entr${leftovers.length === 1 ? "y" : "ies"} in the temp folder: ${leftovers.join(", ")}`,
      );
    }
  };
}

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
