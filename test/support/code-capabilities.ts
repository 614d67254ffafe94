/**
 * What a handler's code can do with AWS, read from its bundle: esbuild bundles
 * the handler with our own modules inlined (packages stay external) and
 * tree-shaken, as CDK bundles it for Lambda; the output is searched for the
 * SDK commands (and our helpers) that need each kind of grant. Unused exports
 * are dropped by the bundler, so a module imported for one function does not
 * count with all of its others; a class that is used keeps all its methods,
 * so the answer is "this code can reach such a call", at class granularity.
 */
import path from "node:path";
import { build } from "esbuild";
import { REPO_ROOT } from "#infra/constructs/function-metadata.ts";
import type { Resource } from "#shared/http/routes.ts";

/** A kind of grant, as the route table names what a handler may reach. */
export type Capability = Resource;

/** The calls in bundled code that need each capability. */
const EVIDENCE: Readonly<Record<Capability, RegExp>> = {
  "table:read":
    /\bnew (GetCommand|QueryCommand|BatchGetCommand|TransactGetCommand|GetItemCommand|QueryItemCommand)\d*\(/,
  "table:write":
    /\bnew (PutCommand|UpdateCommand|DeleteCommand|BatchWriteCommand|TransactWriteCommand|PutItemCommand|UpdateItemCommand|DeleteItemCommand|TransactWriteItemsCommand)\d*\(|\bnew DynamoDBPersistenceLayer\(/,
  "bucket:read": /\bnew (GetObjectCommand|HeadObjectCommand)\d*\(/,
  "bucket:write": /\bnew (PutObjectCommand|DeleteObjectCommand)\d*\(|\bcreatePresignedPost\(/,
  "workflow:run": /\bnew (StartExecutionCommand|StopExecutionCommand)\d*\(/,
  "workflow:recover": /\bnew (RedriveExecutionCommand|StopExecutionCommand)\d*\(/,
  "workflow:respond": /\bnew (SendTaskSuccessCommand|SendTaskFailureCommand|SendTaskHeartbeatCommand)\d*\(/,
  // Opening and sealing go through the same encryptor: evidence of either is the encryptor.
  "personal-data:read": /\b(defaultEncryptor|encryptorFromEnv)\d*\(/,
  "personal-data:write": /\b(defaultEncryptor|encryptorFromEnv)\d*\(/,
  "cursor-key": /\bcursorsFromEnv\(/,
  "imports:start": /\bIMPORT_STATE_MACHINE_ARN\b[\s\S]*\bnew StartExecutionCommand\d*\(/,
  // The adapter the deployment names: SendTextMessage, or the HTTP gateway it may choose instead.
  "sms:send": /\bsmsSenderFromEnv\d*\(/,
};

export const CAPABILITIES = Object.keys(EVIDENCE) as Capability[];

/** The handler's bundled code (our modules only). */
export async function bundledCode(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [path.join(REPO_ROOT, entry)],
    absWorkingDir: REPO_ROOT,
    bundle: true,
    packages: "external",
    treeShaking: true,
    format: "esm",
    platform: "node",
    target: "node24",
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles.map((file) => file.text).join("\n");
}

/** The capabilities the handler's code can use. */
export async function capabilitiesOf(entry: string): Promise<Set<Capability>> {
  const code = await bundledCode(entry);
  return new Set(CAPABILITIES.filter((capability) => EVIDENCE[capability].test(code)));
}
