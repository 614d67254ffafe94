import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { issueCertificates } from "#shared/certificates/issue.ts";
import { bucketEnv, readConfig, tableEnv } from "#shared/config.ts";
import { caseTaskInput } from "#shared/workflow/contracts.ts";

const config = readConfig(tableEnv.extend(bucketEnv.shape));
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
const s3 = new S3Client({});

/** Step Functions task: issues the approved case's certificates (idempotent; ResultPath `$.certificates`). */
export const handler = async (event: unknown) => {
  const { caseId } = caseTaskInput.parse(event);
  return issueCertificates(
    { client, tableName: config.TABLE_NAME, s3, bucketName: config.BUCKET_NAME, now: () => new Date() },
    caseId,
  );
};
