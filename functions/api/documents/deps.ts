/**
 * Clients and config shared by the documents handlers, built once per container.
 * Checksum behaviour is left to the standard AWS_REQUEST_CHECKSUM_CALCULATION /
 * AWS_RESPONSE_CHECKSUM_VALIDATION variables (the local cloud sets them).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { bucketEnv, readConfig, tableEnv } from "#shared/config.ts";
import { DocumentStore } from "#shared/documents/document-store.ts";
import type { DocumentsDeps } from "#shared/documents/use-cases.ts";
import { CaseStore } from "#shared/store/case-store.ts";

const config = readConfig(tableEnv.extend(bucketEnv.shape));
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
const s3 = new S3Client({});

export const documentsDeps: DocumentsDeps = {
  cases: new CaseStore(client, config.TABLE_NAME),
  documents: new DocumentStore(client, config.TABLE_NAME),
  s3,
  bucketName: config.BUCKET_NAME,
  now: () => new Date(),
};

export { caseIdPath as casePath, documentPath } from "#shared/schemas/requests.ts";
