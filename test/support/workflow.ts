/**
 * Helpers for tests that drive the approval workflow on the local cloud:
 * fast test policies (a vi.mock of the shipped policies adds them), cases
 * seeded straight into the store, and people who decide steps through the
 * real use cases (shared/review/decide.ts, correction.ts, completion-report.ts):
 * the same transaction and the same store-then-send delivery as the API.
 */
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import type { Actor } from "#shared/auth/actor.ts";
import { reportCompletion } from "#shared/cases/completion-report.ts";
import { submitCorrection } from "#shared/review/correction.ts";
import { decideStep, type ReviewDeps } from "#shared/review/decide.ts";
import { SITE_VISIT_STEPS } from "#shared/review/rules.ts";
import type { ApplicationComplete } from "#shared/schemas/application.ts";
import type { CaseRecord, Decision, DecisionOutcome, StepKind, StepRecord } from "#shared/schemas/case.ts";
import type { DepartmentId } from "#shared/schemas/common.ts";
import type { Delivery } from "#shared/schemas/responses.ts";
import { CaseStore } from "#shared/store/case-store.ts";
import { STEP_RULES } from "#shared/workflow/steps.ts";
import { homesteadApplication, ZHANG_HOUSEHOLD } from "./fixtures.ts";
import { eventually, type TestCloud } from "./local-cloud.ts";

export { withTestPolicies } from "./policies.ts";

/** Waits this test's policies use (see withTestPolicies). */
export const TEST_WAIT_SCALE = 1e-5;
/** Waits of test-clocks, test-lapse and test-expiry. */
export const CLOCKS_WAIT_SCALE = 1e-6;

export const REVIEWER = { id: "test-reviewer", role: "township_clerk" } as const;

/** The staff member whose queue shows `step`, working in its township (the decide API's rules apply). */
function deciderOf(step: StepRecord, record: CaseRecord): Actor {
  const role = STEP_RULES[step.step].queueRole;
  if (role === "villager") throw new Error(`${step.step} is answered by the household`);
  const department = step.department as DepartmentId | undefined;
  return {
    id: REVIEWER.id,
    name: REVIEWER.id,
    role: role === "department" ? "department_reviewer" : role,
    ...(role === "department" && department ? { department } : {}),
    townships: [step.townshipCode],
    ...(role === "village_officer" ? { villageCode: record.villageCode } : {}),
  };
}

/** The household of the case, as the villager API sees it. */
const householdOf = (record: CaseRecord): Actor => ({
  id: record.ownerId,
  name: record.ownerId,
  role: "villager",
  townships: [],
  householdId: record.householdId,
});

export interface SeededCase {
  readonly caseId: string;
  readonly householdId: string;
  readonly villageCode: string;
  readonly townshipCode: string;
  readonly policyId: string;
  readonly application: ApplicationComplete;
}

/**
 * A case of household 511424100001-H0001 (demo register, village 511424100001) on
 * the test-fast policy: ZHANG_HOUSEHOLD's form with the plot moved inside parcel
 * P-511424100001-01 (construction land, inside the village construction boundary),
 * so the pre-check passes. `overrides` replace whole fields of the seed.
 */
export function demoHouseholdCase(caseId: string, overrides: Partial<SeededCase> = {}): SeededCase {
  const application = homesteadApplication(ZHANG_HOUSEHOLD);
  return {
    caseId,
    householdId: "511424100001-H0001",
    villageCode: "511424100001",
    townshipCode: "511424100",
    policyId: "test-fast",
    application: {
      ...application,
      proposedPlot: {
        ...application.proposedPlot,
        location: { type: "Point", coordinates: [103.502, 30.002] },
      },
    },
    ...overrides,
  };
}

/**
 * A Step Functions client of the test cloud's region pointed at a port nothing
 * listens on: every call fails with a connection error (the caller destroys it).
 */
export function unreachableSfn(env: TestCloud, maxAttempts = 1): SFNClient {
  const { region, credentials } = env.cloud.endpoints;
  return new SFNClient({ region, credentials, endpoint: "http://127.0.0.1:9", maxAttempts });
}

export class WorkflowDriver {
  readonly store: CaseStore;
  constructor(private readonly env: TestCloud) {
    this.store = new CaseStore(env.dynamodb, env.cloud.endpoints.tableName);
  }

  private get tableName(): string {
    return this.env.cloud.endpoints.tableName;
  }

  /** Creates the case and submits it, as the villager API does before starting the workflow. */
  async seedCase(seed: SeededCase): Promise<CaseRecord> {
    const villager = { id: `villager-${seed.caseId}`, role: "villager" };
    const draft = await this.store.create(
      {
        caseId: seed.caseId,
        kind: seed.application.kind,
        householdId: seed.householdId,
        ownerId: villager.id,
        townshipCode: seed.townshipCode,
        villageCode: seed.villageCode,
        policyId: seed.policyId,
        application: seed.application,
      },
      villager,
    );
    return this.store.transition(draft, "submit", { actor: villager });
  }

  async start(caseId: string): Promise<string> {
    const { executionArn } = await this.env.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: this.env.cloud.endpoints.stateMachineArn,
        name: caseId,
        input: JSON.stringify({ caseId }),
      }),
    );
    if (!executionArn) throw new Error("no execution");
    return executionArn;
  }

  /** Records the case's run on the case (`startWorkflow`), as submit does once it started it. */
  async recordRun(caseId: string, executionArn: string): Promise<void> {
    await this.store.withRetry(caseId, (record) =>
      this.store.record(record, {
        actor: { id: "system", role: "system" },
        action: "startWorkflow",
        data: { executionArn },
        set: { executionArn },
      }),
    );
  }

  /** Starts the case's run and records it on the case, as submit does. */
  async startRecorded(caseId: string): Promise<string> {
    const executionArn = await this.start(caseId);
    await this.recordRun(caseId, executionArn);
    return executionArn;
  }

  async steps(caseId: string): Promise<StepRecord[]> {
    return (await this.store.load(caseId)).steps;
  }

  /** The open step of a kind (and department), once open-step has stored it with its token. */
  openStep(caseId: string, step: StepKind, department?: string, timeoutMs = 30_000): Promise<StepRecord> {
    return eventually(async () => {
      const open = (await this.steps(caseId)).find(
        (candidate) =>
          candidate.step === step &&
          candidate.department === department &&
          candidate.status === "awaiting_response",
      );
      return open;
    }, timeoutMs);
  }

  token(caseId: string, stepId: string): Promise<string | undefined> {
    return this.store.steps.taskToken(caseId, stepId);
  }

  /** What the review use cases need, on this cloud; `change` replaces parts (a failing client, retries). */
  reviewDeps(change: Partial<ReviewDeps> = {}): ReviewDeps {
    return {
      client: this.env.dynamodb,
      tableName: this.tableName,
      cases: this.store,
      sfn: this.env.sfn,
      now: () => new Date(),
      ...change,
    };
  }

  /**
   * Decides the step through the use case its decider calls (a reviewer's decision, the household's
   * correction answer or completion report), then checks the workflow got it.
   */
  async decide(step: StepRecord, outcome: DecisionOutcome, comment?: string): Promise<Decision> {
    const record = await this.store.require(step.caseId);
    const deps = this.reviewDeps();
    const answer = comment ? { comment } : {};
    let result: { step: { decision?: Decision }; delivery: Delivery };
    if (step.step === "correction" && outcome === "approved") {
      result = await submitCorrection(deps, householdOf(record), step.caseId, answer);
    } else if (step.step === "completion_report" && outcome === "approved") {
      result = await reportCompletion(deps, householdOf(record), step.caseId, answer);
    } else {
      result = await decideStep(deps, deciderOf(step, record), step.caseId, step.stepId, {
        outcome,
        ...answer,
        // A site visit records what was measured (the decide API refuses one without).
        ...(SITE_VISIT_STEPS.includes(step.step) ? { measurements: { floors: 2 } } : {}),
      });
    }
    if (!result.step.decision) throw new Error(`${step.stepId}: no decision stored`);
    if (result.delivery.status !== "sent") {
      // A wait that closed while the decision was on its way (a reminder's heartbeat, a time limit):
      // the reopened step answers its new token itself (open-step.ts), or the sweep sends it.
      await eventually(async () =>
        (await this.store.steps.get(step.caseId, step.stepId))?.sentAt ? true : undefined,
      );
    }
    return result.step.decision;
  }

  /** Opens and decides a step in one go. */
  async decideNext(caseId: string, step: StepKind, outcome: DecisionOutcome, department?: string) {
    return this.decide(await this.openStep(caseId, step, department), outcome);
  }

  finished(executionArn: string, timeoutMs = 30_000) {
    return eventually(async () => {
      const execution = await this.env.sfn.send(new DescribeExecutionCommand({ executionArn }));
      return execution.status === "RUNNING" ? undefined : execution;
    }, timeoutMs);
  }

  /** The status the case reaches (polls: the workflow moves asynchronously). */
  status(caseId: string, status: CaseRecord["status"]) {
    return eventually(async () => {
      const record = await this.store.require(caseId);
      return record.status === status ? record : undefined;
    }, 30_000);
  }
}
