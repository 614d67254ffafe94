/**
 * The villager's use cases: create and fill a draft, submit it (starting the
 * approval workflow), follow it, withdraw it. Handlers in functions/api/cases
 * only parse and map; every rule lives here.
 */
import { randomUUID } from "node:crypto";
import { type SFNClient, StartExecutionCommand, StopExecutionCommand } from "@aws-sdk/client-sfn";
import type { Actor } from "../auth/actor.ts";
import { ownsCase, requireOwned } from "../auth/scope.ts";
import { documentRecordSchema, documentView } from "../documents/document.ts";
import { type MissingDocument, missingDocuments } from "../documents/missing-documents.ts";
import { isTerminal } from "../domain/case-status.ts";
import { NotFoundError, UnprocessableEntityError } from "../http/errors.ts";
import { type ApplicationDraft, validateApplication } from "../schemas/application.ts";
import type { CaseRecord } from "../schemas/case.ts";
import type { CaseKind } from "../schemas/common.ts";
import type { CountyPolicy } from "../schemas/policy.ts";
import type { CaseItems, CaseStore } from "../store/case-store.ts";
import { stepKey } from "../store/keys.ts";
import { escalationKey } from "../workflow/mark-overdue.ts";
import { type ExpectedAction, expectedOf, type TimelineEntry, timelineOf } from "./views.ts";

export interface VillagerDeps {
  readonly store: CaseStore;
  readonly policy: CountyPolicy;
  readonly sfn?: SFNClient;
  readonly stateMachineArn?: string;
}

/** The household's own case, or 404: another household's case id reveals nothing. */
async function ownCase(deps: VillagerDeps, actor: Actor, caseId: string): Promise<CaseRecord> {
  return requireOwned(actor, await deps.store.get(caseId), caseId);
}

/** The household's own case with its steps, events and documents: one partition read, not a Get and then a Query. */
async function ownCaseItems(deps: VillagerDeps, actor: Actor, caseId: string): Promise<CaseItems> {
  const items = await deps.store.load(caseId).catch((error: unknown) => {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  });
  // The same 404 for a missing case and another household's.
  if (!items || !ownsCase(actor, items.record))
    throw new NotFoundError({ en: `No case ${caseId}`, zh: `未找到案件 ${caseId}` });
  return items;
}

const auditActor = (actor: Actor) => ({ id: actor.id, role: actor.role });

/** The township is the first 9 digits of a 12-digit village code (GB/T 10114 administrative codes). */
export function townshipOf(villageCode: string): string {
  return villageCode.slice(0, 9);
}

export class NotAVillagerError extends UnprocessableEntityError {
  constructor() {
    super(
      {
        en: "Only a villager signed in with a household and village can apply",
        zh: "只有登记了农户和村的村民才能申请",
      },
      undefined,
      "not_a_villager",
    );
  }
}

export async function createCase(deps: VillagerDeps, actor: Actor, kind: CaseKind): Promise<CaseRecord> {
  if (actor.role !== "villager" || !actor.householdId || !actor.villageCode) throw new NotAVillagerError();
  return deps.store.create(
    {
      caseId: randomUUID(),
      kind,
      householdId: actor.householdId,
      ownerId: actor.id,
      townshipCode: townshipOf(actor.villageCode),
      villageCode: actor.villageCode,
      policyId: deps.policy.policyId,
      application: { kind },
    },
    auditActor(actor),
  );
}

/** Autosave. A returned case goes back to draft (one `revise` event) on its first edit. */
export async function saveApplication(
  deps: VillagerDeps,
  actor: Actor,
  caseId: string,
  application: ApplicationDraft,
): Promise<CaseRecord> {
  let record = await ownCase(deps, actor, caseId);
  if (record.status === "returned")
    record = await deps.store.transition(record, "revise", { actor: auditActor(actor) });
  if (record.status !== "draft") {
    throw new UnprocessableEntityError(
      {
        en: `A case in status ${record.status} cannot be edited here`,
        zh: `案件状态为 ${record.status}，此处不可编辑`,
      },
      { status: record.status },
      "case_not_editable",
    );
  }
  if (application.kind && application.kind !== record.kind) {
    throw new UnprocessableEntityError(
      {
        en: "The case kind cannot change; start a new application instead",
        zh: "申请类型不能更改，请重新发起申请",
      },
      undefined,
      "kind_immutable",
    );
  }
  return deps.store.saveDraft(record, { ...application, kind: record.kind });
}

export interface CaseSummary {
  readonly caseId: string;
  readonly kind: CaseKind;
  readonly status: CaseRecord["status"];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly submittedAt?: string;
}

export function summaryOf(record: CaseRecord): CaseSummary {
  return {
    caseId: record.caseId,
    kind: record.kind,
    status: record.status,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    ...(record.submittedAt ? { submittedAt: record.submittedAt } : {}),
  };
}

export async function listMyCases(deps: VillagerDeps, actor: Actor): Promise<CaseSummary[]> {
  if (actor.role !== "villager" || !actor.householdId) return [];
  return (await deps.store.listByHousehold(actor.householdId)).map(summaryOf);
}

export interface CaseView extends CaseSummary {
  readonly villageCode: string;
  readonly application: ApplicationDraft;
  readonly precheck?: CaseRecord["precheck"];
  readonly departments?: readonly string[];
  readonly certificates?: CaseRecord["certificates"];
  readonly failure?: CaseRecord["failure"];
  readonly timeline: TimelineEntry[];
  readonly expected: ExpectedAction;
  readonly documents: readonly ReturnType<typeof documentView>[];
}

export async function getMyCase(deps: VillagerDeps, actor: Actor, caseId: string): Promise<CaseView> {
  const items = await ownCaseItems(deps, actor, caseId);
  const { record } = items;
  return {
    ...summaryOf(record),
    villageCode: record.villageCode,
    application: record.application,
    ...(record.precheck ? { precheck: record.precheck } : {}),
    ...(record.departments ? { departments: record.departments } : {}),
    ...(record.certificates ? { certificates: record.certificates } : {}),
    ...(record.failure ? { failure: record.failure } : {}),
    timeline: timelineOf(items.steps),
    expected: expectedOf(record, items),
    documents: items.documents.map((item) => documentView(documentRecordSchema.parse(item))),
  };
}

/** Required documents (those every case of the kind needs) not yet confirmed. */
export function missingDocumentsOf(
  record: CaseRecord,
  policy: CountyPolicy,
  items: CaseItems,
): MissingDocument[] {
  const confirmed = items.documents
    .map((item) => documentRecordSchema.parse(item))
    .filter((document) => document.status === "confirmed");
  return missingDocuments(record.kind, policy, {}, confirmed);
}

export class IncompleteApplicationError extends UnprocessableEntityError {
  constructor(details: { fields: unknown[]; documents: MissingDocument[] }) {
    super(
      {
        en: "The application is incomplete: see the listed fields and documents",
        zh: "申请不完整：请查看所列的字段和材料",
      },
      details,
      "application_incomplete",
    );
  }
}

/**
 * Submits a draft: the complete form and every required document must be
 * there (422 lists exactly what is missing); then `submit` is recorded and the
 * approval workflow started, named after the case so a repeated start is the
 * same execution.
 */
export async function submitCase(deps: VillagerDeps, actor: Actor, caseId: string): Promise<CaseRecord> {
  const items = await ownCaseItems(deps, actor, caseId);
  let { record } = items;
  if (!deps.sfn || !deps.stateMachineArn) throw new Error("Submit needs the workflow client");
  // Submitted but the workflow never started (the start call failed): start it now.
  if (record.status === "submitted" && !record.executionArn) return startWorkflow(deps, record);
  if (record.status !== "draft") {
    throw new UnprocessableEntityError(
      {
        en: `Only a draft can be submitted; this case is ${record.status}`,
        zh: `只有草稿可以提交；该案件当前状态为 ${record.status}`,
      },
      { status: record.status },
      "not_a_draft",
    );
  }
  const validation = validateApplication(record.application, "complete");
  const fields = validation.success ? [] : validation.errors;
  const documents = missingDocumentsOf(record, deps.policy, items);
  if (fields.length > 0 || documents.length > 0) throw new IncompleteApplicationError({ fields, documents });

  const submittedAt = new Date().toISOString();
  record = await deps.store.transition(record, "submit", { actor: auditActor(actor), set: { submittedAt } });
  return startWorkflow(deps, record);
}

async function startWorkflow(deps: VillagerDeps, record: CaseRecord): Promise<CaseRecord> {
  if (!deps.sfn || !deps.stateMachineArn) throw new Error("Submit needs the workflow client");
  const caseId = record.caseId;
  const { executionArn } = await deps.sfn.send(
    new StartExecutionCommand({
      stateMachineArn: deps.stateMachineArn,
      name: caseId,
      input: JSON.stringify({ caseId }),
    }),
  );
  // The execution ARN is bookkeeping: recorded as an event so the chain shows which run serves the case.
  return deps.store.withRetry(caseId, (latest) =>
    deps.store.record(latest, {
      actor: { id: "system", role: "system" },
      action: "startWorkflow",
      data: { executionArn: executionArn ?? null },
      set: { ...(executionArn ? { executionArn } : {}) },
    }),
  );
}

/** Withdraws a case before approval and stops its workflow. */
export async function withdrawCase(
  deps: VillagerDeps,
  actor: Actor,
  caseId: string,
  reason: string | undefined,
): Promise<CaseRecord> {
  const { record, steps } = await ownCaseItems(deps, actor, caseId);
  if (isTerminal(record.status))
    throw new UnprocessableEntityError(
      { en: `The case is already ${record.status}`, zh: `案件已处于 ${record.status} 状态` },
      { status: record.status },
      "case_closed",
    );
  // Open steps close with the case in one transaction: they leave every queue and can no longer be decided.
  const open = steps.filter((step) => step.status === "awaiting_response");
  const withdrawn = await deps.store.transition(record, "withdraw", {
    actor: auditActor(actor),
    ...(reason ? { comment: reason } : {}),
    ...(open.length > 0 ? { data: { cancelledSteps: open.map((step) => step.stepId) } } : {}),
    alsoWrite: open.flatMap((step) => [
      {
        Update: {
          TableName: deps.store.tableName,
          Key: stepKey(caseId, step.stepId),
          UpdateExpression: "SET #status = :cancelled REMOVE gsi1pk, gsi1sk",
          ConditionExpression: "#status = :awaiting",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":cancelled": "cancelled", ":awaiting": "awaiting_response" },
        },
      },
      { Delete: { TableName: deps.store.tableName, Key: escalationKey(caseId, step.stepId) } },
    ]),
  });
  if (withdrawn.executionArn && deps.sfn) {
    await deps.sfn.send(
      new StopExecutionCommand({
        executionArn: withdrawn.executionArn,
        error: "CaseWithdrawn",
        cause: "withdrawn by the household",
      }),
    );
  }
  return withdrawn;
}
