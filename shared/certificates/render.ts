/**
 * The printable certificate: one self-contained HTML page (A4, print styles,
 * inline SVG QR code). HTML avoids shipping CJK fonts: every phone and PC can
 * render and print Chinese text with its own fonts.
 */
import QRCode from "qrcode";
import { CERTIFICATE_TITLES, type CertificateFacts } from "./certificate.ts";
import { escapeHtml as e, formatNumber as n } from "./html.ts";

/** The QR code as an SVG element; medium error correction survives a creased printout. */
export async function qrSvg(url: string): Promise<string> {
  return QRCode.toString(url, { type: "svg", errorCorrectionLevel: "M", margin: 1 });
}

const STYLE = `
  @page { size: A4; margin: 18mm; }
  * { box-sizing: border-box; }
  body { font-family: "Songti SC", "SimSun", "Noto Serif CJK SC", "Source Han Serif SC", serif; color: #111; margin: 0; }
  main { max-width: 210mm; margin: 0 auto; padding: 12mm; border: 3px double #8b0000; }
  h1 { text-align: center; font-size: 26pt; letter-spacing: 0.3em; margin: 0 0 2mm; color: #8b0000; }
  .en-title { text-align: center; font-size: 11pt; margin: 0 0 6mm; color: #444; }
  .number { text-align: right; font-size: 11pt; margin-bottom: 4mm; }
  table { width: 100%; border-collapse: collapse; font-size: 12pt; }
  th, td { border: 1px solid #333; padding: 2.5mm 3mm; vertical-align: top; text-align: left; }
  th { width: 32%; background: #f6f0e6; font-weight: normal; }
  th small, td small { display: block; color: #555; font-size: 8.5pt; }
  .footer { display: flex; justify-content: space-between; align-items: flex-end; margin-top: 8mm; gap: 6mm; }
  .qr { width: 34mm; text-align: center; font-size: 8pt; word-break: break-all; }
  .qr svg { width: 34mm; height: 34mm; }
  .issuer { text-align: right; font-size: 12pt; line-height: 2; }
  @media print { body { -webkit-print-color-adjust: exact; print-color-adjust: exact; } main { border-width: 3px; } }
  @media screen and (max-width: 600px) { main { padding: 4mm; border-width: 2px; } h1 { font-size: 18pt; letter-spacing: 0.1em; } th { width: 40%; } }
`;

function row(zh: string, en: string, value: string): string {
  return `<tr><th>${e(zh)}<small>${e(en)}</small></th><td>${value}</td></tr>`;
}

export async function renderCertificateHtml(facts: CertificateFacts, verifyUrl: string): Promise<string> {
  const title = CERTIFICATE_TITLES[facts.type];
  const { plot, building, head } = facts;
  const boundaries = `东至 ${e(plot.boundaries.east)}；南至 ${e(plot.boundaries.south)}；西至 ${e(
    plot.boundaries.west,
  )}；北至 ${e(plot.boundaries.north)}<small>East / South / West / North</small>`;
  const rows = [
    row("证书编号", "Certificate no.", e(facts.number)),
    row("户主", "Head of household", `${e(head.name)}<small>身份证号 ID: ${e(head.idNumberMasked)}</small>`),
    row("土地所有权人", "Land owner", `${e(facts.landOwner.zh)}<small>${e(facts.landOwner.en)}</small>`),
    row(
      "坐落",
      "Location",
      `${e(plot.address)}<small>${e(facts.county.province.zh)}${e(facts.county.name.zh)}，乡镇代码 ${e(facts.townshipCode)}，村代码 ${e(facts.villageCode)}</small>`,
    ),
    row("四至", "Boundaries", boundaries),
    row(
      "批准用地面积",
      "Approved plot area",
      `${n(plot.totalAreaM2)} 平方米 m²<small>其中住房用地 ${n(plot.houseLandAreaM2)} m²，附属用地 ${n(plot.ancillaryLandAreaM2)} m² / house land and ancillary land</small>`,
    ),
    row("房基占地面积", "House footprint", `${n(plot.houseLandAreaM2)} 平方米 m²`),
    row(
      "建筑面积、层数、高度",
      "Floor area, floors, height",
      `${n(building.floorAreaM2)} m²，${e(building.floors)} 层 floors，${n(building.heightM)} 米 m`,
    ),
    row("批准日期", "Approval date", e(facts.approvedOn)),
    row(
      "有效期",
      "Validity period",
      `${e(facts.approvedOn)} 至 ${e(facts.validUntil)}（${e(facts.validityMonths)} 个月）<small>Valid from ${e(facts.approvedOn)} to ${e(facts.validUntil)} (${e(facts.validityMonths)} months)</small>`,
    ),
  ].join("\n");
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title.zh)} ${e(facts.number)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${e(title.zh)}</h1>
<p class="en-title">${e(title.en)}</p>
<p class="number">编号 No. <strong>${e(facts.number)}</strong></p>
<table>
${rows}
</table>
<div class="footer">
<figure class="qr" data-verify-url="${e(verifyUrl)}">${await qrSvg(verifyUrl)}<figcaption>扫码核验 Scan to verify<br>${e(verifyUrl)}</figcaption></figure>
<div class="issuer">${e(facts.county.name.zh)}<br>乡（镇）人民政府（盖章）<br>Township government (seal)<br>${e(facts.approvedOn)}</div>
</div>
</main>
</body>
</html>
`;
}
