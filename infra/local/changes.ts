/**
 * What the local cloud is doing, as seen from inside its process: whether a
 * function is running, and when its state last changed (the DynamoDB front
 * answered a write, a Step Functions execution moved on).
 *
 * Why: what waits on the cloud's asynchronous work from the same process (the
 * tests' `eventually`, test/support/eventually.ts) looked on a fixed beat, and
 * most looks found nothing new: an integration run made ≈ 1,500 probes that
 * missed, each an API call or two (≈ 10 ms of CPU). With this it looks once
 * the cloud has gone quiet, and again once something changed.
 *
 * The state lives on `globalThis`: a test file's module registry may be fresh
 * (test/support/fresh-file.ts) while a stand-in started from another copy of
 * this module is still answering.
 */

interface CloudActivity {
  /** State changes so far. */
  changes: number;
  /** When the state last changed (ms since the epoch). */
  lastChangeAt: number;
  /** Function invocations running now. */
  running: number;
  /** Stand-ins running in this process that report their activity. */
  sources: number;
  readonly listeners: Set<() => void>;
}

const KEY = Symbol.for("nongfang.local-cloud-activity");

function activity(): CloudActivity {
  const holder = globalThis as { [KEY]?: CloudActivity };
  holder[KEY] ??= { changes: 0, lastChangeAt: 0, running: 0, sources: 0, listeners: new Set() };
  return holder[KEY];
}

function notify(state: CloudActivity): void {
  // Every write of a local cloud comes here: nothing to copy when nobody waits.
  if (state.listeners.size === 0) return;
  for (const listener of [...state.listeners]) listener();
}

/** A stand-in's state changed (a write answered, an execution's step). */
export function noteLocalChange(): void {
  const state = activity();
  state.changes += 1;
  state.lastChangeAt = Date.now();
  notify(state);
}

/** One more of `count`; the returned function takes it back, once, and then calls `after`. */
function holdOne(count: "running" | "sources", after?: (state: CloudActivity) => void): () => void {
  const state = activity();
  state[count] += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    state[count] -= 1;
    after?.(state);
  };
}

/** A function invocation starts; call the returned function when it has ended. */
export function noteLocalWork(): () => void {
  return holdOne("running", notify);
}

/** A stand-in that reports its activity starts; the returned function says it stopped. */
export function reportLocalActivity(): () => void {
  return holdOne("sources");
}

/** Whether a stand-in in this process reports its activity (else only a clock tells when to look again). */
export function localActivityReported(): boolean {
  return activity().sources > 0;
}

/** The number of changes so far (for `changedSince`). */
export function localChangeCount(): number {
  return activity().changes;
}

/**
 * Resolves when `settled` answers true, or after `maxMs`. It is asked at every change and end of
 * work, and again after the milliseconds it answers (0: at the next change or end of work).
 */
function waitUntil(maxMs: number, settled: (state: CloudActivity) => number | true): Promise<void> {
  const state = activity();
  return new Promise((resolve) => {
    let recheck: ReturnType<typeof setTimeout> | undefined;
    const finish = () => {
      clearTimeout(deadline);
      clearTimeout(recheck);
      state.listeners.delete(check);
      resolve();
    };
    function check(): void {
      clearTimeout(recheck);
      const verdict = settled(state);
      if (verdict === true) finish();
      else if (verdict > 0) recheck = setTimeout(check, verdict);
    }
    const deadline = setTimeout(finish, maxMs);
    state.listeners.add(check);
    check();
  });
}

/**
 * Resolves once no function is running and the state has not changed for
 * `quietMs` (a workflow step writes several items in a burst, then invokes
 * the next function), or after `maxMs` if the cloud stays busy.
 */
export function localCloudQuiet(options: {
  readonly quietMs: number;
  readonly maxMs: number;
}): Promise<void> {
  return waitUntil(options.maxMs, (state) => {
    if (state.running > 0) return 0;
    const left = state.lastChangeAt + options.quietMs - Date.now();
    return left <= 0 ? true : left;
  });
}

/**
 * Resolves once the state has changed after the count `seen` and at least
 * `minMs` have passed, or after `maxMs` if nothing changes.
 */
export function changedSince(
  seen: number,
  options: { readonly minMs: number; readonly maxMs: number },
): Promise<void> {
  const started = Date.now();
  return waitUntil(options.maxMs, (state) => {
    if (state.changes === seen) return 0;
    const left = started + options.minMs - Date.now();
    return left <= 0 ? true : left;
  });
}
