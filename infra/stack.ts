import { Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import { Key } from "aws-cdk-lib/aws-kms";
import type { Construct } from "constructs";
import { type Resource, ROUTES, type RouteDefinition } from "#shared/http/routes.ts";
import { ApprovalWorkflow } from "./constructs/approval-workflow.ts";
import { CaseTable } from "./constructs/case-table.ts";
import { DecisionDeliverySweep } from "./constructs/delivery-sweep.ts";
import { DocumentsBucket } from "./constructs/documents-bucket.ts";
import { NongfangFunction } from "./constructs/function.ts";
import { NongfangHttpApi } from "./constructs/http-api.ts";
import { NongfangIdentity } from "./constructs/identity.ts";
import { authDomainFromContext, externalIssuerFromContext } from "./constructs/identity-context.ts";
import { ImportWorkflow } from "./constructs/import-workflow.ts";
import { Notifications, smsContextOf } from "./constructs/notifications.ts";
import { apiPathPatterns, WebHosting } from "./constructs/web-hosting.ts";
import { webHostingFromContext } from "./constructs/web-hosting-context.ts";
import { WorkflowMonitoring } from "./constructs/workflow-monitoring.ts";
import { webConfig } from "./web-config.ts";

export interface NongfangStackProps extends StackProps {
  /** Browser origins allowed to upload to the documents bucket, besides the web distribution's own. */
  readonly webOrigins: readonly string[];
  /**
   * Where certificate QR codes point (`<url>/verify/<number>`); default: the web
   * app's custom domain when one is given (`-c webDomainName`), else the API's URL.
   */
  readonly publicBaseUrl?: string;
  /** The built web app (web/dist) to deploy; without it only config.json is (tests, the local cloud). */
  readonly webAssetDir?: string;
}

/** Functions that print the public verification URL (certificate QR codes) get PUBLIC_BASE_URL. */
const NEEDS_PUBLIC_BASE_URL: ReadonlySet<string> = new Set([
  "functions/workflow/issue-certificates.ts",
  "functions/api/certificates.ts",
  "functions/api/papers/download.ts",
  "functions/api/papers/revoke.ts",
  "functions/api/papers/reissue.ts",
  "functions/api/papers/extend.ts",
]);

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
    const documents = new DocumentsBucket(this, "Documents", { allowedOrigins: props.webOrigins });
    const { bucket } = documents;
    // Seals ID and phone numbers (PIPL) field by field; only functions bound with bindKey may use it.
    const personalDataKey = new Key(this, "PersonalDataKey", {
      description: "Nongfang: envelope encryption of personal data (ID and phone numbers) in the case table",
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      pendingWindow: Duration.days(30),
      // Losing the key loses every sealed ID number: never delete it with the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Seals pagination cursors (shared/http/cursor.ts); losing it only invalidates cursors in flight.
    const cursorKey = new Key(this, "CursorKey", {
      description: "Nongfang: authenticated, opaque pagination cursors of the API",
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      pendingWindow: Duration.days(7),
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const task = (entry: string, description: string) =>
      new NongfangFunction(this, functionId(entry), { entry, description }).bindTable(table, [
        "read",
        "write",
      ]);
    const constructionTask = task(
      "functions/workflow/construction.ts",
      "Workflow: the construction period (phase runs, reminder, expiry of an unbuilt approval)",
    );
    const openStep = task(
      "functions/workflow/open-step.ts",
      "Workflow: records a human step and stores its task token",
    );
    const workflow = new ApprovalWorkflow(this, "ApprovalWorkflow", {
      precheck: task(
        "functions/workflow/precheck.ts",
        "Workflow: pre-check, case plan and public notice",
      ).bindKey(personalDataKey, ["open", "seal"]),
      openStep,
      markOverdue: task(
        "functions/workflow/mark-overdue.ts",
        "Workflow: marks a late step overdue, escalates it",
      ),
      remind: task(
        "functions/workflow/remind.ts",
        "Workflow: reminds a step that waited a whole reminder interval",
      ),
      aggregateJointReview: task(
        "functions/workflow/aggregate-joint-review.ts",
        "Workflow: merges one joint-review round's answers",
      ),
      issueCertificates: task(
        "functions/workflow/issue-certificates.ts",
        "Workflow: issues the approved case's certificates",
      )
        .bindBucket(bucket, ["read", "write"])
        .bindKey(personalDataKey, ["open", "seal"]),
      recordFailure: task(
        "functions/workflow/record-failure.ts",
        "Workflow: records a failed task as an incident, waits for the operator",
      ),
      resumeStep: task(
        "functions/workflow/resume-step.ts",
        "Workflow: reopens a step after a correction with the time it had left",
      ),
      construction: constructionTask,
    });
    new WorkflowMonitoring(this, "WorkflowMonitoring", {
      stateMachine: workflow.stateMachine,
      executionStatus: task(
        "functions/workflow/execution-status.ts",
        "Workflow: a run that failed, timed out or was aborted becomes an incident",
      ),
    });
    // SMS owed by the outbox (shared/notify/): sent from the table's stream and a one-minute schedule.
    new Notifications(this, "Notifications", { table, personalDataKey });
    // Starts the construction period's phase runs of this very state machine (see bindOwnWorkflowRuns).
    constructionTask.bindOwnWorkflowRuns(workflow.stateMachine);
    // Answers a re-run opening of an already decided step with the stored decision.
    openStep.bindOwnTaskResponses(workflow.stateMachine);
    new DecisionDeliverySweep(this, "DecisionDeliverySweep", {
      sweeper: task(
        "functions/workflow/deliver-decisions.ts",
        "Workflow: sends stored decisions that never reached the workflow (once a minute)",
      ).bindWorkflow(workflow.stateMachine, ["respond"]),
    });

    // Admin imports run here, in 15-minute work sessions resumed from their checkpoints.
    const imports = new ImportWorkflow(this, "ImportWorkflow", {
      worker: new NongfangFunction(this, functionId("functions/workflow/run-import.ts"), {
        entry: "functions/workflow/run-import.ts",
        description: "Import workflow: one work session of an admin reference-data import",
        timeout: Duration.minutes(15),
        memorySize: 1024,
      })
        .bindTable(table, ["read", "write"])
        .bindBucket(bucket, ["read", "write"]),
    });

    const apiFunctions = new Map<string, NongfangFunction>();
    const functionFor = (route: RouteDefinition): NongfangFunction => {
      const existing = apiFunctions.get(route.handler);
      if (existing) return existing;
      const fn = new NongfangFunction(this, functionId(route.handler), {
        entry: route.handler,
        description: `API: ${route.summary}`,
      });
      // Each kind of access is granted only when the route table lists it (reading apart from writing).
      const access = <T extends string>(grants: Readonly<Record<T, Resource>>): T[] =>
        (Object.keys(grants) as T[]).filter((grant) => route.uses.includes(grants[grant]));
      const tableAccess = access({ read: "table:read", write: "table:write" });
      if (tableAccess.length > 0) fn.bindTable(table, tableAccess);
      const bucketAccess = access({ read: "bucket:read", write: "bucket:write" });
      if (bucketAccess.length > 0) fn.bindBucket(bucket, bucketAccess);
      const workflowAccess = access({
        start: "workflow:run",
        respond: "workflow:respond",
        recover: "workflow:recover",
      });
      if (workflowAccess.length > 0) fn.bindWorkflow(workflow.stateMachine, workflowAccess);
      const keyAccess = access({ open: "personal-data:read", seal: "personal-data:write" });
      if (keyAccess.length > 0) fn.bindKey(personalDataKey, keyAccess);
      if (route.uses.includes("cursor-key")) fn.bindCursorKey(cursorKey);
      if (route.uses.includes("imports:start")) fn.bindImportWorkflow(imports.stateMachine);
      if (route.uses.includes("sms:send")) fn.bindSmsSender(smsContextOf(this));
      apiFunctions.set(route.handler, fn);
      return fn;
    };
    for (const route of ROUTES) functionFor(route);
    // A Cognito user pool, or the external OIDC issuer named in context (oidcIssuerUrl/oidcAudience).
    const external = externalIssuerFromContext(this);
    const authDomain = authDomainFromContext(this);
    const identity = new NongfangIdentity(
      this,
      "Identity",
      external ? { external } : authDomain ? { domain: authDomain } : {},
    );
    const httpApi = new NongfangHttpApi(this, "HttpApi", { functionFor, authorizer: identity.authorizer });
    // Built from the API id (a Ref), not its ApiEndpoint attribute, so the local cloud can resolve it. No cycle:
    // the API resource depends on no function; only routes, integrations and permissions do.
    const apiDomain = `${httpApi.api.apiId}.execute-api.${this.region}.${this.urlSuffix}`;

    // The web app and the API on one CloudFront origin (web-hosting.ts says why).
    const webHosting = webHostingFromContext(this);
    const web = new WebHosting(this, "Web", {
      ...(props.webAssetDir ? { assetDir: props.webAssetDir } : {}),
      config: webConfig(
        { issuer: identity.issuerUrl, clients: identity.clients },
        // The same context the functions' COUNTY_POLICY_ID comes from (constructs/function.ts).
        String(this.node.tryGetContext("countyPolicy") ?? "sichuan-default"),
      ),
      api: { domainName: apiDomain, pathPatterns: apiPathPatterns(ROUTES.map((route) => route.path)) },
      // Presigned URLs name the documents bucket as <bucket>.s3.<region>.<suffix>. Naming the bucket itself
      // would make the headers policy depend on the bucket, whose CORS depends on the distribution: a cycle.
      documentOrigins: [`https://*.s3.${this.region}.${this.urlSuffix}`],
      // Cognito's regional endpoint (discovery) and the pool's domain (token endpoint), or the external issuer.
      authOrigins: identity.authOrigins,
      accessLogs: documents.accessLogs,
      ...webHosting,
    });
    // Villagers upload from the web app's pages: straight to the documents bucket with presigned PUTs.
    for (const origin of web.origins) documents.allowOrigin(origin);
    // The app clients call back to the web app's pages only. No cycle: the clients name the distribution's
    // domain, and the distribution names the pool's domain (CSP), never the clients.
    identity.allowWebOrigins(web.origins);

    const publicBaseUrl =
      props.publicBaseUrl ??
      (webHosting.domain ? `https://${webHosting.domain.domainName}` : `https://${apiDomain}`);
    for (const construct of this.node.findAll()) {
      if (construct instanceof NongfangFunction && NEEDS_PUBLIC_BASE_URL.has(construct.entry)) {
        construct.function.addEnvironment("PUBLIC_BASE_URL", publicBaseUrl);
      }
    }
  }
}
