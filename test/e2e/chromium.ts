/**
 * The e2e tests' Chromium, without the test runner (bench/tab-cpu.ts uses it
 * too): which binary, its flags, a fresh profile per launch as a phone
 * (360×640, touch) or a desktop, and a tab opened already signed in.
 *
 * Which Chromium: the headless shell (Debian's `chromium-headless-shell`, the
 * build Playwright itself uses for headless Chromium) unless a file needs the
 * full browser. Same Blink and V8, without the full browser's UI layers: an
 * e2e file costs ≈ 30 % less CPU with it (permit journey 36 → 26 s, measured
 * back to back). Its one gap here is the built-in PDF viewer, so the file that
 * checks a PDF preview is painted asks for the full browser (`pdfViewer`).
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { issuerTokensFor } from "../support/tokens.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const HEADLESS_SHELL = process.env.CHROMIUM_HEADLESS_SHELL_PATH ?? "/usr/bin/chromium-headless-shell";

/** The full browser when the PDF viewer is needed (or no headless shell is installed), else the shell. */
function chromiumFor(needs: { readonly pdfViewer?: boolean }): string {
  return needs.pdfViewer || !existsSync(HEADLESS_SHELL) ? CHROMIUM : HEADLESS_SHELL;
}

/** The flags every e2e Chromium starts with. */
export const CHROMIUM_ARGS: readonly string[] = [
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
  needs: {
    readonly pdfViewer?: boolean;
    /** Other flags than CHROMIUM_ARGS (bench/tab-cpu.ts compares them). */
    readonly args?: readonly string[];
  } = {},
): Promise<Browser> {
  const profile = await mkdtemp(path.join(tmpdir(), "nongfang-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumFor(needs),
    headless: true,
    args: [...(needs.args ?? CHROMIUM_ARGS)],
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
