/**
 * Paper facts of three cases for the rendering tests: a completed case (approved
 * with a smaller area and conditions, built, inspected), a refused case and a
 * corrected case (its certificate re-issued under a new number, extended once).
 */
import { getShippedPolicy } from "#shared/domain/policy/shipped-policies.ts";
import {
  renderAcceptancePdf,
  renderApprovalFormPdf,
  renderCertificatePdf,
  renderRefusalPdf,
  renderRegisterPdf,
} from "#shared/papers/documents.ts";
import type {
  AcceptancePaper,
  ApprovalFormPaper,
  CertificatePaper,
  Issuer,
  PlotAndBuilding,
  RefusalPaper,
  RegisterPaper,
} from "#shared/papers/facts.ts";

export const VERIFY_BASE = "https://nongfang.example.cn";

export const issuer = (seal?: Uint8Array): Issuer => ({
  countyName: { zh: "丹棱县", en: "Danling County" },
  province: { zh: "四川省", en: "Sichuan" },
  townshipCode: "511424100",
  townshipName: { zh: "丹棱镇", en: "Danling Town" },
  seal,
});

const household = { headName: "张桂兰", headIdNumberMasked: "110105********002X", memberCount: 4 };
const location = {
  address: "龙鹄村3组",
  villageName: { zh: "龙鹄村", en: "Longhu Village" },
  boundaries: { east: "村道", south: "李家承包地", west: "王家宅基地", north: "水渠" },
  landClass: "建设用地 construction land",
};
export const requested: PlotAndBuilding = {
  houseLandAreaM2: 120,
  ancillaryLandAreaM2: 30,
  totalAreaM2: 150,
  footprintM2: 120,
  floorAreaM2: 240.5,
  floors: 3,
  heightM: 10.5,
};
export const approved: PlotAndBuilding = {
  houseLandAreaM2: 100,
  ancillaryLandAreaM2: 30,
  totalAreaM2: 130,
  footprintM2: 95,
  floorAreaM2: 190,
  floors: 2,
  heightM: 7.2,
};
const CONDITIONS = ["退让村道 3 米建设", "竣工后 3 个月内拆除旧房并退还原宅基地"];

export function certificate(
  kind: CertificatePaper["kind"],
  overrides: Partial<CertificatePaper> = {},
): CertificatePaper {
  const number =
    overrides.number ??
    (kind === "homestead_approval_certificate" ? "511424-ZJDPZ-2026-00042" : "511424-XJGX-2026-00042");
  return {
    kind,
    number,
    caseId: "case-completed",
    issuer: issuer(),
    household,
    location,
    approved,
    conditions: CONDITIONS,
    landOwner: { zh: "龙鹄村农民集体", en: "The collective of Longhu Village" },
    approvedOn: "2026-03-14",
    validFrom: "2026-03-14",
    validUntil: "2028-03-13",
    validityMonths: 24,
    extensions: [],
    issuedAt: "2026-03-14T02:00:00.000Z",
    verifyUrl: `${VERIFY_BASE}/verify/${number}`,
    ...overrides,
  };
}

const opinions = [
  {
    step: { zh: "村级审核", en: "Village review" },
    outcome: { zh: "同意", en: "Approved" },
    comment: "材料真实完整",
    who: "李村官",
    role: "village_officer",
    when: "2026-03-02T03:00:00.000Z",
  },
  {
    step: { zh: "乡镇受理", en: "Township acceptance" },
    outcome: { zh: "受理", en: "Accepted" },
    who: "王窗口",
    role: "township_clerk",
    when: "2026-03-03T03:00:00.000Z",
  },
  {
    step: { zh: "部门联审", en: "Joint review" },
    department: { zh: "农业农村", en: "Agriculture" },
    outcome: { zh: "同意", en: "Approved" },
    comment: "符合一户一宅",
    who: "赵农业",
    role: "department_reviewer",
    when: "2026-03-06T03:00:00.000Z",
  },
  {
    step: { zh: "部门联审", en: "Joint review" },
    department: { zh: "自然资源", en: "Natural resources" },
    outcome: { zh: "同意", en: "Approved" },
    comment: "符合村庄规划",
    who: "钱自然",
    role: "department_reviewer",
    when: "2026-03-07T03:00:00.000Z",
  },
  {
    step: { zh: "乡镇审批", en: "Township approval" },
    outcome: { zh: "核减后批准", en: "Approved, reduced" },
    comment: "按标准核减面积",
    who: "孙镇长",
    role: "township_head",
    when: "2026-03-14T03:00:00.000Z",
    conditions: CONDITIONS,
  },
];

export const approvalForm = (overrides: Partial<ApprovalFormPaper> = {}): ApprovalFormPaper => ({
  caseId: "case-completed",
  kind: { zh: "宅基地和建房", en: "Homestead and house" },
  issuer: issuer(),
  household,
  location,
  reason: "现住房为危房，需新建住房",
  requested,
  approved,
  conditions: CONDITIONS,
  opinions,
  outcome: { zh: "批准", en: "Approved" },
  decidedOn: "2026-03-14",
  certificateNumbers: ["511424-ZJDPZ-2026-00042", "511424-XJGX-2026-00042"],
  verifyUrl: `${VERIFY_BASE}/verify/511424-ZJDPZ-2026-00042`,
  ...overrides,
});

export const refusal = (overrides: Partial<RefusalPaper> = {}): RefusalPaper => ({
  number: "511424-BYPZ-2026-00007",
  caseId: "case-refused",
  issuer: issuer(),
  household: { ...household, headName: "刘德华" },
  location,
  requested,
  submittedOn: "2026-02-01",
  reasons: ["申请户已有宅基地，不符合“一户一宅”规定", "拟用地块占用永久基本农田"],
  legalBasis: ["《中华人民共和国土地管理法》第六十二条第一款", "《中华人民共和国土地管理法》第四十四条"],
  reconsideration: { body: "丹棱县人民政府", days: 60 },
  litigation: { court: "丹棱县人民法院", months: 6 },
  decidedOn: "2026-02-20",
  verifyUrl: `${VERIFY_BASE}/verify/511424-BYPZ-2026-00007`,
  ...overrides,
});

export const acceptance = (overrides: Partial<AcceptancePaper> = {}): AcceptancePaper => ({
  caseId: "case-completed",
  issuer: issuer(),
  household,
  location,
  approved,
  measured: { plotAreaM2: 129.5, footprintM2: 101, floors: 2, heightM: 7.2 },
  areaTolerance: 0.02,
  oldPlotReturn: "承诺竣工后 3 个月内退还原宅基地",
  siteVisits: [
    {
      name: { zh: "选址踏勘", en: "Site check" },
      outcome: { zh: "符合", en: "Fits" },
      who: "赵农业",
      when: "2026-03-05T03:00:00.000Z",
      photoCount: 3,
    },
    {
      name: { zh: "开工放线", en: "Staking-out" },
      outcome: { zh: "已放线", en: "Staked" },
      who: "周巡查",
      when: "2026-04-01T03:00:00.000Z",
      photoCount: 4,
      measured: { plotAreaM2: 130 },
    },
    {
      name: { zh: "竣工验收", en: "Completion inspection" },
      outcome: { zh: "合格", en: "Passed" },
      who: "周巡查",
      when: "2026-09-01T03:00:00.000Z",
      photoCount: 6,
      measured: { plotAreaM2: 129.5, footprintM2: 101, floors: 2, heightM: 7.2 },
      comment: "房基占地略超",
    },
  ],
  opinions: opinions.slice(2, 4),
  conclusion: { zh: "验收合格（房基占地超出部分限期整改）", en: "Passed (footprint excess to be corrected)" },
  decidedOn: "2026-09-01",
  certificateNumbers: ["511424-ZJDPZ-2026-00042"],
  verifyUrl: `${VERIFY_BASE}/verify/511424-ZJDPZ-2026-00042`,
  ...overrides,
});

export const register = (): RegisterPaper => ({
  issuer: issuer(),
  generatedOn: "2026-10-01",
  filter: "全部状态 all statuses",
  rows: [
    {
      caseId: "case-completed",
      kind: "homestead",
      villageCode: "511424100001",
      headName: "张桂兰",
      status: "completed",
      submittedAt: "2026-02-28T03:00:00.000Z",
      decidedAt: "2026-03-14T03:00:00.000Z",
      certificateNumbers: "511424-ZJDPZ-2026-00042",
      overdue: false,
    },
    {
      caseId: "case-refused",
      kind: "homestead",
      villageCode: "511424100001",
      headName: "刘德华",
      status: "rejected",
      submittedAt: "2026-02-01T03:00:00.000Z",
      decidedAt: "2026-02-20T03:00:00.000Z",
      certificateNumbers: "",
      overdue: true,
    },
  ],
  continued: false,
});

/** The demo county's seal (danling-demo, township 511424100). */
export const demoSeal = Buffer.from(
  getShippedPolicy("danling-demo").papers.townships["511424100"]?.sealPngBase64 ?? "",
  "base64",
);

/** Every paper of the three cases: a completed one, a refused one and a corrected (re-issued, extended) one. */
export const PAPERS = {
  homestead_approval_certificate: () =>
    renderCertificatePdf(certificate("homestead_approval_certificate", { issuer: issuer(demoSeal) })),
  rural_construction_planning_permit: () =>
    renderCertificatePdf(certificate("rural_construction_planning_permit")),
  approval_form: () => renderApprovalFormPdf(approvalForm({ issuer: issuer(demoSeal) })),
  refusal_notice: () => renderRefusalPdf(refusal()),
  acceptance_record: () => renderAcceptancePdf(acceptance()),
  register: () => renderRegisterPdf(register()),
  corrected_certificate: () =>
    renderCertificatePdf(
      certificate("homestead_approval_certificate", {
        number: "511424-ZJDPZ-2026-00051",
        verifyUrl: `${VERIFY_BASE}/verify/511424-ZJDPZ-2026-00051`,
        supersedes: "511424-ZJDPZ-2026-00042",
        extensions: [{ on: "2028-02-01", until: "2029-03-13" }],
        validUntil: "2029-03-13",
      }),
    ),
} as const;
