import { describe, expect, it } from "vitest";
import {
  effectiveStatus,
  formatCertificateNumber,
  maskName,
  validUntil,
} from "#shared/certificates/certificate.ts";
import { publicFactsOfPaper } from "#shared/certificates/issue.ts";
import {
  renderUnknownCertificatePage,
  renderVerificationPage,
  verificationJson,
} from "#shared/certificates/verify.ts";
import { maskIdNumber } from "#shared/domain/id-number.ts";
import { SICHUAN_DEFAULT_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import { certificate } from "./support/papers.ts";

const ID_NUMBER = "11010519491231002X";
const paper = certificate("homestead_approval_certificate", {
  caseId: "case-1",
  household: { headName: "张桂兰", headIdNumberMasked: maskIdNumber(ID_NUMBER), memberCount: 4 },
  approvedOn: "2025-03-14",
  validUntil: "2027-03-13",
});
const publicFactsOf = (_paper: typeof paper) =>
  publicFactsOfPaper(
    _paper,
    { townshipCode: "511424100", villageCode: "511424100001" },
    SICHUAN_DEFAULT_POLICY,
  );

describe("public certificate facts", () => {
  it("keeps only masked personal data", () => {
    const record = publicFactsOf(paper);
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
    const record = publicFactsOf(paper);
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
  const record = publicFactsOf(paper);
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

describe("a certificate's life on the verification page", () => {
  const record = publicFactsOf(paper);
  it("says revoked, and why and when", () => {
    const revoked = {
      ...record,
      status: "revoked" as const,
      revocation: { reason: "以欺骗手段取得批准", at: "2025-05-01T02:00:00.000Z" },
    };
    const html = renderVerificationPage(revoked, new Date("2025-06-01T00:00:00Z"));
    expect(html).toContain('data-status="revoked"');
    expect(html).toContain("以欺骗手段取得批准");
    expect(verificationJson(revoked, new Date("2025-06-01T00:00:00Z"))).toMatchObject({
      status: "revoked",
      valid: false,
      revocation: { reason: "以欺骗手段取得批准" },
    });
  });

  it("says superseded and links the new number", () => {
    const old = { ...record, status: "superseded" as const, supersededBy: "511424-ZJDPZ-2025-00043" };
    const html = renderVerificationPage(old, new Date("2025-06-01T00:00:00Z"));
    expect(html).toContain('data-superseded-by="511424-ZJDPZ-2025-00043"');
    expect(verificationJson(old, new Date("2025-06-01T00:00:00Z"))).toMatchObject({
      status: "superseded",
      valid: false,
    });
  });
});
