/**
 * What a pre-check rule is: a pure function from (application, policy,
 * reference facts) to findings, and the helpers the rules share.
 */
import type { ApplicationComplete } from "../../schemas/application.ts";
import type { PrecheckFlag } from "../../schemas/common.ts";
import type { CountyPolicy } from "../../schemas/policy.ts";
import type { Finding, FindingSeverity, ReferenceFacts } from "../../schemas/precheck.ts";
import type { AreaCeilings } from "./area-standard.ts";

export interface RuleInput {
  readonly application: ApplicationComplete;
  readonly policy: CountyPolicy;
  readonly facts: ReferenceFacts;
  readonly flags: Readonly<Record<PrecheckFlag, boolean>>;
  readonly ceilings: AreaCeilings;
}

export interface PrecheckRule {
  readonly id: string;
  readonly run: (input: RuleInput) => Finding[];
}

export function finding(
  ruleId: string,
  severity: FindingSeverity,
  zh: string,
  en: string,
  evidence: Record<string, unknown>,
): Finding {
  return { ruleId, severity, message: { zh, en }, evidence };
}

export const m2 = (value: number): string => `${Math.round(value * 100) / 100} m²`;
