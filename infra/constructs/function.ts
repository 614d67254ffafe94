import path from "node:path";
import { Arn, ArnFormat, type CfnElement, Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import type { IUserPool } from "aws-cdk-lib/aws-cognito";
import type { TableV2 } from "aws-cdk-lib/aws-dynamodb";
import { Policy, PolicyDocument, PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { Architecture, type CfnFunction, Runtime, Tracing } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import type { IStateMachine } from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import { ENTRY_METADATA, REPO_ROOT } from "./function-metadata.ts";
import type { SmsContext } from "./notifications.ts";

export { ENTRY_METADATA, LOCAL_SKIP_METADATA, REPO_ROOT } from "./function-metadata.ts";

/**
 * Handlers that render PDFs (shared/papers/pdf.ts): their bundle carries the
 * Noto Sans SC TrueType files in `fonts/` beside it, where the renderer looks first.
 */
export const PAPER_RENDERERS: ReadonlySet<string> = new Set([
  "functions/workflow/issue-certificates.ts",
  "functions/api/papers/download.ts",
  "functions/api/papers/reissue.ts",
  "functions/api/papers/extend.ts",
  "functions/api/register-pdf.ts",
]);
const PAPER_FONTS = [
  "node_modules/@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf",
  "node_modules/@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf",
];

/** What "read" and "write" on the case table grant (bindTable). */
export const TABLE_READ_ACTIONS = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"] as const;
export const TABLE_WRITE_ACTIONS = [
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:ConditionCheckItem",
] as const;

export interface NongfangFunctionProps {
  /** Handler module relative to the repository root, e.g. "functions/api/health.ts". */
  readonly entry: string;
  readonly description: string;
  readonly timeout?: Duration;
  readonly memorySize?: number;
}

/**
 * A Lambda's own log group (six months, kept) and a role that may write only
 * there: our own instead of AWSLambdaBasicExecutionRole, whose logs grant
 * covers every log group. Further grants go on the role.
 */
export function lambdaLogsAndRole(
  scope: Construct,
  ids: { readonly logs: string; readonly role: string },
  description: string,
): { logGroup: LogGroup; role: Role } {
  const logGroup = new LogGroup(scope, ids.logs, {
    retention: RetentionDays.SIX_MONTHS,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const role = new Role(scope, ids.role, {
    assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
    description,
    inlinePolicies: {
      logs: new PolicyDocument({
        statements: [
          new PolicyStatement({
            actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
            resources: [logGroup.logGroupArn],
          }),
        ],
      }),
    },
  });
  return { logGroup, role };
}

/**
 * The one Lambda construct: Node 24 on arm64, ESM bundle minified with source
 * maps (bundled locally by esbuild, no Docker), an explicit log group kept 180
 * days, X-Ray tracing, and a role that can only write its own logs. Everything
 * else a function may touch is granted through a `bind…` helper, which sets
 * the environment variable and the least privilege in one call.
 */
export class NongfangFunction extends Construct {
  readonly function: NodejsFunction;
  readonly entry: string;
  private readonly role: Role;

  constructor(scope: Construct, id: string, props: NongfangFunctionProps) {
    super(scope, id);
    this.entry = props.entry;
    const { logGroup, role } = lambdaLogsAndRole(this, { logs: "Logs", role: "Role" }, `Runs ${props.entry}`);
    this.role = role;
    this.function = new NodejsFunction(this, "Function", {
      entry: path.join(REPO_ROOT, props.entry),
      handler: "handler",
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, "package-lock.json"),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      description: props.description,
      role,
      logGroup,
      tracing: Tracing.ACTIVE,
      environment: {
        NODE_OPTIONS: "--enable-source-maps",
        POWERTOOLS_SERVICE_NAME: "nongfang",
        POWERTOOLS_LOG_LEVEL: "INFO",
        // The county's rules are configuration: `cdk deploy -c countyPolicy=<policy id or county code>`.
        COUNTY_POLICY_ID: String(this.node.tryGetContext("countyPolicy") ?? "sichuan-default"),
      },
      bundling: {
        format: OutputFormat.ESM,
        target: "node24",
        minify: true,
        sourceMap: true,
        mainFields: ["module", "main"],
        forceDockerBundling: false,
        // Some CommonJS dependencies call require(); give the ESM bundle one.
        banner:
          "import { createRequire as __nfCreateRequire } from 'node:module';const require = __nfCreateRequire(import.meta.url);",
        ...(PAPER_RENDERERS.has(props.entry)
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (inputDir: string, outputDir: string) => [
                  `mkdir -p "${outputDir}/fonts"`,
                  ...PAPER_FONTS.map((font) => `cp "${inputDir}/${font}" "${outputDir}/fonts/"`),
                ],
              },
            }
          : {}),
      },
    });
    (this.function.node.defaultChild as CfnFunction).addMetadata(ENTRY_METADATA, props.entry);
    this.acknowledgeWildcard(
      "*",
      "X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions.",
    );
  }

  /** cdk-nag IAM5 for one exact wildcard resource, with its reason: never a blanket acknowledgement. */
  private acknowledgeWildcard(resource: string, reason: string): void {
    Validations.of(this).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
  }

  private arnToken(construct: Construct): string {
    return `<${Stack.of(this).getLogicalId(construct.node.defaultChild as CfnElement)}.Arn>`;
  }

  /**
   * The case table, by item actions named one by one (no Scan, no stream, no
   * DescribeTable): "read" GetItem, BatchGetItem and Query (transactional reads
   * are GetItem per item); "write" PutItem, UpdateItem, DeleteItem,
   * BatchWriteItem and ConditionCheckItem (a transaction needs the action of
   * each of its parts). On the table and its indexes.
   */
  bindTable(table: TableV2, access: readonly ("read" | "write")[]): this {
    this.function.addEnvironment("TABLE_NAME", table.tableName);
    const actions = [
      ...(access.includes("read") ? TABLE_READ_ACTIONS : []),
      ...(access.includes("write") ? TABLE_WRITE_ACTIONS : []),
    ];
    this.function.addToRolePolicy(
      new PolicyStatement({ actions, resources: [table.tableArn, `${table.tableArn}/index/*`] }),
    );
    this.acknowledgeWildcard(
      `${this.arnToken(table)}/index/*`,
      "Queries the case table's own GSIs (byQueue, byOwner, …); no other table.",
    );
    return this;
  }

  /**
   * Object-level actions only, named one by one (no `s3:GetObject*`-style
   * wildcards): "read" gets documents and certificates (and presigns their
   * downloads), "write" puts and deletes them (presigned uploads are signed with
   * this role; a rejected upload's exact version is deleted).
   */
  bindBucket(bucket: IBucket, access: readonly ("read" | "write")[]): this {
    this.function.addEnvironment("BUCKET_NAME", bucket.bucketName);
    const actions = [
      ...(access.includes("read") ? ["s3:GetObject", "s3:GetObjectVersion"] : []),
      ...(access.includes("write") ? ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"] : []),
    ];
    this.function.addToRolePolicy(new PolicyStatement({ actions, resources: [bucket.arnForObjects("*")] }));
    this.acknowledgeWildcard(`${this.arnToken(bucket)}/*`, "Objects of the documents bucket only.");
    return this;
  }

  /**
   * The personal-data key (field-level envelope encryption of ID and phone
   * numbers, shared/crypto/): GenerateDataKey to seal, Decrypt to open, on this
   * key only. Functions without it read cases without those numbers.
   */
  bindKey(key: IKey, access: readonly ("open" | "seal")[]): this {
    this.function.addEnvironment("FIELD_KEYRING", "kms");
    this.function.addEnvironment("FIELD_KEY_ARN", key.keyArn);
    key.grant(
      this.function,
      ...(access.includes("seal") ? ["kms:GenerateDataKey"] : []),
      ...(access.includes("open") ? ["kms:Decrypt"] : []),
    );
    return this;
  }

  /**
   * The key that seals pagination cursors (shared/http/cursor.ts): Encrypt and
   * Decrypt on this key only, and only with the cursor purpose in the
   * encryption context, so the grant cannot open anything else sealed with it.
   */
  /**
   * Sends SMS through the notifications adapter (shared/notify/sms.ts): its
   * settings as environment (SMS_PROVIDER, origination identity, configuration
   * set, gateway URL) and, for End User Messaging, sms-voice:SendTextMessage on
   * this account's own origination identities, configuration sets and opt-out
   * lists in this region (SendTextMessage authorizes on the ones a message
   * uses; without one named, End User Messaging picks from the account's own).
   * An HTTP gateway needs no AWS permission.
   */
  bindSmsSender(sms: SmsContext): this {
    const fn = this.function;
    fn.addEnvironment("SMS_PROVIDER", sms.provider);
    if (sms.originationIdentity) fn.addEnvironment("SMS_ORIGINATION_IDENTITY", sms.originationIdentity);
    if (sms.configurationSet) fn.addEnvironment("SMS_CONFIGURATION_SET", sms.configurationSet);
    if (sms.gatewayUrl) fn.addEnvironment("SMS_GATEWAY_URL", sms.gatewayUrl);
    if (sms.provider !== "aws") return this;
    const stack = Stack.of(this);
    const resources = ["phone-number", "sender-id", "pool", "configuration-set", "opt-out-list"];
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ["sms-voice:SendTextMessage"],
        resources: resources.map((resource) =>
          stack.formatArn({ service: "sms-voice", resource, resourceName: "*" }),
        ),
      }),
    );
    for (const resource of resources)
      this.acknowledgeWildcard(
        `arn:<AWS::Partition>:sms-voice:<AWS::Region>:<AWS::AccountId>:${resource}/*`,
        "sms-voice:SendTextMessage on this account's own SMS origination identities, configuration sets and opt-out lists in this region; which one carries a message is End User Messaging's choice unless smsOriginationIdentity names it.",
      );
    return this;
  }

  bindCursorKey(key: IKey): this {
    this.function.addEnvironment("CURSOR_KEYRING", "kms");
    this.function.addEnvironment("CURSOR_KEY_ARN", key.keyArn);
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ["kms:Encrypt", "kms:Decrypt"],
        resources: [key.keyArn],
        conditions: { StringEquals: { "kms:EncryptionContext:purpose": "nongfang/cursor" } },
      }),
    );
    return this;
  }

  /**
   * Reads one user of this pool at a time: `cognito-idp:AdminGetUser` on this
   * pool only (a Cognito trigger reading the signing-in user's MFA settings).
   * The grant is a policy of its own rather than the role's default policy: the
   * pool names this function as its trigger, and a function waits for its
   * role's default policy, so the pool's ARN there would close a cycle
   * (pool → function → default policy → pool). A separate policy waits for the
   * pool instead; until it exists the trigger's lookups fail, which refuses
   * sign-ins rather than allowing them.
   */
  bindUserPool(userPool: IUserPool): this {
    const policy = new Policy(this, "UserPoolPolicy", {
      statements: [
        new PolicyStatement({ actions: ["cognito-idp:AdminGetUser"], resources: [userPool.userPoolArn] }),
      ],
    });
    this.role.attachInlinePolicy(policy);
    return this;
  }

  /** Starts executions of the import workflow (POST /admin/imports): StartExecution on it only. */
  bindImportWorkflow(stateMachine: IStateMachine): this {
    this.function.addEnvironment("IMPORT_STATE_MACHINE_ARN", stateMachine.stateMachineArn);
    stateMachine.grantStartExecution(this.function);
    return this;
  }

  /**
   * A task of the workflow that starts further runs of the same state machine
   * (the construction period's phase runs) and describes them. The state
   * machine names this function, so granting through the role's default
   * policy would close a cycle (state machine → function → default policy →
   * state machine); a separate policy waits for the state machine instead. The
   * task reads the ARN from its payload (`$$.StateMachine.Id`), not from the environment.
   */
  bindOwnWorkflowRuns(stateMachine: IStateMachine): this {
    const executions = `${Stack.of(this).formatArn({
      service: "states",
      resource: "execution",
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      resourceName: Arn.split(stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName,
    })}:*`;
    const policy = new Policy(this, "WorkflowRunsPolicy", {
      statements: [
        new PolicyStatement({
          actions: ["states:StartExecution"],
          resources: [stateMachine.stateMachineArn],
        }),
        new PolicyStatement({ actions: ["states:DescribeExecution"], resources: [executions] }),
      ],
    });
    this.role.attachInlinePolicy(policy);
    const logicalId = Stack.of(this).getLogicalId(stateMachine.node.defaultChild as CfnElement);
    this.acknowledgeWildcard(
      `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${logicalId}"}]}]}:*`,
      "Describes runs of the approval workflow only (a retried start checks the phase run it started).",
    );
    return this;
  }

  /**
   * The open-step task answers its own task token when the step it opens was decided already
   * (shared/workflow/open-step.ts). An inline policy, as in bindOwnWorkflowRuns: the state machine
   * names this function, so the function must not depend on a policy that names the state machine.
   */
  bindOwnTaskResponses(stateMachine: IStateMachine): this {
    this.role.attachInlinePolicy(
      new Policy(this, "TaskResponsesPolicy", {
        statements: [
          new PolicyStatement({
            actions: ["states:SendTaskSuccess"],
            resources: [stateMachine.stateMachineArn],
          }),
        ],
      }),
    );
    return this;
  }

  /**
   * "start": start and stop executions; "respond": send task success/failure/heartbeat;
   * "recover": the operator's recoveries — redrive, stop and describe executions.
   */
  bindWorkflow(stateMachine: IStateMachine, access: readonly ("start" | "respond" | "recover")[]): this {
    this.function.addEnvironment("STATE_MACHINE_ARN", stateMachine.stateMachineArn);
    const executionActions = [
      ...(access.includes("start") ? ["states:StopExecution", "states:DescribeExecution"] : []),
      ...(access.includes("recover")
        ? ["states:RedriveExecution", "states:StopExecution", "states:DescribeExecution"]
        : []),
    ];
    if (access.includes("start")) stateMachine.grantStartExecution(this.function);
    if (executionActions.length > 0) {
      stateMachine.grantExecution(this.function, ...new Set(executionActions));
      const logicalId = Stack.of(this).getLogicalId(stateMachine.node.defaultChild as CfnElement);
      this.acknowledgeWildcard(
        `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${logicalId}"}]}]}:*`,
        "Stops, redrives and describes executions of the approval workflow only (withdrawal stops a case's run; an operator recovers one).",
      );
    }
    if (access.includes("respond")) stateMachine.grantTaskResponse(this.function);
    return this;
  }
}
