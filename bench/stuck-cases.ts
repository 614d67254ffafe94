/**
 * Stuck cases: N households (default 100) submit at once and the staff work
 * every case through the whole procedure concurrently, on a local cloud that
 * fails workflow tasks and service calls at random (bench/support/faulty-cloud.ts)
 * and is killed with SIGKILL once in the middle, then started again on the same
 * data. At the end an operator recovers whatever waits in the operator view
 * (异常案件), and the work goes on.
 *
 * Prints cases completed / stuck / seen in the operator view, and the API's
 * answers by class. Target: 0 stuck, 0 5xx. (Answers the killed cloud never
 * gave are counted apart, as "no answer": a phone would retry them.)
 *
 *   npx tsx bench/stuck-cases.ts [--households 100] [--task-fault-rate 0.05]
 *     [--service-fault-rate 0.01] [--restart-after-s 40] [--deadline-s 600] [--seed 1] [--poll-s 3]
 *
 * Each household looks at its case every --poll-s seconds (a phone checking in,
 * not a tight loop) and, where a step waits for staff, the step's reviewer
 * decides it then.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { LocalEndpoints } from "#infra/local/cloud.ts";
import type { CaseStatus } from "#shared/domain/case-status.ts";
import { isTerminal } from "#shared/domain/case-status.ts";
import { numberOption } from "./support/args.ts";
import { deciderOf, http, json, pool, SITE_MEASUREMENTS, TOWNSHIP_A } from "./support/cloud.ts";
import { type Caller, callerOf, enrolHouseholds, prepareCase, tableClient } from "./support/households.ts";
import { printTable, REPO_ROOT, runMain, writeResult } from "./support/report.ts";

const PORTS = ["API", "DYNAMODB", "S3", "SFN", "AUTH"] as const;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

/** The first unhandled errors the cloud's functions logged (each a 500's cause). */
const unhandled: string[] = [];

interface Cloud {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

async function startCloud(env: Record<string, string>, dataDir: string): Promise<Cloud> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join("bench", "support", "faulty-cloud.ts")],
    {
      cwd: REPO_ROOT,
      // tsx's cache stays in the data folder, which the bench removes.
      env: { ...process.env, ...env, TMPDIR: dataDir },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the local cloud did not start:\n${output}`)), 300_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (output.includes("Nongfang is running")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void exited.then(() => reject(new Error(`the local cloud exited:\n${output}`)));
  });
  // Keep draining its output (the runtime logs every request), or the pipe fills and the child stalls;
  // keep the first unhandled errors (the 5xx's causes) to print at the end.
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line.includes('"Unhandled error"') && unhandled.length < 5) unhandled.push(line.slice(0, 1500));
    }
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return { child, exited };
}

interface Tally {
  "2xx": number;
  "4xx": number;
  "5xx": number;
  "no answer": number;
}

interface TimelineStep {
  readonly stepId: string;
  readonly step: string;
  readonly department?: string;
  readonly status: string;
}
interface CaseView {
  readonly status: CaseStatus;
  readonly expected: { readonly action: string };
  readonly timeline: readonly TimelineStep[];
}

async function main(): Promise<void> {
  const households = numberOption("households", 100);
  const taskRate = numberOption("task-fault-rate", 0.05);
  const serviceRate = numberOption("service-fault-rate", 0.01);
  const restartAfterMs = numberOption("restart-after-s", 40) * 1000;
  const deadlineMs = numberOption("deadline-s", 600) * 1000;
  const seed = numberOption("seed", 1);
  const pollMs = numberOption("poll-s", 3) * 1000;

  const dataDir = await mkdtemp(path.join(tmpdir(), "nongfang-stuck-"));
  const env: Record<string, string> = {
    NONGFANG_DATA_DIR: dataDir,
    NONGFANG_TASK_FAULT_RATE: String(taskRate),
    NONGFANG_SERVICE_FAULT_RATE: String(serviceRate),
    NONGFANG_FAULT_SEED: String(seed),
  };
  // The same ports after the restart: tokens name the issuer's URL.
  for (const name of PORTS) env[`NONGFANG_${name}_PORT`] = String(await freePort());

  const tally: Tally = { "2xx": 0, "4xx": 0, "5xx": 0, "no answer": 0 };
  const fiveXx: string[] = [];
  /** Seconds since the start of each 5xx: bunched after the restart, or spread over the run? */
  const fiveXxAt: number[] = [];
  const hung: string[] = [];
  const counted =
    (what: string, call: Caller): Caller =>
    async (method, route, body, extra) => {
      try {
        const result = await call(method, route, body, extra);
        if (result.status >= 500) {
          tally["5xx"]++;
          const at = Math.round((performance.now() - started) / 1000);
          fiveXxAt.push(at);
          if (fiveXx.length < 10)
            fiveXx.push(
              `${what} ${method} ${route} at ${at} s → ${result.status} ${result.body.slice(0, 200)}`,
            );
        } else if (result.status >= 400) tally["4xx"]++;
        else tally["2xx"]++;
        return result;
      } catch (error) {
        tally["no answer"]++;
        // Never answered at all (not the killed cloud's dropped connections): which request, to find out why.
        if ((error as Error).name === "RequestTimeoutError" && hung.length < 10)
          hung.push((error as Error).message);
        return { status: 0, body: "" };
      }
    };

  let cloud = await startCloud(env, dataDir);
  const started = performance.now();
  let restartedAt: number | undefined;
  const endpoints = JSON.parse(
    await readFile(path.join(dataDir, "endpoints.json"), "utf8"),
  ) as LocalEndpoints;
  const ddb = tableClient(endpoints);
  try {
    const tokenOf = await enrolHouseholds(ddb, endpoints, dataDir, households);
    const staffTokens = new Map<string, string>();
    const staff = async (userId: string): Promise<Caller> => {
      let token = staffTokens.get(userId);
      // The issuer is down while the cloud restarts: ask again until it answers.
      while (!token) {
        const answer = await http(
          "POST",
          `${endpoints.auth.issuer}/token`,
          { "content-type": "application/json" },
          JSON.stringify({ username: userId }),
        ).catch(() => undefined);
        if (answer?.status === 200) {
          token = json<{ access_token: string }>(answer).access_token;
          staffTokens.set(userId, token);
        } else await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      return counted(userId, callerOf(endpoints.api, token));
    };

    const cases = await pool(
      Array.from({ length: households }, (_, index) => index),
      6,
      async (index) => {
        const call = callerOf(endpoints.api, await tokenOf(index));
        return { caseId: await prepareCase(call, index), household: counted("household", call) };
      },
    );
    console.log(`${households} households prepared in ${Math.round((performance.now() - started) / 1000)} s`);

    // The restart: SIGKILL in the middle of the work, then the same cloud again on the same data.
    const restart = (async () => {
      await new Promise((resolve) => setTimeout(resolve, restartAfterMs));
      cloud.child.kill("SIGKILL");
      await cloud.exited;
      restartedAt = performance.now();
      cloud = await startCloud(env, dataDir);
      console.log(`restarted after SIGKILL in ${Math.round((performance.now() - restartedAt) / 1000)} s`);
    })();

    const until = performance.now() + deadlineMs;
    const finalStatus = new Map<string, CaseStatus>();
    const seenInOperatorView = new Set<string>();
    /** One case worked to its end: the household's part and each open step's decider. */
    const work = async ({ caseId, household }: (typeof cases)[number]) => {
      const submit = await household("POST", `/cases/${caseId}/submit`, undefined, {
        "idempotency-key": `stuck-${caseId}`,
      });
      let submitted = submit.status === 202;
      while (performance.now() < until) {
        if (!submitted) {
          // Not answered (the cloud was down) or refused for now: submit again, as the phone would.
          const again = await household("POST", `/cases/${caseId}/submit`, undefined, {
            "idempotency-key": `stuck-${caseId}`,
          });
          submitted = again.status === 202;
          if (!submitted) await new Promise((resolve) => setTimeout(resolve, 1000));
          continue;
        }
        const answer = await household("GET", `/cases/${caseId}`);
        if (answer.status !== 200) {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          continue;
        }
        const view = json<CaseView>(answer);
        finalStatus.set(caseId, view.status);
        if (isTerminal(view.status)) return;
        if (view.expected.action === "problem_known") seenInOperatorView.add(caseId);
        if (view.expected.action === "report_completion") {
          await household("POST", `/cases/${caseId}/completion-report`, {});
        }
        for (const step of view.timeline.filter((entry) => entry.status === "awaiting_response")) {
          if (step.step === "correction") continue;
          const reviewer = await staff(deciderOf(step.step, step.department));
          await reviewer(
            "POST",
            `/review/cases/${caseId}/steps/${encodeURIComponent(step.stepId)}/decision`,
            step.step.startsWith("site_visit")
              ? { outcome: "approved", measurements: SITE_MEASUREMENTS }
              : { outcome: "approved" },
          );
        }
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    };

    // The operator: every few seconds, recover whatever the operator view lists.
    let recovered = 0;
    const refusals: string[] = [];
    let operating = true;
    const operator = (async () => {
      const head = await staff("head-a");
      while (operating) {
        await new Promise((resolve) => setTimeout(resolve, 5000));
        const page = await head("GET", `/incidents?township=${TOWNSHIP_A}&limit=100`);
        if (page.status !== 200) continue;
        for (const incident of json<{ items: { caseId: string; incidentId: string }[] }>(page).items) {
          seenInOperatorView.add(incident.caseId);
          const done = await head("POST", `/incidents/${incident.caseId}/${incident.incidentId}/recover`);
          if (done.status === 200) recovered++;
          else if (refusals.length < 10)
            refusals.push(
              `${incident.caseId} ${incident.incidentId} → ${done.status} ${done.body.slice(0, 300)}`,
            );
        }
      }
    })();

    await Promise.all(cases.map(work));
    operating = false;
    await Promise.all([operator, restart]);

    const completed = [...finalStatus.values()].filter((status) => status === "completed").length;
    const stuck = cases.filter(({ caseId }) => !isTerminal(finalStatus.get(caseId) ?? "draft"));
    const row = {
      households,
      completed,
      "other end": households - completed - stuck.length,
      stuck: stuck.length,
      "seen in operator view": seenInOperatorView.size,
      "recoveries performed": recovered,
      ...tally,
      "restart at s": restartedAt === undefined ? null : Math.round((restartedAt - started) / 1000),
      "total s": Math.round((performance.now() - started) / 1000),
    };
    printTable(
      `Stuck cases: ${households} households (each looks every ${pollMs / 1000} s), task faults ${taskRate}, service faults ${serviceRate}, one SIGKILL restart`,
      [row],
    );
    if (stuck.length > 0)
      console.log(
        "stuck:",
        stuck.slice(0, 10).map(({ caseId }) => `${caseId} ${finalStatus.get(caseId)}`),
      );
    if (fiveXx.length > 0) console.log("5xx:", fiveXx);
    if (fiveXxAt.length > 0) {
      const bySecond = new Map<number, number>();
      for (const at of fiveXxAt) bySecond.set(at, (bySecond.get(at) ?? 0) + 1);
      console.log("5xx at second (count):", [...bySecond].map(([at, count]) => `${at}s×${count}`).join(" "));
    }
    if (refusals.length > 0) console.log("recoveries refused:", refusals);
    if (unhandled.length > 0) console.log("unhandled errors:", unhandled);
    if (hung.length > 0) console.log("requests never answered (60 s):", hung);
    // What a stuck case looks like to the household and in the operator view, to tell why.
    const head = await staff("head-a");
    for (const { caseId, household } of stuck.slice(0, 5)) {
      const view = await household("GET", `/cases/${caseId}`);
      const incidents = await head("GET", `/incidents?township=${TOWNSHIP_A}&limit=100`);
      console.log(`stuck ${caseId}:`, view.body.slice(0, 1500));
      console.log(
        "  incidents:",
        json<{ items: { caseId: string }[] }>(incidents).items.filter((item) => item.caseId === caseId),
      );
    }
    await writeResult("stuck-cases", { row, stuck: stuck.map(({ caseId }) => caseId), fiveXx });
  } finally {
    ddb.destroy();
    cloud.child.kill("SIGKILL");
    await cloud.exited;
    // NONGFANG_BENCH_KEEP=1 keeps the data folder (execution records, tables) to look into.
    if (process.env.NONGFANG_BENCH_KEEP === "1") console.log(`data kept in ${dataDir}`);
    else await rm(dataDir, { recursive: true, force: true });
  }
}

runMain(main);
