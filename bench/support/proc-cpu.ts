/**
 * CPU time per kind of process, read from Linux's /proc: what `/usr/bin/time`
 * cannot give for the test suite, because Chromium's processes are re-parented
 * and never waited for (their CPU is in no rusage of ours). Every process that
 * started after a moment is counted at its last sample (utime + stime), so a
 * short-lived process loses at most one sampling interval.
 */
import { readdir, readFile } from "node:fs/promises";

/** What one /proc/<pid>/stat line says that matters here. */
export interface ProcStat {
  readonly pid: number;
  readonly comm: string;
  /** utime + stime, in clock ticks. */
  readonly cpuTicks: number;
  /** When the process started, in clock ticks after boot. */
  readonly startTicks: number;
}

/**
 * Parses /proc/<pid>/stat. The command name is in parentheses and may hold
 * spaces and parentheses itself, so the fields are counted from the last ")".
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // Fields after the name start at field 3 (state); utime, stime are 14 and 15, starttime is 22.
  const fields = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const field = (n: number) => Number(fields[n - 3]);
  const [utime, stime, start] = [field(14), field(15), field(22)];
  if (!Number.isInteger(pid) || ![utime, stime, start].every(Number.isFinite)) return undefined;
  return { pid, comm: text.slice(open + 1, close), cpuTicks: utime + stime, startTicks: start };
}

/** The row a process is counted in: Chromium by process type, the restart tests' child clouds, Node, or its name. */
export function classify(comm: string, cmdline: string): string {
  if (/^(chrom|headless)/.test(comm) || /\/chromium(-headless-shell)?\b/.test(cmdline.split(" ")[0] ?? "")) {
    const type = /--type=([a-z-]+)/.exec(cmdline)?.[1];
    return `chromium ${type ?? "browser"}`;
  }
  if (cmdline.includes("cloud-process/child.ts")) return "child clouds (node + tsx)";
  if (comm === "node" || comm === "MainThread") return "node (vitest and tools)";
  return `other: ${comm}`;
}

/** CPU ticks per process, each process counted at its last sample; a pid reused by a new process is another process. */
export class CpuLedger {
  private readonly last = new Map<string, { readonly row: string; readonly ticks: number }>();

  observe(stat: ProcStat, row: string): void {
    this.last.set(`${stat.pid}@${stat.startTicks}`, { row, ticks: stat.cpuTicks });
  }

  /** Whether this process was seen before (its row is known, no need to read its command line again). */
  rowOf(stat: ProcStat): string | undefined {
    return this.last.get(`${stat.pid}@${stat.startTicks}`)?.row;
  }

  /** Seconds per row, largest first. */
  totals(ticksPerSecond: number): { readonly row: string; readonly seconds: number }[] {
    const sums = new Map<string, number>();
    for (const { row, ticks } of this.last.values()) sums.set(row, (sums.get(row) ?? 0) + ticks);
    return [...sums]
      .map(([row, ticks]) => ({ row, seconds: ticks / ticksPerSecond }))
      .sort((a, b) => b.seconds - a.seconds);
  }
}

/** Busy and total ticks of all cores, from the first line of /proc/stat (time stolen by the hypervisor is not ours: not busy). */
export function parseCpuLine(text: string): { readonly busy: number; readonly total: number } {
  const [label, ...values] = (text.split("\n")[0] ?? "").trim().split(/\s+/);
  if (label !== "cpu") throw new Error("/proc/stat does not start with the cpu line");
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] =
    values.map(Number);
  const busy = user + nice + system + irq + softirq;
  return { busy, total: busy + idle + iowait + steal };
}

/** One pass over /proc: every process started at or after `sinceTicks` goes into the ledger. */
export async function sampleProcesses(ledger: CpuLedger, sinceTicks: number): Promise<void> {
  const entries = await readdir("/proc");
  await Promise.all(
    entries
      .filter((entry) => /^\d+$/.test(entry))
      .map(async (pid) => {
        // A process may end between the listing and the read: it keeps its last sample.
        const stat = parseProcStat(await readFile(`/proc/${pid}/stat`, "utf8").catch(() => ""));
        if (!stat || stat.startTicks < sinceTicks) return;
        const known = ledger.rowOf(stat);
        if (known) return ledger.observe(stat, known);
        const cmdline = (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).replaceAll(
          "\0",
          " ",
        );
        ledger.observe(stat, classify(stat.comm, cmdline));
      }),
  );
}
