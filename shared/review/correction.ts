/**
 * The household's answer to a correction request (补正).
 *
 * GET: what the reviewers asked for (fields, documents, reasons) since the
 * last resubmission. POST: apply edits to the asked fields only, validate the
 * whole form as for submission, resubmit (the case resumes where it was, in
 * one transaction with the open `correction` step's answer), then resume the
 * workflow with the same store-then-send delivery as reviewer decisions.
 * Only the owner household sees its case; everyone else gets 404.
 */
import * as z from "zod";
import type { Actor } from "../auth/actor.ts";
import { ownsCase } from "../auth/scope.ts";
import { type DocumentRecord, documentRecordSchema } from "../documents/document.ts";
import { getShippedPolicy } from "../domain/policy/shipped-policies.ts";
import { CaseNotFoundError, InvalidInputError, ResourceNotFoundError } from "../errors.ts";
import { applicationDraftSchema, validateApplication } from "../schemas/application.ts";
import type { CaseRecord, Decision, StepRecord } from "../schemas/case.ts";
import type { FieldError } from "../schemas/messages.ts";
import type { CountyPolicy } from "../schemas/policy.ts";
import type { CorrectionRequest, CorrectionResult, CorrectionView } from "../schemas/responses.ts";
import type { CaseItems } from "../store/case-store.ts";
import { changedPaths, isCoveredBy, mergeApplication } from "./application-paths.ts";
import { commitStepDecision, type ReviewDeps, stepView } from "./decide.ts";
import { deliverDecision } from "./delivery.ts";
import {
  CorrectionIncompleteError,
  CorrectionUnchangedError,
  FieldsNotRequestedError,
  NoCorrectionAwaitedError,
  type UnchangedAnswer,
} from "./errors.ts";

export const correctionInputSchema = z.strictObject({
  /** The changed fields of the form, shaped like the form (a draft patch). */
  application: applicationDraftSchema.optional(),
  comment: z.string().trim().min(1).max(2000).optional(),
});
export type CorrectionInput = z.infer<typeof correctionInputSchema>;

export type { CorrectionRequest };

async function loadOwnCase(deps: ReviewDeps, actor: Actor, caseId: string): Promise<CaseItems> {
  const record = await deps.cases.get(caseId);
  if (!record || !ownsCase(actor, record)) {
    throw new CaseNotFoundError(caseId);
  }
  return deps.cases.load(caseId);
}

/** Correction requests decided since the case was last resubmitted. */
export function openCorrectionRequests(items: Pick<CaseItems, "steps" | "events">): CorrectionRequest[] {
  const lastResubmission =
    items.events.filter((event) => event.action === "resubmitCorrection").at(-1)?.at ?? "";
  return items.steps
    .flatMap((step) => {
      const decision: Decision | undefined = step.decision;
      if (decision?.outcome !== "correction_requested" || decision.decidedAt <= lastResubmission) return [];
      return [
        {
          stepId: step.stepId,
          step: step.step,
          ...(step.department ? { department: step.department } : {}),
          fields: decision.fields ?? [],
          documents: decision.documents ?? [],
          reason: decision.comment ?? null,
          requestedAt: decision.decidedAt,
          requestedBy: {
            role: decision.decidedBy.role,
            ...(decision.decidedBy.department ? { department: decision.decidedBy.department } : {}),
          },
        },
      ];
    })
    .sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
}

const union = (lists: readonly string[][]) => [...new Set(lists.flat())].sort();

function openCorrectionStep(steps: readonly StepRecord[]): StepRecord | undefined {
  return steps.find((step) => step.step === "correction" && step.status === "awaiting_response");
}

function requireCorrectionRequested(record: CaseRecord): void {
  if (record.status !== "correction_requested") {
    throw new NoCorrectionAwaitedError({
      en: `Case ${record.caseId} is ${record.status}; no correction is awaited`,
      zh: `案件 ${record.caseId} 当前状态为 ${record.status}，无需补正`,
    });
  }
}

export async function getCorrection(deps: ReviewDeps, actor: Actor, caseId: string): Promise<CorrectionView> {
  const items = await loadOwnCase(deps, actor, caseId);
  if (items.record.status !== "correction_requested") {
    throw new ResourceNotFoundError({
      en: `No correction is requested for case ${caseId}`,
      zh: `案件 ${caseId} 当前无补正要求`,
    });
  }
  const requests = openCorrectionRequests(items);
  const step = openCorrectionStep(items.steps);
  return {
    caseId,
    status: items.record.status,
    fields: union(requests.map((request) => request.fields)),
    documents: union(requests.map((request) => request.documents)),
    requests,
    application: items.record.application,
    /** False for a moment after the request, until the workflow opens the household's step. */
    open: step !== undefined,
    deadline: step?.deadline ?? null,
  };
}

/**
 * What an answer leaves as it was: each asked field needs a changed path at or
 * inside it; each asked document type needs a document confirmed after the
 * (latest) request that asked for it. Empty lists: the answer changes all.
 */
export function unchangedByAnswer(
  requests: readonly Pick<CorrectionRequest, "fields" | "documents" | "requestedAt">[],
  changed: readonly string[],
  documents: readonly Pick<DocumentRecord, "documentType" | "status" | "confirmedAt">[],
  policy: Pick<CountyPolicy, "requiredDocuments">,
): UnchangedAnswer {
  const fields = union(requests.map((request) => request.fields)).filter(
    (field) => !changed.some((path) => isCoveredBy(path, [field])),
  );
  const askedSince = new Map<string, string>();
  for (const request of requests) {
    for (const type of request.documents) {
      const since = askedSince.get(type);
      if (since === undefined || request.requestedAt > since) askedSince.set(type, request.requestedAt);
    }
  }
  const names = new Map(
    [...policy.requiredDocuments.homestead, ...policy.requiredDocuments.farmhouse].map((requirement) => [
      requirement.typeId,
      requirement.name,
    ]),
  );
  const missing = [...askedSince.entries()]
    .filter(
      ([type, since]) =>
        !documents.some(
          (document) =>
            document.documentType === type &&
            document.status === "confirmed" &&
            document.confirmedAt !== undefined &&
            document.confirmedAt > since,
        ),
    )
    .map(([type]) => type)
    .sort();
  return {
    fields,
    documents: missing.map((typeId) => ({
      typeId,
      zh: names.get(typeId)?.zh ?? typeId,
      en: names.get(typeId)?.en ?? typeId,
    })),
  };
}

/** Documents confirmed after the earliest open request: the ones the answer brings. */
function newDocumentsOf(
  documents: readonly DocumentRecord[],
  requests: readonly CorrectionRequest[],
): string[] {
  const since = requests.map((request) => request.requestedAt).sort()[0];
  if (since === undefined) return [];
  return documents
    .filter(
      (document) =>
        document.status === "confirmed" &&
        document.stepId === undefined &&
        document.confirmedAt !== undefined &&
        document.confirmedAt > since,
    )
    .map((document) => document.documentId)
    .sort();
}

function problemsOf(errors: readonly FieldError[]) {
  return errors.map((error) => ({
    path: `application.${error.path}`,
    code: error.code,
    zh: error.zh,
    en: error.en,
  }));
}

export async function submitCorrection(
  deps: ReviewDeps,
  actor: Actor,
  caseId: string,
  input: CorrectionInput,
): Promise<CorrectionResult> {
  const items = await loadOwnCase(deps, actor, caseId);
  const { record } = items;
  requireCorrectionRequested(record);
  const step = openCorrectionStep(items.steps);
  if (!step) {
    throw new NoCorrectionAwaitedError({
      en: "The correction step is not open yet; try again in a moment",
      zh: "补正环节尚未开启，请稍后再试",
    });
  }
  const requests = openCorrectionRequests(items);
  const asked = union(requests.map((request) => request.fields));
  const patch = input.application ?? {};
  const draft = validateApplication(patch, "draft");
  if (!draft.success) {
    throw new InvalidInputError(
      { en: "The corrected fields are invalid", zh: "补正的内容不符合要求" },
      problemsOf(draft.errors),
    );
  }
  const changed = changedPaths(record.application, draft.data);
  const notAsked = changed.filter((path) => !isCoveredBy(path, asked));
  if (notAsked.length > 0) throw new FieldsNotRequestedError(notAsked, asked);

  const merged = mergeApplication(record.application, draft.data);
  const complete = validateApplication(merged, "complete");
  if (!complete.success) {
    throw new CorrectionIncompleteError(problemsOf(complete.errors));
  }

  const documents = items.documents.map((item) => documentRecordSchema.parse(item));
  const unchanged = unchangedByAnswer(requests, changed, documents, getShippedPolicy(record.policyId));
  if (unchanged.fields.length > 0 || unchanged.documents.length > 0) {
    throw new CorrectionUnchangedError(unchanged);
  }
  const newDocuments = newDocumentsOf(documents, requests);

  const decision: Decision = {
    outcome: "approved",
    ...(input.comment ? { comment: input.comment } : {}),
    fields: changed,
    decidedBy: { id: actor.id, role: actor.role },
    decidedAt: deps.now().toISOString(),
  };
  const stepItem = await deps.cases.steps.get(caseId, step.stepId);
  if (!stepItem)
    throw new ResourceNotFoundError({
      en: `No step ${step.stepId} in case ${caseId}`,
      zh: `案件 ${caseId} 中没有环节 ${step.stepId}`,
    });
  const resumed = await commitStepDecision(deps, stepItem, decision, (current, stepWrite) => {
    requireCorrectionRequested(current);
    return deps.cases.transition(current, "resubmitCorrection", {
      actor: { id: actor.id, role: actor.role },
      ...(current.resumeTo ? { facts: { resumeTo: current.resumeTo } } : {}),
      set: { application: complete.data },
      remove: ["resumeTo"],
      ...(input.comment ? { comment: input.comment } : {}),
      data: {
        stepId: step.stepId,
        changedFields: changed,
        requestedFields: asked,
        requestedDocuments: union(requests.map((request) => request.documents)),
        newDocuments,
      },
      alsoWrite: [stepWrite],
    });
  });

  const delivery = await deliverDecision(deps, caseId, step.stepId, decision);
  const stored = await deps.cases.steps.get(caseId, step.stepId);
  return {
    caseStatus: resumed.status,
    changedFields: changed,
    newDocuments,
    step: stepView(stored ?? { ...stepItem, status: "responded", decision }),
    delivery,
  };
}
