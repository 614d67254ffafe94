/**
 * vitest global setup for every suite: the whole run gets one temp folder of
 * its own (TMPDIR, so `os.tmpdir()` in every worker and child process points
 * there), and the run fails if a test leaves anything in it. The OS temp
 * folder itself is the same before and after `npm test`.
 *
 * The folder also caches the synthesized CDK template for the run
 * (NONGFANG_TEMPLATE_CACHE, read by infra/local/template.ts): each test file
 * that starts a local cloud would otherwise synthesize the same stack again.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const CACHE = "template-cache";

interface RunFolder {
  readonly dir: string;
  readonly previous: { readonly tmp: string | undefined; readonly cache: string | undefined };
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
      previous: { tmp: process.env.TMPDIR, cache: process.env.NONGFANG_TEMPLATE_CACHE },
      users: 0,
    };
    process.env.TMPDIR = dir;
    process.env.NONGFANG_TEMPLATE_CACHE = path.join(dir, CACHE);
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
