/**
 * The one place AWS SDK clients are built (test/unit/composition-root.test.ts
 * keeps it so): once per container, on first use, each kind with the same
 * options everywhere. Handlers take them from shared/runtime.ts; the few
 * shared adapters that choose their backend from the environment (the
 * personal-data keyring, the cursor keyring, the SMS sender) take them from here.
 *
 * Endpoints and checksum behaviour come from the SDK's standard variables
 * (AWS_ENDPOINT_URL_*, AWS_REQUEST_CHECKSUM_CALCULATION, …), which the local
 * cloud sets. Every getter is marked pure so a bundle keeps only the clients
 * its handler uses.
 *
 * One seam for the local cloud, where handlers run in its own process: it may
 * hand the DynamoDB client an in-process transport to its stand-in
 * (infra/local/in-process-transport.ts) before any handler runs. On AWS
 * nothing calls `useLocalTransport` and every client speaks HTTPS.
 */
import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { KMSClient } from "@aws-sdk/client-kms";
import { PinpointSMSVoiceV2Client } from "@aws-sdk/client-pinpoint-sms-voice-v2";
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/** A value built on first call, then kept for the container's life. */
export function once<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= build();
    return value;
  };
}

let localDynamoDbTransport: DynamoDBClientConfig["requestHandler"];

/** The local cloud only: DynamoDB calls of this process go through `transport` (see the module comment). */
export function useLocalTransport(transport: {
  readonly dynamodb: DynamoDBClientConfig["requestHandler"];
}): void {
  localDynamoDbTransport = transport.dynamodb;
}

/** The low-level DynamoDB client (Powertools idempotency takes this one). */
export const dynamoDbClient = /* @__PURE__ */ once(
  () => new DynamoDBClient(localDynamoDbTransport ? { requestHandler: localDynamoDbTransport } : {}),
);

/** The DocumentClient every table module uses: undefined attributes are left out, never an error. */
export const documentClient = /* @__PURE__ */ once(() =>
  DynamoDBDocumentClient.from(dynamoDbClient(), { marshallOptions: { removeUndefinedValues: true } }),
);

export const s3Client = /* @__PURE__ */ once(() => new S3Client({}));

/** Step Functions with the SDK's retries (start, stop, describe). */
export const sfnClient = /* @__PURE__ */ once(() => new SFNClient({}));

/**
 * Step Functions for task-token callbacks: the delivery code (shared/review/delivery.ts)
 * retries itself and records each attempt, so the SDK sends once.
 */
export const sfnSendOnceClient = /* @__PURE__ */ once(() => new SFNClient({ maxAttempts: 1 }));

export const kmsClient = /* @__PURE__ */ once(() => new KMSClient({}));

export const cognitoClient = /* @__PURE__ */ once(() => new CognitoIdentityProviderClient({}));

/** AWS End User Messaging SMS (the SMS sender's AWS adapter). */
export const smsClient = /* @__PURE__ */ once(() => new PinpointSMSVoiceV2Client({}));
