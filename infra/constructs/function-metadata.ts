/**
 * What the local cloud reads from the template about a function, without the CDK:
 * importing aws-cdk-lib costs the local cloud (and every test file that starts
 * one) over a second, and the template it needs is usually cached.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** CloudFormation metadata key that names a function's handler module; the local cloud reads it. */
export const ENTRY_METADATA = "nongfang:entry";

/**
 * CloudFormation metadata key on a function the local cloud does not run (CDK's
 * deploy-time custom resources, e.g. BucketDeployment's); its value says why.
 * Every other function must name its handler with ENTRY_METADATA.
 */
export const LOCAL_SKIP_METADATA = "nongfang:local-skip";
