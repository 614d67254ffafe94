/**
 * Turns an untrusted JSON value into a CountyPolicy, or fails listing every problem.
 *
 * Listing all issues at once (not just the first) matters because policy files
 * are edited by county staff; one round trip per typo would be painful.
 */
import { type CountyPolicy, countyPolicySchema } from "../../schemas/policy.ts";

export interface PolicyIssue {
  /** Dotted path inside the policy file, e.g. `areaStandards.houseLand.byTerrainM2.hills`. */
  readonly path: string;
  readonly message: string;
}

export class InvalidPolicyError extends Error {
  override readonly name = "InvalidPolicyError";
  readonly issues: readonly PolicyIssue[];

  constructor(issues: readonly PolicyIssue[], source?: string) {
    const where = source ? ` (${source})` : "";
    super(
      `Invalid county policy${where}: ${issues.length} issue(s)\n${issues
        .map((issue) => `  - ${issue.path || "(root)"}: ${issue.message}`)
        .join("\n")}`,
    );
    this.issues = issues;
  }
}

/** @param source names the file in the error message, e.g. `sichuan-default.json`. */
export function loadPolicy(json: unknown, source?: string): CountyPolicy {
  const result = countyPolicySchema.safeParse(json);
  if (result.success) return result.data;
  throw new InvalidPolicyError(
    result.error.issues.map((issue) => ({
      path: issue.path.map(String).join("."),
      message: issue.message,
    })),
    source,
  );
}
