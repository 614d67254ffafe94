import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { deviation } from "#shared/papers/documents.ts";
import { readPaper, squash } from "../support/pdf-reader.ts";
import * as cases from "./support/papers.ts";

const EXPECTED: Record<keyof typeof cases.PAPERS, { text: string[]; qr?: string }> = {
  homestead_approval_certificate: {
    text: [
      "农村宅基地批准书",
      "511424-ZJDPZ-2026-00042",
      "张桂兰",
      "110105********002X",
      "130平方米（其中住房用地100平方米，附属用地30平方米）",
      "房基占地面积",
      "95平方米",
      "龙鹄村农民集体",
      "东至村道；南至李家承包地；西至王家宅基地；北至水渠",
      "2026-03-14至2028-03-13（24个月）",
      "退让村道3米建设",
      "丹棱县丹棱镇人民政府",
    ],
    qr: `${cases.VERIFY_BASE}/verify/511424-ZJDPZ-2026-00042`,
  },
  rural_construction_planning_permit: {
    text: [
      "乡村建设规划许可证",
      "建设单位（个人）",
      "农村村民住宅",
      "建筑面积190平方米，2层，高度7.2米",
      "未配置电子印章",
      "Noseal configured".replace(" ", ""),
    ],
    qr: `${cases.VERIFY_BASE}/verify/511424-XJGX-2026-00042`,
  },
  approval_form: {
    text: [
      "农村宅基地和建房（规划许可）审批表",
      "申请用地",
      "150平方米",
      "批准用地",
      "130平方米",
      "村级审核",
      "李村官",
      "部门联审",
      "自然资源",
      "钱自然",
      "2026-03-07",
      "核减后批准",
      "孙镇长",
    ],
    qr: `${cases.VERIFY_BASE}/verify/511424-ZJDPZ-2026-00042`,
  },
  refusal_notice: {
    text: [
      "不予批准决定书",
      "511424-BYPZ-2026-00007",
      "刘德华",
      "不符合“一户一宅”规定",
      "《中华人民共和国土地管理法》第六十二条第一款",
      "60日内向丹棱县人民政府申请行政复议",
      "6个月内向丹棱县人民法院提起行政诉讼",
    ],
    qr: `${cases.VERIFY_BASE}/verify/511424-BYPZ-2026-00007`,
  },
  acceptance_record: {
    text: [
      "验收意见表",
      "批准",
      "实测",
      "95m²",
      "101m²",
      "超出+6m²",
      "DEVIATION",
      "开工放线",
      "4张",
      "6张",
      "验收合格",
    ],
    qr: `${cases.VERIFY_BASE}/verify/511424-ZJDPZ-2026-00042`,
  },
  register: { text: ["农村宅基地和建房审批台账", "case-completed", "张桂兰", "rejected", "超期", "共2条"] },
  corrected_certificate: {
    text: ["511424-ZJDPZ-2026-00051", "本证替代原证511424-ZJDPZ-2026-00042", "2028-02-01延期至2029-03-13"],
    qr: `${cases.VERIFY_BASE}/verify/511424-ZJDPZ-2026-00051`,
  },
};

/** Reviewers' screenshots: `UPDATE_PAPER_SCREENSHOTS=1 npx vitest run test/unit/papers-render.test.ts`. */
const SCREENSHOTS = process.env.UPDATE_PAPER_SCREENSHOTS === "1";

describe("printed papers", () => {
  for (const [name, render] of Object.entries(cases.PAPERS)) {
    const expected = EXPECTED[name as keyof typeof cases.PAPERS];
    it(`${name}: an A4 PDF whose text layer, rendering and QR code read back`, async () => {
      const pdf = await render();
      expect(Buffer.from(pdf.subarray(0, 5)).toString()).toBe("%PDF-");
      // Subsetted fonts: a page of Chinese stays small (the whole font is ~10 MB).
      expect(pdf.length).toBeLessThan(150_000);
      const read = readPaper(pdf);
      expect(read.warnings).toBe("");
      const text = squash(read.text);
      for (const field of expected.text) expect(text).toContain(squash(field));
      expect(read.qr).toBe(expected.qr);
      if (SCREENSHOTS) {
        const directory = path.resolve("docs/papers");
        mkdirSync(directory, { recursive: true });
        const file = path.join(directory, `${name}.pdf`);
        writeFileSync(file, pdf);
        execFileSync("pdftoppm", [
          "-r",
          "60",
          "-png",
          "-singlefile",
          "-f",
          "1",
          "-l",
          "1",
          file,
          file.replace(/\.pdf$/, ""),
        ]);
        rmSync(file);
      }
    }, 30_000);
  }

  it("is A4 and embeds a subset of Noto Sans SC, not the whole font", async () => {
    const pdf = await cases.PAPERS.approval_form();
    const directory = readPaper(pdf);
    expect(directory.pages).toBeGreaterThanOrEqual(1);
    const info = execFileSync("pdfinfo", ["-"], { input: Buffer.from(pdf), encoding: "utf8" });
    expect(info).toMatch(/Page size:\s+595\.28 x 841\.89 pts \(A4\)/);
    const fonts = execFileSync("pdffonts", ["-"], { input: Buffer.from(pdf), encoding: "utf8" });
    expect(fonts).toMatch(/NFAAAA\+NotoSansSC-Regular\s+CID TrueType\s+Identity-H\s+yes yes yes/);
  }, 30_000);

  it("regenerates byte-identical PDFs from the same facts", async () => {
    for (const render of Object.values(cases.PAPERS)) {
      const first = Buffer.from(await render());
      const second = Buffer.from(await render());
      expect(second.equals(first)).toBe(true);
    }
  }, 60_000);

  it("flags a measured value above the approved one beyond the tolerance only", () => {
    expect(deviation(100, 101.9, 0.02)).toBe("ok");
    expect(deviation(100, 102.1, 0.02)).toBe("over");
    expect(deviation(2, 3, 0)).toBe("over");
    expect(deviation(2, undefined, 0)).toBe("—");
  });
});
