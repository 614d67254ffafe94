import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import {
  CpuLedger,
  classify,
  parseCpuLine,
  parseProcStat,
  sampleProcesses,
} from "../../bench/support/proc-cpu.ts";

/** A /proc/<pid>/stat line: utime and stime are fields 14 and 15, starttime 22. */
const statLine = (pid: number, comm: string, utime: number, stime: number, start: number) =>
  `${pid} (${comm}) S 1 ${pid} ${pid} 0 -1 4194560 100 0 0 0 ${utime} ${stime} 0 0 20 0 9 0 ${start} 1000 10 1844`;

describe("CPU per process from /proc (bench/suite-cpu.ts)", () => {
  it("reads a stat line whose command name holds spaces and parentheses", () => {
    expect(parseProcStat(statLine(41, "Chrome_ChildIOT", 7, 3, 900))).toEqual({
      pid: 41,
      comm: "Chrome_ChildIOT",
      cpuTicks: 10,
      startTicks: 900,
    });
    expect(parseProcStat(statLine(42, "a) (b c", 1, 2, 5))).toMatchObject({ comm: "a) (b c", cpuTicks: 3 });
    expect(parseProcStat("")).toBeUndefined();
  });

  it("counts Chromium by process type, the child clouds apart from the workers, anything else by name", () => {
    expect(classify("chromium-headle", "/usr/lib/chromium/chromium-headless-shell --type=renderer --x")).toBe(
      "chromium renderer",
    );
    expect(classify("chromium", "/usr/lib/chromium/chromium --no-sandbox about:blank")).toBe(
      "chromium browser",
    );
    expect(classify("node", "/x/node --import tsx test/support/cloud-process/child.ts")).toBe(
      "child clouds (node + tsx)",
    );
    expect(classify("node", "/x/node node_modules/vitest/vitest.mjs run")).toBe("node (vitest and tools)");
    expect(classify("pdftoppm", "pdftoppm -png")).toBe("other: pdftoppm");
  });

  it("counts each process at its last sample, and a reused pid as another process", () => {
    const ledger = new CpuLedger();
    const first = parseProcStat(statLine(7, "node", 100, 50, 1000));
    const later = parseProcStat(statLine(7, "node", 300, 100, 1000));
    const reused = parseProcStat(statLine(7, "pdftoppm", 20, 5, 4000));
    if (!first || !later || !reused) throw new Error("unparsed");
    ledger.observe(first, "node");
    ledger.observe(later, "node");
    ledger.observe(reused, "other: pdftoppm");
    expect(ledger.rowOf(later)).toBe("node");
    expect(ledger.totals(100)).toEqual([
      { row: "node", seconds: 4 },
      { row: "other: pdftoppm", seconds: 0.25 },
    ]);
  });

  it("reads the busy and total ticks of all cores", () => {
    expect(parseCpuLine("cpu  10 1 4 80 5 0 0 0 0 0\ncpu0 5 0 2 40 2 0 0 0 0 0")).toEqual({
      busy: 15,
      total: 100,
    });
    // Stolen by the hypervisor: part of the time, not of our work.
    expect(parseCpuLine("cpu  10 1 4 70 5 0 0 10 0 0")).toEqual({ busy: 15, total: 100 });
  });

  it.runIf(process.platform === "linux")(
    "finds a process started after the mark and its CPU, and leaves out the ones started before",
    async () => {
      const since = Math.floor(Number((await readFile("/proc/uptime", "utf8")).split(" ")[0]) * 100);
      // Busy for 0.4 s of its own CPU, however loaded the machine is.
      const busy = spawn(process.execPath, ["-e", "while (process.cpuUsage().user < 400_000) {}"]);
      let exited = false;
      busy.once("exit", () => {
        exited = true;
      });
      const ledger = new CpuLedger();
      while (!exited) {
        await sampleProcesses(ledger, since);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const node = ledger.totals(100).find((row) => row.row === "node (vitest and tools)");
      expect(node?.seconds).toBeGreaterThan(0.2);
      // This test's own process started before the mark: its CPU is not in the ledger.
      const own = parseProcStat(await readFile(`/proc/${process.pid}/stat`, "utf8"));
      expect(own?.cpuTicks).toBeGreaterThan(0);
      if (own) expect(ledger.rowOf(own)).toBeUndefined();
      expect(ledger.totals(100).reduce((sum, row) => sum + row.seconds, 0)).toBeLessThan(5);
    },
  );
});
