/**
 * From stored data to paper facts: the case (record, steps, events), the
 * county policy (seal, refusal basis, validity) and the reference data (the
 * township's and the village's names: the village collective owns the land).
 * Pure functions of what was read, so a paper regenerates byte for byte.
 */
import { chinaDate, validUntil } from "../certificates/certificate.ts";
import { maskIdNumber } from "../domain/id-number.ts";
import {
  type ApplicationComplete,
  applicationCompleteSchema,
  formHouseholdSize,
} from "../schemas/application.ts";
import type { AuditEvent } from "../schemas/audit-event.ts";
import type { CaseRecord, StepRecord } from "../schemas/case.ts";
import type { CertificateType, LocalizedText } from "../schemas/common.ts";
import type { CountyPolicy } from "../schemas/policy.ts";
import { approvedValues, requestedValues } from "./approval-terms.ts";
import type {
  AcceptancePaper,
  ApprovalFormPaper,
  CertificatePaper,
  Issuer,
  Location,
  Opinion,
  RefusalPaper,
  SiteVisitResult,
} from "./facts.ts";

/** The names the reference data holds for the case's township and village (undefined: not imported). */
export interface PlaceNames {
  readonly township: LocalizedText | undefined;
  readonly village: LocalizedText | undefined;
}

/** The paper cannot be made from this case (yet): named for the API's 409. */
export class PaperNotAvailableError extends Error {
  override readonly name = "PaperNotAvailableError";
  constructor(
    readonly caseId: string,
    readonly paper: string,
    readonly why: string,
  ) {
    super(`Case ${caseId} has no ${paper}: ${why}`);
  }
}

const STEP_NAMES: Readonly<Record<StepRecord["step"], LocalizedText>> = {
  village_review: { zh: "村级审核", en: "Village review" },
  township_acceptance: { zh: "乡镇受理", en: "Township acceptance" },
  joint_review: { zh: "部门联审", en: "Joint review" },
  correction: { zh: "补正", en: "Correction" },
  township_approval: { zh: "乡镇审批", en: "Township approval" },
  site_visit_staking: { zh: "开工放线", en: "Staking-out" },
  completion_report: { zh: "申请竣工验收", en: "Completion report" },
  site_visit_completion: { zh: "竣工验收", en: "Completion inspection" },
  correction_lapse: { zh: "补正逾期", en: "Correction lapsed" },
};

const OUTCOMES: Readonly<Record<string, LocalizedText>> = {
  approved: { zh: "同意", en: "Approved" },
  rejected: { zh: "不同意", en: "Rejected" },
  correction_requested: { zh: "要求补正", en: "Correction requested" },
};

const LAND_CLASSES: Readonly<Record<string, string>> = {
  construction_land: "建设用地 construction land",
  unused_land: "未利用地 unused land",
  farmland: "农用地 farmland",
};

export function issuerOf(
  record: Pick<CaseRecord, "townshipCode">,
  policy: CountyPolicy,
  names: PlaceNames,
): Issuer {
  const configured = policy.papers.townships[record.townshipCode];
  const seal = configured?.sealPngBase64;
  return {
    countyName: policy.county.name,
    province: policy.county.province,
    townshipCode: record.townshipCode,
    townshipName: configured?.name ??
      names.township ?? { zh: `乡镇（${record.townshipCode}）`, en: `Township ${record.townshipCode}` },
    seal: seal ? new Uint8Array(Buffer.from(seal, "base64")) : undefined,
  };
}

export function completeApplication(record: CaseRecord, paper: string): ApplicationComplete {
  const parsed = applicationCompleteSchema.safeParse(record.application);
  if (!parsed.success)
    throw new PaperNotAvailableError(record.caseId, paper, "the application is incomplete");
  return parsed.data;
}

function villageName(record: CaseRecord, names: PlaceNames): LocalizedText {
  return names.village ?? { zh: `村（${record.villageCode}）`, en: `Village ${record.villageCode}` };
}

function locationOf(record: CaseRecord, application: ApplicationComplete, names: PlaceNames): Location {
  const plot = application.proposedPlot;
  return {
    address: plot.address,
    villageName: villageName(record, names),
    boundaries: plot.boundaries,
    landClass: LAND_CLASSES[plot.landClass] ?? plot.landClass,
  };
}

function householdOf(application: ApplicationComplete) {
  return {
    headName: application.head.name,
    headIdNumberMasked: maskIdNumber(application.head.idNumber),
    headSex: application.head.sex,
    memberCount: formHouseholdSize(application),
  };
}

/** The collective of the case's village (农民集体), by the village's name in the reference data. */
export function landOwnerOf(record: CaseRecord, names: PlaceNames): LocalizedText {
  const village = villageName(record, names);
  return { zh: `${village.zh}农民集体`, en: `The collective of ${village.en}` };
}

const decided = (steps: readonly StepRecord[]) =>
  steps
    .filter((step) => step.status === "responded" && step.decision)
    .sort((a, b) => (a.decision?.decidedAt ?? "").localeCompare(b.decision?.decidedAt ?? ""));

/** The township head's last approval or refusal. */
export function townshipDecision(steps: readonly StepRecord[]): StepRecord | undefined {
  return decided(steps).findLast(
    (step) => step.step === "township_approval" && step.decision?.outcome !== "correction_requested",
  );
}

function opinionOf(step: StepRecord, policy: CountyPolicy): Opinion {
  const decision = step.decision;
  if (!decision) throw new Error(`step ${step.stepId} has no decision`);
  const department = step.department
    ? policy.departments.find((entry) => entry.id === step.department)?.name
    : undefined;
  const reduced = step.step === "township_approval" && decision.outcome === "approved" && decision.approved;
  return {
    step: STEP_NAMES[step.step],
    ...(department ? { department } : {}),
    outcome: reduced
      ? { zh: "核减后同意", en: "Approved with reduced values" }
      : (OUTCOMES[decision.outcome] ?? { zh: decision.outcome, en: decision.outcome }),
    ...(decision.comment ? { comment: decision.comment } : {}),
    who: decision.decidedBy.id,
    role: decision.decidedBy.role,
    when: decision.decidedAt,
    ...(decision.conditions?.length ? { conditions: decision.conditions } : {}),
  };
}

export interface CaseData {
  readonly record: CaseRecord;
  readonly steps: readonly StepRecord[];
  readonly events: readonly AuditEvent[];
}

/** Facts of one certificate as issued (number, dates) from the stored case. */
export function certificatePaper(
  data: CaseData,
  policy: CountyPolicy,
  names: PlaceNames,
  certificate: {
    readonly type: CertificateType;
    readonly number: string;
    readonly issuedAt: string;
    readonly supersedes?: string;
    readonly extensions?: readonly { readonly until: string; readonly on: string }[];
  },
  verifyUrl: string,
): CertificatePaper {
  const { record } = data;
  const application = completeApplication(record, certificate.type);
  const approval = townshipDecision(data.steps);
  const approvalEvent = data.events.findLast((event) => event.toStatus === "approved");
  const approvedOn = chinaDate(
    new Date(approval?.decision?.decidedAt ?? approvalEvent?.at ?? certificate.issuedAt),
  );
  const validityMonths = policy.certificates[certificate.type].validityMonths;
  const extensions = certificate.extensions ?? [];
  return {
    kind: certificate.type,
    number: certificate.number,
    caseId: record.caseId,
    issuer: issuerOf(record, policy, names),
    household: householdOf(application),
    location: locationOf(record, application, names),
    approved: approvedValues(application, approval?.decision?.approved),
    conditions: approval?.decision?.conditions ?? [],
    landOwner: landOwnerOf(record, names),
    approvedOn,
    validFrom: approvedOn,
    validUntil: extensions.at(-1)?.until ?? validUntil(approvedOn, validityMonths),
    validityMonths,
    extensions,
    ...(certificate.supersedes ? { supersedes: certificate.supersedes } : {}),
    issuedAt: certificate.issuedAt,
    verifyUrl,
  };
}

const KIND_NAMES: Readonly<Record<CaseRecord["kind"], LocalizedText>> = {
  homestead: { zh: "宅基地和建房", en: "Homestead and house" },
  farmhouse: { zh: "建房（原址翻建）", en: "House (rebuild)" },
};

export function approvalFormPaper(
  data: CaseData,
  policy: CountyPolicy,
  names: PlaceNames,
  verifyUrl: string,
): ApprovalFormPaper {
  const { record } = data;
  const application = completeApplication(record, "approval_form");
  const decision = townshipDecision(data.steps);
  if (!decision?.decision)
    throw new PaperNotAvailableError(record.caseId, "approval_form", "the township has not decided yet");
  const approvedCase = decision.decision.outcome === "approved";
  return {
    caseId: record.caseId,
    kind: KIND_NAMES[record.kind],
    issuer: issuerOf(record, policy, names),
    household: householdOf(application),
    location: locationOf(record, application, names),
    reason: application.reason,
    requested: requestedValues(application),
    approved: approvedCase ? approvedValues(application, decision.decision.approved) : undefined,
    conditions: decision.decision.conditions ?? [],
    opinions: decided(data.steps)
      .filter((step) => step.step !== "correction" && step.step !== "completion_report")
      .map((step) => opinionOf(step, policy)),
    outcome: approvedCase ? { zh: "批准", en: "Approved" } : { zh: "不予批准", en: "Refused" },
    decidedOn: chinaDate(new Date(decision.decision.decidedAt)),
    certificateNumbers: (record.certificates ?? []).map((certificate) => certificate.number),
    verifyUrl,
  };
}

export function refusalPaper(
  data: CaseData,
  policy: CountyPolicy,
  names: PlaceNames,
  number: string,
  verifyUrl: string,
): RefusalPaper {
  const { record } = data;
  const application = completeApplication(record, "refusal_notice");
  const refusals = decided(data.steps).filter((step) => step.decision?.outcome === "rejected");
  const last = refusals.at(-1)?.decision;
  if (record.status !== "rejected" || !last) {
    throw new PaperNotAvailableError(record.caseId, "refusal_notice", "the case was not refused");
  }
  const reasons = refusals.flatMap((step) => (step.decision?.comment ? [step.decision.comment] : []));
  return {
    number,
    caseId: record.caseId,
    issuer: issuerOf(record, policy, names),
    household: householdOf(application),
    location: locationOf(record, application, names),
    requested: requestedValues(application),
    submittedOn: chinaDate(new Date(record.submittedAt ?? record.createdAt)),
    reasons: reasons.length ? reasons : ["经审查，申请不符合农村宅基地和建房审批条件"],
    legalBasis: policy.papers.refusal.legalBasis,
    reconsideration: policy.papers.refusal.reconsideration,
    litigation: policy.papers.refusal.litigation,
    decidedOn: chinaDate(new Date(last.decidedAt)),
    verifyUrl,
  };
}

export function acceptancePaper(
  data: CaseData,
  policy: CountyPolicy,
  names: PlaceNames,
  verifyUrl: string,
): AcceptancePaper {
  const { record } = data;
  const application = completeApplication(record, "acceptance_record");
  const steps = decided(data.steps);
  const completion = steps.findLast((step) => step.step === "site_visit_completion");
  if (!completion?.decision) {
    throw new PaperNotAvailableError(
      record.caseId,
      "acceptance_record",
      "the completion inspection has not been decided",
    );
  }
  const visits: SiteVisitResult[] = steps
    .filter(
      (step) =>
        step.step === "site_visit_staking" ||
        step.step === "site_visit_completion" ||
        (step.step === "joint_review" && (step.decision?.photos?.length ?? 0) > 0),
    )
    .map((step) => {
      const decision = step.decision;
      if (!decision) throw new Error("filtered to decided steps");
      const named = policy.siteVisits.find((visit) =>
        step.step === "joint_review"
          ? visit.stage === "joint_review"
          : visit.stage === (step.step === "site_visit_staking" ? "before_construction" : "after_completion"),
      );
      return {
        name: named?.name ?? STEP_NAMES[step.step],
        outcome: OUTCOMES[decision.outcome] ?? { zh: decision.outcome, en: decision.outcome },
        who: decision.decidedBy.id,
        when: decision.decidedAt,
        photoCount: decision.photos?.length ?? 0,
        ...(decision.measurements ? { measured: decision.measurements } : {}),
        ...(decision.comment ? { comment: decision.comment } : {}),
      };
    });
  const oldPlot = record.oldPlotReturn
    ? `承诺退还原宅基地（${record.oldPlotReturn.homesteadIds.join("，")}）${record.oldPlotReturn.withinMonths ? `，竣工后 ${record.oldPlotReturn.withinMonths} 个月内` : ""}`
    : "无需退还 none to return";
  const passed = completion.decision.outcome === "approved";
  return {
    caseId: record.caseId,
    issuer: issuerOf(record, policy, names),
    household: householdOf(application),
    location: locationOf(record, application, names),
    approved: approvedValues(application, townshipDecision(data.steps)?.decision?.approved),
    measured: completion.decision.measurements ?? {},
    areaTolerance: policy.papers.areaTolerance,
    oldPlotReturn: oldPlot,
    siteVisits: visits,
    opinions: steps
      .filter((step) => step.step === "joint_review" || step.step === "site_visit_completion")
      .map((step) => opinionOf(step, policy)),
    conclusion: passed
      ? {
          zh: `验收合格${completion.decision.comment ? `：${completion.decision.comment}` : ""}`,
          en: "Passed",
        }
      : {
          zh: `验收不合格${completion.decision.comment ? `：${completion.decision.comment}` : ""}`,
          en: "Failed",
        },
    decidedOn: chinaDate(new Date(completion.decision.decidedAt)),
    certificateNumbers: (record.certificates ?? []).map((certificate) => certificate.number),
    verifyUrl,
  };
}
