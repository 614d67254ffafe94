/**
 * The reviewer's view of one case: the form, the pre-check findings, the
 * documents with short-lived download URLs, the steps with their decisions and
 * the audit timeline. Task tokens live in TOKEN items, which this view never
 * reads. Staff outside the case's township get 404.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { Actor } from "../auth/actor.ts";
import { type DocumentRecord, documentRecordSchema, documentView } from "../documents/document.ts";
import { documentDownloadUrl } from "../documents/use-cases.ts";
import { NotFoundError } from "../http/errors.ts";
import type { CaseStore } from "../store/case-store.ts";
import { stepView } from "./decide.ts";
import { isStaff, worksIn } from "./rules.ts";

export interface CaseDetailDeps {
  readonly cases: CaseStore;
  readonly s3: S3Client;
  readonly bucketName: string;
}

export async function reviewCaseDetail(deps: CaseDetailDeps, actor: Actor, caseId: string) {
  const record = await deps.cases.get(caseId);
  if (!record || !isStaff(actor) || !worksIn(actor, record.townshipCode)) {
    throw new NotFoundError(`No case ${caseId}`);
  }
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
    },
    application: record.application,
    precheck: record.precheck ?? null,
    documents: withUrls,
    steps: views,
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
