/**
 * The whole journey in real Chromium: a villager on a 360×640 touch phone signs
 * in, fills the form, attaches photos, submits; each reviewer decides in their
 * console; the villager sees the approved case and downloads the certificate;
 * an auditor finds the case, sees its hash chain verified and exports CSV.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { eventually, type TestCloud } from "../support/local-cloud.ts";
import { readPaper, squash } from "../support/pdf-reader.ts";
import { signInAs } from "../support/tokens.ts";
import { type Browser, openSignedIn, SCREENSHOTS, screenshot, signIn } from "./browser.ts";
import { decideInConsole, fillForm, uploadDocuments } from "./flows.ts";
import { type Stage, startStage } from "./stage.ts";

// Fast county policies (one-day notice, long step limits) for the Lambdas running in this process.
vi.mock("#shared/domain/policy/shipped-policies.ts", async (importOriginal) => {
  const { withTestPolicies } = await import("../support/policies.ts");
  return withTestPolicies(await importOriginal());
});

/** Demo reviewers of township A by department (infra/local/demo-users.json). */
const REVIEWER_OF: Record<string, string> = {
  agriculture: "reviewer-agriculture-a",
  natural_resources: "reviewer-natural-resources-a",
  housing_construction: "reviewer-housing-a",
  forestry: "reviewer-forestry-a",
  water: "reviewer-water-a",
  power: "reviewer-power-a",
  roads: "reviewer-roads-a",
};

let stage: Stage<"phone" | "desktop">;
let env: TestCloud;
let baseUrl: string;
let phone: Browser;
let desktop: Browser;
let caseId = "";

beforeAll(async () => {
  stage = await startStage(["phone", "desktop"]);
  ({ env, baseUrl } = stage);
  ({ phone, desktop } = stage.browsers);
});
afterAll(async () => {
  await stage?.stop();
});

describe("a homestead application from phone to certificate", () => {
  it("a villager signs in, fills the form, attaches photos and submits", async () => {
    const start = await phone.context.newPage();
    await start.goto(`${baseUrl}/app`);
    await start.getByRole("button", { name: "登录" }).waitFor();
    await screenshot(start, "villager-01-sign-in");
    await start.close();

    const page = await signIn(phone.context, baseUrl, "villager-wang");
    await page.getByRole("heading", { name: "我的申请" }).waitFor();
    await screenshot(page, "villager-02-case-list");
    await page.getByRole("button", { name: /申请新建住房/ }).click();
    await page.waitForURL(/\/form\/applicant$/);
    caseId = /\/app\/cases\/([^/]+)\//.exec(page.url())?.[1] ?? "";
    expect(caseId).not.toBe("");

    // Instant validation: a wrong ID number is flagged in Chinese as soon as the field is left.
    await page.locator('[name="head.idNumber"]').fill("511424199001011230");
    await page.locator('[name="head.idNumber"]').blur();
    await expect.poll(() => page.locator(".error-text").first().innerText()).toContain("身份证");

    await fillForm(page, true);
    await uploadDocuments(page);
    await screenshot(page, "villager-05-documents");

    // Resume where they were: a reload of the case list offers to continue at the documents screen.
    await page.goto(`${baseUrl}/app/cases`);
    await page.locator(`[data-case-id="${caseId}"] a`).click();
    await page.waitForURL(/\/form\/documents$/);

    await page.getByRole("button", { name: /下一步/ }).click();
    await page.getByRole("heading", { name: "检查并提交" }).waitFor();
    await screenshot(page, "villager-06-review");
    expect(await page.locator(".review").innerText()).toContain("内容完整，可以提交。");
    await page.getByRole("button", { name: "提交申请" }).click();
    await page.waitForURL(new RegExp(`/app/cases/${caseId}\\?submitted=1$`));
    // The pre-check and the one-day notice run on their own; the page follows by itself.
    await page.locator('.case-page[data-status="in_village_review"]').waitFor({ timeout: 60_000 });
    await page.getByText(/自动预审结果/).waitFor();
    await screenshot(page, "villager-07-case-waiting");
  });

  it("each reviewer decides in their console", async () => {
    await decideInConsole(desktop.context, baseUrl, "village-officer-a", caseId, {
      comment: "材料齐全，村民小组无异议。",
      shot: "staff-01-village-officer",
    });
    await decideInConsole(desktop.context, baseUrl, "clerk-a", caseId, { comment: "受理。" });
    const villager = await signInAs(env.cloud.endpoints, "villager-wang");
    // The joint review asks the departments the pre-check named; wait until they are asked.
    const view = await eventually(async () => {
      const response = await fetch(`${baseUrl}/cases/${caseId}`, {
        headers: { authorization: `Bearer ${villager}` },
      });
      const body = (await response.json()) as { status: string; departments?: string[] };
      return body.status === "in_joint_review" && body.departments?.length
        ? { departments: body.departments }
        : undefined;
    }, 60_000);
    for (const department of view.departments) {
      await decideInConsole(
        desktop.context,
        baseUrl,
        REVIEWER_OF[department] ?? `reviewer-${department}-a`,
        caseId,
        {
          comment: "符合要求。",
          // Site visit 1 (the site check) is agriculture's: a photo from the plot goes with its answer.
          ...(department === "agriculture" ? { shot: "staff-02-department", photos: 1 } : {}),
        },
      );
    }
    await decideInConsole(desktop.context, baseUrl, "head-a", caseId, {
      comment: "同意批准。",
      shot: "staff-03-township-head",
    });
    await decideInConsole(desktop.context, baseUrl, "inspector-a", caseId, {
      measurements: { plotAreaM2: 150, footprintM2: 90 },
      photos: 2,
      comment: "已实地丈量放线。",
      shot: "staff-04-inspector",
    });
    // The township head sees the three site photos inline, served from the verified bytes.
    const head = await openSignedIn(desktop.context, baseUrl, "head-a", `/app/review/${caseId}`);
    const photos = head.locator('figure[data-document-type="site_visit_photo"] img');
    await expect.poll(() => photos.count(), { timeout: 30_000 }).toBe(3);
    // The images load lazily, as the head scrolls to them.
    for (let index = 0; index < 3; index++) await photos.nth(index).scrollIntoViewIfNeeded();
    await expect
      .poll(() =>
        photos.evaluateAll((images) => images.every((image) => (image as HTMLImageElement).naturalWidth > 0)),
      )
      .toBe(true);
    await screenshot(head, "staff-05-site-photos");
    await head.close();
  });

  it("the villager sees the approved case and downloads the certificate", async () => {
    const page = await signIn(phone.context, baseUrl, "villager-wang");
    await page.goto(`${baseUrl}/app/cases/${caseId}`);
    await page.locator('.case-page[data-status="staked_out"]').waitFor({ timeout: 60_000 });
    const download = page.locator('a[data-certificate="homestead_approval_certificate"]');
    await expect.poll(() => download.getAttribute("href"), { timeout: 30_000 }).toMatch(/^http/);
    // Departments by the county's names (as the wait message names them), and the staking-out as PROCEDURE.md says.
    const timeline = await page.locator(".timeline").innerText();
    expect(timeline).toContain("乡镇农业农村办公室");
    expect(timeline).toContain("丈量批放");
    await screenshot(page, "villager-08-approved");
    // The link is the certificate PDF itself (a download naming the file), read back with poppler.
    const pdf = await phone.context.request.get((await download.getAttribute("href")) ?? "");
    expect(pdf.headers()["content-type"]).toBe("application/pdf");
    expect(pdf.headers()["content-disposition"]).toMatch(/filename="511424-ZJDPZ-\d{4}-\d{5}\.pdf"/);
    const read = readPaper(await pdf.body());
    expect(squash(read.text)).toContain("511424-ZJDPZ-");
    expect(read.qr).toMatch(/\/verify\/511424-ZJDPZ-/);
    await writeFile(path.join(SCREENSHOTS, "villager-09-certificate.png"), read.firstPage);
  });

  it("an auditor finds the case, sees the chain verified and exports CSV", async () => {
    const page = await signIn(desktop.context, baseUrl, "auditor");
    await page.getByRole("button", { name: "查询" }).click();
    const row = page.locator(`tr[data-case-id="${caseId}"]`).first();
    await row.waitFor();
    await screenshot(page, "auditor-01-search");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: /导出 CSV/ }).click(),
    ]);
    const csv = await readFile((await download.path()) ?? "", "utf8");
    expect(csv).toContain(caseId);
    await row.getByRole("link").click();
    await page.locator('[data-chain="valid"]').waitFor();
    expect(await page.locator('[data-chain="valid"]').innerText()).toContain("哈希链校验通过");
    await screenshot(page, "auditor-02-history");
    await page.goto(`${baseUrl}/app/audit`);
    await page.close();
  });
});
