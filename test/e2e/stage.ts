/**
 * What most e2e files start with: one local cloud on the fast test policies
 * (new cases take `test-fast`; the file vi.mocks the shipped policies with
 * withTestPolicies) and the browsers the file drives. `stop` closes them all.
 */
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { TEST_WAIT_SCALE } from "../support/workflow.ts";
import { type Browser, launch } from "./browser.ts";

export interface Stage<K extends "phone" | "desktop"> {
  readonly env: TestCloud;
  /** The local API's origin: the app, the API and the sign-in pages all answer there. */
  readonly baseUrl: string;
  readonly browsers: Readonly<Record<K, Browser>>;
  stop(): Promise<void>;
}

export async function startStage<K extends "phone" | "desktop">(
  kinds: readonly K[],
  needs: { readonly pdfViewer?: boolean } = {},
): Promise<Stage<K>> {
  const env = await startTestCloud({ waitScale: TEST_WAIT_SCALE });
  // New cases take the deployment's policy (shared/runtime.ts reads it when a handler first loads).
  process.env.COUNTY_POLICY_ID = "test-fast";
  const baseUrl = env.cloud.endpoints.api;
  const launched: Browser[] = [];
  const stop = async () => {
    for (const browser of launched) await browser.close();
    await env.stop();
  };
  try {
    const browsers: Partial<Record<K, Browser>> = {};
    for (const kind of kinds) {
      const browser = await launch(kind, baseUrl, needs);
      launched.push(browser);
      browsers[kind] = browser;
    }
    return { env, baseUrl, browsers: browsers as Record<K, Browser>, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
