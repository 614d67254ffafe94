/** Steps several scenarios share: filling the form in the browser, uploading, a reviewer deciding. */
import type { BrowserContext, Page } from "playwright-core";
import { expect } from "vitest";
import type { ApplicationComplete } from "#shared/schemas/application.ts";
import { homesteadApplication, ZHANG_HOUSEHOLD } from "../support/fixtures.ts";
import { makeJpeg, makePdf, openSignedIn, screenshot } from "./browser.ts";

/** The demo household 511424100001-H0001 (villager-wang) applying for a plot inside the demo parcel. */
export function application(): ApplicationComplete {
  const base = homesteadApplication(ZHANG_HOUSEHOLD);
  return {
    ...base,
    head: { ...base.head, name: "王建国" },
    proposedPlot: { ...base.proposedPlot, location: { type: "Point", coordinates: [103.502, 30.002] } },
  };
}

const input = (page: Page, name: string) => page.locator(`[name="${name}"]`);

async function next(page: Page, expectedHeading: RegExp): Promise<void> {
  await page.getByRole("button", { name: /下一步|Next/ }).click();
  await expect.poll(() => page.locator("h1").innerText()).toMatch(expectedHeading);
}

/** Fills every screen of the wizard like a villager would (taps, typing, the location button). */
export async function fillForm(
  page: Page,
  shots = false,
  options: { readonly members?: boolean } = {},
): Promise<void> {
  const app = application();
  // A household of one lists nobody besides the head.
  if (options.members === false) app.members = [];
  await input(page, "head.name").fill(app.head.name);
  await input(page, "head.sex").and(page.locator('[value="male"]')).check();
  await input(page, "head.age").fill(String(app.head.age));
  await input(page, "head.phone").fill(app.head.phone);
  await input(page, "head.idNumber").fill(app.head.idNumber);
  await input(page, "head.householdRegistrationPlace").fill(app.head.householdRegistrationPlace);
  for (const [index, member] of app.members.entries()) {
    await page.getByRole("button", { name: /添加家庭成员|Add a household member/ }).click();
    await input(page, `members.${index}.name`).fill(member.name);
    await input(page, `members.${index}.age`).fill(String(member.age));
    await input(page, `members.${index}.relation`).selectOption(member.relation);
    await input(page, `members.${index}.idNumber`).fill(member.idNumber);
  }
  if (shots) await screenshot(page, "villager-03-form-applicant");
  await next(page, /现有宅基地|Current homestead/);
  await page.locator('input[name="hasHomestead"]').last().check(); // 否: no homestead declared (a new plot)
  await next(page, /拟建房地块|Proposed plot/);
  const plot = app.proposedPlot;
  await input(page, "proposedPlot.situation")
    .and(page.locator(`[value="${plot.situation}"]`))
    .check();
  await input(page, "proposedPlot.landClass")
    .and(page.locator(`[value="${plot.landClass}"]`))
    .check();
  await input(page, "proposedPlot.address").fill(plot.address);
  await input(page, "proposedPlot.houseLandAreaM2").fill(String(plot.houseLandAreaM2));
  await input(page, "proposedPlot.ancillaryLandAreaM2").fill(String(plot.ancillaryLandAreaM2));
  for (const side of ["east", "south", "west", "north"] as const) {
    await input(page, `proposedPlot.boundaries.${side}`).fill(plot.boundaries[side]);
  }
  await page.getByRole("button", { name: /用我现在的位置|Use my location/ }).click();
  await expect.poll(() => page.locator(".ok-text").innerText()).toContain("103.502");
  if (shots) await screenshot(page, "villager-04-form-plot");
  await next(page, /建房情况|Building/);
  await input(page, "building.floorAreaM2").fill(String(app.building.floorAreaM2));
  await input(page, "building.floors").fill(String(app.building.floors));
  await input(page, "building.heightM").fill(String(app.building.heightM));
  await input(page, "neighboursConsulted").check();
  await input(page, "reason").fill(app.reason);
  await next(page, /上传材料|Documents/);
  await expect.poll(() => page.locator(".save-state").innerText()).toMatch(/已自动保存|Saved/);
}

/** Uploads one file per required document row and waits until the server confirmed each. */
export async function uploadDocuments(page: Page): Promise<void> {
  const rows = page.locator("[data-doc-type]");
  const types = await rows.evaluateAll((elements) =>
    elements.map((element) => element.getAttribute("data-doc-type") ?? ""),
  );
  expect(types.length).toBeGreaterThan(0);
  for (const type of types) {
    const file =
      type === "application_form"
        ? { name: "申请表.pdf", mimeType: "application/pdf", buffer: makePdf() }
        : { name: `${type}.jpg`, mimeType: "image/jpeg", buffer: await makeJpeg(page, type) };
    await page.locator(`input[type="file"][name="${type}"]`).setInputFiles(file);
    await page.locator(`[data-doc-type="${type}"].doc-done`).waitFor({ timeout: 60_000 });
  }
}

/**
 * A staff member, signed in (browser.ts `openSignedIn`: the sign-in itself is
 * walked by `signIn` elsewhere), waits for the case in their queue (the page
 * refreshes itself), opens it and decides.
 */
export async function decideInConsole(
  context: BrowserContext,
  baseUrl: string,
  userId: string,
  caseId: string,
  decision: {
    outcome?: "approved" | "rejected" | "correction_requested";
    comment?: string;
    fields?: string[];
    measurements?: Record<string, number>;
    /** Site-visit photos to take (JPEGs drawn in the page) before deciding. */
    photos?: number;
    shot?: string;
  } = {},
): Promise<void> {
  const page = await openSignedIn(context, baseUrl, userId);
  const log: string[] = [];
  page.on("response", (response) => {
    if (new URL(response.url()).pathname.startsWith("/review/"))
      log.push(`${response.request().method()} ${response.status()} ${response.url()}`);
  });
  page.on("pageerror", (error) => log.push(`pageerror ${error.message}`));
  const row = page.locator(`tr[data-case-id="${caseId}"]`);
  await row.waitFor({ timeout: 90_000 });
  if (decision.shot) await screenshot(page, `${decision.shot}-queue`);
  await row.getByRole("link").click();
  await page.locator("form.decision").waitFor();
  const form = page.locator("form.decision");
  await form.locator(`input[name="outcome"][value="${decision.outcome ?? "approved"}"]`).check();
  for (const field of decision.fields ?? []) await form.locator(`input[name="field-${field}"]`).check();
  for (const [name, value] of Object.entries(decision.measurements ?? {})) {
    await form.locator(`input[name="${name}"]`).fill(String(value));
  }
  for (let index = 1; index <= (decision.photos ?? 0); index++) {
    const photo = {
      name: `现场-${index}.jpg`,
      mimeType: "image/jpeg",
      buffer: await makeJpeg(page, `site-${index}`),
    };
    await form.locator('input[type="file"][name="site-photo"]').setInputFiles(photo);
    // Counted only once the server re-read the bytes and confirmed them.
    await expect
      .poll(() => form.getByTestId("site-photo-count").innerText(), { timeout: 60_000 })
      .toMatch(new RegExp(`已确认 ${index} 张|${index} photo`));
  }
  if (decision.comment) {
    // The page's PDF previews (Chromium's viewer in a frame) may take the focus while they load,
    // and a fill typed into the frame is lost: fill until the box holds the text.
    const comment = decision.comment;
    const box = form.locator("#decision-comment");
    await expect
      .poll(
        async () => {
          if ((await box.inputValue()) !== comment) await box.fill(comment);
          return box.inputValue();
        },
        { timeout: 30_000, interval: 250 },
      )
      .toBe(comment);
  }
  if (decision.shot) await screenshot(page, `${decision.shot}-case`);
  await form.locator('button[type="submit"]').click();
  try {
    await page.getByText(/决定已提交|决定已保存|Decision sent|Decision stored/).waitFor();
  } catch (error) {
    await screenshot(page, `failed-${userId}`);
    const alert = await page.locator("[role=alert]").allInnerTexts();
    throw new Error(`${userId} could not decide: ${alert.join(" | ")} ${log.join("\n")}`, { cause: error });
  }
  await page.close();
}
