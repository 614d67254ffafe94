/**
 * What the papers' use cases share: their dependencies, the reads they all
 * use, and the actor as the audit trail records it (numbers: ../certificates/counter.ts).
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Actor } from "../auth/actor.ts";
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

export async function caseData(deps: PapersDeps, caseId: string): Promise<CaseData> {
  const { record, steps, events } = await deps.cases.load(caseId);
  return { record, steps, events };
}
