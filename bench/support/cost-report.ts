/** The cost benchmark's printed report and its comparison with the goal. */
import {
  type CaseOperations,
  costLines,
  type Prices,
  smsLine,
  storageLines,
  totalUsd,
} from "./cost-model.ts";
import { GOAL_USD } from "./cost-scenarios.ts";
import type { ScenarioResult } from "./cost-summary.ts";
import { printTable, round } from "./report.ts";

export const usd = (value: number) => `$${value.toFixed(6)}`;

export function report(results: readonly ScenarioResult[], prices: Prices, documentMb: number) {
  const columns = results.map((result) => result.scenario.label);
  const row = (metric: string, value: (result: ScenarioResult) => string | number) =>
    Object.fromEntries([["per case", metric], ...results.map((r, i) => [columns[i], value(r)])]);
  const gbs = (r: ScenarioResult) => Object.values(r.operations.lambdaGbSeconds).reduce((a, b) => a + b, 0);
  printTable(`Operations per case (mean of ${results[0]?.cases ?? 0} cases per column)`, [
    row("HTTP API requests", (r) => round(r.operations.httpApiRequests, 1)),
    row("Lambda invocations", (r) => round(r.operations.lambdaRequests, 1)),
    row("Lambda GB-s (meter off)", (r) => round(gbs(r), 3)),
    row("  same, DynamoDB meter on", (r) => round(r.lambdaMeteredGbSeconds, 3)),
    row("DynamoDB write units", (r) => round(r.operations.dynamoDbWriteUnits, 1)),
    row("DynamoDB read units", (r) => round(r.operations.dynamoDbReadUnits, 1)),
    row("Step Functions transitions", (r) => round(r.operations.stateTransitions, 1)),
    row("S3 PUT/COPY/POST/LIST", (r) => round(r.operations.s3PutCopyPostList, 1)),
    row("S3 GET/other (+ preflights)", (r) => round(r.operations.s3GetAndOther, 1)),
    row("KMS GenerateDataKey", (r) => round(r.kms.generate, 1)),
    row(
      "KMS Decrypt, cold..warm",
      (r) => `${round(r.kms.decryptCold + r.kms.hashSecretCold, 1)}..${round(r.kms.decryptWarm, 1)}`,
    ),
    row("log KiB (app/Lambda/API/SFN)", (r) =>
      [r.logs.app, r.logs.platform, r.logs.access, r.logs.stepFunctions]
        .map((b) => round(b / 1024, 1))
        .join("/"),
    ),
    row("X-Ray traces", (r) => round(r.operations.xrayTraces, 1)),
    row("SMS to +86 (parts)", (r) => round(r.operations.smsParts, 1)),
  ]);

  const lines = results.map((r) => costLines(r.operations, prices));
  const services = lines[0]?.map((line) => line.service) ?? [];
  printTable(`Cost per case, USD (${prices.region} list prices of ${prices.asOf}, bench/prices.json)`, [
    ...services.map((service, s) =>
      Object.fromEntries([["service", service], ...lines.map((l, i) => [columns[i], usd(l[s]?.usd ?? 0)])]),
    ),
    Object.fromEntries([
      ["service", "TOTAL per permit"],
      ...lines.map((l, i) => [columns[i], usd(totalUsd(l))]),
    ]),
    Object.fromEntries([
      ["service", `goal ≤ ${usd(GOAL_USD)} (storage excluded)`],
      ...lines.map((l, i) => [
        columns[i],
        totalUsd(l) <= GOAL_USD ? "met" : `${round(totalUsd(l) / GOAL_USD, 2)}× goal`,
      ]),
    ]),
  ]);
  // A carrier charge per message part, not the platform's cost: on a line of its own, outside the goal.
  printTable("SMS per case, reported apart (carrier charge; texts from the local stand-in)", [
    Object.fromEntries([
      ["service", smsLine(results[0]?.operations ?? ({} as CaseOperations), prices).service],
      ...results.map((r, i) => {
        const line = smsLine(r.operations, prices);
        return [columns[i], `${line.usage}, ${usd(line.usd)}`];
      }),
    ]),
  ]);

  const storage = results.map((r) =>
    storageLines(
      {
        documentBytes: r.documentUploads * documentMb * 2 ** 20,
        certificateBytes: r.storage.certificateBytes,
        dynamoDbBytes: r.storage.dynamoDbBytes,
        logBytes: r.operations.logBytes,
      },
      prices,
    ),
  );
  const kinds = storage[0]?.map((line) => line.what) ?? [];
  printTable(`Storage per case, reported apart (documents: ${documentMb} MB each, an assumption)`, [
    ...kinds.map((what, k) =>
      Object.fromEntries([
        ["stored", what],
        ...storage.map((s, i) => [
          columns[i],
          `${round((s[k]?.bytes ?? 0) / 2 ** 20, 3)} MB, ${usd(s[k]?.usdPerMonth ?? 0)}/mo`,
        ]),
      ]),
    ),
    Object.fromEntries([
      ["stored", "total while stored, per month"],
      ...storage.map((s, i) => [columns[i], `${usd(s.reduce((sum, line) => sum + line.usdPerMonth, 0))}/mo`]),
    ]),
  ]);
  return { lines, storage };
}
