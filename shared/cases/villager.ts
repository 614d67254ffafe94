/**
 * The villager's use cases: create and fill a draft, submit it (starting the
 * approval workflow), follow it; withdrawing it is in withdraw.ts. Handlers in
 * functions/api/cases only parse and map; every rule lives here.
 */
import { createHash, randomUUID } from "node:crypto";
import { type SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { consentProblems } from "../assisted/on-behalf.ts";
import { type Actor, auditActorOf } from "../auth/actor.ts";
import { ownsCase, requireOwned } from "../auth/scope.ts";
import { documentRecordSchema, documentView } from "../documents/document.ts";
import { type MissingDocument, missingDocuments } from "../documents/missing-documents.ts";
import { STATUS_NAMES_ZH } from "../domain/case-status.ts";
import { overallClockView } from "../domain/overall-clock.ts";
import { CaseNotFoundError, DomainError } from "../errors.ts";
import { logger } from "../logger.ts";
import { type ApplicationDraft, validateApplication } from "../schemas/application.ts";
import type { CaseRecord } from "../schemas/case.ts";
import type { CaseKind } from "../schemas/common.ts";
import type { CountyPolicy } from "../schemas/policy.ts";
import type { CaseSummary, CaseView } from "../schemas/responses.ts";
import {
  CaseChangedError,
  type CaseItems,
  type CaseStore,
  type CurrentCaseItems,
} from "../store/case-store.ts";
import type { ReferenceStore } from "../store/reference-store.ts";
import { executionArnOf } from "../workflow/runs.ts";
import { CaseNotEditableError, KindImmutableError, NotADraftError } from "./errors.ts";
import { householdLimits } from "./limits.ts";
import { assertNoOpenCase, submitClaimingHousehold } from "./one-household.ts";
import { expectedOf, timelineOf } from "./views.ts";

export interface VillagerDeps {
  readonly store: CaseStore;
  /** The register and village data: the form's limits (GET of an editable case). */
  readonly references?: ReferenceStore;
  readonly policy: CountyPolicy;
  readonly sfn?: SFNClient;
  readonly stateMachineArn?: string;
}

/** The household's own case, or 404: another household's case id reveals nothing. */
async function ownCase(deps: VillagerDeps, actor: Actor, caseId: string): Promise<CaseRecord> {
  return requireOwned(actor, await deps.store.get(caseId), caseId);
}

/** The household's own case with its steps and documents (not its history), or 404. */
export async function ownCaseItems(
  deps: VillagerDeps,
  actor: Actor,
  caseId: string,
): Promise<CurrentCaseItems> {
  const items = await deps.store.loadCurrent(caseId).catch((error: unknown) => {
    if (error instanceof CaseNotFoundError) return undefined;
    throw error;
  });
  // The same 404 for a missing case and another household's.
  if (!items || !ownsCase(actor, items.record)) throw new CaseNotFoundError(caseId);
  return items;
}

const auditActor = auditActorOf;

/** The township is the first 9 digits of a 12-digit village code (GB/T 10114 administrative codes). */
export function townshipOf(villageCode: string): string {
  return villageCode.slice(0, 9);
}

export class NotAVillagerError extends DomainError {
  constructor() {
    super({
      en: "Only a villager signed in with a household and village can apply",
      zh: "只有登记了农户和村的村民才能申请",
    });
  }
}

export async function createCase(deps: VillagerDeps, actor: Actor, kind: CaseKind): Promise<CaseRecord> {
  if (actor.role !== "villager" || !actor.householdId || !actor.villageCode) throw new NotAVillagerError();
  if (kind === "homestead") await assertNoOpenCase(deps.store, actor.householdId);
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
    throw new CaseNotEditableError(record.status);
  }
  if (application.kind && application.kind !== record.kind) {
    throw new KindImmutableError();
  }
  return deps.store.saveDraft(record, { ...application, kind: record.kind });
}

export type { CaseSummary, CaseView };

export function summaryOf(record: CaseRecord): CaseSummary {
  return {
    caseId: record.caseId,
    kind: record.kind,
    status: record.status,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    ...(record.submittedAt ? { submittedAt: record.submittedAt } : {}),
    // What tells two cases of a household apart on a phone: the number everyone sees and the plot.
    shortNumber: record.caseId.slice(0, 8),
    ...(record.application.proposedPlot?.address
      ? { plotAddress: record.application.proposedPlot.address }
      : {}),
  };
}

export async function listMyCases(deps: VillagerDeps, actor: Actor): Promise<CaseSummary[]> {
  if (actor.role !== "villager" || !actor.householdId) return [];
  return (await deps.store.listByHousehold(actor.householdId)).map(summaryOf);
}

export async function getMyCase(deps: VillagerDeps, actor: Actor, caseId: string): Promise<CaseView> {
  const items = await ownCaseItems(deps, actor, caseId);
  const { record } = items;
  const editable = record.status === "draft" || record.status === "returned";
  const limits =
    editable && deps.references
      ? await householdLimits(deps.policy, deps.references, record.householdId, record.villageCode)
      : undefined;
  return {
    ...summaryOf(record),
    villageCode: record.villageCode,
    application: record.application,
    ...(record.precheck ? { precheck: record.precheck } : {}),
    ...(record.departments ? { departments: record.departments } : {}),
    ...(record.certificates ? { certificates: record.certificates } : {}),
    ...(record.failure ? { failure: record.failure } : {}),
    ...(record.overallClock ? { overallClock: overallClockView(record.overallClock, new Date()) } : {}),
    ...(record.construction ? { construction: record.construction } : {}),
    ...(limits ? { limits } : {}),
    ...(record.filedOnBehalf
      ? {
          filedOnBehalf: {
            by: {
              ...(record.filedOnBehalf.by.name ? { name: record.filedOnBehalf.by.name } : {}),
              role: record.filedOnBehalf.by.role,
            },
            at: record.filedOnBehalf.at,
            consented: record.filedOnBehalf.smsConsent !== undefined,
            ...(record.filedOnBehalf.claimedAt ? { claimedAt: record.filedOnBehalf.claimedAt } : {}),
          },
        }
      : {}),
    timeline: timelineOf(items.steps),
    expected: expectedOf(record, items, deps.policy),
    documents: items.documents.map((item) => documentView(documentRecordSchema.parse(item))),
  };
}

/** Required documents (those every case of the kind needs) not yet confirmed. */
export function missingDocumentsOf(
  record: CaseRecord,
  policy: CountyPolicy,
  items: Pick<CaseItems, "documents">,
): MissingDocument[] {
  const confirmed = items.documents
    .map((item) => documentRecordSchema.parse(item))
    .filter((document) => document.status === "confirmed");
  return missingDocuments(record.kind, policy, {}, confirmed);
}

export class ConsentMissingError extends DomainError {
  constructor(problems: readonly { code: string; en: string; zh: string }[]) {
    super(
      {
        en: "The household's consent to this filing is not recorded yet",
        zh: "尚未记录农户对本次代办的同意",
      },
      { problems },
    );
  }
}

export class IncompleteApplicationError extends DomainError {
  constructor(details: { fields: unknown[]; documents: MissingDocument[] }) {
    super(
      {
        en: "The application is incomplete: see the listed fields and documents",
        zh: "申请不完整：请查看所列的字段和材料",
      },
      details,
    );
  }
}

/**
 * The case is recorded as submitted but its workflow run could not be started
 * just now (Step Functions refused or was unreachable). Nothing is lost: a
 * retry of the submit (any Idempotency-Key) starts the run. 503.
 */
export class WorkflowNotStartedError extends Error {
  override name = "WorkflowNotStartedError";
  constructor(caseId: string, options?: ErrorOptions) {
    super(`The workflow of case ${caseId} could not be started`, options);
  }
}

/** The name of a submission round's workflow run: never reused, the same for every retry of the round. */
export function workflowRunName(caseId: string, round: number): string {
  return `${caseId}-r${round}`;
}

/** A run's ARN from its name (Step Functions builds it so; used when the run already exists). */
export { executionArnOf };

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** How often submit looks again when a concurrent submit changed the case first. */
const SUBMIT_ATTEMPTS = 3;

/**
 * Submits a draft: the complete form and every required document must be
 * there (422 lists exactly what is missing); then the `submit` transition
 * (which opens a new submission round) and its event are recorded, and the
 * round's workflow run is started (record, then start; see startWorkflow).
 *
 * A case found `submitted` without its round's run (the start failed, or a
 * concurrent submit is starting it) has the run started: submit is also the
 * recovery, whatever the Idempotency-Key. A retry with the Idempotency-Key
 * that submitted the current round (its hash is kept on the case) answers
 * with the case, even once the case has moved on: the first answer was lost.
 */
export async function submitCase(
  deps: VillagerDeps,
  actor: Actor,
  caseId: string,
  request: { readonly idempotencyKey?: string } = {},
): Promise<CaseRecord> {
  if (!deps.sfn || !deps.stateMachineArn) throw new Error("Submit needs the workflow client");
  const keyHash = request.idempotencyKey === undefined ? undefined : sha256(request.idempotencyKey);
  for (let attempt = 1; ; attempt++) {
    const items = await ownCaseItems(deps, actor, caseId);
    const { record } = items;
    if (record.status === "submitted" && !record.executionArn) return startWorkflow(deps, record);
    // This very request submitted the case already and its answer was lost (a timeout, a failed
    // save of the answer): the retry answers as the first would have, not "only a draft".
    if (record.status !== "draft" && keyHash !== undefined && record.submitKeyHash === keyHash) return record;
    // Sent back (pre-check, window): submitting again revises it first; what changed may be only documents.
    if (record.status === "returned") {
      await deps.store.transition(record, "revise", { actor: auditActor(actor) });
      continue;
    }
    if (record.status !== "draft") {
      throw new NotADraftError(record.status, STATUS_NAMES_ZH[record.status]);
    }
    const validation = validateApplication(record.application, "complete");
    const fields = validation.success ? [] : validation.errors;
    const documents = missingDocumentsOf(record, deps.policy, items);
    if (fields.length > 0 || documents.length > 0)
      throw new IncompleteApplicationError({ fields, documents });
    // 代办: the household's consent (the head's SMS code, the signed form) before a filing on its behalf goes in.
    const consent = consentProblems(
      record,
      items.documents
        .map((item) => documentRecordSchema.parse(item))
        .filter((document) => document.status === "confirmed")
        .map((document) => document.documentType),
    );
    if (consent.length > 0) throw new ConsentMissingError(consent);

    let submitted: CaseRecord;
    try {
      // 一户一宅: a homestead case claims the household's one open case in the submit transaction.
      submitted = await submitClaimingHousehold(deps.store, record, {
        actor: auditActor(actor),
        set: {
          submittedAt: new Date().toISOString(),
          submissionRound: (record.submissionRound ?? 0) + 1,
          ...(keyHash === undefined ? {} : { submitKeyHash: keyHash }),
        },
        // The previous round's run is over; this round's is recorded by startWorkflow.
        remove: keyHash === undefined ? ["executionArn", "submitKeyHash"] : ["executionArn"],
      });
    } catch (error) {
      // Another request changed the case first (a concurrent submit with another key): look again.
      if (error instanceof CaseChangedError && attempt < SUBMIT_ATTEMPTS) continue;
      throw error;
    }
    return startWorkflow(deps, submitted);
  }
}

/**
 * Starts the submission round's run and records it (one `startWorkflow` event
 * per round). The run's name is the round's (`<caseId>-r<round>`) and its
 * input fixed, so starting twice is safe: Step Functions answers a start with
 * the same name and input as a running execution with that execution, and
 * ExecutionAlreadyExists once it has ended (then its ARN is recorded as is).
 * The event is written only if the round has no run recorded yet, so
 * concurrent submits record it once.
 */
async function startWorkflow(deps: VillagerDeps, record: CaseRecord): Promise<CaseRecord> {
  if (!deps.sfn || !deps.stateMachineArn) throw new Error("Submit needs the workflow client");
  const { caseId } = record;
  const round = record.submissionRound ?? 1;
  const name = workflowRunName(caseId, round);
  let executionArn: string;
  try {
    const started = await deps.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: deps.stateMachineArn,
        name,
        input: JSON.stringify({ caseId }),
      }),
    );
    executionArn = started.executionArn ?? executionArnOf(deps.stateMachineArn, name);
  } catch (error) {
    if ((error as Error).name === "ExecutionAlreadyExists")
      executionArn = executionArnOf(deps.stateMachineArn, name);
    else {
      logger.warn("Workflow start failed; a retried submit starts it", {
        caseId,
        round,
        error: error as Error,
      });
      throw new WorkflowNotStartedError(caseId, { cause: error });
    }
  }
  // The execution ARN is bookkeeping: recorded as an event so the chain shows which run serves the case.
  return deps.store.withRetry(caseId, async (latest) => {
    // Recorded already (a concurrent submit), or the case is in a later round: nothing to record.
    if (latest.executionArn !== undefined || (latest.submissionRound ?? 1) !== round) return latest;
    return deps.store.record(latest, {
      actor: { id: "system", role: "system" },
      action: "startWorkflow",
      data: { executionArn, round },
      set: { executionArn },
    });
  });
}
