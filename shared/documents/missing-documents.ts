/**
 * Which required documents a case still lacks. Pure: the submit handler passes
 * the confirmed documents (only confirmed ones count: a pending upload may never
 * arrive, a rejected one was deleted).
 */
import { documentsFor, type PrecheckFlags } from "../domain/case-kind.ts";
import type { CaseKind, LocalizedText } from "../schemas/common.ts";
import type { CountyPolicy } from "../schemas/policy.ts";

export interface MissingDocument {
  readonly typeId: string;
  readonly name: LocalizedText;
  readonly needed: number;
  readonly have: number;
}

export function missingDocuments(
  kind: CaseKind,
  policy: CountyPolicy,
  flags: PrecheckFlags,
  confirmed: readonly { readonly documentType: string }[],
): MissingDocument[] {
  const counts = new Map<string, number>();
  for (const document of confirmed) {
    counts.set(document.documentType, (counts.get(document.documentType) ?? 0) + 1);
  }
  return documentsFor(kind, policy, flags)
    .map((requirement) => ({
      typeId: requirement.typeId,
      name: requirement.name,
      needed: requirement.minCount,
      have: counts.get(requirement.typeId) ?? 0,
    }))
    .filter((entry) => entry.have < entry.needed);
}
