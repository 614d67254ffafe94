/** The township head's approval terms checked against a stored case (the decision use case calls it). */
import { getShippedPolicy } from "../domain/policy/shipped-policies.ts";
import { applicationCompleteSchema } from "../schemas/application.ts";
import type { CaseRecord } from "../schemas/case.ts";
import { type ApprovalTerms, approvalTermsProblems } from "./approval-terms.ts";

/** The approval terms checked against the case's stored application and its county's policy. */
export function approvedTermsProblems(record: CaseRecord, terms: ApprovalTerms): string[] {
  const application = applicationCompleteSchema.safeParse(record.application);
  if (!application.success) return ["The application is incomplete; nothing can be approved from it"];
  return approvalTermsProblems(terms, application.data, getShippedPolicy(record.policyId));
}
