/**
 * The CPU one browser action of the e2e tests costs: Chromium's (every one of
 * its processes, from /proc) and this process's (the local cloud answering the
 * app, playwright), per action, with the tests' flags and with a renderer per
 * tab (the flags before `--renderer-process-limit=1`), and a phone's full-page
 * screenshot at device and at CSS scale.
 *
 * Why a script: whole runs of the suite vary by a sixth, so a change worth
 * 2–5 % of it is lost in them; one action repeated on one machine in a few
 * minutes is not (docs/testing.md#suite-time, "Probing tab by tab").
 *
 *   npx tsx bench/tab-cpu.ts [--rounds 3] [--repeat 4]
 *
 * Linux only (reads /proc); needs Chromium as the e2e tests do.
 */
import { spawnSync } from "node:child_process";
import { readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { BrowserContext } from "playwright-core";
import { type Browser, CHROMIUM_ARGS, launch, openSignedIn } from "../test/e2e/chromium.ts";
import { startTestCloud } from "../test/support/local-cloud.ts";
import { buildWebIfStale } from "../web/builder.ts";
import { numberOption } from "./support/args.ts";
import { parseProcStat } from "./support/proc-cpu.ts";
import { median, printTable, round, runMain, writeResult } from "./support/report.ts";

const TICKS_PER_SECOND = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
const ONE_RENDERER = "--renderer-process-limit=1";

/**
 * CPU ticks of every Chromium process now, with what its ended children used
 * (a tab's renderer ends with the tab; its CPU lands in its parent's cutime).
 */
async function chromiumTicks(): Promise<number> {
  let ticks = 0;
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const command = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (!/chrom/.test(path.basename(command.split("\0")[0] ?? ""))) continue;
    const text = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
    const stat = parseProcStat(text);
    if (!stat) continue;
    // Fields 16 and 17 (cutime, cstime) follow utime and stime.
    const fields = text
      .slice(text.lastIndexOf(")") + 2)
      .trim()
      .split(/\s+/);
    ticks += stat.cpuTicks + Number(fields[13]) + Number(fields[14]);
  }
  return ticks;
}

interface Cost {
  readonly chromiumMs: number;
  readonly nodeMs: number;
}

/** CPU per call of `action`, over `repeat` calls. */
async function costOf(repeat: number, action: () => Promise<void>): Promise<Cost> {
  const chromiumBefore = await chromiumTicks();
  const nodeBefore = process.cpuUsage();
  for (let index = 0; index < repeat; index++) await action();
  const node = process.cpuUsage(nodeBefore);
  const chromium = (await chromiumTicks()) - chromiumBefore;
  return {
    chromiumMs: ((chromium / TICKS_PER_SECOND) * 1000) / repeat,
    nodeMs: (node.user + node.system) / 1000 / repeat,
  };
}

type Action = (context: BrowserContext, baseUrl: string) => Promise<void>;

const ACTIONS: Record<string, { readonly kind: "phone" | "desktop"; readonly run: Action }> = {
  "an empty tab": {
    kind: "desktop",
    run: async (context) => {
      const page = await context.newPage();
      await page.close();
    },
  },
  "the app in a new tab (phone, signed out)": {
    kind: "phone",
    run: async (context, baseUrl) => {
      const page = await context.newPage();
      await page.goto(`${baseUrl}/app`);
      await page.getByRole("button", { name: "登录" }).waitFor();
      await page.close();
    },
  },
  "a reviewer's queue in a new tab, signed in": {
    kind: "desktop",
    run: async (context, baseUrl) => {
      const page = await openSignedIn(context, baseUrl, "village-officer-a");
      await page.getByRole("heading").first().waitFor();
      await page.waitForLoadState("networkidle");
      await page.close();
    },
  },
};

async function main(): Promise<void> {
  if (process.platform !== "linux") throw new Error("tab-cpu reads /proc: Linux only");
  const rounds = numberOption("rounds", 3);
  const repeat = numberOption("repeat", 4);
  // The cloud's Lambdas log as in the tests: warnings and errors, not a line per request.
  process.env.POWERTOOLS_LOG_LEVEL ??= "WARN";
  await buildWebIfStale();
  const env = await startTestCloud();
  const baseUrl = env.cloud.endpoints.api;
  const open = new Set<Browser>();
  const variants = {
    "a renderer per tab": CHROMIUM_ARGS.filter((flag) => flag !== ONE_RENDERER),
    "the tests' flags": CHROMIUM_ARGS,
  };
  const samples = new Map<string, Cost[]>();
  const record = (row: string, cost: Cost) => samples.set(row, [...(samples.get(row) ?? []), cost]);
  try {
    for (let round_ = 1; round_ <= rounds; round_++) {
      for (const [variant, args] of Object.entries(variants)) {
        const phone = await launch("phone", baseUrl, { args });
        const desktop = await launch("desktop", baseUrl, { args });
        open.add(phone).add(desktop);
        for (const [name, action] of Object.entries(ACTIONS)) {
          const { context } = action.kind === "phone" ? phone : desktop;
          await action.run(context, baseUrl); // once unmeasured: caches and lazy code
          record(`${name} | ${variant}`, await costOf(repeat, () => action.run(context, baseUrl)));
        }
        if (variant === "the tests' flags") {
          const page = await openSignedIn(phone.context, baseUrl, "villager-wang");
          await page.getByRole("heading", { name: "我的申请" }).waitFor();
          const file = path.join(tmpdir(), `nongfang-tab-cpu-${process.pid}.png`);
          for (const scale of ["device", "css"] as const) {
            const shot = () => page.screenshot({ path: file, fullPage: true, scale }).then(() => undefined);
            await shot();
            record(`a phone's full-page screenshot | ${scale} scale`, await costOf(repeat, shot));
          }
          await rm(file, { force: true });
          await page.close();
        }
        for (const browser of [phone, desktop]) {
          open.delete(browser);
          await browser.close();
        }
      }
    }
  } finally {
    for (const browser of open) await browser.close().catch(() => undefined);
    await env.stop();
  }

  const rows = [...samples].map(([key, costs]) => {
    const [action, variant] = key.split(" | ");
    return {
      action,
      variant,
      "Chromium ms (median)": round(median(costs.map((cost) => cost.chromiumMs)), 0),
      "each round": costs.map((cost) => round(cost.chromiumMs, 0)).join(", "),
      "this process ms": round(median(costs.map((cost) => cost.nodeMs)), 0),
    };
  });
  printTable(`CPU per browser action (${rounds} rounds of ${repeat})`, rows);
  await writeResult("tab-cpu", { rounds, repeat, rows });
}

runMain(main);
