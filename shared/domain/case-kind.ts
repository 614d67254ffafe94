/**
 * What a case needs, derived from its kind, the county policy and the pre-check flags.
 *
 * Which certificates a kind gets is national law (a homestead needs land approval,
 * a rebuild on the existing plot only a planning permit), so it is a constant here;
 * departments, documents and site visits are county policy.
 */
import type { CaseKind, CertificateType, DepartmentId, PrecheckFlag } from "../schemas/common.ts";
import type {
  CountyPolicy,
  DepartmentPolicy,
  DocumentRequirement,
  PolicyCondition,
  SiteVisitPolicy,
} from "../schemas/policy.ts";

export type PrecheckFlags = Readonly<Partial<Record<PrecheckFlag, boolean>>>;

export const CERTIFICATES_BY_KIND: Readonly<Record<CaseKind, readonly CertificateType[]>> = {
  homestead: ["homestead_approval_certificate", "rural_construction_planning_permit"],
  farmhouse: ["rural_construction_planning_permit"],
};

export interface CaseRequirements {
  readonly departments: readonly DepartmentPolicy[];
  readonly documents: readonly DocumentRequirement[];
  readonly certificates: readonly CertificateType[];
  readonly siteVisits: readonly SiteVisitPolicy[];
}

export function conditionMet(condition: PolicyCondition, flags: PrecheckFlags): boolean {
  return condition === "always" || flags[condition] === true;
}

/** Joint-review departments, in policy order. */
export function departmentsFor(
  kind: CaseKind,
  policy: CountyPolicy,
  flags: PrecheckFlags,
): DepartmentPolicy[] {
  return policy.departments.filter(
    (department) => department.appliesTo.includes(kind) && conditionMet(department.condition, flags),
  );
}

export function departmentIdsFor(kind: CaseKind, policy: CountyPolicy, flags: PrecheckFlags): DepartmentId[] {
  return departmentsFor(kind, policy, flags).map((department) => department.id);
}

export function documentsFor(
  kind: CaseKind,
  policy: CountyPolicy,
  flags: PrecheckFlags,
): DocumentRequirement[] {
  return policy.requiredDocuments[kind].filter((document) =>
    document.condition === "paper_public_notice"
      ? policy.publicNotice.paperPhotoAllowed === true
      : conditionMet(document.condition, flags),
  );
}

export function certificatesFor(kind: CaseKind): CertificateType[] {
  return [...CERTIFICATES_BY_KIND[kind]];
}

export function siteVisitsFor(kind: CaseKind, policy: CountyPolicy): SiteVisitPolicy[] {
  return policy.siteVisits.filter((visit) => visit.appliesTo.includes(kind));
}

export function deriveCaseRequirements(
  kind: CaseKind,
  policy: CountyPolicy,
  flags: PrecheckFlags = {},
): CaseRequirements {
  return {
    departments: departmentsFor(kind, policy, flags),
    documents: documentsFor(kind, policy, flags),
    certificates: certificatesFor(kind),
    siteVisits: siteVisitsFor(kind, policy),
  };
}
