/**
 * What the papers' use cases share: their dependencies, the reads and the
 * number counter they all use, and the actor as the audit trail records it.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { type DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import type { Actor } from "../auth/actor.ts";
import { formatCertificateNumber } from "../certificates/certificate.ts";
import { counterKey } from "../certificates/keys.ts";
import { CaseNotFoundError } from "../errors.ts";
import type { CaseStore } from "../store/case-store.ts";
import type { CaseData } from "./assemble.ts";

export interface PapersDeps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly s3: S3Client;
  readonly bucketName: string;
  readonly cases: CaseStore;
  readonly now: () => Date;
  /** Where the QR codes point (the API's URL or the web domain). */
  readonly publicBaseUrl: string;
}

export const notFound = (caseId: string) => new CaseNotFoundError(caseId);

export const auditActor = (actor: Actor) => ({
  id: actor.id,
  role: actor.role,
  ...(actor.department ? { department: actor.department } : {}),
});

/** The next number in a per-prefix, per-year counter (certificates and refusal notices). */
export async function claimSequence(deps: PapersDeps, prefix: string, year: string): Promise<string> {
  const counter = await deps.client.send(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: counterKey(prefix, year),
      UpdateExpression: "ADD seq :one SET #type = :type",
      ExpressionAttributeNames: { "#type": "type" },
      ExpressionAttributeValues: { ":one": 1, ":type": "counter" },
      ReturnValues: "UPDATED_NEW",
    }),
  );
  return formatCertificateNumber(prefix, year, z.int().positive().parse(counter.Attributes?.seq));
}

export async function caseData(deps: PapersDeps, caseId: string): Promise<CaseData> {
  const { record, steps, events } = await deps.cases.load(caseId);
  return { record, steps, events };
}
