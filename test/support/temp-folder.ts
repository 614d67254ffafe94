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
 * every test file runs in a process of its own that loads the same
 * dependencies (the AWS SDK, dynalite, s3rver, playwright-core); with the
 * cache, the first files compile them and the rest load the compiled code
 * (an e2e file ≈ 15 % less CPU). Child processes (restart.test.ts) share it.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const CACHE = "template-cache";
const COMPILE_CACHE = "node-compile-cache";

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
    // A folder the developer chose is kept; otherwise the run's own (removed with it).
    process.env.NODE_COMPILE_CACHE ??= path.join(dir, CACHE, COMPILE_CACHE);
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
