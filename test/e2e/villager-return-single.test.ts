/**
 * Issue 16 in real Chromium on a 360×640 zh-CN phone: a household sent back by
 * the pre-check is led to the field at fault with the finding beside it, sees
 * its limits while typing, resubmits; a household of one applies without
 * listing members, types its age in words, previews, removes and replaces a
 * document, and reads a summary before the commitment. Every main villager and
 * public screen passes an axe-core scan with no serious or critical violation.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { seedConfirmedDocument } from "../support/documents.ts";
import type { TestCloud } from "../support/local-cloud.ts";
import { authHeader, signInAs } from "../support/tokens.ts";
import { axeProblems } from "./axe.ts";
import { type Browser, expectAccessible, makeJpeg, openSignedIn, screenshot, signIn } from "./browser.ts";
import { application, fillForm, uploadDocuments } from "./flows.ts";
import { type Stage, startStage } from "./stage.ts";

vi.mock("#shared/domain/policy/shipped-policies.ts", async (importOriginal) => {
  const { withTestPolicies } = await import("../support/policies.ts");
  return withTestPolicies(await importOriginal());
});

let stage: Stage<"phone">;
let env: TestCloud;
let baseUrl: string;
let phone: Browser;

beforeAll(async () => {
  stage = await startStage(["phone"]);
  ({ env, baseUrl } = stage);
  ({ phone } = stage.browsers);
});
afterAll(async () => {
  await stage?.stop();
});

const scan = expectAccessible;

async function api<T>(userId: string, method: string, path: string, body?: unknown): Promise<T> {
  const token = await signInAs(env.cloud.endpoints, userId);
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { "content-type": "application/json", ...authHeader(token) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

const statusOf = (page: Page) => page.locator(".case-page").getAttribute("data-status");
const noteOf = (page: Page, path: string, kind: "finding" | "over" | "limit") =>
  page.locator(`[data-notes-for="${path}"] .note-${kind}`);

describe("a household sent back by the pre-check (return and revise)", () => {
  const HOUSE = "proposedPlot.houseLandAreaM2";
  let caseId = "";

  it("shows the household's limits while typing, then the finding beside the field at fault", async () => {
    // The form itself is walked in the single-person journey; here the draft is filled through the API.
    caseId = (await api<{ caseId: string }>("villager-wang", "POST", "/cases", { kind: "homestead" })).caseId;
    await api("villager-wang", "PUT", `/cases/${caseId}/application`, application());

    const page = await signIn(phone.context, baseUrl, "villager-wang");
    await page.goto(`${baseUrl}/app/cases/${caseId}/form/plot`);
    await page.locator(`[name="${HOUSE}"]`).waitFor();
    // The county's limits for this household, from the server's policy and register.
    const limits = page.locator("section.limits");
    await expect.poll(() => limits.innerText(), { timeout: 15_000 }).toMatch(/住房用地面积不超过 \d+ 平方米/);
    await expect.poll(() => noteOf(page, HOUSE, "limit").count(), { timeout: 15_000 }).toBe(1);
    expect(await noteOf(page, HOUSE, "over").count()).toBe(0);
    // One name for one thing: the field is called what the finding will call it.
    expect(await page.locator(`label:has-text("住房用地面积")`).count()).toBeGreaterThan(0);
    expect(await page.getByText("房屋占地面积").count()).toBe(0);

    await page.locator(`[name="${HOUSE}"]`).fill("400");
    await expect
      .poll(() => noteOf(page, HOUSE, "over").innerText(), { timeout: 15_000 })
      .toMatch(/住房用地面积 400 平方米，超过本户标准/);
    await screenshot(page, "revise-01-limit-while-typing");
    await scan(page, "form/plot");
    await page.getByRole("button", { name: /下一步/ }).click();
    await expect.poll(() => page.locator("h1").innerText(), { timeout: 15_000 }).toMatch(/建房情况/);
    await scan(page, "form/building");
    await page.getByRole("button", { name: /下一步/ }).click();
    await expect
      .poll(() => page.locator(".save-state").innerText(), { timeout: 15_000 })
      .toMatch(/已自动保存/);
    await uploadDocuments(page);
    await scan(page, "form/documents");
    await page.getByRole("button", { name: /下一步/ }).click();
    await page.getByTestId("review-summary").waitFor();
    await page.getByRole("button", { name: "提交申请" }).click();
    await page.locator('.case-page[data-status="returned"]').waitFor({ timeout: 60_000 });
    await page.locator(".finding-block").first().waitFor();
    await screenshot(page, "revise-02-returned");
    await scan(page, "case/returned");

    // 修改申请 leads to the field at fault, the finding beside it, the field focused.
    await page.getByRole("link", { name: "修改申请" }).click();
    await page.waitForURL((url) => url.pathname.endsWith("/form/plot"));
    expect(new URL(page.url()).searchParams.get("field")).toBe(HOUSE);
    await expect
      .poll(() => page.locator(`[data-notes-for="${HOUSE}"]`).innerText(), { timeout: 15_000 })
      .toMatch(/预审发现：住房用地面积 400 m² 超过标准/);
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute("name")), { timeout: 15_000 })
      .toBe(HOUSE);
    await screenshot(page, "revise-03-field-at-fault");
    await page.close();
  });

  it("says why on the last step, resubmits unchanged without English, then fixes the field", async () => {
    const page = await openSignedIn(
      phone.context,
      baseUrl,
      "villager-wang",
      `/app/cases/${caseId}/form/homestead`,
    );
    await page.locator('input[name="hasHomestead"]').first().waitFor();
    await scan(page, "form/homestead");
    await page.goto(`${baseUrl}/app/cases/${caseId}/form/review`);
    const findings = page.getByTestId("precheck-findings");
    await expect
      .poll(() => findings.innerText(), { timeout: 15_000 })
      .toMatch(/住房用地面积 400 m² 超过标准/);
    expect(await page.getByText("内容完整，可以提交。").count()).toBe(0);
    await screenshot(page, "revise-04-review-with-findings");

    // Unchanged: the server takes it again (revise + submit) and its pre-check answers, in Chinese.
    await page.getByRole("button", { name: "提交申请" }).click();
    await page.locator(".case-page").waitFor();
    expect(await page.locator("main").innerText()).not.toMatch(/Only a draft|not_a_draft|returned/);
    await expect.poll(() => statusOf(page), { timeout: 60_000 }).toBe("returned");

    await page.getByRole("link", { name: "修改申请" }).click();
    const field = page.locator(`[name="${HOUSE}"]`);
    await field.waitFor();
    await field.fill(String(application().proposedPlot.houseLandAreaM2));
    // Changed: the finding leaves the field, and the limit check is satisfied.
    await expect.poll(() => noteOf(page, HOUSE, "finding").count(), { timeout: 15_000 }).toBe(0);
    expect(await noteOf(page, HOUSE, "over").count()).toBe(0);
    await expect
      .poll(() => page.locator(".save-state").innerText(), { timeout: 15_000 })
      .toMatch(/已自动保存/);
    await page.goto(`${baseUrl}/app/cases/${caseId}/form/review`);
    await page.getByText("内容完整，可以提交。").waitFor();
    await screenshot(page, "revise-05-review-fixed");
    await page.getByRole("button", { name: "提交申请" }).click();
    await expect
      .poll(() => statusOf(page), { timeout: 60_000 })
      .toMatch(/^(in_public_notice|in_village_review)$/);
    // A site-visit photo in the case (the inspector's, as site visits store it) is named, not `site_visit_photo`.
    await seedConfirmedDocument(env, caseId, {
      documentType: "site_visit_photo",
      uploadedBy: "inspector",
      item: {
        stepId: "joint_review#agriculture#1",
        contentType: "image/jpeg",
        size: 2048,
        sha256: "b".repeat(64),
      },
    });

    await page.reload();
    await page.getByText("现场踏勘照片").first().waitFor();
    expect(await page.locator("main").innerText()).not.toContain("site_visit_photo");
    await screenshot(page, "revise-06-resubmitted");
    await scan(page, "case/in-progress");

    // The case list tells cases apart: plot address and the number people quote.
    await page
      .getByRole("link", { name: /我的申请/ })
      .first()
      .click();
    const card = page.locator(`[data-case-id="${caseId}"]`);
    await card.waitFor();
    expect(await card.innerText()).toContain(caseId.slice(0, 8));
    expect(await card.innerText()).toContain(application().proposedPlot.address);
    await screenshot(page, "revise-07-case-list");
    await scan(page, "case list");
    await page.close();
  });

  it("passes the public screens: sign-in, the notice list, a notice, certificate verification", async () => {
    const page = await phone.context.newPage();
    // A new tab has no session (it lives in the tab): the sign-in screen.
    await page.goto(`${baseUrl}/app`);
    await page.getByRole("button", { name: /^登录$/ }).waitFor();
    await scan(page, "public/sign-in");
    const villageCode = "511424100001";
    const listed = (await (await fetch(`${baseUrl}/notices?village=${villageCode}&status=all`)).json()) as {
      notices: { noticeId: string }[];
    };
    await page.goto(`${baseUrl}/app/notices?village=${villageCode}`);
    await page.locator("h1").waitFor();
    await page.locator(".loading").waitFor({ state: "detached" });
    await scan(page, "public/notices");
    const [first] = listed.notices;
    expect(first, "the resubmitted case's notice is published").toBeDefined();
    await page.goto(`${baseUrl}/app/notices/${first?.noticeId}`);
    await page.locator("h1").waitFor();
    await page.locator(".loading").waitFor({ state: "detached" });
    await screenshot(page, "public-01-notice");
    await scan(page, "public/notice");
    await page.goto(`${baseUrl}/verify/NO-SUCH-NUMBER`);
    await page.locator("h1").waitFor();
    await scan(page, "public/verify");
    await page.close();
  });
});

describe("a household of one", () => {
  it("applies without listing members, types its age in words, manages documents, reads a summary", async () => {
    const page = await signIn(phone.context, baseUrl, "villager-zhang");
    await page.getByRole("heading", { name: "我的申请" }).waitFor();
    // Its visible text is its name (axe: label-content-name-mismatch).
    await page.getByRole("button", { name: "English" }).waitFor();
    await scan(page, "case list (empty)");
    await page.getByRole("button", { name: /申请新建住房/ }).click();
    await page.locator('[name="head.age"]').waitFor();

    // 四十八: a clear word about digits, not "此项必填".
    const age = page.locator('[name="head.age"]');
    await age.fill("四十八");
    await age.blur();
    const ageField = page.locator(".field", { has: age });
    await expect
      .poll(() => ageField.locator(".error-text").innerText(), { timeout: 15_000 })
      .toMatch(/阿拉伯数字/);
    expect(await ageField.innerText()).not.toContain("此项必填");
    await screenshot(page, "single-01-age-in-words");
    await scan(page, "form/applicant");

    await fillForm(page, false, { members: false });
    await scan(page, "form/documents (empty)");

    // A refused file's message goes once a good file of the row is received.
    // A photo row (not the PDF form), so its preview shows in place.
    const types = await page
      .locator("[data-doc-type]")
      .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-doc-type") ?? ""));
    const type = types.find((candidate) => candidate !== "application_form") ?? "";
    const row = page.locator(`[data-doc-type="${type}"]`);
    await page
      .locator(`input[type="file"][name="${type}"]`)
      .setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("不是照片") });
    await row.locator("[role=alert]").waitFor();
    // Both ways in: the camera, and a file chooser that takes a PDF scan.
    expect(await page.locator(`input[name="${type}-camera"]`).getAttribute("capture")).toBe("environment");
    expect(await page.locator(`input[name="${type}"]`).getAttribute("capture")).toBeNull();
    expect(await page.locator(`input[name="${type}"]`).getAttribute("accept")).toContain("application/pdf");
    await uploadDocuments(page);
    expect(await row.locator("[role=alert]").count()).toBe(0);
    expect(await page.locator(".documents").innerText()).not.toMatch(/[a-z]+_[a-z_]+/);
    await row.getByRole("button", { name: "查看" }).first().click();
    await row.locator("img.doc-preview").waitFor();
    await expect
      .poll(() => row.locator("img.doc-preview").evaluate((image: HTMLImageElement) => image.naturalWidth), {
        timeout: 15_000,
      })
      .toBeGreaterThan(0);
    await screenshot(page, "single-02-documents");
    await scan(page, "form/documents");
    await row.getByRole("button", { name: /^删除/ }).first().click();
    await page.locator(`[data-doc-type="${type}"]:not(.doc-done)`).waitFor();
    await page.locator(`input[type="file"][name="${type}"]`).setInputFiles({
      name: "again.jpg",
      mimeType: "image/jpeg",
      buffer: await makeJpeg(page, "again"),
    });
    await page.locator(`[data-doc-type="${type}"].doc-done`).waitFor({ timeout: 60_000 });

    // An old plot of 0 m² is refused while typing (the draft schema, as the server's), not only at submit.
    await page.goto(`${baseUrl}/app/cases/${new URL(page.url()).pathname.split("/")[3]}/form/homestead`);
    await page.locator('input[name="hasHomestead"]').first().check();
    const oldArea = page.locator('[name="currentHomestead.areaM2"]');
    await oldArea.fill("0");
    await oldArea.blur();
    await expect
      .poll(() => page.locator(".save-state").innerText(), { timeout: 15_000 })
      .toMatch(/有内容格式不对/);
    await page.locator(".field.field-invalid", { has: oldArea }).waitFor();
    await page.locator('input[name="hasHomestead"]').last().check();
    await expect
      .poll(() => page.locator(".save-state").innerText(), { timeout: 15_000 })
      .toMatch(/已自动保存/);
    await page.goto(page.url().replace(/\/form\/homestead$/, "/form/review"));
    const summary = page.getByTestId("review-summary");
    await summary.waitFor();
    // Nothing asks for members, and the summary says what was entered before the commitment.
    expect(await page.locator(".review").innerText()).not.toMatch(/家庭成员（户主以外）：此项必填/);
    const text = await summary.innerText();
    expect(text).toContain(application().head.name);
    expect(text).toContain(application().proposedPlot.address);
    expect(text).toContain("无（只有户主一人）");
    await page.getByText("内容完整，可以提交。").waitFor();
    await screenshot(page, "single-03-summary");
    await scan(page, "form/review");
    await page.getByRole("button", { name: "提交申请" }).click();
    await expect.poll(() => statusOf(page), { timeout: 60_000 }).not.toMatch(/^(draft)$/);
    await screenshot(page, "single-04-submitted");
    await page.close();
  });
});

describe("the accessibility scan every screen passes", () => {
  it("names a serious problem on the page and one inside a frame", async () => {
    const page = await phone.context.newPage();
    await page.goto(`${baseUrl}/verify/NO-SUCH-NUMBER`);
    await page.locator("h1").waitFor();
    await page.setContent(
      `<main><h1>Scan</h1><button></button><iframe title="inner" srcdoc="<main><img src='plot.png'></main>"></iframe></main>`,
    );
    await page.frameLocator("iframe").locator("img").waitFor({ state: "attached" });
    const problems = await axeProblems(page);
    expect(problems.find((line) => line.includes("button-name"))).toMatch(
      /^critical button-name: .* — button$/,
    );
    expect(problems.find((line) => line.includes("image-alt"))).toMatch(
      /^critical image-alt: .* — iframe img$/,
    );
    await page.close();
  });
});
