/**
 * The register (台账) as a printable PDF beside its CSV: the same page of the
 * same listing, stored once under its content hash and handed out by link.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { chinaDate } from "../certificates/certificate.ts";
import type { RegisterPage } from "../register/schemas.ts";
import type { CountyPolicy } from "../schemas/policy.ts";
import { issuerOf } from "./assemble.ts";
import { renderRegisterPdf } from "./documents.ts";
import type { RegisterPaper } from "./facts.ts";
import { type PaperStorage, placeNames, presignPaper, sha256Hex, storeOnce } from "./storage.ts";

export function registerPaper(
  page: RegisterPage,
  policy: CountyPolicy,
  names: Awaited<ReturnType<typeof placeNames>>,
  today: string,
  filter: string,
): RegisterPaper {
  return {
    issuer: issuerOf({ townshipCode: page.township }, policy, names),
    generatedOn: today,
    filter,
    rows: page.items.map((entry) => ({
      caseId: entry.caseId,
      kind: entry.kind,
      villageCode: entry.villageCode,
      headName: entry.applicantName ?? "—",
      status: entry.status,
      ...(entry.submittedAt ? { submittedAt: entry.submittedAt } : {}),
      ...((entry.approvedAt ?? entry.rejectedAt)
        ? { decidedAt: (entry.approvedAt ?? entry.rejectedAt) as string }
        : {}),
      certificateNumbers: [entry.homesteadCertificateNo, entry.planningPermitNo].filter(Boolean).join(" "),
      overdue: false,
    })),
    continued: page.nextCursor !== null,
  };
}

export async function registerPdfLink(
  deps: PaperStorage & {
    readonly client: DynamoDBDocumentClient;
    readonly tableName: string;
    readonly now: () => Date;
  },
  page: RegisterPage,
  policy: CountyPolicy,
  filter: string,
) {
  const names = await placeNames(deps.client, deps.tableName, {
    townshipCode: page.township,
    villageCode: "-",
  });
  const today = chinaDate(deps.now());
  const pdf = await renderRegisterPdf(registerPaper(page, policy, names, today, filter));
  const filename = `register-${page.township}-${today}.pdf`;
  // Content-addressed: the same listing printed again is the same object.
  const key = `registers/${page.township}/${today}-${sha256Hex(pdf).slice(0, 16)}.pdf`;
  const { sha256 } = await storeOnce(deps, key, pdf, filename);
  return { sha256, rows: page.items.length, ...(await presignPaper(deps, key, filename, deps.now())) };
}
