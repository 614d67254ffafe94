/**
 * What each printed paper shows: plain data assembled from the case, its steps,
 * its events, the county policy and the reference data (shared/papers/assemble.ts),
 * rendered by shared/papers/documents.ts. Pure types and labels, no AWS imports.
 */
import type { LocalizedText } from "../schemas/common.ts";

export const PAPER_KINDS = [
  "homestead_approval_certificate",
  "rural_construction_planning_permit",
  "approval_form",
  "refusal_notice",
  "acceptance_record",
] as const;
export type PaperKind = (typeof PAPER_KINDS)[number];

export const PAPER_TITLES: Readonly<Record<PaperKind | "register", LocalizedText>> = {
  homestead_approval_certificate: { zh: "农村宅基地批准书", en: "Rural homestead approval certificate" },
  rural_construction_planning_permit: { zh: "乡村建设规划许可证", en: "Rural construction planning permit" },
  approval_form: {
    zh: "农村宅基地和建房（规划许可）审批表",
    en: "Approval form: rural homestead and house construction (planning permit)",
  },
  refusal_notice: { zh: "不予批准决定书", en: "Notice of refusal" },
  acceptance_record: {
    zh: "农村宅基地和建房（规划许可）验收意见表",
    en: "Completion inspection opinion: rural homestead and house construction",
  },
  register: { zh: "农村宅基地和建房审批台账", en: "Register of homestead and house-building approvals" },
};

/** The approving township as printed: its name (reference data) and its electronic seal (policy), if any. */
export interface Issuer {
  readonly countyName: LocalizedText;
  readonly province: LocalizedText;
  readonly townshipCode: string;
  readonly townshipName: LocalizedText;
  /** PNG bytes of the township's electronic seal; undefined prints "no seal configured". */
  readonly seal: Uint8Array | undefined;
}

/** Requested by the household vs approved by the township head. */
export interface PlotAndBuilding {
  readonly houseLandAreaM2: number;
  readonly ancillaryLandAreaM2: number;
  readonly totalAreaM2: number;
  /** 房基占地: the ground the house stands on. */
  readonly footprintM2: number;
  readonly floorAreaM2: number;
  readonly floors: number;
  readonly heightM: number;
}

export interface Household {
  readonly headName: string;
  readonly headIdNumberMasked: string;
  readonly headSex?: string;
  readonly memberCount: number;
}

export interface Location {
  readonly address: string;
  readonly villageName: LocalizedText;
  readonly boundaries: {
    readonly east: string;
    readonly south: string;
    readonly west: string;
    readonly north: string;
  };
  readonly landClass: string;
}

/** One human step's opinion as the approval form and the acceptance record print it. */
export interface Opinion {
  readonly step: LocalizedText;
  readonly department?: LocalizedText;
  readonly outcome: LocalizedText;
  readonly comment?: string;
  readonly who: string;
  readonly role: string;
  readonly when: string;
  readonly conditions?: readonly string[];
}

export interface SiteVisitResult {
  readonly name: LocalizedText;
  readonly outcome: LocalizedText;
  readonly who: string;
  readonly when: string;
  readonly photoCount: number;
  readonly measured?: {
    readonly plotAreaM2?: number;
    readonly footprintM2?: number;
    readonly floors?: number;
    readonly heightM?: number;
  };
  readonly comment?: string;
}

/** What every paper of a case names: the case, its issuer, the household, the plot, and where to verify it. */
export interface CasePaper {
  readonly caseId: string;
  readonly issuer: Issuer;
  readonly household: Household;
  readonly location: Location;
  readonly verifyUrl: string;
}

export interface CertificatePaper extends CasePaper {
  readonly kind: "homestead_approval_certificate" | "rural_construction_planning_permit";
  readonly number: string;
  readonly approved: PlotAndBuilding;
  readonly conditions: readonly string[];
  /** The village collective (农民集体) owns homestead land; the household only uses it. */
  readonly landOwner: LocalizedText;
  readonly approvedOn: string;
  readonly validFrom: string;
  readonly validUntil: string;
  readonly validityMonths: number;
  /** Extensions granted (their new end dates), oldest first. */
  readonly extensions: readonly { readonly until: string; readonly on: string }[];
  /** The number this certificate replaces after a correction. */
  readonly supersedes?: string;
  readonly issuedAt: string;
}

export interface ApprovalFormPaper extends CasePaper {
  readonly kind: LocalizedText;
  readonly reason: string;
  readonly requested: PlotAndBuilding;
  readonly approved: PlotAndBuilding | undefined;
  readonly conditions: readonly string[];
  readonly opinions: readonly Opinion[];
  readonly outcome: LocalizedText;
  readonly decidedOn: string;
  readonly certificateNumbers: readonly string[];
}

export interface RefusalPaper extends CasePaper {
  readonly number: string;
  readonly requested: PlotAndBuilding;
  readonly submittedOn: string;
  readonly reasons: readonly string[];
  readonly legalBasis: readonly string[];
  readonly reconsideration: { readonly body: string; readonly days: number };
  readonly litigation: { readonly court: string; readonly months: number };
  readonly decidedOn: string;
}

export interface AcceptancePaper extends CasePaper {
  readonly approved: PlotAndBuilding;
  readonly measured: {
    readonly plotAreaM2?: number;
    readonly footprintM2?: number;
    readonly floors?: number;
    readonly heightM?: number;
  };
  /** Tolerance (fraction) within which a measured area counts as matching the approval. */
  readonly areaTolerance: number;
  readonly oldPlotReturn: string;
  readonly siteVisits: readonly SiteVisitResult[];
  readonly opinions: readonly Opinion[];
  readonly conclusion: LocalizedText;
  readonly decidedOn: string;
  readonly certificateNumbers: readonly string[];
}

export interface RegisterPaperRow {
  readonly caseId: string;
  readonly kind: string;
  readonly villageCode: string;
  readonly headName: string;
  readonly status: string;
  readonly submittedAt?: string;
  readonly decidedAt?: string;
  readonly certificateNumbers: string;
  readonly overdue: boolean;
}

export interface RegisterPaper {
  readonly issuer: Issuer;
  readonly generatedOn: string;
  readonly filter: string;
  readonly rows: readonly RegisterPaperRow[];
  readonly continued: boolean;
}

/** Areas and lengths as the forms print them: up to two decimals, no trailing zeros. */
export const formatNumber = (value: number) => String(Math.round(value * 100) / 100);
