/**
 * Where a test run's CPU goes, Chromium included: runs a command (the whole
 * vitest suite by default) and samples /proc while it runs, then prints the
 * CPU seconds of every kind of process that started meanwhile (vitest's
 * workers, each Chromium process type, the restart tests' child clouds,
 * poppler, esbuild…), the wall time, the cores kept busy, and the shortest
 * wall time that CPU allows on this machine's cores. `/usr/bin/time` leaves
 * Chromium out (its processes are never waited for): on a 2-core machine it
 * was ≈ 30 % of the suite's CPU (docs/testing.md#suite-time). Linux only.
 *
 *   npx tsx bench/suite-cpu.ts [--interval-ms 1000] [-- <command and arguments>]
 *   npx tsx bench/suite-cpu.ts -- npx vitest run --project e2e
 */
import { spawn, spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { cpus } from "node:os";
import { numberOption } from "./support/args.ts";
import { CpuLedger, parseCpuLine, sampleProcesses } from "./support/proc-cpu.ts";
import { median, printTable, round, runMain, writeResult } from "./support/report.ts";

const TICKS_PER_SECOND = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

async function main(): Promise<void> {
  if (process.platform !== "linux") throw new Error("suite-cpu reads /proc: Linux only");
  const separator = process.argv.indexOf("--");
  const command = separator >= 0 ? process.argv.slice(separator + 1) : ["npx", "vitest", "run"];
  const [program, ...args] = command;
  if (!program) throw new Error("no command after --");
  const intervalMs = numberOption("interval-ms", 1000);

  const ledger = new CpuLedger();
  const uptimeTicks = async () =>
    Math.floor(Number((await readFile("/proc/uptime", "utf8")).split(" ")[0]) * TICKS_PER_SECOND);
  const since = await uptimeTicks();
  const cores = cpus().length;
  const busyCores: number[] = [];
  let previous = parseCpuLine(await readFile("/proc/stat", "utf8"));

  const started = performance.now();
  const child = spawn(program, args, { stdio: "inherit" });
  const exited = new Promise<number>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0))),
  );
  let done = false;
  void exited.then(() => {
    done = true;
  });
  while (!done) {
    await sampleProcesses(ledger, since);
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, intervalMs))]);
    const current = parseCpuLine(await readFile("/proc/stat", "utf8"));
    const total = current.total - previous.total;
    if (total > 0) busyCores.push(((current.busy - previous.busy) / total) * cores);
    previous = current;
  }
  const code = await exited;
  const wallSeconds = (performance.now() - started) / 1000;

  const rows = ledger.totals(TICKS_PER_SECOND);
  const cpuSeconds = rows.reduce((sum, row) => sum + row.seconds, 0);
  printTable(
    `CPU of the processes "${command.join(" ")}" started (sampled every ${intervalMs} ms)`,
    rows
      .filter((row) => row.seconds >= 0.5)
      .map((row) => ({
        process: row.row,
        "CPU s": round(row.seconds, 1),
        share: `${round((100 * row.seconds) / cpuSeconds, 1)} %`,
      })),
  );
  const summary = {
    "wall s": round(wallSeconds, 1),
    "CPU s": round(cpuSeconds, 1),
    cores,
    [`CPU ÷ ${cores} cores, s`]: round(cpuSeconds / cores, 1),
    "busy cores (median)": round(median(busyCores), 2),
    "exit code": code,
  };
  printTable("The run", [summary]);
  await writeResult("suite-cpu", { command, intervalMs, summary, rows });
  if (code !== 0) throw new Error(`${command.join(" ")} exited with ${code}`);
}

runMain(main);
