import type { Actor } from "../auth/actor.ts";
import { staffCovers } from "../auth/scope.ts";
import { chinaDate, verifyUrl } from "../certificates/certificate.ts";
import { claimSequence } from "../certificates/counter.ts";
import { publicFactsOfPaper } from "../certificates/issue.ts";
import { caseCertificateKey, certificateKey } from "../certificates/keys.ts";
import { getShippedPolicy } from "../domain/policy/shipped-policies.ts";
import { NotPermittedError, ResourceNotFoundError } from "../errors.ts";
import type { CaseRecord } from "../schemas/case.ts";
import { certificatePaper, PaperNotAvailableError } from "./assemble.ts";
import { auditActor, caseData, notFound, type PapersDeps } from "./deps.ts";
import { renderCertificatePdf } from "./documents.ts";
import { CertificateNotValidError, ExtensionNotAllowedError, PaperUnavailableError } from "./errors.ts";
import { certificatePdfKey, placeNames, storeOnce } from "./storage.ts";

/** A revocation changes the case and the certificate's record: no paper is drawn, no bucket is reached. */
export type RevokeDeps = Pick<PapersDeps, "cases" | "tableName" | "now">;

/** The township head of the case's township or the county admin over it; other staff of it 403, the rest 404. */
function requireCertificateAuthority(
  actor: Actor,
  record: CaseRecord | undefined,
  caseId: string,
): CaseRecord {
  if (!record || !staffCovers(actor, record.townshipCode)) throw notFound(caseId);
  if (actor.role !== "township_head" && actor.role !== "county_admin") {
    throw new NotPermittedError({
      en: "Only the township head or the county admin may revoke, re-issue or extend a certificate",
      zh: "只有乡镇负责人或县级管理员可以撤销、换发或延期证书",
    });
  }
  return record;
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
    throw new ResourceNotFoundError({
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
  deps: RevokeDeps,
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
 * Where a re-issue or an extension starts: the caller may change the case's
 * certificates, and the case as the papers read it, its certificate (still
 * valid) and its county's policy.
 */
async function certificateToChange(deps: PapersDeps, actor: Actor, caseId: string, number: string) {
  requireCertificateAuthority(actor, await deps.cases.get(caseId), caseId);
  const data = await caseData(deps, caseId);
  const { certificate } = findCertificate(data.record, number);
  return { data, certificate, policy: getShippedPolicy(data.record.policyId) };
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
  const { data, certificate, policy } = await certificateToChange(deps, actor, caseId, number);
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
  const { data, certificate, policy } = await certificateToChange(deps, actor, caseId, number);
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
