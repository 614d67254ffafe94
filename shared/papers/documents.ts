/**
 * The printed papers as A4 PDFs, from the facts of shared/papers/facts.ts:
 * the two certificates, the approval form (审批表), the refusal notice
 * (不予批准决定书), the completion inspection opinion (验收意见表) and the
 * register (台账). Same facts, same bytes (see ./pdf.ts).
 */
import {
  type AcceptancePaper,
  type ApprovalFormPaper,
  type CertificatePaper,
  type Household,
  type Issuer,
  type Location,
  formatNumber as n,
  type Opinion,
  PAPER_TITLES,
  type PlotAndBuilding,
  type RefusalPaper,
  type RegisterPaper,
} from "./facts.ts";
import { type Cell, GREY, Paper, RED } from "./pdf.ts";

const issuerName = (issuer: Issuer) => `${issuer.countyName.zh}${issuer.townshipName.zh}人民政府`;
const chinaDay = (iso: string) => iso.slice(0, 10);
/** The instant a paper's facts were fixed: noon China time of its date (the PDF dates). */
const paperDate = (day: string) => new Date(`${day}T04:00:00.000Z`);

const boundaries = (location: Location) =>
  `东至 ${location.boundaries.east}；南至 ${location.boundaries.south}；西至 ${location.boundaries.west}；北至 ${location.boundaries.north}`;
const head = (household: Household) => `${household.headName}（身份证号 ${household.headIdNumberMasked}）`;
const plotArea = (values: PlotAndBuilding) =>
  `${n(values.totalAreaM2)} 平方米（其中住房用地 ${n(values.houseLandAreaM2)} 平方米，附属用地 ${n(values.ancillaryLandAreaM2)} 平方米）`;
const building = (values: PlotAndBuilding) =>
  `建筑面积 ${n(values.floorAreaM2)} 平方米，${values.floors} 层，高度 ${n(values.heightM)} 米`;

async function create(title: { zh: string; en: string }, issuer: Issuer, day: string, reference: string) {
  return Paper.create(
    {
      title: `${title.zh} ${reference}`,
      author: issuerName(issuer),
      subject: title.en,
      date: paperDate(day),
    },
    `${title.zh} · ${reference}`,
  );
}

export async function renderCertificatePdf(facts: CertificatePaper): Promise<Uint8Array> {
  const title = PAPER_TITLES[facts.kind];
  const paper = await create(title, facts.issuer, facts.approvedOn, facts.number);
  paper.title(title.zh, title.en, RED);
  paper.text(`编号 No. ${facts.number}`, { size: 11, align: "right", bold: true });
  if (facts.supersedes) {
    paper.text(`本证替代原证 ${facts.supersedes}（原证作废） Replaces ${facts.supersedes}`, {
      size: 9,
      align: "right",
      color: GREY,
    });
  }
  paper.space(4);
  const { approved, location, household } = facts;
  const validity = [`${facts.validFrom} 至 ${facts.validUntil}（${facts.validityMonths} 个月）`]
    .concat(facts.extensions.map((extension) => `${extension.on} 延期至 ${extension.until}`))
    .join("\n");
  const rows: [string, string, string, string?][] =
    facts.kind === "homestead_approval_certificate"
      ? [
          ["户主姓名", "Head of household", head(household)],
          ["家庭人口", "Household members", `${household.memberCount} 人`],
          ["批准用地面积", "Approved plot area", plotArea(approved)],
          ["房基占地面积", "House footprint", `${n(approved.footprintM2)} 平方米`],
          ["土地所有权人", "Land owner", facts.landOwner.zh, facts.landOwner.en],
          ["土地用途", "Land use", "农村村民住宅用地（宅基地）", "Rural homestead"],
          [
            "坐落",
            "Location",
            location.address,
            `${facts.issuer.townshipName.zh} ${location.villageName.zh}`,
          ],
          ["四至", "Boundaries (E/S/W/N)", boundaries(location)],
          ["批准建房", "Approved building", building(approved)],
          ["批准日期", "Approval date", facts.approvedOn],
          ["有效期", "Validity", validity, "未在有效期内开工建设的，批准书失效（可依规定申请延期）"],
        ]
      : [
          ["建设单位（个人）", "Builder (household)", head(household)],
          ["建设项目名称", "Project", "农村村民住宅", "Rural villager's house"],
          [
            "建设位置",
            "Location",
            location.address,
            `${facts.issuer.townshipName.zh} ${location.villageName.zh}`,
          ],
          ["四至", "Boundaries (E/S/W/N)", boundaries(location)],
          ["用地面积", "Land area", plotArea(approved)],
          ["建设规模", "Scale", `${building(approved)}；房基占地 ${n(approved.footprintM2)} 平方米`],
          ["土地所有权人", "Land owner", facts.landOwner.zh, facts.landOwner.en],
          ["批准日期", "Approval date", facts.approvedOn],
          ["有效期", "Validity", validity, "有效期内未开工建设且未申请延期的，本证自行失效"],
        ];
  rows.push([
    "附加条件",
    "Conditions",
    facts.conditions.length ? facts.conditions.map((c, i) => `${i + 1}. ${c}`).join("\n") : "无",
  ]);
  paper.fields(rows, 0.26, 9.5);
  paper.space(4);
  paper.text(
    facts.kind === "homestead_approval_certificate"
      ? "经审核，同意你户在上述位置使用宅基地建设住房。请在开工前申请放线，按批准的面积、四至、层数和高度建设，竣工后申请验收。"
      : "经审核，本建设工程符合国土空间规划和用途管制要求，准予建设。请按许可内容施工，不得擅自变更。",
    { size: 10 },
  );
  paper.space(4);
  await paper.signature({
    issuer: issuerName(facts.issuer),
    date: facts.approvedOn,
    seal: facts.issuer.seal,
    verifyUrl: facts.verifyUrl,
  });
  paper.frame();
  return paper.save();
}

function opinionRows(opinions: readonly Opinion[]): Cell[][] {
  return [
    [
      { text: "环节 / 部门", shade: true, bold: true },
      { text: "意见", shade: true, bold: true },
      { text: "经办人", shade: true, bold: true },
      { text: "日期", shade: true, bold: true },
    ],
    ...opinions.map((opinion) => [
      { text: opinion.step.zh, note: opinion.department?.zh ?? opinion.step.en },
      {
        text: [
          opinion.outcome.zh,
          opinion.comment ? `：${opinion.comment}` : "",
          opinion.conditions?.length ? `\n附加条件：${opinion.conditions.join("；")}` : "",
        ].join(""),
      },
      { text: opinion.who, note: opinion.role },
      { text: opinion.when.slice(0, 10), note: opinion.when.slice(11, 16) },
    ]),
  ];
}

const OPINION_WIDTHS = [0.24, 0.46, 0.17, 0.13];

/** The opinions of the steps and departments under a heading. */
function opinionsTable(paper: Paper, heading: string, opinions: readonly Opinion[]): void {
  paper.text(heading, { size: 11, bold: true });
  paper.space(3);
  paper.table(opinionRows(opinions), OPINION_WIDTHS, 9);
}

/** Signs a decided paper in its issuer's name on the day of the decision; returns its bytes. */
async function signedOnDecision(
  paper: Paper,
  facts: { issuer: Issuer; decidedOn: string },
): Promise<Uint8Array> {
  await paper.signature({ issuer: issuerName(facts.issuer), date: facts.decidedOn, seal: facts.issuer.seal });
  return paper.save();
}

export async function renderApprovalFormPdf(facts: ApprovalFormPaper): Promise<Uint8Array> {
  const title = PAPER_TITLES.approval_form;
  const paper = await create(title, facts.issuer, facts.decidedOn, facts.caseId);
  paper.cornerQr(facts.verifyUrl);
  paper.title(title.zh, title.en, undefined, 17);
  paper.text(`案件编号 Case ${facts.caseId} · ${facts.kind.zh}`, { size: 9, color: GREY });
  paper.space(3);
  const { requested, approved } = facts;
  paper.fields(
    [
      ["户主", "Head of household", head(facts.household)],
      ["家庭人口", "Household members", `${facts.household.memberCount} 人`],
      [
        "坐落",
        "Location",
        facts.location.address,
        `${facts.issuer.townshipName.zh} ${facts.location.villageName.zh}`,
      ],
      ["四至", "Boundaries", boundaries(facts.location)],
      ["地类", "Land class", facts.location.landClass],
      ["申请理由", "Reason", facts.reason],
      ["申请用地", "Requested plot", plotArea(requested)],
      ["申请建房", "Requested building", building(requested)],
      ["批准用地", "Approved plot", approved ? plotArea(approved) : "—"],
      [
        "批准建房",
        "Approved building",
        approved ? `${building(approved)}；房基占地 ${n(approved.footprintM2)} 平方米` : "—",
      ],
      ["附加条件", "Conditions", facts.conditions.length ? facts.conditions.join("；") : "无"],
      ["审批结果", "Outcome", `${facts.outcome.zh}（${facts.decidedOn}）`, facts.outcome.en],
      ["证书编号", "Certificates", facts.certificateNumbers.join("，") || "—"],
    ],
    0.22,
  );
  paper.space(6);
  opinionsTable(paper, "各环节及部门意见 Opinions of each step and department", facts.opinions);
  paper.space(6);
  return signedOnDecision(paper, facts);
}

export async function renderRefusalPdf(facts: RefusalPaper): Promise<Uint8Array> {
  const title = PAPER_TITLES.refusal_notice;
  const paper = await create(title, facts.issuer, facts.decidedOn, facts.number);
  paper.cornerQr(facts.verifyUrl);
  paper.title(title.zh, title.en, undefined, 17);
  paper.text(`${facts.number}`, { size: 11, align: "center" });
  paper.space(8);
  const body = (text: string) => {
    paper.text(text, { size: 11.5, indent: 0 });
    paper.space(4);
  };
  body(`${facts.household.headName}（身份证号 ${facts.household.headIdNumberMasked}）：`);
  body(
    `　　你户于 ${facts.submittedOn} 提出的农村宅基地和建房（规划许可）申请（${facts.issuer.townshipName.zh}${facts.location.villageName.zh} ${facts.location.address}，申请用地 ${n(facts.requested.totalAreaM2)} 平方米，建筑面积 ${n(facts.requested.floorAreaM2)} 平方米，${facts.requested.floors} 层），经审查，决定不予批准。`,
  );
  paper.text("不予批准的理由 Reasons:", { size: 11.5, bold: true });
  facts.reasons.forEach((reason, index) => {
    paper.text(`${index + 1}. ${reason}`, { size: 11, indent: 12 });
  });
  paper.space(4);
  paper.text("依据 Legal basis:", { size: 11.5, bold: true });
  facts.legalBasis.forEach((basis, index) => {
    paper.text(`${index + 1}. ${basis}`, { size: 11, indent: 12 });
  });
  paper.space(6);
  body(
    `　　如不服本决定，可以自收到本决定书之日起 ${facts.reconsideration.days} 日内向${facts.reconsideration.body}申请行政复议，也可以自收到本决定书之日起 ${facts.litigation.months} 个月内向${facts.litigation.court}提起行政诉讼。`,
  );
  paper.text(
    `Rights: administrative reconsideration by ${facts.reconsideration.body} within ${facts.reconsideration.days} days, or an administrative lawsuit at ${facts.litigation.court} within ${facts.litigation.months} months, of receiving this notice.`,
    { size: 8.5, color: GREY },
  );
  paper.space(10);
  return signedOnDecision(paper, facts);
}

/** Measured against approved: a flag when it exceeds (areas beyond the tolerance; floors and height at all). */
export function deviation(
  approved: number,
  measured: number | undefined,
  tolerance: number,
): "ok" | "over" | "—" {
  if (measured === undefined) return "—";
  return measured > approved * (1 + tolerance) + 1e-9 ? "over" : "ok";
}

export async function renderAcceptancePdf(facts: AcceptancePaper): Promise<Uint8Array> {
  const title = PAPER_TITLES.acceptance_record;
  const paper = await create(title, facts.issuer, facts.decidedOn, facts.caseId);
  paper.cornerQr(facts.verifyUrl);
  paper.title(title.zh, title.en, undefined, 17);
  paper.text(`案件编号 Case ${facts.caseId} · 证书 ${facts.certificateNumbers.join("，") || "—"}`, {
    size: 9,
    color: GREY,
  });
  paper.space(3);
  paper.fields(
    [
      ["户主", "Head of household", head(facts.household)],
      [
        "坐落",
        "Location",
        facts.location.address,
        `${facts.issuer.townshipName.zh} ${facts.location.villageName.zh}`,
      ],
      ["四至", "Boundaries", boundaries(facts.location)],
    ],
    0.22,
  );
  paper.space(6);
  paper.text("批准与实测对照 Approved vs measured", { size: 11, bold: true });
  paper.space(3);
  const { approved, measured, areaTolerance } = facts;
  const compare = (
    zh: string,
    en: string,
    want: number,
    got: number | undefined,
    unit: string,
    tolerance: number,
  ): Cell[] => {
    const flag = deviation(want, got, tolerance);
    return [
      { text: zh, note: en, shade: true },
      { text: `${n(want)} ${unit}` },
      { text: got === undefined ? "未测 not measured" : `${n(got)} ${unit}` },
      flag === "over"
        ? { text: `超出 +${n((got ?? 0) - want)} ${unit}`, note: "DEVIATION", bold: true, color: RED }
        : { text: flag === "ok" ? "符合" : "—", note: flag === "ok" ? "within approval" : "" },
    ];
  };
  paper.table(
    [
      [
        { text: "项目", shade: true, bold: true },
        { text: "批准", shade: true, bold: true },
        { text: "实测", shade: true, bold: true },
        { text: "偏差", shade: true, bold: true },
      ],
      compare("宅基地面积", "Plot area", approved.totalAreaM2, measured.plotAreaM2, "m²", areaTolerance),
      compare("房基占地", "Footprint", approved.footprintM2, measured.footprintM2, "m²", areaTolerance),
      compare("层数", "Floors", approved.floors, measured.floors, "层", 0),
      compare("高度", "Height", approved.heightM, measured.heightM, "米", 0),
    ],
    [0.28, 0.22, 0.22, 0.28],
  );
  paper.space(4);
  paper.fields([["旧宅处置", "Old plot", facts.oldPlotReturn]], 0.22);
  paper.space(6);
  paper.text("现场查验（三到场） Site visits", { size: 11, bold: true });
  paper.space(3);
  paper.table(
    [
      [
        { text: "到场", shade: true, bold: true },
        { text: "结果", shade: true, bold: true },
        { text: "照片", shade: true, bold: true },
        { text: "经办人 / 日期", shade: true, bold: true },
      ],
      ...facts.siteVisits.map((visit) => [
        { text: visit.name.zh, note: visit.name.en },
        {
          text: `${visit.outcome.zh}${visit.comment ? `：${visit.comment}` : ""}`,
          ...(visit.measured
            ? {
                note: Object.entries(visit.measured)
                  .map(([key, value]) => `${key} ${n(value)}`)
                  .join(", "),
              }
            : {}),
        },
        { text: `${visit.photoCount} 张` },
        { text: visit.who, note: visit.when.slice(0, 10) },
      ]),
    ],
    [0.24, 0.42, 0.12, 0.22],
    9,
  );
  paper.space(6);
  opinionsTable(paper, "部门意见 Opinions", facts.opinions);
  paper.space(4);
  paper.fields([["乡镇验收结论", "Township conclusion", facts.conclusion.zh, facts.conclusion.en]], 0.22);
  paper.space(4);
  return signedOnDecision(paper, facts);
}

export async function renderRegisterPdf(facts: RegisterPaper): Promise<Uint8Array> {
  const title = PAPER_TITLES.register;
  const paper = await create(
    title,
    facts.issuer,
    facts.generatedOn,
    `${facts.issuer.townshipCode} ${facts.generatedOn}`,
  );
  paper.title(title.zh, title.en);
  paper.text(`${issuerName(facts.issuer)} · ${facts.filter} · 打印日期 ${facts.generatedOn}`, {
    size: 9,
    align: "center",
    color: GREY,
  });
  paper.space(4);
  paper.table(
    [
      ["案件编号", "类型", "村", "户主", "状态", "提交", "决定", "证书编号"].map((text) => ({
        text,
        shade: true,
        bold: true,
      })),
      ...facts.rows.map((row) => [
        { text: row.caseId },
        { text: row.kind },
        { text: row.villageCode },
        { text: row.headName },
        { text: row.status, ...(row.overdue ? { note: "超期 overdue", color: RED } : {}) },
        { text: row.submittedAt ? chinaDay(row.submittedAt) : "—" },
        { text: row.decidedAt ? chinaDay(row.decidedAt) : "—" },
        { text: row.certificateNumbers || "—" },
      ]),
    ],
    [0.16, 0.08, 0.13, 0.09, 0.13, 0.1, 0.1, 0.21],
    7.5,
  );
  paper.space(4);
  paper.text(
    facts.continued
      ? `共 ${facts.rows.length} 条（未完，下一页请用 cursor 继续导出） ${facts.rows.length} rows, continued`
      : `共 ${facts.rows.length} 条 ${facts.rows.length} rows`,
    { size: 9 },
  );
  return paper.save();
}
