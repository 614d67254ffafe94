/**
 * Drives whole cases through the real local cloud the way
 * test/integration/lifecycle.test.ts does: every request over HTTP, signed in
 * as the demo user of each role. The one shortcut: instead of polling
 * queues, the bench learns that a step is open from the local Lambda runtime
 * (open-step returned, so the step and its token are stored and queued). That
 * is what a reviewer's queue would show next, without the polling load
 * skewing the figures.
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type LocalCloud, type LocalCloudOptions, startLocalCloud } from "#infra/local/cloud.ts";
import { DANLING_DEMO_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import type { ApplicationComplete } from "#shared/schemas/application.ts";
import type { CaseKind } from "#shared/schemas/common.ts";
import type { CountyPolicy } from "#shared/schemas/policy.ts";
import { homesteadApplication } from "../../test/support/fixtures.ts";
import { agent, type Caller, expectStatus, type HttpResult, http, json } from "./http.ts";

export * from "./http.ts";

export const TOWNSHIP_A = "511424100";
export const PDF = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
const PDF_SHA256 = createHash("sha256").update(PDF).digest("hex");

/** Declares a PDF of `type`, PUTs it to the presigned URL over the keep-alive agent and confirms it. */
export async function uploadDocument(call: Caller, caseId: string, type: string): Promise<string> {
  const upload = json<{ documentId: string; uploadUrl: string; requiredHeaders: Record<string, string> }>(
    expectStatus(
      await call("POST", `/cases/${caseId}/documents`, {
        type,
        contentType: "application/pdf",
        size: PDF.length,
        sha256: PDF_SHA256,
      }),
      201,
      "request upload",
    ),
  );
  expectStatus(await http("PUT", upload.uploadUrl, upload.requiredHeaders, PDF), 200, "upload to S3");
  expectStatus(
    await call("POST", `/cases/${caseId}/documents/${upload.documentId}/confirm`),
    200,
    "confirm upload",
  );
  return upload.documentId;
}

export interface StepOpened {
  readonly caseId: string;
  readonly step: string;
  readonly department?: string;
  readonly stepId: string;
  readonly overdue: boolean;
  /** performance.now() when open-step returned. */
  readonly at: number;
}

export interface Invocation {
  readonly entry: string;
  readonly caseId: string | undefined;
  readonly ms: number;
  readonly ok: boolean;
}

export interface BenchCloud {
  readonly cloud: LocalCloud;
  /** The cloud's data folder (removed by stop): the issuer's key there mints households' tokens. */
  readonly dataDir: string;
  readonly api: string;
  readonly policy: CountyPolicy;
  /** Resolves when the step opens (or already opened); keyed by case and step id. */
  stepOpened(caseId: string, stepId: string): Promise<StepOpened>;
  /** Resolves when IssueCertificates has returned for the case (performance.now()). */
  certificatesIssued(caseId: string): Promise<number>;
  /** Every Lambda invocation so far (HTTP and workflow), in order. */
  readonly invocations: Invocation[];
  headers(userId: string): Promise<Record<string, string>>;
  call(
    userId: string,
    method: string,
    pathName: string,
    body?: unknown,
    extra?: Record<string, string>,
  ): Promise<HttpResult>;
  stop(): Promise<void>;
}

function caseIdOf(payload: unknown): string | undefined {
  if (typeof payload !== "object" || payload === null) return undefined;
  const direct = (payload as { caseId?: unknown }).caseId;
  if (typeof direct === "string") return direct;
  const parameters = (payload as { pathParameters?: { caseId?: unknown } }).pathParameters;
  return typeof parameters?.caseId === "string" ? parameters.caseId : undefined;
}

/** A deferred value keyed by name: waiters may come before or after the value. */
class Signals<T> {
  private readonly values = new Map<string, T>();
  private readonly waiters = new Map<string, ((value: T) => void)[]>();
  set(key: string, value: T): void {
    this.values.set(key, value);
    for (const resolve of this.waiters.get(key) ?? []) resolve(value);
    this.waiters.delete(key);
  }
  get(key: string): Promise<T> {
    const value = this.values.get(key);
    if (value !== undefined) return Promise.resolve(value);
    return new Promise((resolve) => this.waiters.set(key, [...(this.waiters.get(key) ?? []), resolve]));
  }
  delete(prefix: string): void {
    for (const key of this.values.keys()) if (key.startsWith(prefix)) this.values.delete(key);
  }
}

/**
 * The local cloud in a temp folder, with the Lambda runtime wrapped to record
 * every invocation (entry, case, duration) and to announce opened steps and
 * issued certificates.
 */
export async function startBenchCloud(options: Partial<LocalCloudOptions> = {}): Promise<BenchCloud> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "nongfang-bench-"));
  const cloud = await startLocalCloud({ context: { countyPolicy: "danling-demo" }, ...options, dataDir });
  const { runtime } = cloud;
  const opened = new Signals<StepOpened>();
  const issued = new Signals<number>();
  const invocations: Invocation[] = [];
  const invoke = runtime.invoke.bind(runtime);
  // The step functions emulator and the HTTP API call runtime.invoke through the instance, so this sees both.
  runtime.invoke = async (nameOrArn: string, payload: unknown) => {
    const fn = runtime.find(nameOrArn);
    const caseId = caseIdOf(payload);
    const started = performance.now();
    let ok = false;
    try {
      const result = await invoke(nameOrArn, payload);
      ok = true;
      const at = performance.now();
      if (fn.entry === "functions/workflow/open-step.ts" && caseId) {
        const input = payload as { step: string; department?: string; overdue?: boolean };
        const { stepId } = result as { stepId: string };
        opened.set(`${caseId} ${stepId}`, {
          caseId,
          step: input.step,
          ...(input.department ? { department: input.department } : {}),
          stepId,
          overdue: input.overdue === true,
          at,
        });
      }
      if (fn.entry === "functions/workflow/issue-certificates.ts" && caseId) issued.set(caseId, at);
      return result;
    } finally {
      invocations.push({ entry: fn.entry, caseId, ms: performance.now() - started, ok });
    }
  };

  const tokens = new Map<string, Promise<string>>();
  const headers = async (userId: string) => {
    let token = tokens.get(userId);
    if (!token) {
      token = http(
        "POST",
        `${cloud.endpoints.auth.issuer}/token`,
        { "content-type": "application/json" },
        JSON.stringify({ username: userId }),
      ).then(
        (result) =>
          json<{ access_token: string }>(expectStatus(result, 200, `sign in ${userId}`)).access_token,
      );
      tokens.set(userId, token);
    }
    return { authorization: `Bearer ${await token}`, "content-type": "application/json" };
  };
  const policyId = String(options.context?.countyPolicy ?? "danling-demo");
  const { getShippedPolicy } = await import("#shared/domain/policy/shipped-policies.ts");
  return {
    cloud,
    dataDir,
    api: cloud.endpoints.api,
    policy: getShippedPolicy(policyId),
    stepOpened: (caseId, stepId) => opened.get(`${caseId} ${stepId}`),
    certificatesIssued: (caseId) => issued.get(caseId),
    invocations,
    headers,
    call: async (userId, method, pathName, body, extra = {}) =>
      http(
        method,
        `${cloud.endpoints.api}${pathName}`,
        { ...(await headers(userId)), ...extra },
        body === undefined ? undefined : JSON.stringify(body),
      ),
    stop: async () => {
      agent.destroy();
      await cloud.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The demo villager whose household the fixture application describes. */
export const VILLAGER = "villager-wang";

/** Forest land inside parcel P-511424100001-04: forestry joins the joint review. */
export const FOREST_LOCATION = { type: "Point", coordinates: [103.502, 30.004] } as const;

export interface SubmittedCase {
  readonly caseId: string;
  /** performance.now() when the submit request was sent. */
  readonly submittedAt: number;
  readonly requests: number;
}

/** Draft, form, every required document (request URL, PUT to S3, confirm), submit: the villager's part. */
export async function applyAndSubmit(
  bench: BenchCloud,
  options: {
    kind?: CaseKind;
    forest?: boolean;
    policy?: CountyPolicy;
    /** Another demo villager (default villager-wang) with an application of that household. */
    villager?: string;
    /** Or a household's own caller (bench/support/households.ts) with its application. */
    caller?: Caller;
    application?: ApplicationComplete;
  } = {},
): Promise<SubmittedCase> {
  const kind = options.kind ?? "homestead";
  const policy = options.policy ?? bench.policy ?? DANLING_DEMO_POLICY;
  const villager = options.villager ?? VILLAGER;
  const application: ApplicationComplete = options.application ?? homesteadApplication();
  if (options.forest) {
    application.proposedPlot = {
      ...application.proposedPlot,
      location: { ...FOREST_LOCATION, coordinates: [...FOREST_LOCATION.coordinates] },
      landClass: "farmland",
    };
  }
  let requests = 0;
  const call: Caller = async (method, pathName, body, extra) => {
    requests++;
    return options.caller
      ? options.caller(method, pathName, body, extra)
      : bench.call(villager, method, pathName, body, extra);
  };
  const { caseId } = json<{ caseId: string }>(
    expectStatus(await call("POST", "/cases", { kind }), 201, "create case"),
  );
  expectStatus(await call("PUT", `/cases/${caseId}/application`, application), 200, "save application");
  for (const requirement of policy.requiredDocuments[kind]) {
    const needed =
      requirement.condition === undefined ||
      requirement.condition === "always" ||
      (options.forest === true && requirement.condition === "touchesForestLand");
    if (!needed) continue;
    for (let i = 0; i < requirement.minCount; i++) {
      await uploadDocument(call, caseId, requirement.typeId);
      requests++; // the PUT to S3
    }
  }
  const submittedAt = performance.now();
  expectStatus(
    await call("POST", `/cases/${caseId}/submit`, undefined, { "idempotency-key": `submit-${caseId}` }),
    202,
    "submit",
  );
  return { caseId, submittedAt, requests };
}

/** Who decides each step in township A (demo users). */
export function deciderOf(step: string, department?: string): string {
  switch (step) {
    case "village_review":
      return "village-officer-a";
    case "township_acceptance":
      return "clerk-a";
    case "township_approval":
      return "head-a";
    case "site_visit_staking":
    case "site_visit_completion":
      return "inspector-a";
    case "joint_review":
      // Demo user ids shorten housing_construction to "housing".
      return `reviewer-${department === "housing_construction" ? "housing" : (department ?? "").replaceAll("_", "-")}-a`;
    default:
      return VILLAGER;
  }
}

export const SITE_MEASUREMENTS = { plotAreaM2: 119.5, footprintM2: 98, floors: 2, heightM: 7.4 };

/** POST the decision for an open step as its decider; 200 expected (202 = stored, send pending, is reported). */
export async function decide(
  bench: BenchCloud,
  caseId: string,
  opened: Pick<StepOpened, "step" | "department" | "stepId">,
  decision: Record<string, unknown>,
): Promise<HttpResult> {
  const body = opened.step.startsWith("site_visit")
    ? { ...decision, measurements: SITE_MEASUREMENTS }
    : decision;
  const result = await bench.call(
    deciderOf(opened.step, opened.department),
    "POST",
    `/review/cases/${caseId}/steps/${encodeURIComponent(opened.stepId)}/decision`,
    body,
  );
  if (result.status !== 200 && result.status !== 202) {
    throw new Error(`decide ${opened.stepId} of ${caseId}: ${result.status} ${result.body.slice(0, 400)}`);
  }
  return result;
}

/** Runs tasks with at most `limit` in flight. */
export async function pool<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next++;
      const item = items[index];
      if (index >= items.length || item === undefined) return;
      results[index] = await task(item, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
