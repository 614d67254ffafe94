/**
 * The integration and e2e files share their worker (`isolate: false`, vitest.config.ts):
 * its process, its loaded packages (the AWS SDK, dynalite, zod, ajv, pdf-lib…,
 * loaded once per worker, not once per file) and its globals. This setup file
 * runs before each of them and makes the rest as a worker of its own would be:
 *
 * - the project's modules are evaluated again (vitest's module registry is
 *   reset), so a handler's SDK clients and configuration, read once at module
 *   scope as on Lambda, are built for this file's local cloud, not the last one;
 * - process.env is what the worker started with (a local cloud sets its
 *   endpoints and key files there; a file that starts none must not see them);
 * - the global `fetch` is the worker's own (./contract-fetch.ts wraps it).
 *
 * Why: a worker per file cost ≈ 1.4 s of CPU before the first test (a process
 * or thread, then every package loaded again); the integration project alone
 * took 353 s of CPU that way, 203 s sharing workers (docs/testing.md#suite-time).
 */
import { vi } from "vitest";

interface WorkerStart {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly fetch: typeof globalThis.fetch;
}

// Kept on globalThis: this module itself is evaluated again for every file.
const KEY = Symbol.for("nongfang.test.workerStart");
const holder = globalThis as { [KEY]?: WorkerStart };

/** Returns the worker's process.env, global fetch and project modules to how they were before any file ran. */
export function startAsFreshFile(): void {
  holder[KEY] ??= { env: { ...process.env }, fetch: globalThis.fetch };
  const start = holder[KEY];
  for (const key of Object.keys(process.env)) if (!(key in start.env)) delete process.env[key];
  Object.assign(process.env, start.env);
  globalThis.fetch = start.fetch;
  vi.resetModules();
}
