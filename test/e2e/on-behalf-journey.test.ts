/**
 * 代办 in real Chromium (issue 16): a village officer at the office's laptop
 * (1366×768) files a homestead application on behalf of an elderly head
 * without a smartphone — opens it for the household, fills the form, uploads
 * the documents and the signed consent form, enters the code the head read off
 * the SMS (the local SMS stand-in records what the phone received), submits; the case
 * history says it was filed on behalf and by whom. Then the household's
 * villager, on a 360×640 phone, claims the case with a code sent to the head's
 * phone and follows it as its owner. Screenshots for people to look at.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { maskPhone } from "#shared/domain/phone.ts";
import { eventually, type TestCloud } from "../support/local-cloud.ts";
import { apiAs } from "./api-seed.ts";
import { axeProblems } from "./axe.ts";
import { type Browser, makeJpeg, openSignedIn, screenshot, signIn } from "./browser.ts";
import { application, fillForm, uploadDocuments } from "./flows.ts";
import { type Stage, startStage } from "./stage.ts";

vi.mock("#shared/domain/policy/shipped-policies.ts", async (importOriginal) => {
  const { withTestPolicies } = await import("../support/policies.ts");
  return withTestPolicies(await importOriginal());
});

const OFFICE = { width: 1366, height: 768 };
const PHONE = application().head.phone;

let stage: Stage<"phone" | "desktop">;
let env: TestCloud;
let baseUrl: string;
let desktop: Browser;
let phone: Browser;
let caseId = "";

beforeAll(async () => {
  stage = await startStage(["desktop", "phone"]);
  ({ env, baseUrl } = stage);
  ({ desktop, phone } = stage.browsers);
  // The officer marks the plot standing on it with the household (inside the demo parcel).
  await desktop.context.grantPermissions(["geolocation"], { origin: baseUrl });
  await desktop.context.setGeolocation({ longitude: 103.502, latitude: 30.002 });
});
afterAll(async () => {
  await stage?.stop();
});

async function lastCode(to: string): Promise<string> {
  const received = (await env.cloud.sms.messages()).filter((message) => message.to === maskPhone(to));
  const code = /验证码(\d{6})/.exec(received.at(-1)?.text ?? "")?.[1];
  if (!code) throw new Error(`no code sent to ${to}`);
  return code;
}

describe("a case filed on behalf of a household", () => {
  it("the village officer opens, fills, documents and submits it with the household's consent", async () => {
    const page = await signIn(desktop.context, baseUrl, "village-officer-a");
    await page.setViewportSize(OFFICE);
    await page.getByRole("link", { name: "代办申请" }).click();
    await page.getByRole("heading", { name: "为农户代办建房申请" }).waitFor();
    await page.locator('input[name="householdId"]').fill("511424100001-H0001");
    expect(await axeProblems(page)).toEqual([]);
    await screenshot(page, "onbehalf-01-start");
    await page.getByRole("button", { name: "开始代办" }).click();
    await page.waitForURL(/\/form\/applicant$/);
    caseId = /\/app\/cases\/([^/]+)\//.exec(page.url())?.[1] ?? "";
    expect(caseId).not.toBe("");

    await fillForm(page);
    await uploadDocuments(page);
    await screenshot(page, "onbehalf-02-documents");
    await page.getByRole("button", { name: /下一步/ }).click();
    await page.getByRole("heading", { name: "检查并提交" }).waitFor();

    // Without the household's consent the case does not go in.
    await page.getByRole("button", { name: "提交申请" }).click();
    await expect
      .poll(() => page.locator("[role=alert]").allInnerTexts())
      .toEqual(expect.arrayContaining([expect.stringContaining("户主签字的代办委托书")]));

    const consent = page.locator("section.consent");
    await consent.locator(`input[type="file"][name="household_consent_form"]`).setInputFiles({
      name: "委托书.jpg",
      mimeType: "image/jpeg",
      buffer: await makeJpeg(page, "委托书 王建国"),
    });
    await consent.getByText("✓ 委托书已收到").waitFor({ timeout: 60_000 });
    await consent.getByRole("button", { name: "发送验证码到户主手机" }).click();
    await consent.getByText(/验证码已发送至/).waitFor();
    expect(await consent.innerText()).not.toContain(PHONE);
    // The head reads the code off the phone to the officer.
    await consent.locator('input[name="consent-code"]').fill(await lastCode(PHONE));
    await consent.getByRole("button", { name: "确认" }).click();
    await consent.getByText("✓ 户主已通过短信验证码确认代办").waitFor();
    expect(await axeProblems(page)).toEqual([]);
    await screenshot(page, "onbehalf-03-consent");

    await page.getByRole("button", { name: "提交申请" }).click();
    await page.waitForURL(new RegExp(`/app/cases/${caseId}\\?submitted=1$`));
    await page.locator('.case-page[data-status="in_village_review"]').waitFor({ timeout: 60_000 });
    await screenshot(page, "onbehalf-04-submitted");
    await page.close();
  });

  it("its history says it was filed on behalf, by whom, with the household's consent", async () => {
    const page = await openSignedIn(desktop.context, baseUrl, "clerk-a", `/app/review/${caseId}`);
    await page.setViewportSize(OFFICE);
    await page.locator(".review-page").waitFor();
    const events = page.locator("details.card").filter({ hasText: "办理记录" });
    await events.locator("summary").click();
    const text = await events.innerText();
    expect(text).toContain("代办：代农户填报");
    expect(text).toContain("赵志刚");
    expect(text).toContain("农户确认代办");
    await screenshot(page, "onbehalf-05-history");
    await page.close();
  });

  it("the household's villager claims it on a phone and follows it as its owner", async () => {
    const page = await signIn(phone.context, baseUrl, "villager-wang");
    await page.getByRole("heading", { name: "我的申请" }).waitFor();
    const claim = page.locator("details.claim");
    await claim.locator("summary").click();
    await claim.locator('input[name="claim-phone"]').fill(PHONE);
    await claim.getByRole("button", { name: "获取验证码" }).click();
    await claim.getByText(/验证码已发送至/).waitFor();
    await claim.locator('input[name="claim-code"]').fill(await lastCode(PHONE));
    expect(await axeProblems(page)).toEqual([]);
    await screenshot(page, "onbehalf-06-claim");
    await claim.getByRole("button", { name: "认领" }).click();
    await claim.getByText("已认领 1 件申请。").waitFor();
    await page.locator(`[data-case-id="${caseId}"] a`).click();
    await page.locator(".case-page").waitFor();
    await screenshot(page, "onbehalf-07-claimed-case");
    await page.close();
  });

  it("the officer finds it again in the list of cases filed on behalf, claimed; a 补正 leads to its form", async () => {
    const page = await openSignedIn(desktop.context, baseUrl, "village-officer-a");
    await page.setViewportSize(OFFICE);
    await page.getByRole("link", { name: "代办申请" }).click();
    await page.getByRole("heading", { name: "已代办的申请" }).waitFor();
    const card = page.locator(`.filed-list [data-case-id="${caseId}"]`);
    await card.waitFor();
    const text = await card.innerText();
    expect(text).toContain(`编号 ${caseId.slice(0, 8)}`);
    expect(text).toContain("申请人：王建国");
    expect(text).toContain(application().proposedPlot.address);
    expect(text).toContain("农户已认领");
    expect(text).not.toContain(PHONE);
    expect(await axeProblems(page)).toEqual([]);
    await screenshot(page, "onbehalf-08-filed-list");
    // In village review, nothing for the filer to answer: the card leads to the case's page.
    expect(await card.getAttribute("data-expected")).not.toBe("answer_correction");
    const open = card.getByRole("link", { name: "查看进度" });
    expect(await open.getAttribute("href")).toBe(`/app/cases/${caseId}`);
    await open.click();
    await page.waitForURL(new RegExp(`/app/cases/${caseId}$`));
    await page.locator(".case-page").waitFor();

    // The village review asks for a correction (补正): the card says so and leads to the correction form.
    const officer = await apiAs(env, "village-officer-a");
    const step = await eventually(async () => {
      const queue = await officer<{ items: { caseId: string; stepId: string }[] }>(
        "GET",
        "/queues/village_officer",
      );
      return queue.body.items.find((item) => item.caseId === caseId);
    }, 60_000);
    const asked = await officer(
      "POST",
      `/review/cases/${caseId}/steps/${encodeURIComponent(step.stepId)}/decision`,
      { outcome: "correction_requested", fields: ["building.heightM"], comment: "请核实层高" },
    );
    expect(asked.status, JSON.stringify(asked.body)).toBe(200);
    await expect
      .poll(
        async () => {
          await page.goto(`${baseUrl}/app/assist`);
          await card.waitFor();
          return card.getAttribute("data-expected");
        },
        { timeout: 60_000 },
      )
      .toBe("answer_correction");
    expect(await card.innerText()).toContain("待补正");
    expect(await axeProblems(page)).toEqual([]);
    await screenshot(page, "onbehalf-09-filed-list-correction");
    const answer = card.getByRole("link", { name: "去补正" });
    expect(await answer.getAttribute("href")).toBe(`/app/cases/${caseId}/correction`);
    await answer.click();
    await page.waitForURL(new RegExp(`/app/cases/${caseId}/correction$`));
    await page.locator("section.correction").waitFor();
    expect(await page.locator("section.correction").innerText()).toContain("请核实层高");
    await page.close();
  });
});
