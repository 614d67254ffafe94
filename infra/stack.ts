import { Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { ApprovalWorkflow } from "./constructs/approval-workflow.ts";
import { CaseTable } from "./constructs/case-table.ts";
import { DocumentsBucket } from "./constructs/documents-bucket.ts";
import { NongfangFunction } from "./constructs/function.ts";
import { NongfangHttpApi } from "./constructs/http-api.ts";
import { externalIssuerFromContext, NongfangIdentity } from "./constructs/identity.ts";
import { ROUTES, type RouteDefinition } from "./routes.ts";

export interface NongfangStackProps extends StackProps {
  /** Browser origins allowed to upload to the documents bucket. */
  readonly webOrigins: readonly string[];
}

/** Function construct ids come from handler paths: functions/api/health.ts → ApiHealth. */
export function functionId(entry: string): string {
  return entry
    .replace(/^functions\//, "")
    .replace(/\.ts$/, "")
    .split(/[/-]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

/** Wires the constructs together; nothing else. */
export class NongfangStack extends Stack {
  constructor(scope: Construct, id: string, props: NongfangStackProps) {
    super(scope, id, props);
    const { table } = new CaseTable(this, "CaseTable");
    const { bucket } = new DocumentsBucket(this, "Documents", { allowedOrigins: props.webOrigins });

    const openStep = new NongfangFunction(this, functionId("functions/workflow/open-step.ts"), {
      entry: "functions/workflow/open-step.ts",
      description: "Workflow: records a human step and stores its task token",
    }).bindTable(table, "readWrite");
    const workflow = new ApprovalWorkflow(this, "ApprovalWorkflow", { openStep });

    const apiFunctions = new Map<string, NongfangFunction>();
    const functionFor = (route: RouteDefinition): NongfangFunction => {
      const existing = apiFunctions.get(route.handler);
      if (existing) return existing;
      const fn = new NongfangFunction(this, functionId(route.handler), {
        entry: route.handler,
        description: `API: ${route.summary}`,
      });
      if (route.uses.includes("table")) fn.bindTable(table, "readWrite");
      if (route.uses.includes("bucket")) fn.bindBucket(bucket, "readWrite");
      if (route.uses.includes("workflow")) fn.bindWorkflow(workflow.stateMachine, ["start", "respond"]);
      apiFunctions.set(route.handler, fn);
      return fn;
    };
    for (const route of ROUTES) functionFor(route);
    // A Cognito user pool, or the external OIDC issuer named in context (oidcIssuerUrl/oidcAudience).
    const external = externalIssuerFromContext(this);
    const identity = new NongfangIdentity(this, "Identity", external ? { external } : {});
    new NongfangHttpApi(this, "HttpApi", { functionFor, authorizer: identity.authorizer });
  }
}
