/**
 * A CDK App for assertions whose cloud assembly folder is removed after the
 * file's tests: `new App()` without `outdir` leaves a `cdk.out…` folder in the
 * temp folder on every synthesis (45 of them, 751 MB, after one run).
 *
 * The removal is registered for every file by the infra project's setup file
 * (./cdk-app-cleanup.ts): the infra files share their worker's modules
 * (`isolate: false`), so a hook registered here would run after the first file only.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { synthesizeTemplate } from "#infra/local/template.ts";

const outdirs: string[] = [];

/** Removes the cloud assembly folders of the apps made so far. */
export function removeTestOutdirs(): void {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * An App with bundling skipped (these tests assert templates, not bundles) and `context` as `cdk -c` gives it.
 * CDK's built-in CloudFormation validation is off: it only warns, and its WebAssembly engine cost
 * about 60 % of the infra suite's CPU time. `cdk synth` and `cdk deploy` still run it.
 */
export function testApp(context: Readonly<Record<string, unknown>> = {}): App {
  const outdir = mkdtempSync(path.join(tmpdir(), "cdk.out-test-"));
  outdirs.push(outdir);
  return new App({
    outdir,
    builtinCloudFormationValidation: false,
    context: { "aws:cdk:bundling-stacks": [], ...context },
  });
}

/**
 * The whole app's template for `context`, as `Template.fromStack(buildApp(testApp(context)).stack)`
 * gives it, synthesized once per test run: infra/local/template.ts caches it for every worker, and
 * the local clouds of the integration and e2e files read the same copy. A synthesis cdk-nag fails
 * throws, so nothing is cached. Files that change the app (extra constructs, a web build) use `testApp`.
 * Each caller gets its own copy: the infra files share a worker's modules, and with them the cache.
 */
export async function appTemplate(context: Readonly<Record<string, unknown>> = {}): Promise<Template> {
  return Template.fromJSON(structuredClone(await synthesizeTemplate(context)));
}
