import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { readRunCache, writeRunCache } from "./run-cache.ts";

export type CfnValue = unknown;

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, CfnValue>;
  readonly Metadata?: Record<string, CfnValue>;
}

export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
}

const cache = new Map<string, CfnTemplate>();

/**
 * Synthesizes the real CDK stack in-process and returns its CloudFormation
 * template: the local cloud reads tables, functions and the state machine's
 * ASL from it, so what runs locally is what deploys. Bundling is skipped
 * (the local runtime imports handler sources directly); cdk-nag still runs.
 * `context` is CDK context, as `cdk deploy -c key=value` would pass it.
 */
export async function synthesizeTemplate(
  context: Readonly<Record<string, unknown>> = {},
): Promise<CfnTemplate> {
  const key = JSON.stringify(context);
  const cached = cache.get(key) ?? readRunCache<CfnTemplate>("template", key);
  if (cached) {
    cache.set(key, cached);
    return cached;
  }
  // The cloud assembly is only a way to the template: written to a folder of its own, removed at once.
  // The CDK (a second and a half of imports) is loaded only when the template is not cached.
  const [{ App }, { buildApp }] = await Promise.all([import("aws-cdk-lib"), import("../app.ts")]);
  const outdir = mkdtempSync(path.join(tmpdir(), "cdk.out-local-"));
  try {
    // CDK's CloudFormation validation (a WebAssembly engine, seconds of CPU) is for deploys; it only warns.
    const app = new App({
      outdir,
      builtinCloudFormationValidation: false,
      context: { ...context, "aws:cdk:bundling-stacks": [] },
    });
    const { stack } = buildApp(app);
    const template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;
    cache.set(key, template);
    writeRunCache("template", key, template);
    return template;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export const LOCAL_REGION = "us-east-1";
export const LOCAL_ACCOUNT = "000000000000";

/** Local physical names for the template's resources (their logical ids, made valid where needed). */
export interface PhysicalNames {
  resolveRef(logicalId: string): string;
  resolveGetAtt(logicalId: string, attribute: string): string;
}

export function localPhysicalNames(template: CfnTemplate): PhysicalNames {
  const typeOf = (logicalId: string): string => {
    const resource = template.Resources[logicalId];
    if (!resource) throw new Error(`Template has no resource ${logicalId}`);
    return resource.Type;
  };
  const physical = (logicalId: string): string => {
    switch (typeOf(logicalId)) {
      case "AWS::S3::Bucket":
        return logicalId.toLowerCase();
      case "AWS::StepFunctions::StateMachine":
        return `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${logicalId}`;
      case "AWS::Lambda::Function":
        return logicalId;
      default:
        return logicalId;
    }
  };
  return {
    resolveRef: physical,
    resolveGetAtt: (logicalId, attribute) => {
      const type = typeOf(logicalId);
      if (attribute === "Arn" && type === "AWS::Lambda::Function") {
        return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${logicalId}`;
      }
      if (attribute === "Arn" && type === "AWS::StepFunctions::StateMachine") return physical(logicalId);
      // KMS is not emulated (the local cloud seals personal data with a key file); the ARN only names the key.
      if (attribute === "Arn" && type === "AWS::KMS::Key") {
        return `arn:aws:kms:${LOCAL_REGION}:${LOCAL_ACCOUNT}:key/${logicalId}`;
      }
      throw new Error(`Cannot resolve Fn::GetAtt ${logicalId}.${attribute} locally`);
    },
  };
}

const PSEUDO: Record<string, string> = {
  "AWS::Partition": "aws",
  "AWS::Region": LOCAL_REGION,
  "AWS::AccountId": LOCAL_ACCOUNT,
  "AWS::URLSuffix": "amazonaws.com",
};

/** Resolves the intrinsic functions CDK emits in environment variables and state machine definitions. */
export function resolveIntrinsics(value: CfnValue, names: PhysicalNames): CfnValue {
  if (Array.isArray(value)) return value.map((item) => resolveIntrinsics(item, names));
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value);
  const [first] = entries;
  if (entries.length === 1 && first) {
    const [key, argument] = first;
    if (key === "Ref" && typeof argument === "string") return PSEUDO[argument] ?? names.resolveRef(argument);
    if (key === "Fn::GetAtt" && Array.isArray(argument)) {
      return names.resolveGetAtt(String(argument[0]), String(argument[1]));
    }
    if (key === "Fn::Join" && Array.isArray(argument)) {
      const [separator, parts] = argument as [string, CfnValue[]];
      return parts.map((part) => String(resolveIntrinsics(part, names))).join(separator);
    }
    if (key.startsWith("Fn::")) throw new Error(`Intrinsic ${key} is not supported locally`);
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, resolveIntrinsics(item, names)]));
}
