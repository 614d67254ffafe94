/**
 * In real Chromium: an upload whose connection drops is retried and confirmed;
 * a reviewer's correction request goes to the villager's phone, who corrects
 * exactly the asked field, and the case resumes where it was; the English switch.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { TestCloud } from "../support/local-cloud.ts";
import { authHeader, signInAs } from "../support/tokens.ts";
import { type Browser, expectAccessible, openSignedIn, screenshot, signIn } from "./browser.ts";
import { application, decideInConsole, uploadDocuments } from "./flows.ts";
import { type Stage, startStage } from "./stage.ts";

vi.mock("#shared/domain/policy/shipped-policies.ts", async (importOriginal) => {
  const { withTestPolicies } = await import("../support/policies.ts");
  return withTestPolicies(await importOriginal());
});

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
  // The form itself is tested in permit-journey; here the draft is filled through the API.
  const token = await signInAs(env.cloud.endpoints, "villager-wang");
  const headers = { "content-type": "application/json", ...authHeader(token) };
  const created = await fetch(`${baseUrl}/cases`, {
    method: "POST",
    headers,
    body: JSON.stringify({ kind: "homestead" }),
  });
  caseId = ((await created.json()) as { caseId: string }).caseId;
  const saved = await fetch(`${baseUrl}/cases/${caseId}/application`, {
    method: "PUT",
    headers,
    body: JSON.stringify(application()),
  });
  expect(saved.status).toBe(200);
});
afterAll(async () => {
  await stage?.stop();
});

describe("in the browser", () => {
  it("retries an upload whose connection dropped, and the server confirms it", async () => {
    const page = await signIn(phone.context, baseUrl, "villager-wang");
    await page.goto(`${baseUrl}/app/cases/${caseId}/form/documents`);
    await page.locator("[data-doc-type]").first().waitFor();

    // The first PUT to storage dies mid-way (connection reset); the second is held until the screen was seen.
    let puts = 0;
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route(`${env.cloud.endpoints.s3}/**`, async (route) => {
      if (route.request().method() !== "PUT") return route.continue();
      puts += 1;
      if (puts === 1) return route.abort("connectionreset");
      if (puts === 2) await held;
      return route.continue();
    });
    const first = page.locator("[data-doc-type]").first();
    const type = (await first.getAttribute("data-doc-type")) ?? "";
    await page.locator(`input[type="file"][name="${type}"]`).setInputFiles({
      name: "photo.jpg",
      mimeType: "image/jpeg",
      buffer: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2048, 7)]),
    });
    await first.getByText(/正在重试/).waitFor();
    await screenshot(page, "upload-01-retrying");
    release();
    await page.locator(`[data-doc-type="${type}"].doc-done`).waitFor({ timeout: 60_000 });
    expect(puts).toBe(2);
    await page.unroute(`${env.cloud.endpoints.s3}/**`);

    await uploadDocuments(page);
    await page.getByRole("button", { name: /下一步/ }).click();
    await page.getByRole("button", { name: "提交申请" }).click();
    await page.locator('.case-page[data-status="in_village_review"]').waitFor({ timeout: 60_000 });
    await page.close();
  });

  it("runs a correction round trip: ticked field → villager corrects it → the review resumes", async () => {
    await decideInConsole(desktop.context, baseUrl, "village-officer-a", caseId, {
      outcome: "correction_requested",
      fields: ["head.phone"],
      comment: "电话号码打不通，请核对。",
      shot: "correction-01-officer",
    });

    const page = await openSignedIn(phone.context, baseUrl, "villager-wang", `/app/cases/${caseId}`);
    await page.locator('.case-page[data-status="correction_requested"]').waitFor({ timeout: 60_000 });
    await page.getByText("“电话号码打不通，请核对。”").first().waitFor();
    await screenshot(page, "correction-02-villager-case");
    await expectAccessible(page, "case asking for a correction");
    await page.getByRole("link", { name: "去补正" }).click();
    // Only the asked field is on the form.
    const phoneInput = page.locator('[name="head.phone"]');
    await phoneInput.waitFor();
    expect(await page.locator('[name="head.name"]').count()).toBe(0);
    await phoneInput.fill("13900001111");
    await expect
      .poll(() => page.getByRole("button", { name: "提交补正" }).isEnabled(), { timeout: 30_000 })
      .toBe(true);
    await screenshot(page, "correction-03-form");
    await expectAccessible(page, "correction form");
    await page.getByRole("button", { name: "提交补正" }).click();
    await page.locator('.case-page[data-status="in_village_review"]').waitFor({ timeout: 60_000 });
    await screenshot(page, "correction-04-resumed");

    await decideInConsole(desktop.context, baseUrl, "village-officer-a", caseId, { comment: "已核实。" });
    await page.locator('.case-page[data-status="awaiting_acceptance"]').waitFor({ timeout: 60_000 });
    const token = await signInAs(env.cloud.endpoints, "villager-wang");
    const view = (await (
      await fetch(`${baseUrl}/cases/${caseId}`, { headers: authHeader(token) })
    ).json()) as {
      application: { head: { phone: string } };
    };
    expect(view.application.head.phone).toBe("13900001111");
    await page.close();
  });

  it("switches to English and back", async () => {
    const page = await openSignedIn(phone.context, baseUrl, "villager-wang", `/app/cases/${caseId}`);
    await page.getByRole("heading", { name: "宅基地和建房申请" }).waitFor();
    // The button is named by what it shows: the other language, in that language.
    await page.getByRole("button", { name: "English" }).click();
    await page.getByRole("heading", { name: "Homestead and building application" }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("en");
    await page.getByText("Waiting for the township window").first().waitFor();
    await screenshot(page, "i18n-01-case-english");
    await page.getByRole("link", { name: /My applications/ }).click();
    await page.getByRole("heading", { name: "My applications" }).waitFor();
    await page.getByRole("button", { name: "中文" }).click();
    await page.getByRole("heading", { name: "我的申请" }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("zh-CN");
    await page.close();
  });
});
