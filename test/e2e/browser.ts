/**
 * Debian's Chromium driven by playwright-core: headless, a fresh profile per
 * context, a phone (360×640, touch) or a desktop viewport, sign-in through the
 * local OIDC issuer's real /authorize page (authorization code + PKCE, as on
 * AWS), screenshots for people to look at.
 *
 * Which Chromium: the headless shell (Debian's `chromium-headless-shell`, the
 * build Playwright itself uses for headless Chromium) unless a file needs the
 * full browser. Same Blink and V8, without the full browser's UI layers: an
 * e2e file costs ≈ 30 % less CPU with it (permit journey 36 → 26 s, measured
 * back to back). Its one gap here is the built-in PDF viewer, so the file that
 * checks a PDF preview is painted asks for the full browser (`pdfViewer`).
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { expect } from "vitest";
import { loadDemoDirectory } from "#infra/local/oidc-issuer.ts";
import { issuerTokensFor } from "../support/tokens.ts";
import { axeProblems } from "./axe.ts";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const HEADLESS_SHELL = process.env.CHROMIUM_HEADLESS_SHELL_PATH ?? "/usr/bin/chromium-headless-shell";

/** The full browser when the PDF viewer is needed (or no headless shell is installed), else the shell. */
export function chromiumFor(needs: { readonly pdfViewer?: boolean }): string {
  return needs.pdfViewer || !existsSync(HEADLESS_SHELL) ? CHROMIUM : HEADLESS_SHELL;
}
export const SCREENSHOTS = path.resolve(import.meta.dirname, "../../test-results/screenshots");

const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // Every tab of a browser in one renderer process. A tab otherwise starts a renderer of its own
  // (and a second once it leaves about:blank), and the tests open one per sign-in and decision:
  // measured tab by tab from /proc, a new tab's app load cost 0.49–0.68 s of Chromium's CPU with a
  // renderer each and 0.30–0.43 s with one; the e2e project 220 → 203 and 247 → 229 s (interleaved).
  "--renderer-process-limit=1",
];

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * A headless Chromium with a fresh user-data-dir, as a phone (villager) or a desktop (staff);
 * `pdfViewer` when the file looks at PDFs shown inside a page (the full browser's viewer).
 */
export async function launch(
  kind: "phone" | "desktop",
  origin: string,
  needs: { readonly pdfViewer?: boolean } = {},
): Promise<Browser> {
  const profile = await mkdtemp(path.join(tmpdir(), "nongfang-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumFor(needs),
    headless: true,
    args: ARGS,
    locale: "zh-CN",
    timezoneId: "Asia/Shanghai",
    acceptDownloads: true,
    ...(kind === "phone"
      ? {
          viewport: { width: 360, height: 640 },
          deviceScaleFactor: 2,
          isMobile: true,
          hasTouch: true,
          // Standing on the proposed plot (inside parcel P-511424100001-01 of the demo data).
          geolocation: { longitude: 103.502, latitude: 30.002 },
          permissions: ["geolocation"],
        }
      : { viewport: { width: 1280, height: 900 } }),
  });
  if (kind === "phone") await context.grantPermissions(["geolocation"], { origin });
  context.setDefaultTimeout(30_000);
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

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

/**
 * A new tab already signed in as `userId`: the demo issuer's ID token for that user is put where
 * the app keeps a session (sessionStorage "nf.session", web/src/auth.ts) before the app loads.
 * For steps whose subject is what follows the sign-in (a decision in the console, a user back on
 * a case): each real sign-in loads the app twice and the issuer's page once, and a run made ≈ 20
 * of them for decisions alone. `signIn` walks the real flow wherever the sign-in is part of what
 * is tested, and every file still signs in for real at least once.
 */
export async function openSignedIn(
  context: BrowserContext,
  baseUrl: string,
  userId: string,
  /** Where to open the app (the role's home by default). */
  at = "/app",
): Promise<Page> {
  const config = (await (await fetch(`${baseUrl}/config.json`)).json()) as { auth: { issuer: string } };
  const { id_token: idToken } = await issuerTokensFor(config.auth.issuer, userId);
  const page = await context.newPage();
  // sessionStorage belongs to the tab and the origin: the tab's first document of the app's origin
  // gets the session before the app's own script runs (a script the page runs at every load, so it
  // marks the tab: a sign-out later in the tab stays one). No extra page load to set it.
  await page.addInitScript(
    ({ origin, token }) => {
      if (location.origin !== origin || sessionStorage.getItem("nf.test.session-set")) return;
      sessionStorage.setItem("nf.session", token);
      sessionStorage.setItem("nf.test.session-set", "1");
    },
    { origin: new URL(baseUrl).origin, token: idToken },
  );
  await page.goto(`${baseUrl}${at}`);
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
