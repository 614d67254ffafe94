/**
 * Debian's Chromium driven by playwright-core (launched by ./chromium.ts):
 * sign-in through the local OIDC issuer's real /authorize page (authorization
 * code + PKCE, as on AWS), screenshots for people to look at, the files the
 * tests upload, and the accessibility check.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { expect } from "vitest";
import { loadDemoDirectory } from "#infra/local/oidc-issuer.ts";
import { axeProblems } from "./axe.ts";

export { type Browser, launch, openSignedIn } from "./chromium.ts";

export const SCREENSHOTS = path.resolve(import.meta.dirname, "../../test-results/screenshots");

/**
 * Opens the app, chooses villager or staff sign-in as the user's role asks,
 * signs in on the issuer's page as that demo user, and waits to be back in the
 * app (the app has redeemed the code by then).
 */
export async function signIn(context: BrowserContext, baseUrl: string, userId: string): Promise<Page> {
  const user = (await loadDemoDirectory()).users.find((candidate) => candidate.id === userId);
  if (!user) throw new Error(`No demo user ${userId}`);
  const page = await context.newPage();
  await page.goto(`${baseUrl}/app`);
  const button = user.role === "villager" ? /^(登录|Sign in)$/ : /^(工作人员入口|Staff sign-in)$/;
  await page.getByRole("button", { name: button }).click();
  await page.locator(`button[data-user="${userId}"]`).click();
  await page.waitForURL((url) => url.origin === baseUrl && url.pathname.startsWith("/app/"));
  // The code came back in the query; the app must have removed it from the address bar.
  expect(page.url()).not.toMatch(/[?&](code|state)=/);
  return page;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  // One pixel per CSS pixel (the phone's 360 px wide, not its device pixels): a phone screen's
  // full-page capture cost 290–330 ms of CPU at device scale and 105–120 ms so (probed tab by tab).
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true, scale: "css" });
}

/** A real JPEG drawn by the browser (so reviewers see a picture, and magic bytes are right). */
export async function makeJpeg(page: Page, label: string): Promise<Buffer> {
  const base64 = await page.evaluate(async (text) => {
    const canvas = document.createElement("canvas");
    canvas.width = 480;
    canvas.height = 320;
    const context = canvas.getContext("2d");
    if (!context) throw new Error("no 2d context");
    context.fillStyle = "#f3efe2";
    context.fillRect(0, 0, 480, 320);
    context.strokeStyle = "#2f5d3a";
    context.lineWidth = 8;
    context.strokeRect(12, 12, 456, 296);
    context.fillStyle = "#1a1a1a";
    context.font = "40px sans-serif";
    context.fillText(text, 40, 170);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.8));
    if (!blob) throw new Error("no jpeg");
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let binary = "";
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return btoa(binary);
  }, label);
  return Buffer.from(base64, "base64");
}

/** A minimal one-page PDF (the application form scan). */
export function makePdf(): Buffer {
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    "<< /Length 44 >>\nstream\nBT /F1 18 Tf 40 100 Td (Application) Tj ET\nendstream",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  let body = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(body.length);
    body += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, "0")} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, "latin1");
}

/** axe-core on the page as it is (test/e2e/axe.ts): no serious or critical violation, named by screen. */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  expect((await axeProblems(page)).map((problem) => `${screen}: ${problem}`)).toEqual([]);
}
