/**
 * The county policies shipped with the platform, parsed once at module load so a
 * broken file fails the cold start (and the unit tests) instead of a live case.
 */
import type { CountyPolicy } from "../../schemas/policy.ts";
import danlingDemo from "./counties/danling-demo.json" with { type: "json" };
import guangxiContrast from "./counties/guangxi-contrast.json" with { type: "json" };
import sichuanDefault from "./counties/sichuan-default.json" with { type: "json" };
import { loadPolicy } from "./load-policy.ts";

export const SICHUAN_DEFAULT_POLICY: CountyPolicy = loadPolicy(sichuanDefault, "sichuan-default.json");
export const GUANGXI_CONTRAST_POLICY: CountyPolicy = loadPolicy(guangxiContrast, "guangxi-contrast.json");
/** `npm start`'s policy: Sichuan numbers with a 0-day public notice, for demos only. */
export const DANLING_DEMO_POLICY: CountyPolicy = loadPolicy(danlingDemo, "danling-demo.json");

/** Keyed by `policyId`. */
export const SHIPPED_POLICIES: Readonly<Record<string, CountyPolicy>> = Object.freeze({
  [SICHUAN_DEFAULT_POLICY.policyId]: SICHUAN_DEFAULT_POLICY,
  [GUANGXI_CONTRAST_POLICY.policyId]: GUANGXI_CONTRAST_POLICY,
  [DANLING_DEMO_POLICY.policyId]: DANLING_DEMO_POLICY,
});

export class UnknownPolicyError extends Error {
  override readonly name = "UnknownPolicyError";
  readonly key: string;
  constructor(key: string) {
    super(`No county policy "${key}"; known: ${Object.keys(SHIPPED_POLICIES).join(", ")}`);
    this.key = key;
  }
}

/** Looks a shipped policy up by policy id or 6-digit county code. */
export function getShippedPolicy(key: string): CountyPolicy {
  const byId = SHIPPED_POLICIES[key];
  if (byId) return byId;
  const byCounty = Object.values(SHIPPED_POLICIES).find((policy) => policy.county.code === key);
  if (byCounty) return byCounty;
  throw new UnknownPolicyError(key);
}
