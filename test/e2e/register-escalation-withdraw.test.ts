/**
 * In real Chromium, the flows permit-journey does not cover: a farmhouse
 * rebuild from the phone to its planning permit (and no homestead certificate),
 * a villager withdrawing a case under review, a step that times out and is
 * decided by the township head from the escalations queue, and the register
 * (台账) filtered by township and status with its CSV filing export.
 *
 * One local cloud for the whole file; the cases the earlier tests leave behind
 * are what the register test looks for. The farmhouse case goes through the
 * browser end to end; the case to withdraw is submitted through the HTTP API
 * (the form is covered already), and the overdue case is seeded into the store
 * with a short-limit policy (see the escalation test for why).
 */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { homesteadApplication, LI_HOUSEHOLD } from "../support/fixtures.ts";
import { eventually, type TestCloud } from "../support/local-cloud.ts";
import { readPaper, squash } from "../support/pdf-reader.ts";
import { WorkflowDriver } from "../support/workflow.ts";
import { apiAs, submitThroughApi } from "./api-seed.ts";
import { type Browser, makeJpeg, makePdf, openSignedIn, screenshot, signIn } from "./browser.ts";
import { application, decideInConsole } from "./flows.ts";
import { type Stage, startStage } from "./stage.ts";

// Fast county policies (one-day notice; `test-late` lets the village review time out after ~2 s).
vi.mock("#shared/domain/policy/shipped-policies.ts", async (importOriginal) => {
  const { withTestPolicies } = await import("../support/policies.ts");
  return withTestPolicies(await importOriginal());
});

const TOWNSHIP_A = "511424100";
const TOWNSHIP_B = "511424101";

let stage: Stage<"phone" | "desktop">;
let env: TestCloud;
let baseUrl: string;
let phone: Browser;
let desktop: Browser;
let driver: WorkflowDriver;
/** Cases the tests create, in order; the register test finds them again. */
let farmhouseId = "";
let withdrawnId = "";
let escalatedId = "";
let planningPermitNo = "";

beforeAll(async () => {
  stage = await startStage(["phone", "desktop"]);
  ({ env, baseUrl } = stage);
  ({ phone, desktop } = stage.browsers);
  driver = new WorkflowDriver(env);
});
afterAll(async () => {
  await stage?.stop();
});

const field = (page: Page, name: string) => page.locator(`[name="${name}"]`);

async function next(page: Page, expectedHeading: RegExp): Promise<void> {
  await page.getByRole("button", { name: /下一步/ }).click();
  await expect.poll(() => page.locator("h1").textContent()).toMatch(expectedHeading);
}

/** Every document row until the server has confirmed as many files as the county asks for (site photos: two). */
async function uploadEveryDocument(page: Page): Promise<string[]> {
  const types = await page
    .locator("[data-doc-type]")
    .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-doc-type") ?? ""));
  for (const type of types) {
    const row = page.locator(`[data-doc-type="${type}"]`);
    for (let copy = 1; !(await row.evaluate((element) => element.classList.contains("doc-done"))); copy++) {
      if (copy > 5) throw new Error(`${type} is still not complete after ${copy - 1} uploads`);
      const file =
        type === "application_form"
          ? { name: "申请表.pdf", mimeType: "application/pdf", buffer: makePdf() }
          : {
              name: `${type}-${copy}.jpg`,
              mimeType: "image/jpeg",
              buffer: await makeJpeg(page, `${type} ${copy}`),
            };
      await page.locator(`input[type="file"][name="${type}"]`).setInputFiles(file);
      await row
        .locator("li.doc-file.ok")
        .nth(copy - 1)
        .waitFor({ timeout: 60_000 });
    }
  }
  return types;
}

/** The queue has answered (a table or the empty message), so a missing row really is missing. */
async function queueShown(page: Page): Promise<void> {
  await page.locator("table.queue, p:text-is('没有待办事项。')").first().waitFor();
}

describe("a farmhouse rebuild (planning permit only)", () => {
  it("a villager on a phone applies for a farmhouse rebuild and submits it", async () => {
    const form = homesteadApplication({ ...LI_HOUSEHOLD, kind: "farmhouse" });
    const page = await signIn(phone.context, baseUrl, "villager-li");
    await page.getByRole("heading", { name: "我的申请" }).waitFor();
    await page.getByRole("button", { name: /原址翻建农房/ }).click();
    await page.waitForURL(/\/form\/applicant$/);
    farmhouseId = /\/app\/cases\/([^/]+)\//.exec(page.url())?.[1] ?? "";
    expect(farmhouseId).not.toBe("");

    await field(page, "head.name").fill(form.head.name);
    await field(page, "head.sex").and(page.locator('[value="female"]')).check();
    await field(page, "head.age").fill(String(form.head.age));
    await field(page, "head.phone").fill(form.head.phone);
    await field(page, "head.idNumber").fill(form.head.idNumber);
    await field(page, "head.householdRegistrationPlace").fill(form.head.householdRegistrationPlace);
    for (const [index, member] of form.members.entries()) {
      await page.getByRole("button", { name: /添加家庭成员/ }).click();
      await field(page, `members.${index}.name`).fill(member.name);
      await field(page, `members.${index}.age`).fill(String(member.age));
      await field(page, `members.${index}.relation`).selectOption(member.relation);
      await field(page, `members.${index}.idNumber`).fill(member.idNumber);
    }

    // A rebuild needs the household's current plot: the form asks for it without a yes/no first.
    await next(page, /现有宅基地/);
    expect(await page.locator('input[name="hasHomestead"]').count()).toBe(0);
    const current = form.currentHomestead;
    if (!current) throw new Error("the Li household fixture declares its current homestead");
    await field(page, "currentHomestead.areaM2").fill(String(current.areaM2));
    await field(page, "currentHomestead.houseFloorAreaM2").fill(String(current.houseFloorAreaM2));
    await field(page, "currentHomestead.oldPlotDisposition")
      .and(page.locator(`[value="${current.oldPlotDisposition}"]`))
      .check();
    await screenshot(page, "farmhouse-01-current-homestead");

    // Rebuilding on the old plot is the only situation a farmhouse case may take, and it is chosen already.
    await next(page, /拟建房地块/);
    const situations = field(page, "proposedPlot.situation");
    expect(await situations.count()).toBe(1);
    expect(await situations.getAttribute("value")).toBe("rebuild_on_old_plot");
    expect(await situations.isChecked()).toBe(true);
    const plot = form.proposedPlot;
    await field(page, "proposedPlot.landClass")
      .and(page.locator(`[value="${plot.landClass}"]`))
      .check();
    await field(page, "proposedPlot.address").fill(plot.address);
    await field(page, "proposedPlot.houseLandAreaM2").fill(String(plot.houseLandAreaM2));
    await field(page, "proposedPlot.ancillaryLandAreaM2").fill(String(plot.ancillaryLandAreaM2));
    for (const side of ["east", "south", "west", "north"] as const) {
      await field(page, `proposedPlot.boundaries.${side}`).fill(plot.boundaries[side]);
    }
    await page.getByRole("button", { name: /用我现在的位置/ }).click();
    await expect.poll(() => page.locator(".ok-text").textContent()).toContain("103.502");

    await next(page, /建房情况/);
    await field(page, "building.floorAreaM2").fill(String(form.building.floorAreaM2));
    await field(page, "building.floors").fill(String(form.building.floors));
    await field(page, "building.heightM").fill(String(form.building.heightM));
    await field(page, "neighboursConsulted").check();
    await field(page, "reason").fill("老房年久失修，原址拆除重建。");

    // A farmhouse asks for the title of the existing plot and two site photos, not the homestead commitment.
    await next(page, /上传材料/);
    const types = await uploadEveryDocument(page);
    expect(types).toContain("title_certificate");
    expect(types).not.toContain("commitment_letter");
    await screenshot(page, "farmhouse-02-documents");

    await page.getByRole("button", { name: /下一步/ }).click();
    await page.getByRole("heading", { name: "检查并提交" }).waitFor();
    expect(await page.locator(".review").textContent()).toContain("内容完整，可以提交。");
    await page.getByRole("button", { name: "提交申请" }).click();
    await page.waitForURL(new RegExp(`/app/cases/${farmhouseId}\\?submitted=1$`));
    await page.locator('.case-page[data-status="in_village_review"]').waitFor({ timeout: 60_000 });
    await page.close();
  });

  it("the reviewers approve in their consoles and the villager gets only the planning permit", async () => {
    await decideInConsole(desktop.context, baseUrl, "village-officer-a", farmhouseId, {
      comment: "同意翻建。",
    });
    await decideInConsole(desktop.context, baseUrl, "clerk-a", farmhouseId, { comment: "受理。" });
    // No land approval for a rebuild: agriculture is not consulted, only natural resources and housing.
    const villager = await apiAs(env, "villager-li");
    const departments = await eventually(async () => {
      const view = await villager<{ status: string; departments?: string[] }>("GET", `/cases/${farmhouseId}`);
      return view.body.status === "in_joint_review" && view.body.departments?.length
        ? view.body.departments
        : undefined;
    }, 60_000);
    expect([...departments].sort()).toEqual(["housing_construction", "natural_resources"]);
    await decideInConsole(desktop.context, baseUrl, "reviewer-natural-resources-a", farmhouseId, {
      comment: "符合村庄规划。",
    });
    await decideInConsole(desktop.context, baseUrl, "reviewer-housing-a", farmhouseId, {
      comment: "层数、高度符合要求。",
    });
    await decideInConsole(desktop.context, baseUrl, "head-a", farmhouseId, {
      comment: "同意原址翻建。",
      shot: "farmhouse-03-township-head",
    });

    const page = await openSignedIn(phone.context, baseUrl, "villager-li", `/app/cases/${farmhouseId}`);
    await page.locator('.case-page[data-status="approved"]').waitFor({ timeout: 60_000 });
    const permit = page.locator('a[data-certificate="rural_construction_planning_permit"]');
    await expect.poll(() => permit.getAttribute("href"), { timeout: 30_000 }).toMatch(/^http/);
    expect(await page.locator("a[data-certificate]").count()).toBe(1);
    const certificates = (await page.locator(".certificates").textContent()) ?? "";
    expect(certificates).toContain("乡村建设规划许可证");
    expect(certificates).not.toContain("农村宅基地批准书");
    planningPermitNo = /511424-XJGX-[\w-]+/.exec(certificates)?.[0] ?? "";
    expect(planningPermitNo).not.toBe("");
    await screenshot(page, "farmhouse-04-planning-permit");
    // The link is the permit's PDF (a download naming the file), read back with poppler.
    const pdf = await phone.context.request.get((await permit.getAttribute("href")) ?? "");
    expect(pdf.headers()["content-type"]).toBe("application/pdf");
    expect(pdf.headers()["content-disposition"]).toContain(`${planningPermitNo}.pdf`);
    const read = readPaper(await pdf.body());
    expect(squash(read.text)).toContain(planningPermitNo);
    expect(squash(read.text)).toContain("乡村建设规划许可证");
    await page.close();
  });
});

describe("withdrawing a case under review", () => {
  it("the villager withdraws from the case page and the case leaves the reviewer's queue", async () => {
    // Applying is covered in the browser above and in permit-journey; here the case is submitted through the API.
    withdrawnId = await submitThroughApi(env, "villager-wang", "homestead", application());

    const officer = await openSignedIn(desktop.context, baseUrl, "village-officer-a");
    const queued = officer.locator(`tr[data-case-id="${withdrawnId}"]`);
    await queued.waitFor({ timeout: 60_000 });

    const page = await openSignedIn(phone.context, baseUrl, "villager-wang", `/app/cases/${withdrawnId}`);
    await page.locator('.case-page[data-status="in_village_review"]').waitFor({ timeout: 60_000 });
    // The confirmation takes the focus (a screen reader reads the question); cancelling changes nothing
    // and gives the focus back to the button.
    const withdraw = page.getByRole("button", { name: "撤回申请" });
    const focused = (locator: typeof withdraw) =>
      locator.evaluate((element) => element === document.activeElement);
    await withdraw.click();
    const dialog = page.getByRole("alertdialog", { name: "撤回申请" });
    await dialog.waitFor();
    await expect.poll(() => focused(dialog)).toBe(true);
    await dialog.getByRole("button", { name: "取消" }).click();
    await dialog.waitFor({ state: "detached" });
    await expect.poll(() => focused(withdraw)).toBe(true);
    expect(await page.locator(".case-page").getAttribute("data-status")).toBe("in_village_review");

    await withdraw.click();
    expect(await dialog.textContent()).toContain("撤回后不能恢复");
    await dialog.getByLabel("撤回原因（选填）").fill("改为原址翻建。");
    await screenshot(page, "withdraw-01-confirm");
    await dialog.getByRole("button", { name: "确定撤回" }).click();
    await page.locator('.case-page[data-status="withdrawn"]').waitFor();
    expect(await page.locator(".status-line").textContent()).toContain("已撤回");
    // Nothing is left to do: no withdraw button on a closed case.
    expect(await withdraw.count()).toBe(0);

    await page
      .getByRole("link", { name: /我的申请/ })
      .first()
      .click();
    const card = page.locator(`li[data-case-id="${withdrawnId}"]`);
    await card.waitFor();
    expect(await card.locator(".badge").textContent()).toBe("已撤回");
    await screenshot(page, "withdraw-02-case-list");
    await page.close();

    // The officer's queue refreshes itself; the withdrawn case drops out of it and stays out after a reload.
    await queued.waitFor({ state: "detached", timeout: 30_000 });
    await officer.reload();
    await queueShown(officer);
    expect(await queued.count()).toBe(0);
    await screenshot(officer, "withdraw-03-officer-queue");
    await officer.close();
  });
});

describe("an overdue step escalated to the township head", () => {
  it("the head sees it highlighted in the escalations queue and decides it", async () => {
    // The `test-late` policy (village review times out after ~2 s) is per case, and cases created through the
    // API take the deployment's `test-fast`: so this one is seeded into the store and its workflow started directly.
    escalatedId = randomUUID();
    await driver.seedCase({
      caseId: escalatedId,
      householdId: "511424100001-H0001",
      villageCode: "511424100001",
      townshipCode: TOWNSHIP_A,
      policyId: "test-late",
      application: homesteadApplication({ reason: "超期督办测试：村级审核未按时办结。" }),
    });
    await driver.start(escalatedId);

    const page = await openSignedIn(desktop.context, baseUrl, "head-a");
    // On their own queue, the head is told that escalations wait, and goes there from the notice.
    const waiting = page.getByTestId("escalations-waiting");
    await waiting.waitFor({ timeout: 60_000 });
    expect(await waiting.textContent()).toMatch(/有 \d+ 件超期事项/);
    await page.getByRole("button", { name: "查看超期督办" }).click();
    const row = page.locator(`tr[data-case-id="${escalatedId}"]`);
    await row.waitFor({ timeout: 60_000 });
    // Received: when the step was escalated to the head.
    expect(await row.locator("td").nth(3).textContent()).toMatch(/\d/);
    expect(await row.getAttribute("class")).toContain("overdue");
    const text = await row.textContent();
    expect(text).toContain("村级审核");
    expect(text).toContain("已超期");
    // The highlight a head would see: the row's cells are tinted red.
    expect(
      await row
        .locator("td")
        .first()
        .evaluate((cell) => getComputedStyle(cell).backgroundColor),
    ).toBe("rgb(253, 236, 234)");
    await screenshot(page, "escalation-01-queue");

    await row.getByRole("link").click();
    const form = page.locator("form.decision");
    await form.waitFor();
    const heading = await form.locator("p").first().textContent();
    expect(heading).toContain("村级审核");
    expect(heading).toContain("已超期");
    await form.locator('input[name="outcome"][value="approved"]').check();
    await form.locator("#decision-comment").fill("超期督办：材料齐全，同意上报乡镇。");
    await screenshot(page, "escalation-02-decide");
    await form.locator('button[type="submit"]').click();
    await page.getByText(/决定已提交|决定已保存/).waitFor();

    // Decided: the case moves on to the township window, decided by the head, and leaves the escalations.
    await driver.status(escalatedId, "awaiting_acceptance");
    const village = (await driver.steps(escalatedId)).find((step) => step.step === "village_review");
    expect(village?.decision?.decidedBy.role).toBe("township_head");
    await page.getByRole("link", { name: "返回待办" }).first().click();
    // Wait for the escalations queue's own answer, not the head's own queue shown a moment before it.
    const answered = page.waitForResponse((response) => response.url().includes("/queues/escalations?"));
    await page.getByLabel("待办", { exact: true }).selectOption("escalations");
    await answered;
    await queueShown(page);
    expect(await row.count()).toBe(0);
    await page.close();
  });
});

describe("the register (台账)", () => {
  it("an auditor filters by township and status, sees the dates and downloads the filing CSV", async () => {
    expect(farmhouseId && withdrawnId && planningPermitNo).toBeTruthy();
    const page = await openSignedIn(desktop.context, baseUrl, "auditor");
    await page.getByRole("navigation").getByRole("link", { name: "台账" }).click();
    await page.getByRole("heading", { name: "审批台账" }).waitFor();
    const row = (caseId: string) => page.locator(`tr[data-case-id="${caseId}"]`);

    // Township B has none of these cases.
    await page.getByLabel("乡镇", { exact: true }).selectOption(TOWNSHIP_B);
    await page.getByText("台账中没有符合条件的案件。").waitFor();
    await page.getByLabel("乡镇", { exact: true }).selectOption(TOWNSHIP_A);
    await row(withdrawnId).waitFor();
    await row(farmhouseId).waitFor();

    await page.getByLabel("状态", { exact: true }).selectOption("approved");
    await row(withdrawnId).waitFor({ state: "detached" });
    const farmhouse = row(farmhouseId);
    await farmhouse.waitFor();
    expect(await farmhouse.textContent()).toContain("农房翻建申请");
    // The dates shown are the case's own (as the register API reports them), in the villagers' time zone.
    const clerk = await apiAs(env, "clerk-a");
    const listed = await clerk<{
      items: { caseId: string; submittedAt: string; acceptedAt: string; approvedAt: string }[];
    }>("GET", `/register?township=${TOWNSHIP_A}&status=approved`);
    const entry = listed.body.items.find((item) => item.caseId === farmhouseId);
    if (!entry) throw new Error("the farmhouse case is not in the register");
    const day = (iso: string) =>
      new Date(iso).toLocaleString("zh-CN", {
        year: "numeric",
        month: "short",
        day: "numeric",
        timeZone: "Asia/Shanghai",
      });
    for (const [label, iso] of [
      ["申请日期", entry.submittedAt],
      ["受理日期", entry.acceptedAt],
      ["批准日期", entry.approvedAt],
    ] as const) {
      expect(iso, label).toBeTruthy();
      expect(await farmhouse.locator(`td[data-label="${label}"]`).textContent()).toBe(day(iso));
    }
    const certificates = farmhouse.locator('td[data-label="证书编号"]');
    expect(await certificates.textContent()).toContain(planningPermitNo);
    expect(await certificates.locator('[data-certificate="homestead_approval_certificate"]').count()).toBe(0);
    await screenshot(page, "register-01-approved");

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: /导出备案 CSV/ }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`register-${TOWNSHIP_A}.csv`);
    const bytes = await readFile((await download.path()) ?? "");
    // A byte order mark, so Excel opens the Chinese headers and names as UTF-8.
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const csv = bytes.toString("utf8");
    expect(csv).toContain(farmhouseId);
    expect(csv).toContain(planningPermitNo);
    expect(csv).toContain("乡村建设规划许可证编号");
    // The export follows the filter on screen: the withdrawn case is not approved, so it is not filed.
    expect(csv).not.toContain(withdrawnId);

    await page.getByLabel("状态", { exact: true }).selectOption("withdrawn");
    await row(withdrawnId).waitFor();
    await row(farmhouseId).waitFor({ state: "detached" });
    await page.close();
  });

  it("township staff open the register from their console", async () => {
    const page = await openSignedIn(desktop.context, baseUrl, "clerk-a");
    await page.getByRole("navigation").getByRole("link", { name: "台账" }).click();
    await page.locator(`tr[data-case-id="${farmhouseId}"]`).waitFor();
    await page.locator(`tr[data-case-id="${escalatedId}"]`).waitFor();
    await screenshot(page, "register-02-clerk");
    await page.close();
  });
});
