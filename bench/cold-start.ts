/**
 * Cold start: every Lambda bundled the way CDK's NodejsFunction bundles it
 * (infra/constructs/function.ts: ESM, target node24, minify, source maps,
 * main fields module,main, the createRequire banner; CDK adds
 * `--external:@aws-sdk/*` for Node ≥ 18 runtimes because the runtime ships SDK
 * v3, see aws-cdk-lib/aws-lambda-nodejs/lib/bundling.js), then each bundle's
 * size and its module-load time in a fresh Node 24 process (median of 20).
 * Baseline in the same run: a hello-world bundle importing the same SDK
 * modules the function leaves external, loaded the same way.
 *
 *   npx tsx bench/cold-start.ts [--runs 20]
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { type BuildOptions, build, type Metafile, type Plugin } from "esbuild";
import { functionsFromTemplate } from "#infra/local/lambda-runtime.ts";
import { localPhysicalNames, synthesizeTemplate } from "#infra/local/template.ts";
import { ROUTES } from "#shared/http/routes.ts";
import { numberOption } from "./support/args.ts";
import { median, printTable, REPO_ROOT, round, runMain, writeResult } from "./support/report.ts";

/** The NodejsFunction bundling options of infra/constructs/function.ts, as esbuild API options. */
export const CDK_ESBUILD_OPTIONS: BuildOptions = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node24",
  minify: true,
  sourcemap: true,
  mainFields: ["module", "main"],
  external: ["@aws-sdk/*"],
  banner: {
    js: "import { createRequire as __nfCreateRequire } from 'node:module';const require = __nfCreateRequire(import.meta.url);",
  },
};

/**
 * Investigation only (not what CDK builds): zod's `z` namespace re-exports
 * `locales` (every language), which esbuild cannot drop because `z` is used as
 * a value. This plugin answers zod's own `../locales/index.js` with English
 * only, to measure what a locale-free zod would save. NodejsFunction takes no
 * esbuild plugins, so this is not a deployable setting as is.
 */
const ENGLISH_ONLY_ZOD_LOCALES: Plugin = {
  name: "zod-locales-en-only",
  setup(builder) {
    builder.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}node_modules${path.sep}zod${path.sep}`)
        ? { path: "zod-locales-en", namespace: "zod-locales" }
        : undefined,
    );
    builder.onLoad({ filter: /.*/, namespace: "zod-locales" }, () => ({
      contents: `export { default as en } from ${JSON.stringify(path.join(REPO_ROOT, "node_modules/zod/v4/locales/en.js"))};`,
      loader: "js",
      resolveDir: REPO_ROOT,
    }));
  },
};

const NODE24 = path.join(REPO_ROOT, "node_modules", ".bin", "node");
const SIZE_GOAL = 250 * 1024;

/** What every module load gets: credentials, logging, source maps (no network is reached at load). */
const BASE_ENV = {
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "bench",
  AWS_SECRET_ACCESS_KEY: "bench",
  POWERTOOLS_SERVICE_NAME: "nongfang",
  POWERTOOLS_LOG_LEVEL: "INFO",
  NODE_OPTIONS: "--enable-source-maps",
};

/**
 * Each handler's environment as the stack gives it (config is parsed at import time, and fails fast
 * on a missing variable): the synthesized template's variables of the function with that entry.
 */
async function loadEnvironments(): Promise<(entry: string) => Record<string, string>> {
  const template = await synthesizeTemplate();
  const functions = functionsFromTemplate(template, localPhysicalNames(template));
  const byEntry = new Map(functions.map((fn) => [fn.entry, fn.environment]));
  return (entry) => {
    const environment = byEntry.get(entry);
    if (!environment) throw new Error(`No function of the stack runs ${entry}`);
    return { ...BASE_ENV, ...environment };
  };
}

async function handlerEntries(): Promise<string[]> {
  const workflow = (await readdir(path.join(REPO_ROOT, "functions", "workflow")))
    .filter((file) => file.endsWith(".ts"))
    .map((file) => `functions/workflow/${file}`);
  return [...new Set([...ROUTES.map((route) => route.handler), ...workflow])].sort();
}

/** Loads the module in a fresh Node 24 process and prints how long the import took (ms). */
function loadMs(file: string, environment: Record<string, string> = BASE_ENV): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now() - t);`;
  const result = spawnSync(NODE24, ["--enable-source-maps", "--input-type=module", "-e", script], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...environment },
    encoding: "utf8",
  });
  const value = Number(result.stdout.trim().split("\n").at(-1));
  if (result.status !== 0 || !Number.isFinite(value)) {
    throw new Error(`loading ${file} failed: ${result.stderr.slice(0, 600)}`);
  }
  return value;
}

function externalImports(metafile: Metafile): string[] {
  const imports = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const entry of output.imports)
      if (entry.external && entry.path.startsWith("@aws-sdk/")) imports.add(entry.path);
  }
  return [...imports].sort();
}

export interface Bundled {
  entry: string;
  bytes: number;
  file: string;
  sdk: string[];
  zodBytes: number;
}

/** Bundles every handler into `dir` with CDK's options (plus `extra`, for comparing variants). */
export async function bundleAll(dir: string, extra: BuildOptions = {}): Promise<Bundled[]> {
  const bundles: Bundled[] = [];
  for (const entry of await handlerEntries()) {
    const outfile = path.join(dir, entry.replace(/\.ts$/, ".mjs"));
    const result = await build({
      ...CDK_ESBUILD_OPTIONS,
      ...extra,
      entryPoints: [path.join(REPO_ROOT, entry)],
      outfile,
      metafile: true,
      logLevel: "error",
      absWorkingDir: REPO_ROOT,
    });
    const metafile: Metafile = result.metafile ?? { inputs: {}, outputs: {} };
    const output = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined);
    const zodBytes = Object.entries(output?.inputs ?? {})
      .filter(([input]) => input.includes("node_modules/zod/"))
      .reduce((sum, [, info]) => sum + info.bytesInOutput, 0);
    bundles.push({
      entry,
      bytes: (await stat(outfile)).size,
      file: outfile,
      sdk: externalImports(result.metafile),
      zodBytes,
    });
  }
  return bundles;
}

async function main() {
  const runs = numberOption("runs", 20);
  const environmentOf = await loadEnvironments();
  const dir = await mkdtemp(path.join(tmpdir(), "nongfang-cold-"));
  try {
    // Bare `@aws-sdk/*` imports resolve from the repo's node_modules, as they resolve from the runtime on Lambda.
    await symlink(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"));
    const bundles = await bundleAll(dir);
    const variantDir = path.join(dir, "variant-zod-en");
    const variant = await bundleAll(variantDir, { plugins: [ENGLISH_ONLY_ZOD_LOCALES] });
    const variantBytes = new Map(variant.map((bundle) => [bundle.entry, bundle.bytes]));
    const helloFor = new Map<string, string>();
    for (const { sdk } of bundles) {
      const key = sdk.join(",");
      if (helloFor.has(key)) continue;
      const file = path.join(dir, `hello-${helloFor.size}.mjs`);
      const imports = sdk
        .map((specifier, i) => `import * as sdk${i} from ${JSON.stringify(specifier)};`)
        .join("\n");
      await writeFile(
        file,
        `${imports}\nexport const handler = async () => ({ statusCode: 200, body: "hello", sdk: ${sdk.length ? `[${sdk.map((_, i) => `typeof sdk${i}`).join(",")}]` : "[]"} });\n`,
      );
      helloFor.set(key, file);
    }
    // Interleaved: run r loads every bundle and every hello-world once, so drift hits all alike.
    const samples = new Map<string, number[]>();
    const add = (file: string, ms: number) => samples.set(file, [...(samples.get(file) ?? []), ms]);
    for (let r = 0; r < runs; r++) {
      process.stderr.write(`\rcold start: run ${r + 1}/${runs}`);
      for (const file of helloFor.values()) add(file, loadMs(file));
      for (const bundle of bundles) add(bundle.file, loadMs(bundle.file, environmentOf(bundle.entry)));
    }
    process.stderr.write("\n");
    const rows = bundles.map((bundle) => {
      const hello = helloFor.get(bundle.sdk.join(",")) ?? "";
      const load = median(samples.get(bundle.file) ?? []);
      const helloMs = median(samples.get(hello) ?? []);
      return {
        function: bundle.entry.replace(/^functions\//, ""),
        KB: round(bundle.bytes / 1024, 1),
        "zod KB": round(bundle.zodBytes / 1024, 1),
        "KB, zod locales=en only": round((variantBytes.get(bundle.entry) ?? Number.NaN) / 1024, 1),
        "≤250KB": bundle.bytes <= SIZE_GOAL,
        "load ms (p50)": round(load, 1),
        "hello-world ms (p50)": round(helloMs, 1),
        ratio: round(load / helloMs, 2),
        "≤1.5×": load / helloMs <= 1.5,
        "SDK modules": bundle.sdk.map((s) => s.replace("@aws-sdk/", "")).join(" "),
      };
    });
    printTable(
      `Cold start: ${bundles.length} bundles (CDK esbuild options), module load in a fresh Node 24 process, median of ${runs}`,
      rows,
    );
    const sizes = bundles.map((b) => b.bytes);
    const ratios = rows.map((row) => row.ratio);
    const totals = {
      functions: bundles.length,
      medianKB: round(median(sizes) / 1024, 1),
      maxKB: round(Math.max(...sizes) / 1024, 1),
      withinSize: rows.filter((row) => row["≤250KB"]).length,
      medianRatio: round(median(ratios), 2),
      maxRatio: round(Math.max(...ratios), 2),
      withinLoad: rows.filter((row) => row["≤1.5×"]).length,
      medianZodKB: round(median(bundles.map((b) => b.zodBytes)) / 1024, 1),
    };
    printTable("Summary", [
      {
        figure: "bundle size median / max (KB)",
        value: `${totals.medianKB} / ${totals.maxKB}`,
        goal: "each ≤ 250",
      },
      { figure: "bundles within 250 KB", value: `${totals.withinSize}/${totals.functions}` },
      {
        figure: "load ratio vs hello-world median / max",
        value: `${totals.medianRatio} / ${totals.maxRatio}`,
        goal: "each ≤ 1.5",
      },
      { figure: "bundles within 1.5×", value: `${totals.withinLoad}/${totals.functions}` },
      { figure: "zod in a bundle, median (KB)", value: totals.medianZodKB },
      {
        figure: "investigation: size median with zod locales = en only (KB)",
        value: round(median(variant.map((b) => b.bytes)) / 1024, 1),
      },
    ]);
    const { banner: _banner, ...esbuild } = CDK_ESBUILD_OPTIONS;
    await writeResult("cold-start", {
      runs,
      esbuild,
      totals: {
        ...totals,
        variantZodEnglishOnlyMedianKB: round(median(variant.map((b) => b.bytes)) / 1024, 1),
      },
      functions: rows,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

runMain(main);
