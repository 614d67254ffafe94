/**
 * The reviewer's view of one case: the form, the pre-check findings, the
 * documents with short-lived download URLs, the steps with their decisions and
 * the audit timeline. Task tokens live in TOKEN items, which this view never
 * reads. Staff outside the case's township (auditors and the county admin:
 * outside their jurisdiction) get 404 (shared/auth/scope.ts `staffCovers`).
 *
 * ID and phone numbers are masked unless the caller's step needs them
 * (`unmasked`, from the policy table's `seesPersonalData`). An auditor's read
 * is written to the auditors' own trail before the answer leaves, not found
 * included.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { AuditRequest } from "../audit/audit-service.ts";
import { AuditQueryLog } from "../audit/query-log.ts";
import type { Actor } from "../auth/actor.ts";
import { staffCovers } from "../auth/scope.ts";
import type { Encryptor } from "../crypto/encryptor.ts";
import { type DocumentRecord, documentRecordSchema, documentView } from "../documents/document.ts";
import { documentDownloadUrl } from "../documents/use-cases.ts";
import { overallClockView } from "../domain/overall-clock.ts";
import { getShippedPolicy } from "../domain/policy/shipped-policies.ts";
import { CaseNotFoundError } from "../errors.ts";
import { objectionsForReview } from "../notices/notices.ts";
import { maskApplication } from "../personal-data/application.ts";
import { placeNamesOf } from "../reference/place-names.ts";
import type { ReviewCaseDetail } from "../schemas/responses.ts";
import type { CaseStore } from "../store/case-store.ts";
import { stepView } from "./decide.ts";
import { decisionOptions, mayDecide } from "./rules.ts";
import { siteVisitOf } from "./site-visits.ts";

export interface CaseDetailDeps {
  readonly cases: CaseStore;
  /** Opens an objector's contact for callers who may see personal data. */
  readonly encryptor?: () => Encryptor | undefined;
  readonly s3: S3Client;
  readonly bucketName: string;
}

export interface CaseDetailOptions {
  /** The caller's step needs ID and phone numbers in full (shared/auth/policy.ts). */
  readonly unmasked: boolean;
  /** Set when the read must be recorded in the auditors' trail (the policy row's `recordedFor`). */
  readonly recordAs?: AuditRequest;
}

export async function reviewCaseDetail(
  deps: CaseDetailDeps,
  actor: Actor,
  caseId: string,
  options: CaseDetailOptions = { unmasked: false },
): Promise<ReviewCaseDetail> {
  const record = await deps.cases.get(caseId);
  const visible = record !== undefined && staffCovers(actor, record.townshipCode);
  if (options.recordAs) {
    await new AuditQueryLog(deps.cases.client, deps.cases.tableName).record({
      ...options.recordAs,
      outcome: visible ? "ok" : "not_found",
      results: visible ? 1 : 0,
    });
  }
  if (!record || !visible) throw new CaseNotFoundError(caseId);
  const { steps, events, documents } = await deps.cases.load(caseId);
  const parsedDocuments = documents.flatMap((item) => {
    const parsed = documentRecordSchema.safeParse(item);
    return parsed.success ? [parsed.data] : [];
  });
  const withUrls = await Promise.all(
    parsedDocuments.map(async (document: DocumentRecord) => {
      if (document.status !== "confirmed") return documentView(document);
      const { url, expiresIn } = await documentDownloadUrl(deps, document);
      return { ...documentView(document), download: { url, expiresIn } };
    }),
  );
  const policy = getShippedPolicy(record.policyId);
  const places = await placeNamesOf(deps.cases.client, deps.cases.tableName).lookup({
    villages: [record.villageCode],
    townships: [record.townshipCode],
  });
  const views = steps.map((step) => stepView(step)).sort((a, b) => a.openedAt.localeCompare(b.openedAt));
  return {
    case: {
      caseId: record.caseId,
      kind: record.kind,
      status: record.status,
      ...(record.resumeTo ? { resumeTo: record.resumeTo } : {}),
      townshipCode: record.townshipCode,
      villageCode: record.villageCode,
      householdId: record.householdId,
      policyId: record.policyId,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
      ...(record.submittedAt ? { submittedAt: record.submittedAt } : {}),
      ...(record.departments ? { departments: record.departments } : {}),
      ...(record.certificates ? { certificates: record.certificates } : {}),
      ...(record.overallClock ? { overallClock: overallClockView(record.overallClock, new Date()) } : {}),
      ...(record.construction ? { construction: record.construction } : {}),
    },
    /** The case's village and township with their names (reference data), for people to read. */
    places: { village: places.village(record.villageCode), township: places.township(record.townshipCode) },
    application: options.unmasked ? record.application : maskApplication(record.application),
    precheck: record.precheck ?? null,
    // The public notice and the objections lodged against it (the village officer records their handling).
    publicNotice: record.publicNotice ?? null,
    objections: await objectionsForReview(deps.cases, deps.encryptor?.(), record, options.unmasked),
    documents: withUrls,
    // `siteVisit`: the policy's visit the step records; its decider may attach photos (site-visits.ts).
    // `decide`: set on the open steps the caller may decide now, with what the decision may say
    // (decisionOptions, which the decision endpoint checks against), so the web copies no rule.
    steps: views.map((step) => {
      const visit = siteVisitOf(step, policy, record.kind);
      const decidable =
        step.status === "awaiting_response" &&
        mayDecide(actor, step, { villageCode: record.villageCode }).allowed;
      return {
        ...step,
        ...(visit ? { siteVisit: { id: visit.id, name: visit.name } } : {}),
        ...(decidable
          ? {
              decide: decisionOptions(step.step, {
                recordsSiteVisit: visit !== undefined,
                documents: policy.requiredDocuments[record.kind],
              }),
            }
          : {}),
      };
    }),
    decisions: views
      .flatMap((step) =>
        step.decision
          ? [
              {
                stepId: step.stepId,
                step: step.step,
                ...(step.department ? { department: step.department } : {}),
                round: step.round,
                ...step.decision,
                delivered: step.sentAt !== undefined,
              },
            ]
          : [],
      )
      .sort((a, b) => a.decidedAt.localeCompare(b.decidedAt)),
    timeline: events.map((event) => ({
      seq: event.seq,
      at: event.at,
      action: event.action,
      actor: event.actor,
      fromStatus: event.fromStatus,
      toStatus: event.toStatus,
      ...(event.comment ? { comment: event.comment } : {}),
      ...(event.data ? { data: event.data } : {}),
      hash: event.hash,
    })),
  };
}
