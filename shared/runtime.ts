/**
 * The composition root: everything a handler needs, built once per container.
 * SDK clients come from ./clients.ts (the only module that constructs them,
 * with the same options everywhere); configuration is read once and validated
 * (a handler calls these at module scope, so a misconfigured function fails at
 * load); stores and the use cases' dependency bundles are assembled here.
 * Each getter is lazy (and pure for the bundler) so a handler only builds,
 * and only bundles, what it uses.
 */
import * as z from "zod";
import type { OnBehalfDeps } from "./assisted/on-behalf.ts";
import {
  cognitoClient,
  documentClient,
  dynamoDbClient,
  once,
  s3Client,
  sfnClient,
  sfnSendOnceClient,
} from "./clients.ts";
import { bucketEnv, readConfig, tableEnv, workflowEnv } from "./config.ts";
import { defaultEncryptor } from "./crypto/from-env.ts";
import { DocumentStore } from "./documents/document-store.ts";
import type { DocumentsDeps } from "./documents/use-cases.ts";
import { getShippedPolicy } from "./domain/policy/shipped-policies.ts";
import { smsSenderFromEnv } from "./notify/sms.ts";
import type { PapersDeps } from "./papers/deps.ts";
import type { ReviewDeps } from "./review/decide.ts";
import type { CountyPolicy } from "./schemas/policy.ts";
import { CaseStore } from "./store/case-store.ts";
import { ReferenceStore } from "./store/reference-store.ts";

export { cognitoClient, documentClient, dynamoDbClient, s3Client, sfnClient, sfnSendOnceClient };

/** The clock use cases read (tests inject their own). */
export const now = (): Date => new Date();

export const tableName = /* @__PURE__ */ once(() => readConfig(tableEnv).TABLE_NAME);
export const bucketName = /* @__PURE__ */ once(() => readConfig(bucketEnv).BUCKET_NAME);
export const stateMachineArn = /* @__PURE__ */ once(() => readConfig(workflowEnv).STATE_MACHINE_ARN);
export const importStateMachineArn = /* @__PURE__ */ once(
  () =>
    readConfig(z.object({ IMPORT_STATE_MACHINE_ARN: z.string().startsWith("arn:") }))
      .IMPORT_STATE_MACHINE_ARN,
);
/** Where the papers' QR codes point: the API's URL or the web domain (set on the function by the stack). */
export const publicBaseUrl = /* @__PURE__ */ once(
  () => readConfig(z.object({ PUBLIC_BASE_URL: z.url() })).PUBLIC_BASE_URL,
);

export const caseStore = /* @__PURE__ */ once(() => new CaseStore(documentClient(), tableName()));
export const documentStore = /* @__PURE__ */ once(() => new DocumentStore(documentClient(), tableName()));

/** The county's policy, named by the deployment (COUNTY_POLICY_ID); the Sichuan default otherwise. */
export const countyPolicy = /* @__PURE__ */ once(
  (): CountyPolicy =>
    getShippedPolicy(
      readConfig(z.object({ COUNTY_POLICY_ID: z.string().min(1).default("sichuan-default") }))
        .COUNTY_POLICY_ID,
    ),
);

/** The table and the clock: what most workflow tasks and table-only use cases take. */
export const tableDeps = /* @__PURE__ */ once(() => ({
  client: documentClient(),
  tableName: tableName(),
  now,
}));

/** The reviewer API: table + Step Functions callbacks (SendTaskSuccess, sent once: delivery retries itself). */
export const reviewDeps = /* @__PURE__ */ once(
  (): ReviewDeps => ({
    client: documentClient(),
    tableName: tableName(),
    cases: caseStore(),
    sfn: sfnSendOnceClient(),
    now,
  }),
);

/** The documents handlers (and site-visit photos): table + bucket. */
export const documentsDeps = /* @__PURE__ */ once(
  (): DocumentsDeps => ({
    cases: caseStore(),
    documents: documentStore(),
    s3: s3Client(),
    bucketName: bucketName(),
    now,
  }),
);

/** The papers (certificates, notices, permits as PDFs with QR codes). */
export const papersDeps = /* @__PURE__ */ once(
  (): PapersDeps => ({
    client: documentClient(),
    tableName: tableName(),
    s3: s3Client(),
    bucketName: bucketName(),
    cases: caseStore(),
    now,
    publicBaseUrl: publicBaseUrl(),
  }),
);

/** The notifications SMS adapter (SMS_PROVIDER, SMS_ORIGINATION_IDENTITY…). */
export const smsSender = /* @__PURE__ */ once(() => smsSenderFromEnv());

/** What the 代办 routes share. */
export const onBehalfDeps = /* @__PURE__ */ once(
  (): OnBehalfDeps => ({
    store: caseStore(),
    reference: new ReferenceStore(documentClient(), tableName()),
    client: documentClient(),
    tableName: tableName(),
    encryptor: () => defaultEncryptor(),
    sms: smsSender,
    policyId: countyPolicy().policyId,
  }),
);
