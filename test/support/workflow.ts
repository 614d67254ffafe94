/**
 * Helpers for tests that drive the approval workflow on the local cloud:
 * fast test policies (a vi.mock of the shipped policies adds them), cases
 * seeded straight into the store, and reviewers who decide steps the way the
 * decide API does (conditional STEP update + the step's onDecision verb in one
 * transaction, then SendTaskSuccess with the stored token).
 */
import { DescribeExecutionCommand, SendTaskSuccessCommand, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { ApplicationComplete } from "#shared/schemas/application.ts";
import type { CaseRecord, Decision, DecisionOutcome, StepKind, StepRecord } from "#shared/schemas/case.ts";
import { CaseStore } from "#shared/store/case-store.ts";
import { stepKey, tokenKey } from "#shared/store/keys.ts";
import { STEP_RULES } from "#shared/workflow/steps.ts";
import { eventually, type TestCloud } from "./local-cloud.ts";

export { withTestPolicies } from "./policies.ts";

/** Waits this test's policies use (see withTestPolicies). */
export const TEST_WAIT_SCALE = 1e-5;
/** Waits of test-clocks, test-lapse and test-expiry. */
export const CLOCKS_WAIT_SCALE = 1e-6;

export const REVIEWER = { id: "test-reviewer", role: "township_clerk" } as const;

export interface SeededCase {
  readonly caseId: string;
  readonly householdId: string;
  readonly villageCode: string;
  readonly townshipCode: string;
  readonly policyId: string;
  readonly application: ApplicationComplete;
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

  async token(caseId: string, stepId: string): Promise<string | undefined> {
    const { Item } = await this.env.dynamodb.send(
      new GetCommand({ TableName: this.tableName, Key: tokenKey(caseId, stepId), ConsistentRead: true }),
    );
    return Item?.taskToken as string | undefined;
  }

  /** A reviewer decides the step like the decide API will, then resumes the workflow. */
  async decide(step: StepRecord, outcome: DecisionOutcome, comment?: string): Promise<Decision> {
    const decision: Decision = {
      outcome,
      ...(comment ? { comment } : {}),
      decidedBy: {
        id: REVIEWER.id,
        role: REVIEWER.role,
        ...(step.department ? { department: step.department } : {}),
      },
      decidedAt: new Date().toISOString(),
    };
    const verb = STEP_RULES[step.step].onDecision[outcome];
    if (!verb) throw new Error(`${step.step} does not take ${outcome}`);
    await this.store.withRetry(step.caseId, (record) => {
      const alsoWrite = [
        {
          Update: {
            TableName: this.tableName,
            Key: stepKey(step.caseId, step.stepId),
            UpdateExpression: "SET #status = :responded, decision = :decision REMOVE gsi1pk, gsi1sk",
            ConditionExpression: "#status = :awaiting",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ":responded": "responded",
              ":awaiting": "awaiting_response",
              ":decision": decision,
            },
          },
        },
      ];
      const data = { stepId: step.stepId, outcome };
      const actor = decision.decidedBy.department
        ? { ...REVIEWER, department: decision.decidedBy.department }
        : { ...REVIEWER };
      if (verb === "none") {
        return this.store.record(record, { actor, action: "respondToConsultation", data, alsoWrite });
      }
      return this.store.transition(record, verb, {
        actor,
        data,
        alsoWrite,
        ...(verb === "requestCorrection" ? { set: { resumeTo: record.status } } : {}),
        ...(verb === "resubmitCorrection"
          ? { facts: record.resumeTo ? { resumeTo: record.resumeTo } : {}, remove: ["resumeTo"] as const }
          : {}),
      });
    });
    // As the decide API's delivery does: a step whose timer just fired is reopened with a new token.
    await eventually(async () => {
      const taskToken = await this.token(step.caseId, step.stepId);
      if (!taskToken) return undefined;
      try {
        await this.env.sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(decision) }));
        return true;
      } catch (error) {
        if ((error as Error).name === "TaskTimedOut" || (error as Error).name === "TaskDoesNotExist") {
          return undefined;
        }
        throw error;
      }
    });
    return decision;
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
