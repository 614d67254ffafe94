/**
 * A whole local cloud in a child process (`npm start`'s entry, child.ts), for
 * tests that kill it (SIGKILL) or stop it (SIGINT) and start it again on the
 * same data folder. Ports are free ones; the county slice is not imported.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { REPO_ROOT } from "#infra/constructs/function-metadata.ts";
import type { LocalEndpoints } from "#infra/local/cloud.ts";

export interface CloudProcessOptions {
  readonly dataDir: string;
  /** A shipped policy or one of test/support/policies.ts (the child adds them). */
  readonly countyPolicy: string;
  readonly waitScale: number;
  /** How long the start may take (synthesis and all services); 5 minutes by default. */
  readonly startTimeoutMs?: number;
}

export interface CloudProcess {
  readonly endpoints: LocalEndpoints;
  /** Everything the child printed so far (stdout and stderr). */
  output(): string;
  /** Resolves once the child's output contains `text`. */
  printed(text: string, timeoutMs?: number): Promise<void>;
  kill(signal: NodeJS.Signals): void;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
}

const READY = "Nongfang is running";

export async function startCloudProcess(options: CloudProcessOptions): Promise<CloudProcess> {
  // The child's temp files (tsx's cache of transformed sources) go to the test run's cache folder,
  // shared by every child of the run (each would transform the whole platform again), else to the
  // data folder; both are removed.
  const runCache = process.env.NONGFANG_TEMPLATE_CACHE;
  const tmp = runCache ? path.join(runCache, "child-tmp") : path.join(options.dataDir, "tmp");
  await mkdir(tmp, { recursive: true });
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", path.join("test", "support", "cloud-process", "child.ts")],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        TMPDIR: tmp,
        NONGFANG_DATA_DIR: options.dataDir,
        NONGFANG_COUNTY_POLICY: options.countyPolicy,
        NONGFANG_WAIT_SCALE: String(options.waitScale),
        NONGFANG_COUNTY_SLICE: "0",
        NONGFANG_API_PORT: "0",
        NONGFANG_DYNAMODB_PORT: "0",
        NONGFANG_S3_PORT: "0",
        NONGFANG_SFN_PORT: "0",
        NONGFANG_AUTH_PORT: "0",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    for (const listener of listeners) listener();
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    for (const listener of listeners) listener();
  });

  const printed = (text: string, timeoutMs = 60_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (output.includes(text)) {
          finish();
          resolve();
        } else if (hasExited) {
          finish();
          reject(new Error(`The local cloud exited before printing "${text}":\n${output}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`The local cloud did not print "${text}" in time:\n${output}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });

  try {
    await printed(READY, options.startTimeoutMs ?? 300_000);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  const endpoints = JSON.parse(
    await readFile(path.join(options.dataDir, "endpoints.json"), "utf8"),
  ) as LocalEndpoints;
  return {
    endpoints,
    output: () => output,
    printed,
    kill: (signal) => {
      if (!hasExited) child.kill(signal);
    },
    exited,
  };
}
