/**
 * Site visits (三到场) and their photos.
 *
 * Which step records which visit is county policy (`siteVisits`): a visit at
 * stage `joint_review` is done by the listed departments inside their
 * consultation (site visit 1), `before_construction` is the staking-out step,
 * `after_completion` the completion inspection.
 *
 * Photos are taken by whoever may decide the step (shared/review/rules.ts
 * `mayDecide`), while the step awaits its decision. They go through the same
 * upload → verify path as the household's documents (presigned PUT, then the
 * server re-reads size, magic bytes and SHA-256), but are DOC items tagged with
 * the step, never count as household documents, and only image types the
 * policy accepts are allowed. A decision may cite only confirmed photos of its
 * own step.
 */
import type { Actor } from "../auth/actor.ts";
import { documentView } from "../documents/document.ts";
import {
  DocumentRejectedError,
  type DocumentsDeps,
  declareUpload,
  fileProblems,
  requireDocument,
  verifyAndConfirm,
} from "../documents/use-cases.ts";
import { getShippedPolicy } from "../domain/policy/shipped-policies.ts";
import { DomainError, InvalidInputError, ResourceNotFoundError } from "../errors.ts";
import type { CaseRecord } from "../schemas/case.ts";
import type { CaseKind } from "../schemas/common.ts";
import type { CountyPolicy, SITE_VISIT_STAGES, SiteVisitPolicy } from "../schemas/policy.ts";
import type { PhotoUploadRequest } from "../schemas/requests.ts";
import type { DocumentView, PhotoUploadTicket } from "../schemas/responses.ts";
import type { StepItem } from "../store/step-store.ts";
import { enforce, TooManyPhotosError } from "./errors.ts";
import { mayDecide, type StepFacts } from "./rules.ts";

/** The document type of a photo taken on a site visit (not a policy document type). */
export const SITE_VISIT_PHOTO = "site_visit_photo";

/** At most this many photos per step: a decision cites at most 20 (rules.ts decisionInputSchema). */
export const MAX_PHOTOS_PER_STEP = 20;

const STAGE_OF_STEP: Partial<Record<StepFacts["step"], (typeof SITE_VISIT_STAGES)[number]>> = {
  site_visit_staking: "before_construction",
  site_visit_completion: "after_completion",
};

/**
 * The policy site visit a step records, if any: the staking-out and completion
 * steps record theirs; a joint-review step records the site check when the
 * policy sends its department on it.
 */
export function siteVisitOf(
  step: Pick<StepFacts, "step" | "department">,
  policy: Pick<CountyPolicy, "siteVisits">,
  kind: CaseKind,
): SiteVisitPolicy | undefined {
  const visits = policy.siteVisits.filter((visit) => visit.appliesTo.includes(kind));
  if (step.step === "joint_review") {
    const department = step.department;
    if (department === undefined) return undefined;
    return visits.find((visit) => visit.stage === "joint_review" && visit.departments.includes(department));
  }
  const stage = STAGE_OF_STEP[step.step];
  return stage === undefined ? undefined : visits.find((visit) => visit.stage === stage);
}

export interface SiteVisitDeps extends DocumentsDeps {
  readonly readStep: (caseId: string, stepId: string) => Promise<StepItem | undefined>;
}

export function siteVisitDeps(deps: DocumentsDeps): SiteVisitDeps {
  return {
    ...deps,
    readStep: (caseId, stepId) => deps.cases.steps.get(caseId, stepId),
  };
}

/** The step records no site visit: nothing to photograph. */
export class NotASiteVisitError extends DomainError {
  constructor(stepId: string) {
    super({
      en: `Step ${stepId} records no site visit under this county's policy, so it takes no photos`,
      zh: `按本县政策，环节 ${stepId} 不含现场踏勘，无需照片`,
    });
  }
}

/** Photos belong to the visit being recorded: once the step is decided, its record is closed. */
export class SiteVisitClosedError extends DomainError {
  constructor(stepId: string) {
    super({
      en: `Step ${stepId} has been decided; its site-visit record takes no more photos`,
      zh: `环节 ${stepId} 已作出决定，不再接收现场照片`,
    });
  }
}

interface OpenVisit {
  readonly step: StepItem;
  readonly record: CaseRecord;
  readonly visit: SiteVisitPolicy;
}

/** The caller may decide the step, it records a site visit, and it still awaits its decision. */
async function openVisitFor(
  deps: SiteVisitDeps,
  actor: Actor,
  caseId: string,
  stepId: string,
): Promise<OpenVisit> {
  const [step, record] = await Promise.all([deps.readStep(caseId, stepId), deps.cases.get(caseId)]);
  if (!step || !record)
    throw new ResourceNotFoundError({
      en: `No step ${stepId} in case ${caseId}`,
      zh: `案件 ${caseId} 中没有环节 ${stepId}`,
    });
  enforce(mayDecide(actor, step, record));
  const visit = siteVisitOf(step, getShippedPolicy(record.policyId), record.kind);
  if (!visit) throw new NotASiteVisitError(stepId);
  if (step.status !== "awaiting_response") throw new SiteVisitClosedError(stepId);
  return { step, record, visit };
}

/** Ask for a presigned PUT for one photo of a site visit being recorded. */
export async function requestSiteVisitPhoto(
  deps: SiteVisitDeps,
  actor: Actor,
  caseId: string,
  stepId: string,
  request: PhotoUploadRequest,
): Promise<PhotoUploadTicket> {
  const { record } = await openVisitFor(deps, actor, caseId, stepId);
  const policy = getShippedPolicy(record.policyId);
  // Only images: a photo of the site, not a scanned form.
  const images = policy.uploads.filter((upload) => upload.contentType.startsWith("image/"));
  const problems = fileProblems(images, request);
  if (problems.length > 0) {
    throw new InvalidInputError({ en: "The photo cannot be uploaded", zh: "照片不符合上传要求" }, problems);
  }
  const taken = (await deps.documents.list(caseId)).filter(
    (document) => document.stepId === stepId && document.status !== "rejected",
  );
  if (taken.length >= MAX_PHOTOS_PER_STEP) {
    throw new TooManyPhotosError(stepId, MAX_PHOTOS_PER_STEP);
  }

  const { documentId: photoId, ...presigned } = await declareUpload(deps, actor, caseId, {
    ...request,
    documentType: SITE_VISIT_PHOTO,
    stepId,
  });
  return { photoId, ...presigned };
}

/** Verify an uploaded site-visit photo's bytes; confirmed photos can be cited by the step's decision. */
export async function confirmSiteVisitPhoto(
  deps: SiteVisitDeps,
  actor: Actor,
  caseId: string,
  stepId: string,
  photoId: string,
): Promise<DocumentView> {
  const { visit } = await openVisitFor(deps, actor, caseId, stepId);
  const photo = await requireDocument(deps, caseId, photoId);
  if (photo.stepId !== stepId)
    throw new ResourceNotFoundError({
      en: `No photo ${photoId} on step ${stepId}`,
      zh: `环节 ${stepId} 没有照片 ${photoId}`,
    });
  if (photo.status === "confirmed") return documentView(photo);
  if (photo.status === "rejected") throw new DocumentRejectedError(photoId, photo.rejections ?? []);
  return verifyAndConfirm(deps, actor, photo, {
    action: "attachSiteVisitPhoto",
    data: { stepId, siteVisit: visit.id },
  });
}

/** Which of `photoIds` are not confirmed photos of `stepId` (empty: the decision may cite them all). */
export async function uncitablePhotos(
  deps: Pick<DocumentsDeps, "documents">,
  caseId: string,
  stepId: string,
  photoIds: readonly string[],
): Promise<string[]> {
  if (photoIds.length === 0) return [];
  const confirmed = new Set(
    (await deps.documents.list(caseId))
      .filter((document) => document.stepId === stepId && document.status === "confirmed")
      .map((document) => document.documentId),
  );
  return photoIds.filter((id) => !confirmed.has(id));
}
