/**
 * The county policy of the generated journeys (journeys.ts), added to the
 * shipped ones by a vi.mock of shipped-policies.ts. Kept apart from
 * workflow.ts's test policies: this module imports nothing at run time, so
 * the mock factory cannot run into an import cycle back to the policies
 * (local-cloud.ts → the stack → web-config.ts → shipped-policies.ts), which
 * would hand the stack the unmocked module.
 *
 * `test-journeys`: the Sichuan policy without a public notice, 2000-hour
 * limits and no reminders, except that the township acceptance times out
 * after 40 hours — about 1.4 s at waitScale 1e-5, so a journey can let it go
 * overdue.
 */
import type * as ShippedPolicies from "#shared/domain/policy/shipped-policies.ts";
import type { CountyPolicy, Duration, TimeLimits } from "#shared/schemas/policy.ts";

const hours = (value: number): Duration => ({ value, unit: "hours" });

export const JOURNEY_POLICY_ID = "test-journeys";

export function withJourneyPolicy(original: typeof ShippedPolicies): typeof ShippedPolicies {
  const base = original.SICHUAN_DEFAULT_POLICY;
  const limits = Object.fromEntries(
    Object.keys(base.timeLimits).map((step) => [step, hours(2000)]),
  ) as TimeLimits;
  const journeys: CountyPolicy = {
    ...base,
    policyId: JOURNEY_POLICY_ID,
    publicNotice: { ...base.publicNotice, days: 0, workingDays: false },
    timeLimits: { ...limits, township_acceptance: hours(40) },
    reminderInterval: hours(4000),
  };
  const policies: Readonly<Record<string, CountyPolicy>> = {
    ...original.SHIPPED_POLICIES,
    [JOURNEY_POLICY_ID]: journeys,
  };
  return {
    ...original,
    SHIPPED_POLICIES: policies,
    getShippedPolicy: (key: string) => policies[key] ?? original.getShippedPolicy(key),
  };
}
