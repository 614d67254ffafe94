/**
 * The staff and auditor screens at 1366×768 (a township office's laptop), in
 * real Chromium: names instead of codes, the reviewer's correction of a single
 * field, tap targets of at least 24 px, the PDF preview actually painted, and
 * an axe-core scan of every main staff and auditor screen with no serious or
 * critical violation. The case is submitted through the HTTP API (the
 * villager's form is covered by the phone journeys).
 */
import type { Page } from "playwright-core";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { TestCloud } from "../support/local-cloud.ts";
import { submitThroughApi } from "./api-seed.ts";
import { axeProblems } from "./axe.ts";
import { type Browser, openSignedIn, screenshot, signIn } from "./browser.ts";
import { application } from "./flows.ts";
import { type Stage, startStage } from "./stage.ts";

// Fast county policies (one-day notice, long step limits) for the Lambdas running in this process.
vi.mock("#shared/domain/policy/shipped-policies.ts", async (importOriginal) => {
  const { withTestPolicies } = await import("../support/policies.ts");
  return withTestPolicies(await importOriginal());
});

const OFFICE = { width: 1366, height: 768 };

let stage: Stage<"desktop">;
let env: TestCloud;
let baseUrl: string;
let desktop: Browser;
let caseId = "";

beforeAll(async () => {
  // The full browser: one check here is that a PDF preview is painted (the headless shell has no viewer).
  stage = await startStage(["desktop"], { pdfViewer: true });
  ({ env, baseUrl } = stage);
  ({ desktop } = stage.browsers);
  caseId = await submitThroughApi(env, "villager-wang", "homestead", application());
});
afterAll(async () => {
  await stage?.stop();
});

/** The user's home at office size; `signIn` walks the real sign-in (the file's first user does). */
async function staffPage(userId: string, how: "signIn" | "openSignedIn" = "openSignedIn"): Promise<Page> {
  const page =
    how === "signIn"
      ? await signIn(desktop.context, baseUrl, userId)
      : await openSignedIn(desktop.context, baseUrl, userId);
  await page.setViewportSize(OFFICE);
  return page;
}

/** The element's box is at least 24×24 CSS pixels (WCAG 2.2 target size, minimum). */
async function targetSize(page: Page, selector: string): Promise<{ width: number; height: number }> {
  const box = await page.locator(selector).first().boundingBox();
  if (!box) throw new Error(`${selector} is not shown`);
  return { width: Math.round(box.width), height: Math.round(box.height) };
}

/** Distinct colours in a screenshot of the element: a blank frame has one (or two with its border). */
async function coloursIn(page: Page, selector: string): Promise<number> {
  const png = PNG.sync.read(await page.locator(selector).first().screenshot());
  const colours = new Set<number>();
  for (let offset = 0; offset < png.data.length; offset += 4 * 7) {
    colours.add(
      ((png.data[offset] ?? 0) << 16) | ((png.data[offset + 1] ?? 0) << 8) | (png.data[offset + 2] ?? 0),
    );
  }
  return colours.size;
}

/** Each township option of a filter, read as people see it: the name first, the code beside it. */
async function townshipOptions(page: Page, select: string): Promise<string[]> {
  return page
    .locator(`${select} option`)
    .evaluateAll((options) =>
      options
        .filter((option) => (option as HTMLOptionElement).value !== "")
        .map((option) => `${(option as HTMLOptionElement).value}=${option.textContent ?? ""}`),
    );
}
const NAMED_TOWNSHIPS = ["511424100=丹棱镇 · 511424100", "511424101=杨场镇 · 511424101"];

describe("a reviewer's screens at 1366×768", () => {
  it("the village officer's queue and case page show names, large targets and a painted PDF", async () => {
    const page = await staffPage("village-officer-a", "signIn");
    const row = page.locator(`tr[data-case-id="${caseId}"]`);
    await row.waitFor({ timeout: 90_000 });
    expect(await row.innerText()).toContain("龙鹄村");
    expect(await row.innerText()).toContain(caseId.slice(0, 8));
    expect(await axeProblems(page)).toEqual([]);
    await screenshot(page, "staff-01-queue");

    await row.getByRole("link").click();
    await page.locator("form.decision").waitFor();
    const header = await page.locator(".review-page > p").nth(1).innerText();
    expect(header).toContain("龙鹄村");
    expect(header).toContain("丹棱镇");

    // Targets people tap or click: the way back and the PDF link.
    for (const selector of [".review-page a[href='/app/review']", ".doc-preview a[target='_blank']"]) {
      const size = await targetSize(page, selector);
      expect(size.height, `${selector} ${JSON.stringify(size)}`).toBeGreaterThanOrEqual(24);
      expect(size.width, `${selector} ${JSON.stringify(size)}`).toBeGreaterThanOrEqual(24);
    }
    // Every PDF preview has loaded its document when the page opens (a lazy frame below the fold
    // stayed empty, and its short-lived URL could expire before the reviewer scrolled there).
    const pdfUrls = await page
      .locator(".doc-preview a.open-pdf")
      .evaluateAll((links) => links.map((link) => new URL((link as HTMLAnchorElement).href).pathname));
    expect(pdfUrls.length).toBeGreaterThan(0);
    await expect
      .poll(() => {
        const loaded = new Set(page.frames().map((frame) => new URL(frame.url(), baseUrl).pathname));
        return pdfUrls.filter((url) => !loaded.has(url));
      })
      .toEqual([]);
    // And the application form's PDF is painted, not a blank frame.
    const preview = ".doc-preview[data-document-type='application_form'] .pdf-preview";
    await page.locator(preview).scrollIntoViewIfNeeded();
    await expect.poll(() => coloursIn(page, preview), { timeout: 20_000 }).toBeGreaterThan(8);

    // One field, not the whole section: ask for the height alone.
    const form = page.locator("form.decision");
    await form.locator('input[name="outcome"][value="correction_requested"]').check();
    await form.locator('input[name="field-building.heightM"]').check();
    // The documents on offer are the ones the API says this step may ask again (the county's list).
    await form.locator('input[name="document-id_card"]').waitFor({ state: "attached" });
    expect(await axeProblems(page)).toEqual([]);
    await form.locator("#decision-comment").fill("房屋高度请按现场核实后填写");
    await screenshot(page, "staff-02-review-correction");
    await form.locator('button[type="submit"]').click();
    await page.getByText(/决定已提交|决定已保存/).waitFor();
    await page.close();
  });

  it("the auditor's search, case history and register pass axe and read in names", async () => {
    const page = await staffPage("auditor");
    // The township filter names the auditor's townships (from GET /me), not their codes alone.
    await expect.poll(() => townshipOptions(page, "#township")).toEqual(NAMED_TOWNSHIPS);
    // The action filter offers actions in words, the stored verb beside them.
    expect(await page.locator('#action option[value="requestCorrection"]').innerText()).toBe(
      "要求补正 · requestCorrection",
    );
    // The short number everyone sees finds the case.
    await page.locator('input[name="case-search"]').fill(caseId.slice(0, 8));
    await page.getByRole("button", { name: "查找" }).click();
    const found = page.locator(`.search-results li[data-case-id="${caseId}"]`);
    await found.waitFor();
    expect(await found.innerText()).toContain("王建国");
    expect(await found.innerText()).toContain("龙鹄村");
    await page.getByRole("button", { name: "查询" }).click();
    const row = page.locator(`tr[data-case-id="${caseId}"]`).first();
    await row.waitFor();
    expect(await axeProblems(page)).toEqual([]);
    await screenshot(page, "auditor-10-search");
    await row.getByRole("link").click();
    await page.locator('[data-chain="valid"]').waitFor();
    const history = await page.locator("main").innerText();
    expect(history).toContain("丹棱镇");
    expect(history).toContain("要求补正");
    expect(history).toContain("赵志刚");
    expect(await axeProblems(page)).toEqual([]);
    await screenshot(page, "auditor-11-history");
    await page.goto(`${baseUrl}/app/register`);
    await page.locator("h1").waitFor();
    await page.waitForLoadState("networkidle");
    await expect.poll(() => townshipOptions(page, "#reg-township")).toEqual(NAMED_TOWNSHIPS);
    expect(await axeProblems(page)).toEqual([]);
    await screenshot(page, "auditor-12-register");
    await page.close();
  });

  it("the township head's queue and the operator view pass axe", async () => {
    const page = await staffPage("head-a");
    await page.locator("h1").waitFor();
    await page.waitForLoadState("networkidle");
    expect(await axeProblems(page)).toEqual([]);
    await page.goto(`${baseUrl}/app/incidents`);
    await page.locator("h1").waitFor();
    await page.waitForLoadState("networkidle");
    expect(await axeProblems(page)).toEqual([]);
    await screenshot(page, "staff-03-incidents");
    await page.close();
  });

  it("the county admin's register and operator view name both townships", async () => {
    const page = await staffPage("county-admin");
    await page.locator("h1").waitFor();
    await expect.poll(() => townshipOptions(page, "#reg-township")).toEqual(NAMED_TOWNSHIPS);
    await page.goto(`${baseUrl}/app/incidents`);
    await page.locator("h1").waitFor();
    await expect.poll(() => townshipOptions(page, "#incident-township")).toEqual(NAMED_TOWNSHIPS);
    expect(await axeProblems(page)).toEqual([]);
    await page.close();
  });
});
