/**
 * What one printed paper costs to render (the work of the certificate-issuing
 * and paper Lambdas): CPU milliseconds per render and bytes, for every kind of
 * paper, beside a baseline of the same fonts on a page with one line (what any
 * paper pays for embedding its font subsets).
 *
 *   npx tsx bench/papers.ts [--renders 20]
 *
 * The papers' facts are the rendering tests' (test/unit/support/papers.ts).
 */
import { getShippedPolicy } from "#shared/domain/policy/shipped-policies.ts";
import {
  renderAcceptancePdf,
  renderApprovalFormPdf,
  renderCertificatePdf,
  renderRefusalPdf,
  renderRegisterPdf,
} from "#shared/papers/documents.ts";
import { Paper } from "#shared/papers/pdf.ts";
import * as facts from "../test/unit/support/papers.ts";
import { numberOption } from "./support/args.ts";
import { median, percentile, printTable, round, runMain, writeResult } from "./support/report.ts";

const seal = Buffer.from(
  getShippedPolicy("danling-demo").papers.townships["511424100"]?.sealPngBase64 ?? "",
  "base64",
);

const PAPERS: Record<string, () => Promise<Uint8Array>> = {
  "baseline: one line of text": async () => {
    const paper = await Paper.create(
      { title: "baseline", author: "bench", subject: "bench", date: new Date("2026-03-14T00:00:00Z") },
      "bench",
    );
    paper.text("农村宅基地批准书 Homestead approval certificate");
    return paper.save();
  },
  "homestead approval certificate (seal, QR)": () =>
    renderCertificatePdf(facts.certificate("homestead_approval_certificate", { issuer: facts.issuer(seal) })),
  "rural construction planning permit (QR)": () =>
    renderCertificatePdf(facts.certificate("rural_construction_planning_permit")),
  "approval form (seal, QR)": () => renderApprovalFormPdf(facts.approvalForm({ issuer: facts.issuer(seal) })),
  "refusal notice": () => renderRefusalPdf(facts.refusal()),
  "acceptance record": () => renderAcceptancePdf(facts.acceptance()),
  register: () => renderRegisterPdf(facts.register()),
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
