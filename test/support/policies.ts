/**
 * Fast test policies, added to the shipped ones by a vi.mock in test files
 * (see workflow.ts) or by the module hook of a local cloud child process
 * (see cloud-process/).
 */
import type * as ShippedPolicies from "#shared/domain/policy/shipped-policies.ts";
import type { CountyPolicy, Duration, TimeLimits } from "#shared/schemas/policy.ts";

const hours = (value: number): Duration => ({ value, unit: "hours" });

/**
 * `test-fast`: the Sichuan policy with a one-day notice and 2000-hour step limits,
 * so with waitScale 1e-5 the notice takes ~1 s and no step times out in a test.
 * `test-late`: the same, but the village review times out after 50 hours (~2 s).
 * `test-remind`: test-late, reminded every 10 hours (~0.4 s) of waiting.
 */
export function withTestPolicies(original: typeof ShippedPolicies): typeof ShippedPolicies {
  const base = original.SICHUAN_DEFAULT_POLICY;
  const limits = Object.fromEntries(
    Object.keys(base.timeLimits).map((step) => [step, hours(2000)]),
  ) as TimeLimits;
  const fast: CountyPolicy = {
    ...base,
    policyId: "test-fast",
    publicNotice: { days: 1, workingDays: false },
    timeLimits: limits,
    // Longer than every limit: no reminders unless a test asks for them (test-remind).
    reminderInterval: hours(4000),
  };
  const late: CountyPolicy = {
    ...fast,
    policyId: "test-late",
    timeLimits: { ...limits, village_review: hours(50) },
  };
  const remind: CountyPolicy = {
    ...late,
    policyId: "test-remind",
    reminderInterval: hours(10),
  };
  // For a cloud at CLOCKS_WAIT_SCALE (1e-6: a day is 0.09 s): steps never time out (20000 hours ≈ 72 s)
  // unless a test says so; an approval valid 12 months (≈ 32 s) is reported built in time.
  const slowLimits = Object.fromEntries(
    Object.keys(base.timeLimits).map((step) => [step, hours(20_000)]),
  ) as TimeLimits;
  const clocks: CountyPolicy = {
    ...base,
    policyId: "test-clocks",
    publicNotice: { days: 0, workingDays: false },
    timeLimits: slowLimits,
    reminderInterval: hours(40_000),
    construction: { reminderBeforeValidityEnds: { value: 10, unit: "days" }, unbuiltApprovalExpires: true },
    certificates: {
      homestead_approval_certificate: {
        ...base.certificates.homestead_approval_certificate,
        validityMonths: 12,
      },
      rural_construction_planning_permit: {
        ...base.certificates.rural_construction_planning_permit,
        validityMonths: 12,
      },
    },
  };
  // The household has 1000 hours (≈ 3.6 s) to answer a correction.
  const lapse: CountyPolicy = {
    ...clocks,
    policyId: "test-lapse",
    timeLimits: { ...slowLimits, correction_response: hours(1000) },
  };
  // An approval valid one month (≈ 2.6 s), the household reminded 10 days (≈ 0.9 s) before it ends.
  const expiry: CountyPolicy = {
    ...clocks,
    policyId: "test-expiry",
    certificates: {
      homestead_approval_certificate: {
        ...clocks.certificates.homestead_approval_certificate,
        validityMonths: 1,
      },
      rural_construction_planning_permit: {
        ...clocks.certificates.rural_construction_planning_permit,
        validityMonths: 1,
      },
    },
  };
  const policies = {
    ...original.SHIPPED_POLICIES,
    [fast.policyId]: fast,
    [late.policyId]: late,
    [remind.policyId]: remind,
    [clocks.policyId]: clocks,
    [lapse.policyId]: lapse,
    [expiry.policyId]: expiry,
  };
  return {
    ...original,
    SHIPPED_POLICIES: policies,
    getShippedPolicy: (key: string) => policies[key] ?? original.getShippedPolicy(key),
  };
}
