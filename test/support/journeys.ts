/**
 * Model-based journeys through the real HTTP API (issue #12's "Done when"):
 * fast-check generates command sequences — submit, revise, every outcome at
 * every step, corrections with good and empty answers, withdrawals, overdue
 * steps, duplicate and concurrent retries — and runs them against a local
 * cloud. The model is small on purpose: where the case is (`stage`), who acts
 * next (derived from the stage), and the submission round. After every
 * command the world waits for the workflow to settle and checks the
 * invariants (`checkInvariants`): exactly one party can act and sees the case,
 * status / timeline / workflow run agree, the audit chain verifies, no 5xx.
 *
 * Used by test/integration/journeys.test.ts (a few hundred commands) and
 * bench/journeys.ts (thousands).
 */
import { createHash } from "node:crypto";
import { DescribeExecutionCommand } from "@aws-sdk/client-sfn";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import * as fc from "fast-check";
import { decodeJwt } from "jose";
import type { CountyPolicy } from "#shared/schemas/policy.ts";
import { CaseStore } from "#shared/store/case-store.ts";
import { homesteadKey, householdKey } from "#shared/store/reference-store.ts";
import { homesteadApplication, idNumber } from "./fixtures.ts";
import { eventually, type TestCloud } from "./local-cloud.ts";
import { signInAs, signWithIssuerKey } from "./tokens.ts";

/**
 * Changes of issue #12 the journeys expect, each behind a switch: a command (or
 * check) whose expectation needs the change runs only when its switch is on,
 * and a switch goes on when the change is on main. `bench/journeys.ts --expect
 * NAME` (or `--all`) tries one that is still off, e.g. on the branch making it.
 */
export const PENDING_FIXES = {
  /** H2: a returned case can be revised and resubmitted (one workflow run per submission round). */
  resubmissionRounds: true,
  /** H2: the same Idempotency-Key sent twice at once answers the same (or 409 while in progress), never 500. */
  concurrentSubmitRetry: true,
  /** H4: a correction answer that changes nothing that was asked is refused with 422. */
  emptyCorrectionRefused: true,
  /**
   * H2 (commit "Audit verify reads one snapshot"): verify reads the head, then the events up to it.
   * Until then an event appended between the two reads (a reminder, the workflow moving on) answers
   * valid:false head_mismatch; without the fix such an answer is verified again and counted.
   */
  auditVerifySnapshot: true,
  /**
   * H6: after staking-out the household builds and reports completion (POST …/completion-report,
   * `expected.action` report_completion, status staked_out); the inspection opens then (status
   * completion_reported).
   */
  constructionPhase: true,
} as const;
export type PendingFix = keyof typeof PENDING_FIXES;

// ─── the model ──────────────────────────────────────────────────────────────

export type Stage =
  | "draft"
  | "returned"
  | "village_review"
  | "township_acceptance"
  | "joint_review"
  | "correction"
  | "township_approval"
  | "staking"
  | "construction"
  | "completion"
  | "closed";

type StaffStage =
  | "village_review"
  | "township_acceptance"
  | "joint_review"
  | "township_approval"
  | "staking"
  | "completion";
const STAFF_STAGES: readonly Stage[] = [
  "village_review",
  "township_acceptance",
  "joint_review",
  "township_approval",
  "staking",
  "completion",
];
const isStaffStage = (stage: Stage): stage is StaffStage => STAFF_STAGES.includes(stage);

export const DEPARTMENTS = ["agriculture", "natural_resources", "housing_construction"] as const;
type Department = (typeof DEPARTMENTS)[number];
type Outcome = "approved" | "rejected" | "correction_requested";

export interface JourneyModel {
  stage: Stage;
  /** Submission rounds so far (0 before the first submit). */
  round: number;
  /** The form as saved now would be blocked by the pre-check. */
  defect: boolean;
  /** Joint review: departments still to answer this round, and the answers so far. */
  pending: Department[];
  answers: Partial<Record<Department, Outcome>>;
  /** Correction: the stage that asked (the case resumes there) and what was asked. */
  resumeTo?: StaffStage;
  askers: Department[];
  askedDocuments: string[];
  closedAs?: "rejected" | "withdrawn" | "completed";
  /** Whether the household reports completion between staking-out and inspection (PENDING_FIXES.constructionPhase). */
  construction: boolean;
}

export function initialModel(construction: boolean): JourneyModel {
  return {
    construction,
    stage: "draft",
    round: 0,
    defect: false,
    pending: [],
    answers: {},
    askers: [],
    askedDocuments: [],
  };
}

const STATUS_OF: Record<Exclude<Stage, "closed">, string> = {
  draft: "draft",
  returned: "returned",
  village_review: "in_village_review",
  township_acceptance: "awaiting_acceptance",
  joint_review: "in_joint_review",
  correction: "correction_requested",
  township_approval: "awaiting_decision",
  staking: "approved",
  construction: "staked_out",
  completion: "staked_out",
};

const STEP_OF: Record<StaffStage | "correction" | "construction", string> = {
  village_review: "village_review",
  township_acceptance: "township_acceptance",
  joint_review: "joint_review",
  township_approval: "township_approval",
  staking: "site_visit_staking",
  completion: "site_visit_completion",
  correction: "correction",
  construction: "completion_report",
};

/** The household's `expected.action` when it is the party that acts (or has nothing left to do). */
const HOUSEHOLD_ACTION: Partial<Record<Stage, string>> = {
  draft: "complete_and_submit",
  returned: "revise_and_resubmit",
  correction: "answer_correction",
  construction: "report_completion",
};
/** What the household sees while staff act: it waits (or may download what it already has). */
const WAITING_ACTIONS = ["wait", "download_certificates"];

export const expectedStatus = (model: JourneyModel): string => {
  if (model.stage === "closed") return model.closedAs ?? "closed";
  if (model.stage === "completion" && model.construction) return "completion_reported";
  return STATUS_OF[model.stage];
};

/** Stages in which the household acts on an open step of its own (not in any staff queue). */
const householdStep = (stage: Stage): stage is "correction" | "construction" =>
  stage === "correction" || stage === "construction";

const runShouldBeRunning = (model: JourneyModel) => isStaffStage(model.stage) || householdStep(model.stage);

// ─── the real system ────────────────────────────────────────────────────────

/** Demo staff of township A, one per queue. */
export const QUEUE_USERS: Readonly<Record<string, string>> = {
  village_officer: "village-officer-a",
  township_clerk: "clerk-a",
  agriculture: "reviewer-agriculture-a",
  natural_resources: "reviewer-natural-resources-a",
  housing_construction: "reviewer-housing-a",
  township_head: "head-a",
  escalations: "head-a",
  site_inspector: "inspector-a",
};
const STEP_QUEUE: Record<string, string> = {
  village_review: "village_officer",
  township_acceptance: "township_clerk",
  township_approval: "township_head",
  site_visit_staking: "site_inspector",
  site_visit_completion: "site_inspector",
};
const queueOfStep = (step: { step: string; department?: string }): string | undefined =>
  step.step === "joint_review" ? step.department : STEP_QUEUE[step.step];

export const TOWNSHIP = "511424100";
const VILLAGE = "511424100001";
const PDF = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
const SITE_MEASUREMENTS = { plotAreaM2: 119.5, footprintM2: 98, floors: 2, heightM: 7.4 };

/** An invariant or an expectation of the model did not hold. */
export class JourneyViolationError extends Error {
  override readonly name = "JourneyViolationError";
}

export interface ApiResponse<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
  readonly text: string;
}

export interface ServerError {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly body: string;
}

interface TimelineEntry {
  stepId: string;
  step: string;
  department?: string;
  round: number;
  status: string;
  overdue: boolean;
}
interface CaseView {
  caseId: string;
  status: string;
  timeline: TimelineEntry[];
  expected: { action: string; withSteps?: string[] };
}
interface QueueItem {
  caseId: string;
  stepId: string;
  step: string;
  department?: string;
  overdue: boolean;
}

export interface Journey {
  readonly caseId: string;
  readonly villager: string;
  readonly householdId: string;
  readonly index: number;
  /** The execution ARN of each submission round, as the case recorded it. */
  readonly runs: string[];
  /** The commands run so far, with the stage each left and how long it and its checks took. */
  readonly trace: string[];
  /** The queues the open steps were in at the last check: a step that closed must have left its queue. */
  openQueues: string[];
  phone: number;
}

export interface JourneyOptions {
  /** Steps the `LetStepGoOverdue` command may wait on (their policy limit must be short at this waitScale). */
  readonly overdueStages: readonly StaffStage[];
  /** Which pending fixes to expect (default PENDING_FIXES). */
  readonly fixes?: Partial<Record<PendingFix, boolean>>;
  /** How long the workflow may take to settle after a command. */
  readonly settleMs?: number;
}

/** The world the commands run against: one local cloud, many journeys (one case each). */
export class JourneyWorld {
  readonly serverErrors: ServerError[] = [];
  /** Findings tolerated because their fix has not landed (PENDING_FIXES off), for the report. */
  readonly knownIssues: string[] = [];
  /** Decisions the API stored but could not deliver at once (202), re-driven by the journeys. */
  readonly pendingDeliveries: string[] = [];
  commandsRun = 0;
  journeys = 0;
  private checkedErrors = 0;
  private readonly tokens = new Map<string, Promise<string>>();
  private readonly store: CaseStore;
  private households = 0;

  constructor(
    readonly env: TestCloud,
    readonly policy: CountyPolicy,
    readonly options: JourneyOptions,
  ) {
    this.store = new CaseStore(env.dynamodb, env.cloud.endpoints.tableName);
  }

  fixed(fix: PendingFix): boolean {
    return this.options.fixes?.[fix] ?? PENDING_FIXES[fix];
  }

  private token(user: string): Promise<string> {
    let token = this.tokens.get(user);
    if (!token) {
      token = signInAs(this.env.cloud.endpoints, user);
      this.tokens.set(user, token);
    }
    return token;
  }

  /** Every call of the journeys goes through here, so every 5xx is counted. */
  async call<T = Record<string, unknown>>(
    user: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const response = await fetch(`${this.env.cloud.endpoints.api}${path}`, {
      method,
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${await this.token(user)}`,
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (response.status >= 500) {
      this.serverErrors.push({ method, path, status: response.status, body: text.slice(0, 300) });
    }
    let parsed: unknown = {};
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = { text };
    }
    return { status: response.status, body: parsed as T, text };
  }

  /** Throws when a call answered 5xx since the last check. */
  assertNoServerErrors(): void {
    const fresh = this.serverErrors.slice(this.checkedErrors);
    this.checkedErrors = this.serverErrors.length;
    if (fresh.length > 0) {
      throw new JourneyViolationError(
        `5xx: ${fresh.map((error) => `${error.method} ${error.path} → ${error.status} ${error.body}`).join("; ")}`,
      );
    }
  }

  /**
   * A fresh household of the demo village (its own register entry and a villager
   * token for it), so every journey is the household's only case; a draft with
   * the complete form and every required document.
   */
  async newJourney(): Promise<Journey> {
    const index = ++this.households;
    const householdId = `${VILLAGE}-J${String(index).padStart(5, "0")}-${process.pid}`;
    const { dynamodb } = this.env;
    const TableName = this.env.cloud.endpoints.tableName;
    await dynamodb.send(
      new PutCommand({
        TableName,
        Item: {
          ...householdKey(householdId),
          type: "household",
          householdId,
          membersCount: 3,
          registrationVillageCode: VILLAGE,
        },
      }),
    );
    const homesteadId = `ZJD-${householdId}`;
    await dynamodb.send(
      new PutCommand({
        TableName,
        Item: {
          ...homesteadKey(householdId, homesteadId),
          type: "homestead",
          homesteadId,
          status: "in_use",
          areaM2: 110,
          willBeReturned: true,
        },
      }),
    );
    const villager = `household:${householdId}`;
    const { iat: _iat, exp: _exp, ...claims } = decodeJwt(await this.token("villager-wang"));
    const now = Math.floor(Date.now() / 1000);
    this.tokens.set(
      villager,
      signWithIssuerKey(this.env.dataDir, {
        ...claims,
        sub: `villager-${householdId}`,
        "custom:household": householdId,
        iat: now,
        exp: now + 6 * 3600,
      }),
    );
    const created = await this.call<{ caseId: string }>(villager, "POST", "/cases", { kind: "homestead" });
    expectStatus(created, [201], "POST /cases");
    const journey: Journey = {
      caseId: created.body.caseId,
      villager,
      householdId,
      index,
      runs: [],
      trace: [],
      openQueues: [],
      phone: 0,
    };
    await this.saveApplication(journey, false);
    for (const requirement of this.policy.requiredDocuments.homestead) {
      if (requirement.condition !== "always") continue;
      for (let i = 0; i < requirement.minCount; i++) await this.upload(journey, requirement.typeId);
    }
    this.journeys++;
    return journey;
  }

  /** The household's form: distinct ID numbers per household; a defect the pre-check blocks (4 floors). */
  application(journey: Journey, defect: boolean) {
    // Unique per household for 2,800 journeys; the last serial digit is the sex (odd: male), births fit the ages.
    const serial = String(journey.index % 100).padStart(2, "0");
    const day = String(1 + (Math.floor(journey.index / 100) % 28)).padStart(2, "0");
    const base = homesteadApplication();
    return homesteadApplication({
      head: {
        ...base.head,
        idNumber: idNumber("511424", `198003${day}`, `${serial}1`),
        phone: `138${String(journey.index % 10000).padStart(4, "0")}${String(journey.phone).padStart(4, "0")}`,
      },
      members: [
        {
          name: "陈芳",
          age: 44,
          relation: "spouse",
          idNumber: idNumber("511424", `198205${day}`, `${serial}2`),
        },
        {
          name: "王小明",
          age: 17,
          relation: "child",
          idNumber: idNumber("511424", `200901${day}`, `${serial}3`),
        },
      ],
      building: { ...base.building, floors: defect ? 4 : 2 },
    });
  }

  async saveApplication(journey: Journey, defect: boolean): Promise<ApiResponse> {
    const saved = await this.call(
      journey.villager,
      "PUT",
      `/cases/${journey.caseId}/application`,
      this.application(journey, defect),
    );
    expectStatus(saved, [200], "PUT application");
    return saved;
  }

  /** Request an upload URL, PUT the bytes to S3, confirm. */
  async upload(journey: Journey, type: string): Promise<void> {
    const sha256 = createHash("sha256").update(PDF).digest("hex");
    const requested = await this.call<{
      documentId: string;
      uploadUrl: string;
      requiredHeaders: Record<string, string>;
    }>(journey.villager, "POST", `/cases/${journey.caseId}/documents`, {
      type,
      contentType: "application/pdf",
      size: PDF.length,
      sha256,
    });
    expectStatus(requested, [201], `POST documents (${type})`);
    const put = await fetch(requested.body.uploadUrl, {
      method: "PUT",
      headers: requested.body.requiredHeaders,
      body: PDF,
    });
    if (put.status !== 200) throw new JourneyViolationError(`S3 PUT of ${type} answered ${put.status}`);
    const confirmed = await this.call(
      journey.villager,
      "POST",
      `/cases/${journey.caseId}/documents/${requested.body.documentId}/confirm`,
    );
    expectStatus(confirmed, [200], `confirm ${type}`);
  }

  async view(journey: Journey): Promise<CaseView> {
    const view = await this.call<CaseView>(journey.villager, "GET", `/cases/${journey.caseId}`);
    expectStatus(view, [200], "GET case");
    return view.body;
  }

  /** Every item of a queue for this case (follows the cursor). */
  async queueItems(queue: string, caseId: string): Promise<QueueItem[]> {
    const user = QUEUE_USERS[queue];
    if (!user) throw new Error(`No demo user works queue ${queue}`);
    const found: QueueItem[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.call<{ items: QueueItem[]; nextCursor: string | null }>(
        user,
        "GET",
        `/queues/${queue}?township=${TOWNSHIP}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      expectStatus(page, [200], `GET /queues/${queue}`);
      found.push(...page.body.items.filter((item) => item.caseId === caseId));
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor);
    return found;
  }

  async executionArn(caseId: string): Promise<string | undefined> {
    return (await this.store.require(caseId)).executionArn;
  }

  async runStatus(executionArn: string): Promise<string | undefined> {
    const execution = await this.env.sfn.send(new DescribeExecutionCommand({ executionArn }));
    return execution.status;
  }
}

export function expectStatus(response: ApiResponse<unknown>, allowed: readonly number[], what: string): void {
  if (!allowed.includes(response.status)) {
    throw new JourneyViolationError(
      `${what}: expected ${allowed.join("/")}, got ${response.status} ${response.text.slice(0, 400)}`,
    );
  }
}

// ─── settling and the invariants ────────────────────────────────────────────

const openSteps = (view: CaseView) => view.timeline.filter((entry) => entry.status === "awaiting_response");

/** Why the case does not (yet) look as the model says, or undefined when it does. */
function mismatch(model: JourneyModel, view: CaseView): string | undefined {
  const status = expectedStatus(model);
  if (view.status !== status) return `status ${view.status}, model expects ${status}`;
  const open = openSteps(view);
  const describe = () => open.map((entry) => entry.stepId).join(", ") || "none";
  if (model.stage === "joint_review") {
    const departments = open.map((entry) => (entry.step === "joint_review" ? entry.department : entry.step));
    const want = [...model.pending].sort().join(",");
    if ([...departments].sort().join(",") !== want)
      return `open steps ${describe()}, model expects joint review of ${want}`;
    return undefined;
  }
  if (isStaffStage(model.stage) || householdStep(model.stage)) {
    const kind = STEP_OF[model.stage];
    if (open.length !== 1 || open[0]?.step !== kind)
      return `open steps ${describe()}, model expects one ${kind}`;
    return undefined;
  }
  return open.length === 0 ? undefined : `open steps ${describe()} in a case that is ${view.status}`;
}

/**
 * Waits until the case shows what the model expects (the workflow moves
 * asynchronously), and its run has ended when the model says no run serves it.
 */
export async function settle(world: JourneyWorld, model: JourneyModel, journey: Journey): Promise<CaseView> {
  let last = "";
  try {
    return await eventually(async () => {
      const view = await world.view(journey);
      last = mismatch(model, view) ?? "";
      if (last) return undefined;
      if (model.round > 0 && !runShouldBeRunning(model)) {
        const arn = await world.executionArn(journey.caseId);
        const status = arn ? await world.runStatus(arn) : undefined;
        if (status === "RUNNING") {
          last = `run ${arn} is still RUNNING in a case that is ${view.status}`;
          return undefined;
        }
      }
      return view;
    }, world.options.settleMs ?? 20_000);
  } catch (error) {
    if (error instanceof JourneyViolationError) throw error;
    throw new JourneyViolationError(`stuck: the case did not settle (${last})`);
  }
}

/** The invariants every command ends with. */
export async function checkInvariants(
  world: JourneyWorld,
  model: JourneyModel,
  journey: Journey,
): Promise<void> {
  const view = await settle(world, model, journey);
  const open = openSteps(view);

  // 1. Exactly one party can act and sees it.
  const householdAction = HOUSEHOLD_ACTION[model.stage];
  if (householdAction) {
    if (view.expected.action !== householdAction) {
      throw new JourneyViolationError(
        `household should ${householdAction}, expected.action is ${view.expected.action}`,
      );
    }
  } else if (model.stage === "closed") {
    const want = model.closedAs === "completed" ? "download_certificates" : "none";
    if (view.expected.action !== want) {
      throw new JourneyViolationError(
        `closed (${view.status}) case: expected.action ${view.expected.action}, not ${want}`,
      );
    }
  } else if (!WAITING_ACTIONS.includes(view.expected.action)) {
    throw new JourneyViolationError(
      `staff act (${model.stage}) but the household is asked to ${view.expected.action}`,
    );
  } else if (view.expected.action === "wait") {
    const withSteps = [...(view.expected.withSteps ?? [])].sort().join(",");
    const want = open
      .map((entry) => entry.stepId)
      .sort()
      .join(",");
    if (withSteps !== want)
      throw new JourneyViolationError(`expected.withSteps ${withSteps}, open steps ${want}`);
  }
  // The queues of the open steps, and of those open before this command, show exactly the open steps, once each.
  const openQueues = open.flatMap((entry) => queueOfStep(entry) ?? []);
  for (const queue of new Set([...openQueues, ...journey.openQueues])) {
    const items = await world.queueItems(queue, journey.caseId);
    const shown = items.map((item) => item.stepId).sort();
    const want = open
      .filter((entry) => queueOfStep(entry) === queue)
      .map((entry) => entry.stepId)
      .sort();
    if (shown.join(",") !== want.join(",")) {
      throw new JourneyViolationError(
        `queue ${queue} shows [${shown}] for the case, its open steps there are [${want}]`,
      );
    }
  }
  journey.openQueues = openQueues;
  const escalated = (await world.queueItems("escalations", journey.caseId)).map((item) => item.stepId);
  for (const stepId of escalated) {
    if (!open.some((entry) => entry.stepId === stepId)) {
      throw new JourneyViolationError(`escalations show ${stepId}, which is not open`);
    }
  }
  for (const entry of open.filter((candidate) => candidate.overdue && queueOfStep(candidate))) {
    if (!escalated.includes(entry.stepId)) {
      throw new JourneyViolationError(`${entry.stepId} is overdue but not in the escalations queue`);
    }
  }

  // 2. Status, timeline and workflow run agree.
  if (model.round > 0) {
    const arn = await world.executionArn(journey.caseId);
    if (!arn) throw new JourneyViolationError(`submitted (round ${model.round}) but the case names no run`);
    const earlier = journey.runs.slice(0, model.round - 1);
    if (earlier.includes(arn))
      throw new JourneyViolationError(`round ${model.round} reuses an earlier round's run ${arn}`);
    journey.runs[model.round - 1] = arn;
    const run = await world.runStatus(arn);
    if (runShouldBeRunning(model) !== (run === "RUNNING")) {
      throw new JourneyViolationError(`case ${view.status} (${model.stage}) but its run ${arn} is ${run}`);
    }
  }

  // 3. The audit hash chain verifies.
  for (let attempt = 1; ; attempt++) {
    const verified = await world.call<{ valid: boolean; brokenAt?: number; reason?: string }>(
      "auditor",
      "GET",
      `/audit/cases/${journey.caseId}/verify`,
    );
    expectStatus(verified, [200], "GET audit verify");
    if (verified.body.valid === true) break;
    const raced = verified.body.reason === "head_mismatch" && !world.fixed("auditVerifySnapshot");
    if (!raced || attempt === 3) {
      throw new JourneyViolationError(
        `audit chain broken at ${verified.body.brokenAt}: ${verified.body.reason}`,
      );
    }
    world.knownIssues.push(`audit verify raced an append (head_mismatch) on ${journey.caseId}`);
  }

  // 4. No 5xx, from the command or the checks.
  world.assertNoServerErrors();
}

// ─── the commands ───────────────────────────────────────────────────────────

export interface Real {
  readonly world: JourneyWorld;
  readonly journey: Journey;
}
type JourneyCommand = fc.AsyncCommand<JourneyModel, Real>;

abstract class Step implements JourneyCommand {
  abstract check(model: Readonly<JourneyModel>): boolean;
  protected abstract act(model: JourneyModel, real: Real): Promise<void>;
  abstract toString(): string;
  async run(model: JourneyModel, real: Real): Promise<void> {
    real.world.commandsRun++;
    const started = performance.now();
    await this.act(model, real);
    const acted = performance.now();
    await checkInvariants(real.world, model, real.journey);
    real.journey.trace.push(
      `${this.toString()} → ${model.stage} (${Math.round(acted - started)} + ${Math.round(performance.now() - acted)} ms)`,
    );
  }
}

/** The household saves its form (with or without a blocking defect) and submits it with an Idempotency-Key. */
class Submit extends Step {
  constructor(
    readonly defect: boolean,
    readonly retry: "none" | "sequential" | "concurrent",
    /** Whether a returned and revised case may be submitted again (PENDING_FIXES.resubmissionRounds). */
    readonly resubmit: boolean,
  ) {
    super();
  }
  check(model: Readonly<JourneyModel>): boolean {
    return model.stage === "draft" && (model.round === 0 || this.resubmit);
  }
  toString() {
    return `Submit(${this.defect ? "defect" : "valid"}, retry=${this.retry})`;
  }
  protected async act(model: JourneyModel, { world, journey }: Real) {
    await world.saveApplication(journey, this.defect);
    const key = `submit-${journey.caseId}-${model.round + 1}`;
    const submit = () =>
      world.call(journey.villager, "POST", `/cases/${journey.caseId}/submit`, undefined, {
        "idempotency-key": key,
      });
    if (this.retry === "concurrent") {
      const answers = await Promise.all([submit(), submit()]);
      const accepted = answers.filter((answer) => answer.status === 202);
      if (accepted.length === 0) {
        throw new JourneyViolationError(`concurrent submits with one key: ${answers.map((a) => a.status)}`);
      }
      for (const answer of answers) {
        if (answer.status !== 409) expectStatus(answer, [202], "concurrent submit retry");
        if (answer.status === 202 && answer.text !== accepted[0]?.text) {
          throw new JourneyViolationError("concurrent submits with one key answered different bodies");
        }
      }
    } else {
      const first = await submit();
      expectStatus(first, [202], "submit");
      if (this.retry === "sequential") {
        const again = await submit();
        expectStatus(again, [202], "submit retried with the same key");
        if (again.text !== first.text)
          throw new JourneyViolationError("a retried submit did not replay the first answer");
      }
    }
    model.round++;
    model.defect = this.defect;
    model.stage = this.defect ? "returned" : "village_review";
  }
}

/** A returned case: the household edits the form (fixing the defect or not); the case is a draft again. */
class Revise extends Step {
  constructor(readonly fix: boolean) {
    super();
  }
  check(model: Readonly<JourneyModel>) {
    return model.stage === "returned";
  }
  toString() {
    return `Revise(${this.fix ? "fixed" : "unfixed"})`;
  }
  protected async act(model: JourneyModel, { world, journey }: Real) {
    const saved = await world.saveApplication(journey, !this.fix);
    if (saved.body.status !== "draft")
      throw new JourneyViolationError(`an edited returned case is ${String(saved.body.status)}`);
    model.stage = "draft";
    model.defect = !this.fix;
  }
}

const outcomesOf = (stage: StaffStage): Outcome[] =>
  stage === "staking" || stage === "completion"
    ? ["approved"]
    : ["approved", "rejected", "correction_requested"];

/** The party of the open step decides it: approve, reject or ask for a correction; maybe twice, maybe at once. */
class Decide extends Step {
  constructor(
    readonly outcome: Outcome,
    readonly pick: number,
    readonly askDocument: boolean,
    readonly retry: "none" | "sequential" | "concurrent",
  ) {
    super();
  }
  check(model: Readonly<JourneyModel>) {
    return isStaffStage(model.stage) && outcomesOf(model.stage).includes(this.outcome);
  }
  toString() {
    const document = this.askDocument && this.outcome === "correction_requested" ? ", +document" : "";
    return `Decide(${this.outcome}, pick=${this.pick}${document}, retry=${this.retry})`;
  }
  protected async act(model: JourneyModel, { world, journey }: Real) {
    const stage = model.stage as StaffStage;
    const department = stage === "joint_review" ? model.pending[this.pick % model.pending.length] : undefined;
    const queue = department ?? STEP_QUEUE[STEP_OF[stage]];
    if (!queue) throw new Error(`no queue for ${stage}`);
    const user = QUEUE_USERS[queue] ?? "";
    const items = (await world.queueItems(queue, journey.caseId)).filter(
      (item) => item.step === STEP_OF[stage] && (department === undefined || item.department === department),
    );
    const item = items[0];
    if (items.length !== 1 || !item)
      throw new JourneyViolationError(`queue ${queue} shows ${items.length} ${stage} steps`);
    const body =
      this.outcome === "correction_requested"
        ? {
            outcome: this.outcome,
            fields: ["head.phone"],
            ...(this.askDocument ? { documents: ["id_card"] } : {}),
            comment: "电话号码无法接通 / the phone number does not answer",
          }
        : this.outcome === "rejected"
          ? { outcome: this.outcome, comment: "不予同意 / refused" }
          : {
              outcome: this.outcome,
              ...(stage === "staking" || stage === "completion" ? { measurements: SITE_MEASUREMENTS } : {}),
            };
    const path = `/review/cases/${journey.caseId}/steps/${encodeURIComponent(item.stepId)}/decision`;
    const decide = () => world.call(user, "POST", path, body);
    if (this.retry === "concurrent") {
      const answers = await Promise.all([decide(), decide()]);
      const statuses = answers.map((answer) => answer.status).sort();
      if (statuses.filter((status) => status === 200 || status === 202).length !== 1 || statuses[1] !== 409) {
        throw new JourneyViolationError(
          `the same decision twice at once answered ${statuses}, not one 2xx and one 409`,
        );
      }
      const won = answers.find((answer) => answer.status !== 409);
      if (won) await redriveIfPending(world, user, journey, item.stepId, won);
    } else {
      const answer = await decide();
      expectStatus(answer, [200, 202], `decide ${item.stepId}`);
      await redriveIfPending(world, user, journey, item.stepId, answer);
      if (this.retry === "sequential") expectStatus(await decide(), [409], `decide ${item.stepId} again`);
    }
    applyDecision(model, stage, department, this.outcome, this.askDocument);
  }
}

/**
 * A decision stored but not delivered (202, `delivery.status: "pending"`) is re-driven as the API
 * says, by whoever decided it, until the workflow has it. Counted: with reminders every second of
 * scaled time, a busy machine can outlast the delivery's wait for the reopened step's token.
 */
async function redriveIfPending(
  world: JourneyWorld,
  user: string,
  journey: Journey,
  stepId: string,
  answer: ApiResponse,
): Promise<void> {
  if (answer.status !== 202) return;
  const reason = (answer.body.delivery as { reason?: string } | undefined)?.reason ?? "?";
  world.pendingDeliveries.push(`${journey.caseId} ${stepId}: ${reason}`);
  const path = `/review/cases/${journey.caseId}/steps/${encodeURIComponent(stepId)}/redrive`;
  await eventually(async () => {
    const redriven = await world.call(user, "POST", path);
    expectStatus(redriven, [200, 202, 409], `redrive ${stepId}`);
    return redriven.status === 200 ? true : undefined;
  }, 30_000).catch((error: unknown) => {
    if (error instanceof JourneyViolationError) throw error;
    throw new JourneyViolationError(
      `the pending decision on ${stepId} (${reason}) never reached the workflow`,
    );
  });
}

function applyDecision(
  model: JourneyModel,
  stage: StaffStage,
  department: Department | undefined,
  outcome: Outcome,
  askDocument: boolean,
): void {
  const close = (as: NonNullable<JourneyModel["closedAs"]>) => {
    model.stage = "closed";
    model.closedAs = as;
  };
  const askCorrection = (from: StaffStage) => {
    model.stage = "correction";
    model.resumeTo = from;
  };
  if (stage === "joint_review" && department) {
    model.answers[department] = outcome;
    model.pending = model.pending.filter((candidate) => candidate !== department);
    if (outcome === "correction_requested" && askDocument) model.askedDocuments.push("id_card");
    if (model.pending.length > 0) return;
    const answered = Object.entries(model.answers) as [Department, Outcome][];
    model.answers = {};
    if (answered.some(([, answer]) => answer === "rejected")) {
      close("rejected");
      return;
    }
    const askers = answered.filter(([, answer]) => answer === "correction_requested").map(([asker]) => asker);
    if (askers.length > 0) {
      model.askers = askers;
      askCorrection("joint_review");
      return;
    }
    model.askedDocuments = [];
    model.stage = "township_approval";
    return;
  }
  if (outcome === "correction_requested") {
    if (askDocument) model.askedDocuments.push("id_card");
    askCorrection(stage);
    return;
  }
  if (outcome === "rejected") {
    // The window's refusal returns the case to the household; the others refuse it.
    if (stage === "township_acceptance") {
      model.stage = "returned";
      return;
    }
    close("rejected");
    return;
  }
  const next: Record<StaffStage, Stage> = {
    village_review: "township_acceptance",
    township_acceptance: "joint_review",
    joint_review: "township_approval",
    township_approval: "staking",
    staking: model.construction ? "construction" : "completion",
    completion: "closed",
  };
  if (stage === "township_acceptance") model.pending = [...DEPARTMENTS];
  if (next[stage] === "closed") {
    close("completed");
    return;
  }
  model.stage = next[stage];
}

/** The household answers the correction request: changing what was asked, or (refused) nothing. */
class AnswerCorrection extends Step {
  constructor(readonly answer: "valid" | "empty" | "same_value" | "without_document") {
    super();
  }
  check(model: Readonly<JourneyModel>) {
    return (
      model.stage === "correction" && (this.answer !== "without_document" || model.askedDocuments.length > 0)
    );
  }
  toString() {
    return `AnswerCorrection(${this.answer})`;
  }
  protected async act(model: JourneyModel, { world, journey }: Real) {
    const current = world.application(journey, model.defect).head.phone;
    if (this.answer === "valid") {
      for (const type of new Set(model.askedDocuments)) await world.upload(journey, type);
    }
    if (this.answer === "valid" || this.answer === "without_document") journey.phone++;
    const phone = world.application(journey, model.defect).head.phone;
    const body =
      this.answer === "empty"
        ? {}
        : { application: { head: { phone: this.answer === "same_value" ? current : phone } } };
    const answered = await world.call(journey.villager, "POST", `/cases/${journey.caseId}/correction`, body);
    if (this.answer !== "valid") {
      expectStatus(answered, [422], `an answer that changes nothing asked (${this.answer})`);
      if (this.answer === "without_document") journey.phone--;
      return;
    }
    expectStatus(answered, [200, 202], "answer the correction");
    const step = (answered.body.step as { stepId?: string } | undefined)?.stepId ?? "";
    await redriveIfPending(world, journey.villager, journey, step, answered);
    const resumeTo = model.resumeTo;
    if (!resumeTo) throw new Error("correction without resumeTo");
    model.stage = resumeTo;
    model.resumeTo = undefined;
    model.askedDocuments = [];
    if (resumeTo === "joint_review") {
      model.pending = [...model.askers];
      model.askers = [];
    }
  }
}

/** The household withdraws when the case is at `stage`: allowed before approval, refused after. */
class Withdraw extends Step {
  constructor(readonly stage: Stage) {
    super();
  }
  check(model: Readonly<JourneyModel>) {
    return model.stage === this.stage;
  }
  toString() {
    return `Withdraw(at ${this.stage})`;
  }
  protected async act(model: JourneyModel, { world, journey }: Real) {
    const answer = await world.call(journey.villager, "POST", `/cases/${journey.caseId}/withdraw`, {
      reason: "不再申请",
    });
    if (model.stage === "staking" || model.stage === "construction" || model.stage === "completion") {
      expectStatus(answer, [409, 422], "withdraw after approval");
      return;
    }
    expectStatus(answer, [200], "withdraw");
    model.stage = "closed";
    model.closedAs = "withdrawn";
  }
}

/** The household reports its house built (申请竣工验收): the completion inspection opens. */
class ReportCompletion extends Step {
  check(model: Readonly<JourneyModel>) {
    return model.stage === "construction";
  }
  toString() {
    return "ReportCompletion";
  }
  protected async act(model: JourneyModel, { world, journey }: Real) {
    const reported = await world.call(
      journey.villager,
      "POST",
      `/cases/${journey.caseId}/completion-report`,
      {
        comment: "房屋已建成 / the house is built",
      },
    );
    expectStatus(reported, [200, 202], "report completion");
    const step = (reported.body.step as { stepId?: string } | undefined)?.stepId ?? "";
    await redriveIfPending(world, journey.villager, journey, step, reported);
    model.stage = "completion";
  }
}

/** Time passes until the open step is overdue: it stays in its queue and the township head's escalations. */
class LetStepGoOverdue extends Step {
  constructor(readonly stages: readonly StaffStage[]) {
    super();
  }
  check(model: Readonly<JourneyModel>) {
    return isStaffStage(model.stage) && this.stages.includes(model.stage);
  }
  toString() {
    return "LetStepGoOverdue";
  }
  protected async act(model: JourneyModel, { world, journey }: Real) {
    const kind = STEP_OF[model.stage as StaffStage];
    await eventually(async () => {
      const view = await world.view(journey);
      const open = openSteps(view).filter((entry) => entry.step === kind);
      return open.length > 0 && open.every((entry) => entry.overdue) ? true : undefined;
    }, 60_000).catch(() => {
      throw new JourneyViolationError(`${kind} never went overdue`);
    });
  }
}

/** The command arbitraries, with the pending fixes decided by the world's options. */
export function journeyCommands(options: JourneyOptions): fc.Arbitrary<JourneyCommand>[] {
  const fixed = (fix: PendingFix) => options.fixes?.[fix] ?? PENDING_FIXES[fix];
  const retries = fc.constantFrom<"none" | "sequential" | "concurrent">(
    "none",
    "none",
    "sequential",
    "concurrent",
  );
  const submitRetries = fixed("concurrentSubmitRetry")
    ? retries
    : fc.constantFrom<"none" | "sequential" | "concurrent">("none", "none", "sequential");
  const answers: ("valid" | "empty" | "same_value" | "without_document")[] = fixed("emptyCorrectionRefused")
    ? ["valid", "valid", "empty", "same_value", "without_document"]
    : ["valid"];
  const decide = fc
    .tuple(
      fc.constantFrom<Outcome>(
        "approved",
        "approved",
        "approved",
        "approved",
        "approved",
        "approved",
        "rejected",
        "correction_requested",
        "correction_requested",
      ),
      fc.nat(5),
      fc.boolean(),
      retries,
    )
    .map(([outcome, pick, askDocument, retry]) => new Decide(outcome, pick, askDocument, retry));
  const stages = STAFF_STAGES.concat(["draft", "returned", "correction", "construction"]);
  // fc.commands draws each command from one of these uniformly: repeats weigh a kind more.
  const arbitraries: fc.Arbitrary<JourneyCommand>[] = [
    fc
      .tuple(
        fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
        submitRetries,
      )
      .map(([defect, retry]) => new Submit(defect, retry, fixed("resubmissionRounds"))),
    fc
      .tuple(
        fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
        submitRetries,
      )
      .map(([defect, retry]) => new Submit(defect, retry, fixed("resubmissionRounds"))),
    fc.boolean().map((fix) => new Revise(fix)),
    fc.boolean().map((fix) => new Revise(fix)),
    decide,
    decide,
    decide,
    decide,
    fc.constantFrom(...answers).map((answer) => new AnswerCorrection(answer)),
    fc.constantFrom(...answers).map((answer) => new AnswerCorrection(answer)),
    fc.constantFrom(...stages).map((stage) => new Withdraw(stage)),
    fc.constant(new ReportCompletion()),
  ];
  if (options.overdueStages.length > 0) {
    arbitraries.push(fc.constant(new LetStepGoOverdue(options.overdueStages)));
  }
  return arbitraries;
}

/** One journey: a fresh household's draft, then the commands. */
export async function runJourney(world: JourneyWorld, commands: Iterable<JourneyCommand>): Promise<Journey> {
  const journey = await world.newJourney();
  const model = initialModel(world.fixed("constructionPhase"));
  await checkInvariants(world, model, journey);
  await fc.asyncModelRun(() => ({ model, real: { world, journey } }), commands);
  return journey;
}
