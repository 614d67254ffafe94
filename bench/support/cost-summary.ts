/** The cost benchmark's per-scenario summary: functions as deployed, counters merged across cases. */
import type { BenchCloud } from "./cloud.ts";
import type { CaseCount } from "./cost-instrument.ts";
import {
  accessLogLine,
  billedGbSeconds,
  type CaseOperations,
  lambdaPlatformLines,
  smsParts,
} from "./cost-model.ts";
import type { Scenario } from "./cost-scenarios.ts";
import { mean, round } from "./report.ts";

export interface FunctionInfo {
  readonly memorySizeMb: number;
  readonly architecture: string;
}

/** MemorySize and Architectures of every function, as deployed (CloudFormation defaults: 128 MB, x86_64). */
export function functionInfo(bench: BenchCloud): Map<string, FunctionInfo> {
  const info = new Map<string, FunctionInfo>();
  for (const [logicalId, resource] of Object.entries(bench.cloud.template.Resources)) {
    if (resource.Type !== "AWS::Lambda::Function") continue;
    const architectures = resource.Properties?.Architectures;
    info.set(logicalId, {
      memorySizeMb: Number(resource.Properties?.MemorySize ?? 128),
      architecture: String(Array.isArray(architectures) ? architectures[0] : "x86_64"),
    });
  }
  return info;
}

/** The HTTP API stage's access-log format (CDK's default is the Common Log Format). */
export function accessLogFormat(bench: BenchCloud): string {
  for (const resource of Object.values(bench.cloud.template.Resources)) {
    if (resource.Type !== "AWS::ApiGatewayV2::Stage") continue;
    const settings = resource.Properties?.AccessLogSettings as { Format?: unknown } | undefined;
    if (typeof settings?.Format === "string") return settings.Format;
  }
  return "";
}

export interface ScenarioResult {
  readonly scenario: Scenario;
  readonly cases: number;
  readonly operations: CaseOperations;
  readonly lambdaMeteredGbSeconds: number;
  readonly kms: { generate: number; decryptCold: number; decryptWarm: number; hashSecretCold: number };
  readonly logs: { app: number; platform: number; access: number; stepFunctions: number };
  readonly storage: { documentBytes: number; certificateBytes: number; dynamoDbBytes: number };
  readonly documentUploads: number;
  readonly dynamoDbUnmetered: number;
  readonly byFunction: { function: string; invocations: number; meanBilledMs: number }[];
  readonly dynamoDbIndexWriteUnits: number;
  readonly dynamoDbByOperation: {
    operation: string;
    requests: number;
    writeUnits: number;
    readUnits: number;
  }[];
  readonly kmsGenerateByFunction: { function: string; calls: number }[];
}

/** Sums maps of counters (one per case) key by key, largest first by the first counter. */
export function mergeCounts<T extends Record<string, number>>(
  maps: readonly ReadonlyMap<string, T>[],
): [string, T][] {
  const merged = new Map<string, T>();
  for (const map of maps) {
    for (const [key, value] of map) {
      const sum = merged.get(key);
      merged.set(
        key,
        sum
          ? (Object.fromEntries(Object.entries(sum).map(([k, v]) => [k, v + (value[k] ?? 0)])) as T)
          : { ...value },
      );
    }
  }
  return [...merged].sort((a, b) => (Object.values(b[1])[0] ?? 0) - (Object.values(a[1])[0] ?? 0));
}

export function summarise(
  scenario: Scenario,
  counts: readonly CaseCount[],
  info: Map<string, FunctionInfo>,
  format: string,
  dynamoDbBytes: number,
): ScenarioResult {
  const perCase = (value: (count: CaseCount) => number, of: readonly CaseCount[] = counts) =>
    mean(of.map(value));
  const metered = counts.filter((count) => count.metered);
  const unmetered = counts.filter((count) => !count.metered);
  const gbSeconds = (count: CaseCount) => {
    const byArchitecture: Record<string, number> = {};
    for (const invocation of count.lambda) {
      const fn = info.get(invocation.logicalId) ?? { memorySizeMb: 128, architecture: "x86_64" };
      byArchitecture[fn.architecture] =
        (byArchitecture[fn.architecture] ?? 0) + billedGbSeconds(invocation.durationMs, fn.memorySizeMb);
    }
    return byArchitecture;
  };
  const timed = unmetered.length > 0 ? unmetered : counts;
  const architectures = [...new Set([...info.values()].map((fn) => fn.architecture))];
  const lambdaGbSeconds = Object.fromEntries(
    architectures.map((architecture) => [
      architecture,
      perCase((c) => gbSeconds(c)[architecture] ?? 0, timed),
    ]),
  );
  const platformBytes = (count: CaseCount) =>
    count.lambda.reduce((sum, invocation) => {
      const memory = info.get(invocation.logicalId)?.memorySizeMb ?? 128;
      return sum + lambdaPlatformLines(invocation.durationMs, memory).join("").length;
    }, 0);
  const accessBytes = (count: CaseCount) =>
    count.api.reduce((sum, request) => sum + Buffer.byteLength(`${accessLogLine(format, request)}\n`), 0);
  const logs = {
    app: perCase((c) => c.appLogBytes),
    platform: perCase(platformBytes),
    access: perCase(accessBytes),
    stepFunctions: perCase((c) => c.stepFunctionsLogBytes),
  };
  const kms = {
    generate: perCase((c) => c.kmsGenerate),
    decryptCold: perCase((c) => c.kmsDecryptCold.size),
    decryptWarm: perCase((c) => c.kmsDecryptWarm.size),
    hashSecretCold: perCase((c) => c.kmsHashSecretCold.size),
  };
  const apiRequests = perCase((c) => c.api.length);
  // Every presigned PUT from a browser is cross-origin and not "simple": one CORS preflight (OPTIONS) each.
  const preflights = perCase((c) => c.browserPuts);
  const operations: CaseOperations = {
    lambdaRequests: perCase((c) => c.lambda.length),
    lambdaGbSeconds,
    // On AWS a fresh container also reads the wrapped keyed-hash secret (one strongly consistent GetItem, < 4 KB).
    dynamoDbReadUnits: perCase((c) => c.dynamoDb.readUnits, metered) + kms.hashSecretCold,
    dynamoDbWriteUnits: perCase((c) => c.dynamoDb.writeUnits, metered),
    stateTransitions: perCase((c) => c.transitions),
    s3PutCopyPostList: perCase((c) => c.s3.putCopyPostList),
    s3GetAndOther: perCase((c) => c.s3.getAndOther) + preflights,
    httpApiRequests: apiRequests,
    // Priced at the upper bound: every invocation in a fresh container (few cases a day keep few warm).
    kmsRequests: kms.generate + kms.decryptCold + kms.hashSecretCold,
    logBytes: logs.app + logs.platform + logs.access + logs.stepFunctions,
    // One trace per API request (Lambda starts it: HTTP APIs do not trace) and one per execution.
    xrayTraces: apiRequests + 1,
    smsParts: perCase((c) => c.sms.reduce((sum, text) => sum + smsParts(text), 0)),
  };
  const byFunction = new Map<string, { invocations: number; billedMs: number }>();
  for (const count of timed) {
    for (const invocation of count.lambda) {
      const entry = byFunction.get(invocation.entry) ?? { invocations: 0, billedMs: 0 };
      entry.invocations++;
      entry.billedMs += Math.ceil(invocation.durationMs);
      byFunction.set(invocation.entry, entry);
    }
  }
  const meteredGbSeconds = perCase(
    (c) => Object.values(gbSeconds(c)).reduce((a, b) => a + b, 0),
    metered.length > 0 ? metered : counts,
  );
  return {
    scenario,
    cases: counts.length,
    operations,
    lambdaMeteredGbSeconds: meteredGbSeconds,
    kms,
    logs,
    storage: {
      documentBytes: perCase((c) => c.documentBytes),
      certificateBytes: perCase((c) => c.certificateBytes),
      dynamoDbBytes,
    },
    documentUploads: perCase((c) => c.browserPuts),
    dynamoDbUnmetered: metered.reduce((sum, c) => sum + c.dynamoDb.unmetered, 0),
    dynamoDbIndexWriteUnits: perCase((c) => c.dynamoDb.indexWriteUnits, metered),
    dynamoDbByOperation: mergeCounts(metered.map((c) => c.dynamoDbByOperation)).map(([operation, sums]) => ({
      operation,
      requests: round(sums.requests / metered.length, 1),
      writeUnits: round(sums.writeUnits / metered.length, 1),
      readUnits: round(sums.readUnits / metered.length, 1),
    })),
    kmsGenerateByFunction: mergeCounts(
      counts.map((c) => new Map([...c.kmsGenerateByFunction].map(([entry, calls]) => [entry, { calls }]))),
    ).map(([entry, { calls }]) => ({
      function: entry.replace(/^functions\//, ""),
      calls: round(calls / counts.length, 1),
    })),
    byFunction: [...byFunction.entries()]
      .map(([entry, { invocations, billedMs }]) => ({
        function: entry.replace(/^functions\//, ""),
        invocations: round(invocations / timed.length, 1),
        meanBilledMs: round(billedMs / invocations, 1),
      }))
      .sort((a, b) => b.invocations * b.meanBilledMs - a.invocations * a.meanBilledMs),
  };
}
