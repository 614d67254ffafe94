/**
 * In real Chromium: the villager's 消息 shows the unread count in the header,
 * and after a reviewer asks for a correction the count goes up by one and the
 * message says what to correct and by when; reading it clears the count.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiDriver } from "../support/api.ts";
import { homesteadApplication } from "../support/fixtures.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { type Browser, launch, screenshot, signIn } from "./browser.ts";
import { decideInConsole } from "./flows.ts";

let env: TestCloud;
let baseUrl: string;
let phone: Browser;
let desktop: Browser;
let caseId = "";
const { applyAndSubmit, queued } = new ApiDriver(() => env.cloud.endpoints);

beforeAll(async () => {
  // The demo policy: a 0-day public notice, so the case reaches the village review at once.
  env = await startTestCloud({ context: { countyPolicy: "danling-demo" } });
  baseUrl = env.cloud.endpoints.api;
  phone = await launch("phone", baseUrl);
  desktop = await launch("desktop", baseUrl);
  caseId = await applyAndSubmit("villager-wang", "homestead", homesteadApplication());
  await queued("village-officer-a", "village_officer", "511424100", caseId);
}, 120_000);
afterAll(async () => {
  await phone?.close();
  await desktop?.close();
  await env?.stop();
});

describe("消息 (message centre) in the browser", () => {
  it("shows the villager the unread count and the correction request a reviewer just made", async () => {
    const page = await signIn(phone.context, baseUrl, "villager-wang");
    await page.goto(`${baseUrl}/app/cases`);
    // Submitted, the public notice started and ended: three messages not read yet.
    const badge = page.getByTestId("unread-count");
    await expect.poll(() => badge.innerText(), { timeout: 30_000 }).toMatch(/^3/);
    await screenshot(page, "messages-01-unread");

    // Reading them clears the count.
    await page.getByRole("link", { name: /消息\s*3\s*条未读/ }).click();
    await page.getByRole("heading", { name: "消息" }).waitFor();
    await page.getByText(/已提交，系统正在预审/).waitFor();
    await expect.poll(() => badge.count(), { timeout: 30_000 }).toBe(0);

    await decideInConsole(desktop.context, baseUrl, "village-officer-a", caseId, {
      outcome: "correction_requested",
      fields: ["head.phone"],
      comment: "电话号码打不通，请核对。",
    });

    // The next screen the villager opens shows one new message.
    await page.getByRole("link", { name: "农房审批", exact: true }).click();
    await expect.poll(() => badge.innerText(), { timeout: 30_000 }).toMatch(/^1/);
    await screenshot(page, "messages-02-correction-unread");
    await page.getByRole("link", { name: /消息\s*1\s*条未读/ }).click();
    const message = page.locator(".message-unread").first();
    await message.waitFor();
    expect(await message.innerText()).toMatch(/需要补正：户主信息。请于\d+月\d+日前登录补正/);
    await screenshot(page, "messages-03-correction-message");
    await expect.poll(() => badge.count(), { timeout: 30_000 }).toBe(0);
    await page.close();
  }, 180_000);
});
