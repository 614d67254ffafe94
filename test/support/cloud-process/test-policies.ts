/**
 * The shipped policies plus the fast test policies (withTestPolicies), for the
 * local cloud child process: what `vi.mock` does in the test process.
 */
import * as original from "../../../shared/domain/policy/shipped-policies.ts";
import { withTestPolicies } from "../policies.ts";

const patched = withTestPolicies(original);
export const SICHUAN_DEFAULT_POLICY = patched.SICHUAN_DEFAULT_POLICY;
export const GUANGXI_CONTRAST_POLICY = patched.GUANGXI_CONTRAST_POLICY;
export const DANLING_DEMO_POLICY = patched.DANLING_DEMO_POLICY;
export const SHIPPED_POLICIES = patched.SHIPPED_POLICIES;
export const UnknownPolicyError = patched.UnknownPolicyError;
export const getShippedPolicy = patched.getShippedPolicy;
