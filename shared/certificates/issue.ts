/**
 * Issues a case's certificates (批准书, 乡村建设规划许可证) once it is approved.
 * Called by the workflow's IssueCertificates task, which Step Functions may retry,
 * so issuing is idempotent: a second run returns the numbers already issued and
 * re-writes the same document and public record.
 *
 * Per certificate type: claim a number (atomic counter, then a conditional claim
 * item in the case's partition: a lost race reuses the winner's number), render
 * the PDF from the stored case (approved values, conditions, the village
 * collective as land owner, the township's name and seal) and store it once,
 * write the public CERT item; finally record the numbers, object keys and
 * SHA-256 of the PDFs on the case with an `issueCertificates` event.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { readConfig } from "../config.ts";
import { certificatesFor } from "../domain/case-kind.ts";
import { getShippedPolicy } from "../domain/policy/shipped-policies.ts";
import { certificatePaper } from "../papers/assemble.ts";
import { renderCertificatePdf } from "../papers/documents.ts";
import type { CertificatePaper } from "../papers/facts.ts";
import { certificatePdfKey, placeNames, storeOnce } from "../papers/storage.ts";
import { applicationCompleteSchema } from "../schemas/application.ts";
import type { CaseRecord } from "../schemas/case.ts";
import type { CertificateType } from "../schemas/common.ts";
import type { CountyPolicy } from "../schemas/policy.ts";
import { CaseStore } from "../store/case-store.ts";
import { chinaDate, maskName, type PublicCertificate, validUntil, verifyUrl } from "./certificate.ts";
import { claimSequence } from "./counter.ts";
import { caseCertificateKey, certificateKey } from "./keys.ts";

export interface IssueCertificatesDeps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly s3: S3Client;
  readonly bucketName: string;
  readonly now: () => Date;
}

export interface IssuedCertificate {
  readonly type: string;
  readonly number: string;
}

/** Only an approved case gets certificates. Named for the workflow's Catch. */
export class CaseNotApprovedError extends Error {
  override readonly name = "CaseNotApprovedError";
  constructor(caseId: string, status: string) {
    super(`Case ${caseId} is ${status}; certificates are issued only for approved cases`);
  }
}

/** The stored application lacks what a certificate prints (it passed submission, so this is a data fault). */
export class IncompleteApplicationError extends Error {
  override readonly name = "IncompleteApplicationError";
  constructor(caseId: string, paths: readonly string[]) {
    super(`Case ${caseId} cannot be certified; the application lacks: ${paths.join(", ")}`);
  }
}

/** Where the QR code points: the API's URL or the web domain, set on the function (read when issuing). */
const publicUrlEnv = z.object({ PUBLIC_BASE_URL: z.url() });

const SYSTEM_ACTOR = { id: "workflow", role: "system" } as const;

const claimSchema = z.object({ number: z.string(), issuedAt: z.iso.datetime() });

async function claimNumber(
  deps: IssueCertificatesDeps,
  caseId: string,
  type: CertificateType,
  policy: CountyPolicy,
  year: string,
): Promise<{ number: string; issuedAt: string }> {
  const key = caseCertificateKey(caseId, type);
  const existing = await deps.client.send(
    new GetCommand({ TableName: deps.tableName, Key: key, ConsistentRead: true }),
  );
  if (existing.Item) return claimSchema.parse(existing.Item);

  const prefix = policy.certificates[type].numberPrefix;
  const claim = { number: await claimSequence(deps, prefix, year), issuedAt: deps.now().toISOString() };
  try {
    await deps.client.send(
      new PutCommand({
        TableName: deps.tableName,
        Item: { ...key, type: "certificateClaim", caseId, certificateType: type, ...claim },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
    return claim;
  } catch (error) {
    if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
    // A parallel run of the same task claimed first: use its number (ours stays unused, a gap in the sequence).
    const winner = await deps.client.send(
      new GetCommand({ TableName: deps.tableName, Key: key, ConsistentRead: true }),
    );
    return claimSchema.parse(winner.Item);
  }
}

/** The CERT item's public facts from the printed certificate: masked, nothing that names a person outright. */
export function publicFactsOfPaper(
  paper: CertificatePaper,
  record: Pick<CaseRecord, "townshipCode" | "villageCode">,
  policy: Pick<CountyPolicy, "county">,
): PublicCertificate {
  return {
    number: paper.number,
    certificateType: paper.kind,
    countyCode: policy.county.code,
    countyName: policy.county.name,
    townshipCode: record.townshipCode,
    villageCode: record.villageCode,
    headNameMasked: maskName(paper.household.headName),
    headIdNumberMasked: paper.household.headIdNumberMasked,
    approvedPlotAreaM2: paper.approved.totalAreaM2,
    houseFootprintM2: paper.approved.footprintM2,
    floors: paper.approved.floors,
    approvedOn: paper.approvedOn,
    validUntil: paper.validUntil,
    status: "valid",
    issuedAt: paper.issuedAt,
  };
}

export async function issueCertificates(
  deps: IssueCertificatesDeps,
  caseId: string,
): Promise<IssuedCertificate[]> {
  const cases = new CaseStore(deps.client, deps.tableName, deps.now);
  const { record, events, steps } = await cases.load(caseId);
  const types = certificatesFor(record.kind);
  const recorded = record.certificates ?? [];
  const already = types.map((type) => recorded.find((certificate) => certificate.type === type));
  if (already.every((certificate) => certificate !== undefined)) {
    return already.flatMap((certificate) =>
      certificate ? [{ type: certificate.type, number: certificate.number }] : [],
    );
  }
  if (record.status !== "approved") throw new CaseNotApprovedError(caseId, record.status);

  const complete = applicationCompleteSchema.safeParse(record.application);
  if (!complete.success) {
    throw new IncompleteApplicationError(
      caseId,
      complete.error.issues.map((issue) => issue.path.join(".")),
    );
  }
  const { PUBLIC_BASE_URL } = readConfig(publicUrlEnv);
  const policy = getShippedPolicy(record.policyId);
  const approval = events.findLast((event) => event.toStatus === "approved");
  const approvedOn = chinaDate(approval ? new Date(approval.at) : deps.now());
  const year = approvedOn.slice(0, 4);
  const names = await placeNames(deps.client, deps.tableName, record);

  const issued: {
    type: CertificateType;
    number: string;
    issuedAt: string;
    objectKey: string;
    sha256: string;
  }[] = [];
  for (const type of types) {
    const claim = await claimNumber(deps, caseId, type, policy, year);
    const paper = certificatePaper(
      { record, steps, events },
      policy,
      names,
      { type, ...claim },
      verifyUrl(PUBLIC_BASE_URL, claim.number),
    );
    const pdf = await renderCertificatePdf(paper);
    const objectKey = certificatePdfKey(caseId, claim.number);
    const { sha256 } = await storeOnce(deps, objectKey, pdf, `${claim.number}.pdf`);
    try {
      await deps.client.send(
        new PutCommand({
          TableName: deps.tableName,
          Item: {
            ...certificateKey(claim.number),
            type: "certificate",
            caseId,
            ...publicFactsOfPaper(paper, record, policy),
          },
          // Written once: a retry must never reset a certificate revoked in between.
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    } catch (error) {
      if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
    }
    issued.push({ type, number: claim.number, issuedAt: claim.issuedAt, objectKey, sha256 });
  }

  await cases.withRetry(caseId, async (latest) => {
    if (types.every((type) => latest.certificates?.some((certificate) => certificate.type === type)))
      return latest;
    return cases.record(latest, {
      actor: SYSTEM_ACTOR,
      action: "issueCertificates",
      data: {
        certificates: issued.map(({ type, number, objectKey, sha256 }) => ({
          type,
          number,
          objectKey,
          sha256,
        })),
      },
      set: {
        certificates: issued.map((certificate) => ({
          ...certificate,
          validUntil: validUntil(approvedOn, policy.certificates[certificate.type].validityMonths),
        })),
      },
    });
  });
  return issued.map(({ type, number }) => ({ type, number }));
}
