/**
 * Summarises a V8 .cpuprofile (from `--cpu-prof`) by where the self time went:
 * per package / repo folder and per function. Used to explain the overhead
 * figures: `npx tsx bench/support/profile-summary.ts <file.cpuprofile> [top]`.
 */
import { readFile } from "node:fs/promises";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** node_modules/<pkg> (scoped too), a repo folder (infra/local, shared/…), node: internals or (program/gc). */
export function bucketOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules?.[1]) return modules[1];
  if (url.startsWith("node:")) return `node:${url.slice(5).split("/")[0]}`;
  const repo = /\/work\/[^/]+\/((?:infra\/local|infra|shared\/[^/]+|functions\/[^/]+|bench|test)\b)/.exec(
    url,
  );
  return repo?.[1] ?? url;
}

export async function summarise(file: string, top = 25) {
  const profile = JSON.parse(await readFile(file, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  for (const [i, id] of profile.samples.entries()) {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const buckets = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const { url, functionName, lineNumber } = node.callFrame;
    const bucket = bucketOf(url, functionName);
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + us);
    const name = `${functionName || "(anonymous)"} ${url.replace(/^.*\/(node_modules|work\/main)\//, "")}:${lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
  }
  const rank = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({
        name,
        ms: Math.round(us / 1000),
        share: `${((100 * us) / total).toFixed(1)}%`,
      }));
  return { totalMs: Math.round(total / 1000), buckets: rank(buckets), functions: rank(functions) };
}

if (process.argv[1]?.endsWith("profile-summary.ts")) {
  const file = process.argv[2];
  if (!file) throw new Error("usage: profile-summary.ts <file.cpuprofile> [top]");
  const result = await summarise(file, Number(process.argv[3] ?? 25));
  console.log(`total sampled: ${result.totalMs} ms`);
  console.table(result.buckets);
  console.table(result.functions);
}

/** Components of the local cloud, matched against a frame's URL (innermost owning frame wins). */
const COMPONENTS: readonly [string, RegExp][] = [
  [
    "DynamoDB: dynalite + LevelDB",
    /node_modules\/(dynalite|classic-level|abstract-level|level-|lazy|async|big\.js)/,
  ],
  ["DynamoDB: transaction front", /infra\/local\/dynamodb/],
  [
    "Step Functions emulator",
    /node_modules\/(aws-local-stepfunctions|jsonpath|asl-validator)|infra\/local\/(stepfunctions|sfn-)/,
  ],
  ["S3: s3rver", /node_modules\/(s3rver|koa|@koa|xml2js|busboy)/],
  ["AWS SDK (clients in handlers and driver)", /node_modules\/(@aws-sdk|@smithy|@aws-crypto)/],
  [
    "HTTP API adapter, authorizer, Lambda runtime",
    /infra\/local\/(http-api|jwt-authorizer|lambda-runtime|oidc-issuer|oidc\/)|node_modules\/jose/,
  ],
  [
    "handlers (functions/, shared/, middy, zod, powertools)",
    /\/(functions|shared)\/|node_modules\/(@middy|zod|@aws-lambda-powertools|@turf|qrcode)/,
  ],
  ["bench driver", /\/bench\//],
];

/** Self time attributed to the innermost frame on the stack that belongs to a known component. */
export async function byComponent(file: string) {
  const profile = JSON.parse(await readFile(file, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const owner = new Map<number, string>();
  const ownerOf = (id: number): string => {
    const known = owner.get(id);
    if (known) return known;
    const node = byId.get(id);
    const url = node?.callFrame.url ?? "";
    const name = node?.callFrame.functionName ?? "";
    let found = COMPONENTS.find(([, pattern]) => pattern.test(url))?.[0];
    if (!found) {
      const up = parent.get(id);
      if (name === "(garbage collector)") found = "garbage collector";
      else if (name === "(idle)") found = "(idle)";
      else found = up === undefined ? "other (node internals, timers, sockets)" : ownerOf(up);
    }
    owner.set(id, found);
    return found;
  };
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const component = ownerOf(id);
    totals.set(component, (totals.get(component) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const busy = [...totals.entries()].filter(([name]) => name !== "(idle)").reduce((a, [, us]) => a + us, 0);
  return [...totals.entries()]
    .filter(([name]) => name !== "(idle)")
    .sort((a, b) => b[1] - a[1])
    .map(([component, us]) => ({
      component,
      ms: Math.round(us / 1000),
      share: `${((100 * us) / busy).toFixed(1)}%`,
    }));
}
