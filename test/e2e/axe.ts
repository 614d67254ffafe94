/**
 * axe-core on a page as it is now: its serious and critical violations, as
 * readable lines (`[]` when there are none). All of axe's default rules run,
 * and the name-versus-visible-label rule (experimental in axe) is switched on:
 * a button announced otherwise than it reads is a serious problem.
 *
 * axe-core itself, not its Playwright wrapper: `@axe-core/playwright`
 * evaluates axe's 550 kB source three times per scan and finishes every scan
 * in a new blank page (its mode for frames of other origins). Measured on the
 * villager file's 15 scans: ≈ 1 s of CPU per scan, ≈ 0.2 s to evaluate the
 * source once, 0.05–0.2 s for the scan itself. Here the source is evaluated
 * once per document (the app's own navigation keeps it) and in each frame, and
 * one `axe.run` gathers the frames' results as the wrapper's other mode does.
 */
import axe from "axe-core";
import type { Frame, Page } from "playwright-core";

const RUN_OPTIONS = {
  // Only violations are read: axe skips the details of passes and incomplete checks.
  resultTypes: ["violations"],
  rules: { "label-content-name-mismatch": { enabled: true } },
} satisfies axe.RunOptions;

/** Frames of other origins (a document preview's) answer the page's axe too. */
const INJECT = `${axe.source};axe.configure({ allowedOrigins: ["<unsafe_all_origins>"] });`;

export async function axeProblems(page: Page): Promise<string[]> {
  await injectInto(page.mainFrame());
  for (const frame of page.frames()) {
    // A frame that cannot take a script (the browser's own PDF viewer, one going away) is left out, as axe's wrapper does.
    if (frame !== page.mainFrame()) await injectInto(frame).catch(() => undefined);
  }
  const violations = await page.evaluate(
    (options) =>
      (window as unknown as { axe: typeof axe }).axe.run(document, options).then((r) => r.violations),
    RUN_OPTIONS,
  );
  return violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map(
      (violation) =>
        `${violation.impact} ${violation.id}: ${violation.help} — ${violation.nodes
          .slice(0, 3)
          .map((node) => node.target.join(" "))
          .join(" | ")}`,
    );
}

async function injectInto(frame: Frame): Promise<void> {
  const present = await frame.evaluate(() => "axe" in window);
  if (!present) await frame.evaluate(INJECT);
}
