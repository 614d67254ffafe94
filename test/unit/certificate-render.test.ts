import { describe, expect, it } from "vitest";
import {
  type CertificateFacts,
  effectiveStatus,
  formatCertificateNumber,
  maskName,
  publicFactsOf,
  validUntil,
  verifyUrl,
} from "#shared/certificates/certificate.ts";
import { qrSvg, renderCertificateHtml } from "#shared/certificates/render.ts";
import {
  renderUnknownCertificatePage,
  renderVerificationPage,
  verificationJson,
} from "#shared/certificates/verify.ts";
import { maskIdNumber } from "#shared/domain/id-number.ts";

const ID_NUMBER = "11010519491231002X";
const facts: CertificateFacts = {
  type: "homestead_approval_certificate",
  number: "511424-ZJDPZ-2025-00042",
  caseId: "case-1",
  county: {
    code: "511424",
    name: { zh: "丹棱县", en: "Danling County" },
    province: { zh: "四川省", en: "Sichuan" },
  },
  townshipCode: "511424100",
  villageCode: "511424100001",
  head: { name: "张桂兰", idNumberMasked: maskIdNumber(ID_NUMBER) },
  plot: {
    address: "丹棱镇龙鹄村3组",
    boundaries: { east: "村道", south: "李家承包地", west: "王家宅基地", north: "<script>水渠</script>" },
    totalAreaM2: 150,
    houseLandAreaM2: 120,
    ancillaryLandAreaM2: 30,
  },
  building: { floorAreaM2: 240.5, floors: 2, heightM: 7.2 },
  landOwner: { zh: "丹棱镇龙鹄村农民集体", en: "The village collective" },
  approvedOn: "2025-03-14",
  validUntil: "2027-03-13",
  validityMonths: 24,
  issuedAt: "2025-03-14T02:00:00.000Z",
};
const url = verifyUrl("https://nongfang.example.cn/", facts.number);

describe("renderCertificateHtml", () => {
  it("prints every field of the approval certificate, in Chinese", async () => {
    const html = await renderCertificateHtml(facts, url);
    for (const text of [
      "农村宅基地批准书",
      "证书编号",
      "511424-ZJDPZ-2025-00042",
      "户主",
      "张桂兰",
      "批准用地面积",
      "150 平方米",
      "房基占地面积",
      "120 平方米",
      "土地所有权人",
      "丹棱镇龙鹄村农民集体",
      "坐落",
      "丹棱镇龙鹄村3组",
      "四至",
      "东至 村道",
      "南至 李家承包地",
      "有效期",
      "2025-03-14 至 2027-03-13",
      "批准日期",
    ]) {
      expect(html).toContain(text);
    }
    expect(html).toMatch(/<html lang="zh-CN">/);
    expect(html).toMatch(/@media print/);
    expect(html).toMatch(/size: A4/);
  });

  it("masks the ID number and escapes every value", async () => {
    const html = await renderCertificateHtml(facts, url);
    expect(html).not.toContain(ID_NUMBER);
    expect(html).toContain("1101**********002X");
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;水渠");
  });

  it("embeds a QR code SVG that encodes the verification URL", async () => {
    const html = await renderCertificateHtml(facts, url);
    expect(url).toBe("https://nongfang.example.cn/verify/511424-ZJDPZ-2025-00042");
    expect(html).toContain("<svg");
    // The same URL gives the same matrix: the embedded SVG is exactly the QR of the verify URL, not of another one.
    expect(html).toContain(await qrSvg(url));
    expect(html).not.toContain(
      await qrSvg(verifyUrl("https://nongfang.example.cn", "511424-ZJDPZ-2025-00043")),
    );
    expect(html).toContain(`data-verify-url="${url}"`);
  });

  it("titles a planning permit as 乡村建设规划许可证", async () => {
    const html = await renderCertificateHtml({ ...facts, type: "rural_construction_planning_permit" }, url);
    expect(html).toContain("乡村建设规划许可证");
    expect(html).toContain("Rural construction planning permit");
  });
});

describe("public certificate facts", () => {
  it("keeps only masked personal data", () => {
    const record = publicFactsOf(facts);
    expect(record).toMatchObject({
      headNameMasked: "张**",
      headIdNumberMasked: "1101**********002X",
      status: "valid",
    });
    expect(JSON.stringify(record)).not.toContain("张桂兰");
    expect(JSON.stringify(record)).not.toContain(ID_NUMBER);
    expect(JSON.stringify(record)).not.toContain("case-1");
  });

  it("masks names to the surname", () => {
    expect(maskName("张三")).toBe("张*");
    expect(maskName("欧阳娜娜")).toBe("欧***");
    expect(maskName("X")).toBe("*");
  });

  it("is expired the day after validUntil (China time) and valid on that day", () => {
    const record = publicFactsOf(facts);
    expect(effectiveStatus(record, new Date("2027-03-13T15:59:00Z"))).toBe("valid");
    expect(effectiveStatus(record, new Date("2027-03-13T16:00:00Z"))).toBe("expired");
    expect(effectiveStatus({ ...record, status: "revoked" }, new Date("2025-04-01T00:00:00Z"))).toBe(
      "revoked",
    );
  });

  it("computes validity by calendar months, clamped to the month's end", () => {
    expect(validUntil("2025-03-14", 24)).toBe("2027-03-13");
    expect(validUntil("2025-01-31", 1)).toBe("2025-02-27");
    expect(validUntil("2024-02-29", 12)).toBe("2025-02-27");
  });

  it("formats numbers as prefix-year-sequence", () => {
    expect(formatCertificateNumber("511424-XJGX", "2025", 7)).toBe("511424-XJGX-2025-00007");
  });
});

describe("verification page", () => {
  const record = publicFactsOf(facts);
  it("shows validity and masked facts, zh-CN first", () => {
    const html = renderVerificationPage(record, new Date("2025-06-01T00:00:00Z"));
    expect(html).toContain('lang="zh-CN"');
    expect(html).toContain('data-status="valid"');
    expect(html).toContain("有效");
    expect(html).toContain("张**");
    expect(html).not.toContain("张桂兰");
    expect(html).toContain('name="viewport"');
  });

  it("shows expired after the validity period", () => {
    const html = renderVerificationPage(record, new Date("2028-01-01T00:00:00Z"));
    expect(html).toContain('data-status="expired"');
    expect(html).toContain("已过期");
    expect(verificationJson(record, new Date("2028-01-01T00:00:00Z"))).toMatchObject({
      status: "expired",
      valid: false,
    });
  });

  it("says an unknown number is unknown, escaping it", () => {
    const html = renderUnknownCertificatePage("<b>X</b>");
    expect(html).toContain("未找到该证书");
    expect(html).toContain("&lt;b&gt;X&lt;/b&gt;");
  });
});
