import { mkdir, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import path from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { useLocalTransport } from "#shared/clients.ts";
import { ensureLocalKeyFile } from "#shared/crypto/local-keyring.ts";
import { ROUTES } from "#shared/http/routes.ts";
import { CASE_TABLE } from "#shared/store/table-design.ts";
import { REPO_ROOT } from "../constructs/function-metadata.ts";
import { startLocalDynamoDb } from "./dynamodb.ts";
import type { LocalFaults } from "./faults.ts";
import { startLocalHttpApi } from "./http-api.ts";
import { dynamoDbTransport } from "./in-process-transport.ts";
import { createLocalJwtAuthorizer } from "./jwt-authorizer.ts";
import { functionsFromTemplate, LocalLambdaRuntime } from "./lambda-runtime.ts";
import type { LocalMeter } from "./meter.ts";
import { startLocalOidcIssuer } from "./oidc-issuer.ts";
import { LOCAL_S3_CREDENTIALS, startLocalS3 } from "./s3.ts";
import { scheduledRulesFromTemplate, startSchedules } from "./schedules.ts";
import { seedReferenceData } from "./seed.ts";
import { deliverEvent, eventRulesFromTemplate } from "./sfn-events.ts";
import { type LocalSms, startLocalSms } from "./sms.ts";
import { startLocalStepFunctions } from "./stepfunctions.ts";
import {
  type CfnTemplate,
  LOCAL_REGION,
  localPhysicalNames,
  resolveIntrinsics,
  synthesizeTemplate,
} from "./template.ts";
import { webAppFallback } from "./web.ts";

export interface LocalCloudOptions {
  /** Everything the services persist lives here (git-ignored `.data/` for `npm start`, a temp dir in tests). */
  readonly dataDir: string;
  /** Fixed ports for `npm start`; 0 or absent picks free ones (tests). */
  readonly ports?: {
    readonly api?: number;
    readonly dynamodb?: number;
    readonly s3?: number;
    readonly stepFunctions?: number;
    /** The local OIDC issuer; absent reuses the port of the last start (its URL is every token's `iss`). */
    readonly auth?: number;
    /** The SMS stand-in (infra/local/sms.ts). */
    readonly sms?: number;
  };
  /** CDK context for the synthesized stack, as `cdk deploy -c …` (e.g. `{ countyPolicy: "guangxi-contrast" }`). */
  readonly context?: Readonly<Record<string, unknown>>;
  /** Multiplies every Wait and task timeout of the workflow (tests and benchmarks shrink time). */
  readonly waitScale?: number;
  /** Benchmarks: observers of DynamoDB capacity, S3 requests and Lambda handler time (see meter.ts). */
  readonly meter?: LocalMeter;
  /**
   * Tests only: fault hooks of the Lambda invoker and the DynamoDB and Step Functions fronts
   * (faults.ts). `npm start` never sets them.
   */
  readonly faults?: LocalFaults;
  /**
   * The period of every scheduled rule (EventBridge `rate(…)`, e.g. the decision delivery sweep),
   * instead of the template's; tests and benchmarks shorten it.
   */
  readonly schedulePeriodMs?: number;
  /** Invocations run at once; the rest wait their turn (lambda-runtime.ts, DEFAULT_LOCAL_CONCURRENCY). */
  readonly lambdaConcurrency?: number;
  /**
   * Tests whose data folder is never reopened: DynamoDB keeps its items (dynamodb.ts) and Step
   * Functions its execution records (sfn-store.ts) in memory. S3 and the keys still live in
   * dataDir. `npm start` never sets it.
   */
  readonly inMemory?: boolean;
}

/** What a client needs to talk to the running local cloud; written to `<dataDir>/endpoints.json`. */
export interface LocalEndpoints {
  readonly api: string;
  readonly dynamodb: string;
  readonly s3: string;
  readonly stepFunctions: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly tableName: string;
  readonly bucketName: string;
  readonly stateMachineArn: string;
  /**
   * The local OIDC issuer: discovery at `<issuer>/.well-known/openid-configuration`, sign-in page at
   * `/authorize`; `clientId` is the villager app client (the default audience of `POST /token`'s
   * shortcut), `staffClientId` the staff one. The API accepts tokens of either.
   */
  readonly auth: { readonly issuer: string; readonly clientId: string; readonly staffClientId: string };
  /** The SMS stand-in: every message a phone would receive, at its root URL (HTML) and `/messages.json`. */
  readonly sms: string;
}

export interface LocalCloud {
  readonly endpoints: LocalEndpoints;
  /** The SMS stand-in's record (tests read what was sent). */
  readonly sms: LocalSms;
  readonly runtime: LocalLambdaRuntime;
  readonly template: CfnTemplate;
  close(): Promise<void>;
}

/**
 * A free port for the API, held: the API's URL must be known before the services that name it start
 * (CORS origins, sign-in redirects), and a port probed then released can be taken by another cloud
 * of a parallel test file in between (EADDRINUSE). The API takes this socket over when it starts.
 */
async function reservePort(): Promise<{ port: number; server: Server }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      const address = server.address();
      resolve({ port: typeof address === "object" && address ? address.port : 0, server });
    });
  });
}

function logicalIdsOf(template: CfnTemplate, type: string): string[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([logicalId]) => logicalId);
}

function only<T>(values: readonly T[], what: string): T {
  const [value] = values;
  if (values.length !== 1 || value === undefined)
    throw new Error(`Expected exactly one ${what}, found ${values.length}`);
  return value;
}

/**
 * Starts DynamoDB, S3, Step Functions and the HTTP API on 127.0.0.1, all built
 * from the synthesized CDK template, with handlers reaching them only through
 * the SDK's standard endpoint variables (AWS_ENDPOINT_URL_*).
 */
export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const template = await synthesizeTemplate(options.context);
  const names = localPhysicalNames(template);
  const tableName = names.resolveRef(only(logicalIdsOf(template, "AWS::DynamoDB::GlobalTable"), "table"));
  const bucketNames = logicalIdsOf(template, "AWS::S3::Bucket").map((id) => names.resolveRef(id));
  const stateMachineIds = logicalIdsOf(template, "AWS::StepFunctions::StateMachine");
  const runtime = new LocalLambdaRuntime(
    functionsFromTemplate(template, names),
    REPO_ROOT,
    options.meter,
    options.faults?.lambda,
    options.lambdaConcurrency,
  );
  const environment = runtime.sharedEnvironment();

  const reserved = options.ports?.api ? undefined : await reservePort();
  const apiPort = options.ports?.api || (reserved?.port ?? 0);
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const closers: (() => Promise<void>)[] = [];
  // Until the API has taken the reserved socket over, a failed start releases it.
  let reservation = reserved?.server;
  closers.push(async () => {
    const held = reservation;
    reservation = undefined;
    if (held) await new Promise<void>((resolve) => held.close(() => resolve()));
  });
  try {
    await mkdir(options.dataDir, { recursive: true });
    const dynamodb = await startLocalDynamoDb({
      port: options.ports?.dynamodb ?? 0,
      dataDir: path.join(options.dataDir, "dynamodb"),
      ...(options.inMemory ? { inMemory: true } : {}),
      tables: [{ name: tableName, design: CASE_TABLE }],
      ...(options.meter ? { meter: options.meter } : {}),
      ...(options.faults?.service ? { faults: options.faults.service } : {}),
    });
    closers.push(() => dynamodb.close());
    // The in-process Lambdas reach it by function call, not through its port (in-process-transport.ts).
    dynamoDbTransport.attach(dynamodb.answer, options.faults?.service);
    useLocalTransport({ dynamodb: dynamoDbTransport });
    closers.push(async () => dynamoDbTransport.detach(dynamodb.answer));
    // The pre-check reads households, villages and parcels from the table: load the demo set.
    const seedClient = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: dynamodb.endpoint,
        region: LOCAL_REGION,
        credentials: LOCAL_S3_CREDENTIALS,
      }),
    );
    await seedReferenceData(seedClient, tableName, {
      tableIsNew: dynamodb.createdTables.includes(tableName),
    }).finally(() => seedClient.destroy());
    const s3 = await startLocalS3({
      port: options.ports?.s3 ?? 0,
      dataDir: path.join(options.dataDir, "s3"),
      buckets: bucketNames,
      allowedOrigins: [apiUrl, `http://localhost:${apiPort}`],
      ...(options.meter ? { meter: options.meter } : {}),
    });
    closers.push(() => s3.close());
    // Closed after the API and the workflow stop calling functions, before S3 and DynamoDB.
    closers.push(() => runtime.drain());

    // SMS: the AWS adapter reaches this stand-in through the SDK's standard endpoint variable.
    const sms = await startLocalSms({
      dataDir: options.dataDir,
      port: options.ports?.sms ?? 0,
      ...(options.faults?.service ? { faults: options.faults.service } : {}),
    });
    closers.push(() => sms.close());

    // KMS is not emulated: personal data is sealed with a key file of this data folder instead (same code
    // path, shared/crypto/; the keyring is chosen by FIELD_KEYRING, which on AWS names the KMS key).
    const fieldKeyFile = path.join(options.dataDir, "keys", "personal-data.key");
    ensureLocalKeyFile(fieldKeyFile);
    // Pagination cursors are sealed the same way: a key file here, the stack's KMS cursor key on AWS.
    const cursorKeyFile = path.join(options.dataDir, "keys", "cursor.key");
    ensureLocalKeyFile(cursorKeyFile);

    // Standard SDK settings only: the same handler code reaches AWS when these are absent.
    Object.assign(process.env, {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: sms.endpoint,
      // s3rver stores aws-chunked bodies verbatim: only send checksums when S3 requires them.
      AWS_REQUEST_CHECKSUM_CALCULATION: "WHEN_REQUIRED",
      AWS_RESPONSE_CHECKSUM_VALIDATION: "WHEN_REQUIRED",
      ...environment,
      FIELD_KEYRING: "file",
      FIELD_KEY_FILE: fieldKeyFile,
      CURSOR_KEYRING: "file",
      CURSOR_KEY_FILE: cursorKeyFile,
      // Certificate QR codes point at GET /verify/{number} on this local API.
      PUBLIC_BASE_URL: apiUrl,
    });

    // EventBridge rules of the template (e.g. on Step Functions status changes) invoke their Lambda targets.
    const eventRules = eventRulesFromTemplate(template, (value) => resolveIntrinsics(value, names));
    const stepFunctions = await startLocalStepFunctions({
      port: options.ports?.stepFunctions ?? 0,
      dataDir: path.join(options.dataDir, "stepfunctions"),
      ...(options.inMemory ? { inMemory: true } : {}),
      invokeLambda: (functionName, payload) => runtime.invoke(functionName, payload),
      waitScale: options.waitScale ?? 1,
      ...(eventRules.length === 0
        ? {}
        : {
            onStatusChange: async (event) => {
              await deliverEvent(eventRules, event, (arn, payload) => runtime.invoke(arn, payload));
            },
          }),
      ...(options.faults?.service ? { faults: options.faults.service } : {}),
    });
    closers.push(() => stepFunctions.close());
    process.env.AWS_ENDPOINT_URL_SFN = stepFunctions.endpoint;
    for (const logicalId of stateMachineIds) {
      const definition = resolveIntrinsics(
        template.Resources[logicalId]?.Properties?.DefinitionString,
        names,
      );
      stepFunctions.registerStateMachine(names.resolveRef(logicalId), String(definition), logicalId);
    }

    // The sign-in page may only send tokens back to the local web app, served from the API's origin.
    const issuer = await startLocalOidcIssuer({
      dataDir: path.join(options.dataDir, "oidc"),
      port: options.ports?.auth ?? 0,
      redirectOrigins: [apiUrl, `http://localhost:${apiPort}`],
    });
    closers.push(() => issuer.close());

    const byEntry = new Map(runtime.functions.map((fn) => [fn.entry, fn]));
    const api = await startLocalHttpApi({
      port: apiPort,
      ...(reservation ? { listenOn: reservation } : {}),
      routes: ROUTES,
      invoke: (route, event) => {
        const fn = byEntry.get(route.handler);
        if (!fn) throw new Error(`No function serves ${route.handler}`);
        return runtime.invoke(fn.arn, event);
      },
      authorize: createLocalJwtAuthorizer({
        issuer: issuer.url,
        audience: [issuer.clientId, issuer.staffClientId],
      }),
      // Requests no route matches: the web app (web/dist) and its /config.json, on the API's origin.
      fallback: webAppFallback({
        auth: { issuer: issuer.url, clients: { villager: issuer.clientId, staff: issuer.staffClientId } },
        extraOrigins: [s3.endpoint],
      }),
    });
    reservation = undefined;
    closers.push(() => api.close());

    // Scheduled rules (the decision delivery sweep, the SMS sender): closed first, before the functions drain.
    const schedules = startSchedules(
      scheduledRulesFromTemplate(template, (value) => resolveIntrinsics(value, names)),
      (arn, payload) => runtime.invoke(arn, payload),
      {
        region: LOCAL_REGION,
        ...(options.schedulePeriodMs === undefined ? {} : { periodMs: options.schedulePeriodMs }),
        onError: (error) => console.error(`A scheduled function failed: ${(error as Error).name}`),
      },
    );
    closers.push(() => schedules.close());

    const endpoints: LocalEndpoints = {
      api: api.url,
      dynamodb: dynamodb.endpoint,
      s3: s3.endpoint,
      stepFunctions: stepFunctions.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_S3_CREDENTIALS,
      tableName,
      // The documents bucket is the one browsers upload to: the bucket with CORS.
      bucketName: names.resolveRef(
        only(
          logicalIdsOf(template, "AWS::S3::Bucket").filter(
            (id) => template.Resources[id]?.Properties?.CorsConfiguration !== undefined,
          ),
          "documents bucket",
        ),
      ),
      // The approval workflow (the import workflow runs admin imports; nothing outside needs its ARN).
      stateMachineArn: names.resolveRef(
        only(
          stateMachineIds.filter((id) => id.startsWith("ApprovalWorkflow")),
          "approval state machine",
        ),
      ),
      auth: { issuer: issuer.url, clientId: issuer.clientId, staffClientId: issuer.staffClientId },
      sms: sms.endpoint,
    };
    await writeFile(path.join(options.dataDir, "endpoints.json"), `${JSON.stringify(endpoints, null, 2)}\n`);
    return {
      endpoints,
      sms,
      runtime,
      template,
      close: async () => {
        for (const close of closers.reverse()) await close();
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    throw error;
  }
}
