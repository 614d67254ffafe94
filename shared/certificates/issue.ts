/**
 * Issues a case's certificates (批准书, 乡村建设规划许可证) once it is approved.
 * Called by the workflow's IssueCertificates task, which Step Functions may retry,
 * so issuing is idempotent: a second run returns the numbers already issued.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";

export interface IssueCertificatesDeps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly s3: S3Client;
  readonly bucketName: string;
  readonly now: () => Date;
}

export interface IssuedCertificate {
  readonly type: string;
  readonly number: string;
}

export async function issueCertificates(
  deps: IssueCertificatesDeps,
  caseId: string,
): Promise<IssuedCertificate[]> {
  void deps;
  throw new Error(`issueCertificates(${caseId}) is not implemented yet`);
}
