/**
 * The papers' use cases: download a case's paper (filed once, then always the
 * same bytes), and a certificate's life after issue — revoke, re-issue after a
 * correction, extend. Every change is one DynamoDB transaction: the case (its
 * optimistic lock and its audit event in the hash chain) together with the
 * public CERT items it touches, each under a condition.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import type { Actor } from "../auth/actor.ts";
import { ownsCase, staffCovers } from "../auth/scope.ts";
import { chinaDate, formatCertificateNumber, maskName, verifyUrl } from "../certificates/certificate.ts";
import { publicFactsOfPaper } from "../certificates/issue.ts";
import { caseCertificateKey, certificateKey, counterKey } from "../certificates/keys.ts";
import { getShippedPolicy } from "../domain/policy/shipped-policies.ts";
import { DomainError } from "../errors.ts";
import { ForbiddenError, NotFoundError } from "../http/errors.ts";
import type { CaseRecord } from "../schemas/case.ts";
import type { CountyPolicy } from "../schemas/policy.ts";
import { caseIdPath } from "../schemas/requests.ts";
import type { CaseStore, TransactItem } from "../store/case-store.ts";
import {
  acceptancePaper,
  approvalFormPaper,
  type CaseData,
  certificatePaper,
  PaperNotAvailableError,
  refusalPaper,
} from "./assemble.ts";
import {
  renderAcceptancePdf,
  renderApprovalFormPdf,
  renderCertificatePdf,
  renderRefusalPdf,
} from "./documents.ts";
import { PAPER_KINDS, type PaperKind } from "./facts.ts";
import { certificatePdfKey, paperPdfKey, placeNames, presignPaper, storeOnce } from "./storage.ts";

export interface PapersDeps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly s3: S3Client;
  readonly bucketName: string;
  readonly cases: CaseStore;
  readonly now: () => Date;
  /** Where the QR codes point (the API's URL or the web domain). */
  readonly publicBaseUrl: string;
}

export const paperKindSchema = z.enum(PAPER_KINDS);

export interface PaperDownload {
  readonly paper: PaperKind;
  readonly number?: string;
  readonly url: string;
  readonly expiresAt: string;
  readonly filename: string;
  readonly sha256: string;
}

export class PaperUnavailableError extends DomainError {
  constructor(cause: PaperNotAvailableError) {
    super({ en: cause.message, zh: `该案件（尚）无此文书：${cause.why}` }, { paper: cause.paper });
  }
}

export class CertificateNotValidError extends DomainError {
  constructor(number: string, status: string) {
    super(
      {
        en: `Certificate ${number} is ${status}; it cannot be changed`,
        zh: `证书 ${number} 已${status === "revoked" ? "撤销" : "作废"}，无法再办理`,
      },
      { number, status },
    );
  }
}

export class ExtensionNotAllowedError extends DomainError {
  constructor(en: string, zh: string) {
    super({ en, zh });
  }
}

const notFound = (caseId: string) =>
  new NotFoundError({ en: `No case ${caseId}`, zh: `未找到案件 ${caseId}` });

/** The household's own case, or staff (and auditors, the county admin) whose townships cover it; else 404. */
function requireReader(actor: Actor, record: CaseRecord | undefined, caseId: string): CaseRecord {
  if (!record) throw notFound(caseId);
  if (ownsCase(actor, record) || staffCovers(actor, record.townshipCode)) return record;
  throw notFound(caseId);
}

/** The township head of the case's township or the county admin over it; other staff of it 403, the rest 404. */
function requireCertificateAuthority(
  actor: Actor,
  record: CaseRecord | undefined,
  caseId: string,
): CaseRecord {
  if (!record || !staffCovers(actor, record.townshipCode)) throw notFound(caseId);
  if (actor.role !== "township_head" && actor.role !== "county_admin") {
    throw new ForbiddenError({
      en: "Only the township head or the county admin may revoke, re-issue or extend a certificate",
      zh: "只有乡镇负责人或县级管理员可以撤销、换发或延期证书",
    });
  }
  return record;
}

const auditActor = (actor: Actor) => ({
  id: actor.id,
  role: actor.role,
  ...(actor.department ? { department: actor.department } : {}),
});

async function claimSequence(deps: PapersDeps, prefix: string, year: string): Promise<string> {
  const counter = await deps.client.send(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: counterKey(prefix, year),
      UpdateExpression: "ADD seq :one SET #type = :type",
      ExpressionAttributeNames: { "#type": "type" },
      ExpressionAttributeValues: { ":one": 1, ":type": "counter" },
      ReturnValues: "UPDATED_NEW",
    }),
  );
  return formatCertificateNumber(prefix, year, z.int().positive().parse(counter.Attributes?.seq));
}

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

async function caseData(deps: PapersDeps, caseId: string): Promise<CaseData> {
  const { record, steps, events } = await deps.cases.load(caseId);
  return { record, steps, events };
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

type IssuedCertificate = NonNullable<CaseRecord["certificates"]>[number];

function findCertificate(
  record: CaseRecord,
  number: string,
): { certificate: IssuedCertificate; index: number } {
  const list = record.certificates ?? [];
  const index = list.findIndex((entry) => entry.number === number);
  const certificate = list[index];
  if (!certificate) {
    throw new NotFoundError({
      en: `Case ${record.caseId} has no certificate ${number}`,
      zh: `案件 ${record.caseId} 没有编号为 ${number} 的证书`,
    });
  }
  const status = certificate.status ?? "valid";
  if (status !== "valid") throw new CertificateNotValidError(number, status);
  return { certificate, index };
}

const replaceAt = <T>(list: readonly T[], index: number, value: T): T[] =>
  list.map((entry, at) => (at === index ? value : entry));

/** Revoke (撤销): reason, who, when; /verify then says revoked and why. */
export async function revokeCertificate(
  deps: PapersDeps,
  actor: Actor,
  caseId: string,
  number: string,
  reason: string,
): Promise<IssuedCertificate> {
  requireCertificateAuthority(actor, await deps.cases.get(caseId), caseId);
  const updated = await deps.cases.withRetry(caseId, async (record) => {
    const { certificate, index } = findCertificate(record, number);
    const at = deps.now().toISOString();
    return deps.cases.record(record, {
      actor: auditActor(actor),
      action: "revokeCertificate",
      comment: reason,
      data: { number, type: certificate.type, reason },
      set: {
        certificates: replaceAt(record.certificates ?? [], index, { ...certificate, status: "revoked" }),
      },
      alsoWrite: [
        {
          Update: {
            TableName: deps.tableName,
            Key: certificateKey(number),
            UpdateExpression: "SET #status = :revoked, revocation = :revocation",
            ConditionExpression: "#status = :valid",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ":revoked": "revoked",
              ":valid": "valid",
              ":revocation": { reason, at },
            },
          },
        },
      ],
    });
  });
  return findIssued(updated, number);
}

function findIssued(record: CaseRecord, number: string): IssuedCertificate {
  const found = record.certificates?.find((entry) => entry.number === number);
  if (!found) throw new Error(`certificate ${number} vanished from case ${record.caseId}`);
  return found;
}

/**
 * Re-issue after a correction (换发): a new number, the PDF rendered from the
 * corrected case and marked as replacing the old one; the old number becomes
 * `superseded` (its /verify page links to the new one).
 */
export async function reissueCertificate(
  deps: PapersDeps,
  actor: Actor,
  caseId: string,
  number: string,
  reason: string,
): Promise<IssuedCertificate> {
  requireCertificateAuthority(actor, await deps.cases.get(caseId), caseId);
  const data = await caseData(deps, caseId);
  const { certificate } = findCertificate(data.record, number);
  const policy = getShippedPolicy(data.record.policyId);
  const names = await placeNames(deps.client, deps.tableName, data.record);
  const issuedAt = deps.now().toISOString();
  const newNumber = await claimSequence(
    deps,
    policy.certificates[certificate.type].numberPrefix,
    chinaDate(deps.now()).slice(0, 4),
  );
  let paper: ReturnType<typeof certificatePaper>;
  try {
    paper = certificatePaper(
      data,
      policy,
      names,
      {
        type: certificate.type,
        number: newNumber,
        issuedAt,
        supersedes: number,
        extensions: certificate.extensions ?? [],
      },
      verifyUrl(deps.publicBaseUrl, newNumber),
    );
  } catch (error) {
    if (error instanceof PaperNotAvailableError) throw new PaperUnavailableError(error);
    throw error;
  }
  const objectKey = certificatePdfKey(caseId, newNumber);
  const { sha256 } = await storeOnce(deps, objectKey, await renderCertificatePdf(paper), `${newNumber}.pdf`);
  const replacement: IssuedCertificate = {
    type: certificate.type,
    number: newNumber,
    issuedAt,
    objectKey,
    sha256,
    status: "valid",
    validUntil: paper.validUntil,
    ...(certificate.extensions ? { extensions: certificate.extensions } : {}),
    supersedes: number,
  };
  const updated = await deps.cases.withRetry(caseId, async (record) => {
    const { certificate: current, index } = findCertificate(record, number);
    const list = replaceAt(record.certificates ?? [], index, { ...current, status: "superseded" as const });
    return deps.cases.record(record, {
      actor: auditActor(actor),
      action: "reissueCertificate",
      comment: reason,
      data: { number, newNumber, type: current.type, reason, objectKey, sha256 },
      set: { certificates: [...list, replacement] },
      alsoWrite: [
        {
          Update: {
            TableName: deps.tableName,
            Key: certificateKey(number),
            UpdateExpression: "SET #status = :superseded, supersededBy = :next",
            ConditionExpression: "#status = :valid",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: { ":superseded": "superseded", ":valid": "valid", ":next": newNumber },
          },
        },
        {
          Put: {
            TableName: deps.tableName,
            Item: {
              ...certificateKey(newNumber),
              type: "certificate",
              caseId,
              ...publicFactsOfPaper(paper, record, policy),
              supersedes: number,
            },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
        {
          Put: {
            TableName: deps.tableName,
            Item: {
              ...caseCertificateKey(caseId, certificate.type),
              type: "certificateClaim",
              caseId,
              certificateType: certificate.type,
              number: newNumber,
              issuedAt,
            },
          },
        },
      ],
    });
  });
  return findIssued(updated, newNumber);
}

/** Extension of validity (延期) as the county's policy allows: before expiry, at most `maxExtensions` times. */
export async function extendCertificate(
  deps: PapersDeps,
  actor: Actor,
  caseId: string,
  number: string,
  reason: string,
): Promise<IssuedCertificate> {
  requireCertificateAuthority(actor, await deps.cases.get(caseId), caseId);
  const data = await caseData(deps, caseId);
  const { certificate } = findCertificate(data.record, number);
  const policy = getShippedPolicy(data.record.policyId);
  const { maxExtensions, months } = policy.papers.extension;
  const extensions = certificate.extensions ?? [];
  if (extensions.length >= maxExtensions) {
    throw new ExtensionNotAllowedError(
      `Certificate ${number} has had the ${maxExtensions} extension(s) the county allows`,
      `证书 ${number} 已达到本县允许的延期次数（${maxExtensions} 次）`,
    );
  }
  const names = await placeNames(deps.client, deps.tableName, data.record);
  const current = certificatePaper(
    data,
    policy,
    names,
    { ...certificate, extensions },
    verifyUrl(deps.publicBaseUrl, number),
  );
  const today = chinaDate(deps.now());
  if (today > current.validUntil) {
    throw new ExtensionNotAllowedError(
      `Certificate ${number} expired on ${current.validUntil}; apply again instead`,
      `证书 ${number} 已于 ${current.validUntil} 过期，请重新申请`,
    );
  }
  const until = addMonths(current.validUntil, months);
  const extended = [...extensions, { until, on: today }];
  const paper = certificatePaper(
    data,
    policy,
    names,
    { ...certificate, extensions: extended },
    verifyUrl(deps.publicBaseUrl, number),
  );
  const objectKey = certificatePdfKey(caseId, number, extended.length);
  const { sha256 } = await storeOnce(deps, objectKey, await renderCertificatePdf(paper), `${number}.pdf`);
  const updated = await deps.cases.withRetry(caseId, async (record) => {
    const { certificate: latest, index } = findCertificate(record, number);
    if ((latest.extensions?.length ?? 0) !== extensions.length) {
      throw new ExtensionNotAllowedError(
        `Certificate ${number} was extended meanwhile; reload`,
        `证书 ${number} 刚刚已被延期，请刷新`,
      );
    }
    return deps.cases.record(record, {
      actor: auditActor(actor),
      action: "extendCertificate",
      comment: reason,
      data: { number, type: latest.type, until, months, reason, objectKey, sha256 },
      set: {
        certificates: replaceAt(record.certificates ?? [], index, {
          ...latest,
          extensions: extended,
          validUntil: until,
          objectKey,
          sha256,
        }),
      },
      alsoWrite: [
        {
          Update: {
            TableName: deps.tableName,
            Key: certificateKey(number),
            UpdateExpression: "SET validUntil = :until",
            ConditionExpression: "#status = :valid AND validUntil = :previous",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ":until": until,
              ":valid": "valid",
              ":previous": current.validUntil,
            },
          },
        },
      ],
    });
  });
  return findIssued(updated, number);
}

/** A date plus whole months, clamped to the month's end (2026-01-31 + 1 → 2026-02-28). */
export function addMonths(date: string, months: number): string {
  const [year, month, day] = date.split("-").map(Number) as [number, number, number];
  const lastDay = new Date(Date.UTC(year, month - 1 + months + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, month - 1 + months, Math.min(day, lastDay))).toISOString().slice(0, 10);
}

export const certificatePath = caseIdPath.extend({
  number: z.string().regex(/^[A-Z0-9-]{1,80}$/),
});
/** Why the certificate is revoked, re-issued or extended: printed in the audit trail (and on /verify when revoked). */
export const certificateChangeSchema = z.strictObject({ reason: z.string().trim().min(2).max(500) });
