/**
 * Download a case's paper: filed once, then always the same bytes.
 * A certificate's life after issue is in certificate-changes.ts.
 */
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import type { Actor } from "../auth/actor.ts";
import { ownsCase, staffCovers } from "../auth/scope.ts";
import { maskName, verifyUrl } from "../certificates/certificate.ts";
import { claimSequence } from "../certificates/counter.ts";
import { caseCertificateKey, certificateKey } from "../certificates/keys.ts";
import { getShippedPolicy } from "../domain/policy/shipped-policies.ts";
import type { CaseRecord } from "../schemas/case.ts";
import type { CountyPolicy } from "../schemas/policy.ts";
import type { TransactItem } from "../store/case-store.ts";
import { acceptancePaper, approvalFormPaper, PaperNotAvailableError, refusalPaper } from "./assemble.ts";
import { caseData, notFound, type PapersDeps } from "./deps.ts";
import { renderAcceptancePdf, renderApprovalFormPdf, renderRefusalPdf } from "./documents.ts";
import { PaperUnavailableError } from "./errors.ts";
import type { PaperKind } from "./facts.ts";
import { paperPdfKey, placeNames, presignPaper, storeOnce } from "./storage.ts";

export interface PaperDownload {
  readonly paper: PaperKind;
  readonly number?: string;
  readonly url: string;
  readonly expiresAt: string;
  readonly filename: string;
  readonly sha256: string;
}

/** The household's own case, or staff (and auditors, the county admin) whose townships cover it; else 404. */
function requireReader(actor: Actor, record: CaseRecord | undefined, caseId: string): CaseRecord {
  if (!record) throw notFound(caseId);
  if (ownsCase(actor, record) || staffCovers(actor, record.townshipCode)) return record;
  throw notFound(caseId);
}

/** The township head of the case's township or the county admin over it; other staff of it 403, the rest 404. */
/** The refusal notice's number (文号): claimed once per case, a lost race reuses the winner's. */
async function refusalNumber(deps: PapersDeps, record: CaseRecord, policy: CountyPolicy, year: string) {
  const key = caseCertificateKey(record.caseId, "refusal_notice");
  const existing = await deps.client.send(
    new GetCommand({ TableName: deps.tableName, Key: key, ConsistentRead: true }),
  );
  if (typeof existing.Item?.number === "string") return existing.Item.number;
  const number = await claimSequence(deps, policy.papers.refusal.numberPrefix, year);
  try {
    await deps.client.send(
      new PutCommand({
        TableName: deps.tableName,
        Item: {
          ...key,
          type: "certificateClaim",
          caseId: record.caseId,
          certificateType: "refusal_notice",
          number,
        },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
    return number;
  } catch (error) {
    if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
    const winner = await deps.client.send(
      new GetCommand({ TableName: deps.tableName, Key: key, ConsistentRead: true }),
    );
    return z.string().parse(winner.Item?.number);
  }
}
/** The URL the QR code of a form points to: the case's certificate, or (refused) the refusal notice. */
function formVerifyUrl(deps: PapersDeps, record: CaseRecord): string | undefined {
  const current = (record.certificates ?? []).filter((entry) => entry.status !== "superseded");
  // The homestead approval certificate first (the planning permit alone for a farmhouse case).
  const certificate =
    current.find((entry) => entry.type === "homestead_approval_certificate") ?? current.at(0);
  const number = certificate?.number ?? record.papers?.refusal_notice?.number;
  return number ? verifyUrl(deps.publicBaseUrl, number) : undefined;
}

/**
 * A case's paper as a short-lived link. Certificates are stored when issued;
 * the other papers are rendered from the stored case on first request, stored
 * once and filed with a `filePaper` event carrying their SHA-256.
 */
export async function downloadPaper(
  deps: PapersDeps,
  actor: Actor,
  caseId: string,
  paper: PaperKind,
): Promise<PaperDownload> {
  const record = requireReader(actor, await deps.cases.get(caseId), caseId);
  if (paper === "homestead_approval_certificate" || paper === "rural_construction_planning_permit") {
    const certificate = (record.certificates ?? []).findLast((entry) => entry.type === paper);
    if (!certificate?.objectKey || !certificate.sha256) {
      throw new PaperUnavailableError(
        new PaperNotAvailableError(caseId, paper, "no certificate has been issued"),
      );
    }
    const filename = `${certificate.number}.pdf`;
    return {
      paper,
      number: certificate.number,
      sha256: certificate.sha256,
      ...(await presignPaper(deps, certificate.objectKey, filename, deps.now())),
    };
  }
  const filed = record.papers?.[paper] ?? (await filePaper(deps, caseId, paper));
  const filename = `${filed.number ?? `${paper}-${caseId}`}.pdf`;
  return {
    paper,
    ...(filed.number ? { number: filed.number } : {}),
    sha256: filed.sha256,
    ...(await presignPaper(deps, filed.objectKey, filename, deps.now())),
  };
}

async function filePaper(
  deps: PapersDeps,
  caseId: string,
  paper: Exclude<PaperKind, "homestead_approval_certificate" | "rural_construction_planning_permit">,
) {
  const data = await caseData(deps, caseId);
  const { record } = data;
  const policy = getShippedPolicy(record.policyId);
  const names = await placeNames(deps.client, deps.tableName, record);
  let pdf: Uint8Array;
  let number: string | undefined;
  let publicItem: Record<string, unknown> | undefined;
  try {
    if (paper === "refusal_notice") {
      // Checked before a number is claimed: a case not refused never uses one up.
      const draft = refusalPaper(data, policy, names, "-", deps.publicBaseUrl);
      number = await refusalNumber(deps, record, policy, draft.decidedOn.slice(0, 4));
      const facts = refusalPaper(data, policy, names, number, verifyUrl(deps.publicBaseUrl, number));
      pdf = await renderRefusalPdf(facts);
      publicItem = {
        ...certificateKey(number),
        type: "paper",
        paperKind: "refusal_notice",
        caseId,
        number,
        countyCode: policy.county.code,
        countyName: policy.county.name,
        townshipCode: record.townshipCode,
        villageCode: record.villageCode,
        headNameMasked: maskName(facts.household.headName),
        decidedOn: facts.decidedOn,
      };
    } else {
      let url = formVerifyUrl(deps, record);
      if (!url && record.status === "rejected") {
        // A refused case's forms are verified by its refusal notice: filed first if nobody asked for it yet.
        const refusal = await filePaper(deps, caseId, "refusal_notice");
        if (refusal.number) url = verifyUrl(deps.publicBaseUrl, refusal.number);
      }
      if (!url)
        throw new PaperNotAvailableError(caseId, paper, "no certificate or refusal notice to verify it by");
      pdf =
        paper === "approval_form"
          ? await renderApprovalFormPdf(approvalFormPaper(data, policy, names, url))
          : await renderAcceptancePdf(acceptancePaper(data, policy, names, url));
    }
  } catch (error) {
    if (error instanceof PaperNotAvailableError) throw new PaperUnavailableError(error);
    throw error;
  }
  const objectKey = paperPdfKey(caseId, paper);
  const filename = `${number ?? `${paper}-${caseId}`}.pdf`;
  const { sha256 } = await storeOnce(deps, objectKey, pdf, filename);
  const filed = { objectKey, sha256, storedAt: deps.now().toISOString(), ...(number ? { number } : {}) };
  const updated = await deps.cases.withRetry(caseId, async (latest) => {
    if (latest.papers?.[paper]) return latest;
    return deps.cases.record(latest, {
      actor: { id: "papers", role: "system" },
      action: "filePaper",
      data: { paper, objectKey, sha256, ...(number ? { number } : {}) },
      set: { papers: { ...(latest.papers ?? {}), [paper]: filed } },
      ...(publicItem
        ? {
            alsoWrite: [
              {
                Put: {
                  TableName: deps.tableName,
                  Item: publicItem,
                  ConditionExpression: "attribute_not_exists(pk)",
                },
              } satisfies TransactItem,
            ],
          }
        : {}),
    });
  });
  return updated.papers?.[paper] ?? filed;
}
