/**
 * What one printed paper costs to render (the work of the certificate-issuing
 * and paper Lambdas): CPU milliseconds per render and bytes, for every kind of
 * paper, beside a baseline of the same fonts on a page with one line (what any
 * paper pays for embedding its font subsets).
 *
 *   npx tsx bench/papers.ts [--renders 20]
 *
 * The papers are the rendering tests' (test/unit/support/papers.ts): a sealed
 * certificate, a permit, an approval form, a refusal, an acceptance record, the
 * register and a corrected certificate.
 */
import { Paper } from "#shared/papers/pdf.ts";
import { PAPERS as RENDERING_TESTS_PAPERS } from "../test/unit/support/papers.ts";
import { numberOption } from "./support/args.ts";
import { median, percentile, printTable, round, runMain, writeResult } from "./support/report.ts";

/** The papers of the rendering tests, and a baseline: the same fonts on a page with one line. */
const PAPERS: Record<string, () => Promise<Uint8Array>> = {
  "baseline: one line of text": async () => {
    const paper = await Paper.create(
      { title: "baseline", author: "bench", subject: "bench", date: new Date("2026-03-14T00:00:00Z") },
      "bench",
    );
    paper.text("农村宅基地批准书 Homestead approval certificate");
    return paper.save();
  },
  ...RENDERING_TESTS_PAPERS,
};

async function main(): Promise<void> {
  const renders = numberOption("renders", 20);
  const rows = [];
  for (const [name, render] of Object.entries(PAPERS)) {
    for (let warm = 0; warm < 3; warm++) await render(); // fonts parsed, code optimised
    const cpuMs: number[] = [];
    let bytes = 0;
    for (let index = 0; index < renders; index++) {
      const before = process.cpuUsage();
      bytes = (await render()).length;
      const used = process.cpuUsage(before);
      cpuMs.push((used.user + used.system) / 1000);
    }
    rows.push({
      paper: name,
      "CPU ms (median)": round(median(cpuMs), 1),
      "p90 ms": round(percentile(cpuMs, 90), 1),
      KB: round(bytes / 1024, 1),
    });
  }
  printTable(`Rendering each paper (${renders} renders, after 3 unmeasured)`, rows);
  await writeResult("papers", { renders, rows });
}

runMain(main);
