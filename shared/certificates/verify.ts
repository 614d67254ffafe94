/**
 * Public verification of a certificate by its number (the QR code's target):
 * read the CERT item, derive expiry, render a phone-friendly page or JSON.
 * Only the masked public facts exist in that item, so nothing else can leak.
 */
import { type DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import type { CertificateVerification } from "../schemas/responses.ts";
import {
  CERTIFICATE_TITLES,
  type CertificateStatus,
  effectiveStatus,
  type PublicCertificate,
  publicCertificateSchema,
} from "./certificate.ts";
import { escapeHtml as e, formatNumber as n } from "./html.ts";
import { certificateKey } from "./keys.ts";

/** Numbers are ASCII (policy prefix, year, sequence); anything else cannot exist. */
export const CERTIFICATE_NUMBER = /^[A-Z0-9-]{1,80}$/;

/** How people type a number off paper: any case, stray spaces; numbers are issued upper-case. */
export const normalizeCertificateNumber = (typed: string): string => typed.trim().toUpperCase();

export async function findPublicCertificate(
  client: DynamoDBDocumentClient,
  tableName: string,
  typed: string,
): Promise<PublicCertificate | undefined> {
  const found = await findPublicRecord(client, tableName, typed);
  return found?.kind === "certificate" ? found.certificate : undefined;
}

/** A numbered paper that is not a certificate (a refusal notice, 不予批准决定书): masked public facts. */
export const publicPaperSchema = z.object({
  number: z.string().min(1),
  paperKind: z.literal("refusal_notice"),
  countyCode: z.string(),
  countyName: z.object({ zh: z.string(), en: z.string() }),
  townshipCode: z.string(),
  villageCode: z.string(),
  headNameMasked: z.string(),
  decidedOn: z.iso.date(),
});
export type PublicPaper = z.infer<typeof publicPaperSchema>;

/** What a number on a QR code names: a certificate, or another numbered paper. */
export async function findPublicRecord(
  client: DynamoDBDocumentClient,
  tableName: string,
  typed: string,
): Promise<
  | { readonly kind: "certificate"; readonly certificate: PublicCertificate }
  | { readonly kind: "paper"; readonly paper: PublicPaper }
  | undefined
> {
  const number = normalizeCertificateNumber(typed);
  if (!CERTIFICATE_NUMBER.test(number)) return undefined;
  const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: certificateKey(number) }));
  if (!Item) return undefined;
  const { pk: _pk, sk: _sk, type, caseId: _caseId, ...facts } = Item;
  if (type === "paper") return { kind: "paper", paper: publicPaperSchema.parse(facts) };
  return { kind: "certificate", certificate: publicCertificateSchema.parse(facts) };
}

/** The JSON answer for a numbered paper: it exists, was issued by whom and when. */
export function paperVerificationJson(paper: PublicPaper) {
  return {
    number: paper.number,
    type: paper.paperKind,
    title: { zh: "不予批准决定书", en: "Notice of refusal" },
    status: "issued" as const,
    county: { code: paper.countyCode, name: paper.countyName },
    townshipCode: paper.townshipCode,
    villageCode: paper.villageCode,
    headOfHousehold: { name: paper.headNameMasked },
    decidedOn: paper.decidedOn,
  };
}

export function renderPaperVerificationPage(paper: PublicPaper): string {
  const body = `<div class="card">
<h1>文书核验 <span class="en">Document verification</span></h1>
<p>不予批准决定书<br><span class="en">Notice of refusal</span></p>
<p class="status" style="background:#1b5e9f" data-status="issued">已签发 · Issued</p>
<dl>
${item("文号", "Number", e(paper.number))}
${item("申请户", "Household", e(paper.headNameMasked))}
${item("所在地", "Location", `${e(paper.countyName.zh)} ${e(paper.countyName.en)}<br><span class="en">乡镇 township ${e(paper.townshipCode)} · 村 village ${e(paper.villageCode)}</span>`)}
${item("决定日期", "Decided on", e(paper.decidedOn))}
</dl>
<footer>本页仅证明该文书由本平台签发。个人信息已脱敏。<br>This page only shows that the platform issued this document. Personal data is masked.</footer>
</div>`;
  return page(`已签发 · ${paper.number}`, body);
}

/** The JSON answer: public facts, the status as of now, and nothing internal (no case id). */
export function verificationJson(certificate: PublicCertificate, now: Date): CertificateVerification {
  const status = effectiveStatus(certificate, now);
  return {
    number: certificate.number,
    type: certificate.certificateType,
    title: CERTIFICATE_TITLES[certificate.certificateType],
    status,
    valid: status === "valid",
    county: { code: certificate.countyCode, name: certificate.countyName },
    townshipCode: certificate.townshipCode,
    villageCode: certificate.villageCode,
    headOfHousehold: { name: certificate.headNameMasked, idNumber: certificate.headIdNumberMasked },
    approvedPlotAreaM2: certificate.approvedPlotAreaM2,
    houseFootprintM2: certificate.houseFootprintM2,
    floors: certificate.floors,
    approvedOn: certificate.approvedOn,
    validUntil: certificate.validUntil,
    ...(status === "revoked" && certificate.revocation ? { revocation: certificate.revocation } : {}),
    ...(certificate.supersededBy ? { supersededBy: certificate.supersededBy } : {}),
    ...(certificate.supersedes ? { supersedes: certificate.supersedes } : {}),
  };
}

const STATUS_TEXT: Readonly<Record<CertificateStatus, { zh: string; en: string; colour: string }>> = {
  valid: { zh: "有效", en: "Valid", colour: "#1b7f3b" },
  expired: { zh: "已过期", en: "Expired", colour: "#a15c00" },
  revoked: { zh: "已撤销", en: "Revoked", colour: "#b00020" },
  superseded: { zh: "已作废（已换发新证）", en: "Superseded (re-issued)", colour: "#6b4e00" },
};

const PAGE_STYLE = `
  body { font-family: system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; margin: 0; background: #f4f4f4; color: #111; }
  main { max-width: 34rem; margin: 0 auto; padding: 1rem; }
  .card { background: #fff; border-radius: 0.75rem; padding: 1.25rem; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
  h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
  .en { color: #555; font-size: .9rem; }
  .status { display: inline-block; color: #fff; border-radius: 999px; padding: .35rem 1rem; font-size: 1.2rem; margin: .75rem 0; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .5rem 1rem; margin: 1rem 0 0; }
  dt { color: #555; } dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
  footer { color: #666; font-size: .8rem; margin-top: 1rem; }
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${e(title)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body><main>${body}</main></body>
</html>
`;
}

const item = (zh: string, en: string, value: string) =>
  `<dt>${e(zh)}<br><span class="en">${e(en)}</span></dt><dd>${value}</dd>`;

export function renderVerificationPage(certificate: PublicCertificate, now: Date): string {
  const status = effectiveStatus(certificate, now);
  const text = STATUS_TEXT[status];
  const title = CERTIFICATE_TITLES[certificate.certificateType];
  const body = `<div class="card">
<h1>证书核验 <span class="en">Certificate verification</span></h1>
<p>${e(title.zh)}<br><span class="en">${e(title.en)}</span></p>
<p class="status" style="background:${text.colour}" data-status="${status}">${e(text.zh)} · ${e(text.en)}</p>
${
  status === "revoked" && certificate.revocation
    ? `<p class="notice" data-revocation>撤销原因 Reason: <strong>${e(certificate.revocation.reason)}</strong><br><span class="en">撤销时间 Revoked at ${e(certificate.revocation.at)}</span></p>`
    : ""
}${
  certificate.supersededBy
    ? `<p class="notice" data-superseded-by="${e(certificate.supersededBy)}">本证已由新证 <a href="./${encodeURIComponent(certificate.supersededBy)}">${e(certificate.supersededBy)}</a> 替代。<br><span class="en">Replaced by ${e(certificate.supersededBy)}.</span></p>`
    : ""
}${
  certificate.supersedes
    ? `<p class="notice">本证替代原证 ${e(certificate.supersedes)}。<span class="en">Replaces ${e(certificate.supersedes)}.</span></p>`
    : ""
}
<dl>
${item("证书编号", "Certificate no.", e(certificate.number))}
${item("户主", "Head of household", `${e(certificate.headNameMasked)}<br><span class="en">${e(certificate.headIdNumberMasked)}</span>`)}
${item("所在地", "Location", `${e(certificate.countyName.zh)} ${e(certificate.countyName.en)}<br><span class="en">乡镇 township ${e(certificate.townshipCode)} · 村 village ${e(certificate.villageCode)}</span>`)}
${item("批准用地面积", "Approved plot area", `${n(certificate.approvedPlotAreaM2)} m²`)}
${item("房基占地面积", "House footprint", `${n(certificate.houseFootprintM2)} m²`)}
${item("层数", "Floors", e(certificate.floors))}
${item("批准日期", "Approval date", e(certificate.approvedOn))}
${item("有效期至", "Valid until", e(certificate.validUntil))}
</dl>
<footer>个人信息已脱敏。如有疑问请联系乡镇人民政府。<br>Personal data is masked. Ask the township government if in doubt.</footer>
</div>`;
  return page(`${text.zh} · ${certificate.number}`, body);
}

export function renderUnknownCertificatePage(number: string): string {
  const body = `<div class="card">
<h1>未找到该证书 <span class="en">Certificate not found</span></h1>
<p class="status" style="background:#b00020" data-status="unknown">无此编号 · Unknown number</p>
<p>编号 <strong>${e(number)}</strong> 不是本平台签发的证书编号。请核对编号，或联系乡镇人民政府。</p>
<p class="en">No certificate with number <strong>${e(number)}</strong> was issued by this platform. Check the number or ask the township government.</p>
</div>`;
  return page("未找到该证书 · Certificate not found", body);
}
