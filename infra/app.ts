import { existsSync } from "node:fs";
import path from "node:path";
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { NongfangStack } from "./stack.ts";

export interface BuildAppOptions {
  /** The built web app (web/dist) to deploy; the tests and the local cloud leave it out (no web build needed). */
  readonly webAssetDir?: string;
}

/**
 * Builds the Nongfang app. cdk-nag's AwsSolutions pack runs on every synth
 * (the CDK v3 validations API); an unacknowledged finding fails the synth.
 */
export function buildApp(
  app: App = new App(),
  options: BuildAppOptions = {},
): { app: App; stack: NongfangStack } {
  const origins = app.node.tryGetContext("webOrigins");
  const stack = new NongfangStack(app, "Nongfang", {
    webOrigins: Array.isArray(origins) ? origins.map(String) : ["http://localhost:3000"],
    description: "Nongfang: rural homestead and farmhouse permits",
    ...(options.webAssetDir ? { webAssetDir: options.webAssetDir } : {}),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

/**
 * The CDK CLI's entry (cdk.json): synth, diff and deploy ship web/dist, so it
 * is built first when missing or older than its sources, as `npm start` does
 * (web/build.ts); an unchanged app is not rebuilt.
 */
async function synthesizeForCli(): Promise<void> {
  const { buildWebIfStale, WEB_DIST } = await import("../web/builder.ts");
  await buildWebIfStale();
  if (!existsSync(path.join(WEB_DIST, "index.html"))) {
    throw new Error(
      `${WEB_DIST}/index.html is missing after the build: run \`npm run build:web\` and read its errors`,
    );
  }
  buildApp(new App(), { webAssetDir: WEB_DIST }).app.synth();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await synthesizeForCli();
}
