/**
 * Cost per permit: whole cases through the real local cloud, every AWS
 * operation they cause counted where it would be billed, priced with the
 * list-price table bench/prices.json (us-east-1).
 *
 * Counted per case (cases run one at a time, so everything between a case's
 * first request and the end of its execution is that case's):
 * - Lambda: invocations, and billed GB-seconds from the handler time the local
 *   runtime measures (LocalMeter.lambda) and the template's MemorySize and
 *   architecture;
 * - DynamoDB: read/write request units by DynamoDB's rules, measured at the
 *   local DynamoDB front (bench/support/dynamodb-meter.ts says why there and not
 *   from dynalite's ReturnConsumedCapacity);
 * - Step Functions (Standard): state transitions from GetExecutionHistory;
 * - S3: requests at the local S3 endpoint (SDK calls and the browser's
 *   presigned PUTs), by price class;
 * - HTTP API requests, KMS requests (the local key file stands in for KMS:
 *   the calls that would reach KMS are counted), CloudWatch Logs bytes
 *   (handler output, Lambda's own lines, access logs, the state machine's
 *   ALL-level log) and X-Ray traces.
 * Storage (documents, certificates, table items) is reported apart, per GB-month.
 *
 * Half the cases run with the DynamoDB meter off: its extra reads would
 * inflate handler time, so Lambda duration is priced from those cases (the
 * metered cases' duration is printed beside it, as the meter's overhead).
 *
 *   npx tsx bench/cost-per-permit.ts [--cases 20] [--document-mb 1.5]
 */
import path from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import type { DynamoDbUsage, LocalMeter, S3Request } from "#infra/local/meter.ts";
import { numberOption } from "./support/args.ts";
import { type BenchCloud, deciderOf, expectStatus, startBenchCloud } from "./support/cloud.ts";
import { Driver } from "./support/cost-driver.ts";
import {
  CaseCount,
  captureLogs,
  countKmsCalls,
  instrumentRuntime,
  measuring,
  StepQueues,
  tableBytes,
} from "./support/cost-instrument.ts";
import { GB, loadPrices, s3PriceClass, smsLine, totalUsd } from "./support/cost-model.ts";
import { report } from "./support/cost-report.ts";
import { GOAL_USD, SCENARIOS, type Scenario } from "./support/cost-scenarios.ts";
import { accessLogFormat, functionInfo, type ScenarioResult, summarise } from "./support/cost-summary.ts";
import { dynamoDbCapacity } from "./support/dynamodb-meter.ts";
import { BENCH_DIR, printTable, round, runMain, writeResult } from "./support/report.ts";

/** Every reviewer who decides a step registers a phone for SMS (batched new steps), as staff would. */
async function registerStaffPhones(bench: BenchCloud): Promise<void> {
  const departments = bench.policy.departments.map((department) => department.id);
  const users = new Set([
    ...["village_review", "township_acceptance", "township_approval", "site_visit_staking"].map((step) =>
      deciderOf(step),
    ),
    ...departments.map((department) => deciderOf("joint_review", department)),
  ]);
  let n = 0;
  for (const user of users) {
    const phone = `1390000${String(++n).padStart(4, "0")}`;
    const result = await bench.call(user, "PUT", "/messages/settings", { phone, mode: "batched" });
    expectStatus(result, 200, `SMS settings of ${user}`);
  }
}

/**
 * Runs the SMS sender as its schedule would, at 10:00 Beijing time on day `index`
 * (past every quiet hour and staff batch interval of the case before), and
 * returns the texts the phones received.
 */
async function sendSms(bench: BenchCloud, index: number): Promise<string[]> {
  const sender = bench.cloud.runtime.functions.find((fn) => fn.entry === "functions/notify/send-sms.ts");
  if (!sender) throw new Error("no SMS sender in the template");
  const before = (await bench.cloud.sms.messages()).length;
  const day = new Date();
  day.setUTCHours(2, 0, 0, 0);
  const time = new Date(day.getTime() + (index + 1) * 86_400_000).toISOString();
  // Expanded desk jobs are due at once: a second run sends them.
  for (let run = 0; run < 3; run++)
    await bench.cloud.runtime.invoke(sender.arn, {
      "detail-type": "Scheduled Event",
      source: "aws.events",
      time,
    });
  return (await bench.cloud.sms.messages()).slice(before).map((message) => message.text);
}

async function main() {
  const cases = Math.max(2, numberOption("cases", 20));
  const documentMb = numberOption("document-mb", 1.5);
  const prices = await loadPrices(path.join(BENCH_DIR, "prices.json"));

  const meter: LocalMeter = { dynamoDbCapacity };
  const onDynamoDb = (usage: DynamoDbUsage) => {
    if (!measuring.current) return;
    measuring.current.dynamoDb.readUnits += usage.readUnits;
    measuring.current.dynamoDb.writeUnits += usage.writeUnits;
    measuring.current.dynamoDb.indexWriteUnits += usage.indexWriteUnits;
    measuring.current.dynamoDb.requests++;
    const byOperation = measuring.current.dynamoDbByOperation.get(usage.operation) ?? {
      requests: 0,
      readUnits: 0,
      writeUnits: 0,
    };
    byOperation.requests++;
    byOperation.readUnits += usage.readUnits;
    byOperation.writeUnits += usage.writeUnits;
    measuring.current.dynamoDbByOperation.set(usage.operation, byOperation);
    if (usage.unmetered) measuring.current.dynamoDb.unmetered++;
  };
  meter.lambda = (invocation) => measuring.current?.lambda.push(invocation);
  meter.s3 = (request: S3Request) => {
    if (!measuring.current) return;
    const priceClass = s3PriceClass(request.method, request.url);
    measuring.current.s3[priceClass]++;
    const ok = request.status >= 200 && request.status < 300;
    if (request.method === "PUT" && ok) {
      if (request.userAgent.includes("aws-sdk")) measuring.current.certificateBytes += request.requestBytes;
      else {
        measuring.current.browserPuts++;
        measuring.current.documentBytes += request.requestBytes;
      }
    }
  };
  countKmsCalls();
  const captured = captureLogs();

  const bench = await startBenchCloud({ context: { countyPolicy: "danling-demo" }, meter });
  const { endpoints } = bench.cloud;
  const sfn = new SFNClient({
    region: endpoints.region,
    credentials: endpoints.credentials,
    endpoint: endpoints.stepFunctions,
  });
  const dynamodb = new DynamoDBClient({
    region: endpoints.region,
    credentials: endpoints.credentials,
    endpoint: endpoints.dynamodb,
  });
  const steps = new StepQueues();
  instrumentRuntime(bench, steps);
  const driver = new Driver(bench, sfn, steps);
  const info = functionInfo(bench);
  const format = accessLogFormat(bench);
  const started = performance.now();
  try {
    const results: ScenarioResult[] = [];
    captured.quiet = true;
    const drive = async (scenario: Scenario) => {
      try {
        return await driver.run(scenario);
      } catch (error) {
        captured.write(captured.recent.join(""));
        throw error;
      }
    };
    await registerStaffPhones(bench);
    // Warm-up (not counted): the first case of a kind loads handler modules and fills per-container caches.
    for (const scenario of SCENARIOS) await drive(scenario);
    // Stored bytes per case: the table scanned between scenarios (seconds each: the reference data is in it).
    let bytesBefore = await tableBytes(dynamodb, endpoints.tableName);
    for (const scenario of SCENARIOS) {
      const counts: CaseCount[] = [];
      for (let i = 0; i < cases; i++) {
        captured.write(`\rcost-per-permit: ${scenario.id} ${i + 1}/${cases}   `);
        const count = new CaseCount(i % 2 === 0);
        meter.dynamoDb = count.metered ? onDynamoDb : undefined;
        measuring.current = count;
        let caseId: string;
        try {
          caseId = await drive(scenario);
          // The SMS the case owes, sent within the case (the sender's Lambda and DynamoDB work count too).
          count.sms.push(...(await sendSms(bench, i)));
        } finally {
          measuring.current = undefined;
          meter.dynamoDb = undefined;
        }
        const history = await driver.history(caseId);
        count.transitions = history.transitions;
        count.stepFunctionsLogBytes = history.logBytes;
        counts.push(count);
      }
      const bytesAfter = await tableBytes(dynamodb, endpoints.tableName);
      results.push(summarise(scenario, counts, info, format, (bytesAfter - bytesBefore) / cases));
      bytesBefore = bytesAfter;
    }
    captured.quiet = false;
    captured.write("\n");
    const { lines, storage } = report(results, prices, documentMb);
    const homestead = results[0];
    if (homestead) {
      printTable("Lambda by function, homestead (meter off)", homestead.byFunction);
      printTable(
        `DynamoDB by operation, homestead (GSI share of writes: ${round((100 * homestead.dynamoDbIndexWriteUnits) / homestead.operations.dynamoDbWriteUnits, 0)} %)`,
        [...homestead.dynamoDbByOperation].sort((a, b) => b.writeUnits - a.writeUnits),
      );
    }
    printTable("Assumptions (see bench/README.md)", [
      {
        assumption:
          "KMS priced at the cold bound (every invocation a fresh container); warm bound shown beside",
      },
      {
        assumption:
          "X-Ray: every request sampled (low traffic: the 1/s reservoir takes all); 1 trace per API request + 1 per execution",
      },
      {
        assumption:
          "S3: one CORS preflight per browser upload; documents' stored size modelled (--document-mb)",
      },
      { assumption: `Excluded: ${prices.excluded.map((entry) => entry.service).join("; ")}` },
      { assumption: `real run time ${round((performance.now() - started) / 1000, 1)} s` },
    ]);
    await writeResult("cost-per-permit", {
      goalUsd: GOAL_USD,
      prices: { asOf: prices.asOf, region: prices.region },
      documentMb,
      casesPerScenario: cases,
      scenarios: results.map((result, i) => ({
        id: result.scenario.id,
        label: result.scenario.label,
        operations: result.operations,
        lambdaGbSecondsMeterOn: round(result.lambdaMeteredGbSeconds, 4),
        kms: result.kms,
        logBytes: result.logs,
        dynamoDbUnmeteredRequests: result.dynamoDbUnmetered,
        costPerCase: lines[i]?.map((line) => ({ ...line, usd: Number(line.usd.toPrecision(4)) })),
        totalUsd: Number(totalUsd(lines[i] ?? []).toPrecision(4)),
        meetsGoal: totalUsd(lines[i] ?? []) <= GOAL_USD,
        sms: {
          parts: result.operations.smsParts,
          usd: Number(smsLine(result.operations, prices).usd.toPrecision(4)),
        },
        storage: storage[i]?.map((line) => ({
          ...line,
          gb: Number((line.bytes / GB).toPrecision(4)),
          usdPerMonth: Number(line.usdPerMonth.toPrecision(4)),
        })),
        lambdaByFunction: result.byFunction,
        dynamoDbIndexWriteUnits: round(result.dynamoDbIndexWriteUnits, 1),
        dynamoDbByOperation: result.dynamoDbByOperation,
        kmsGenerateDataKeyByFunction: result.kmsGenerateByFunction,
      })),
    });
  } finally {
    // A broken case must reach the console (runMain prints the error).
    captured.quiet = false;
    sfn.destroy();
    dynamodb.destroy();
    await bench.stop();
  }
}

runMain(main);
