import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { actorOf } from "#shared/auth/actor.ts";
import { certificateObjectKey } from "#shared/certificates/certificate.ts";
import { bucketEnv, readConfig, tableEnv } from "#shared/config.ts";
import { requireOwnCase } from "#shared/documents/access.ts";
import { presignDocumentGet } from "#shared/documents/objects.ts";
import { NotFoundError } from "#shared/http/errors.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { certificateTypeSchema } from "#shared/schemas/common.ts";
import { caseIdPath } from "#shared/schemas/requests.ts";
import type { CertificateDownload } from "#shared/schemas/responses.ts";
import { CaseStore } from "#shared/store/case-store.ts";

const config = readConfig(tableEnv.extend(bucketEnv.shape));
const cases = new CaseStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), config.TABLE_NAME);
const s3 = new S3Client({});

/** GET /cases/{caseId}/certificates/{type}: the owner's short-lived link to the printable certificate. */
export const handler = httpRoute(
  "GET /cases/{caseId}/certificates/{type}",
  { path: caseIdPath.extend({ type: certificateTypeSchema }) },
  async ({ path, event }) => {
    const record = await requireOwnCase(cases, actorOf(event), path.caseId);
    const certificate = record.certificates?.find((issued) => issued.type === path.type);
    if (!certificate)
      throw new NotFoundError({
        en: `Case ${path.caseId} has no ${path.type} yet`,
        zh: `尚未签发该证书（${path.type}）`,
      });
    const download = await presignDocumentGet(
      s3,
      config.BUCKET_NAME,
      certificateObjectKey(record.caseId, path.type),
      {
        contentType: "text/html; charset=utf-8",
      },
    );
    return ok({
      type: certificate.type,
      number: certificate.number,
      issuedAt: certificate.issuedAt,
      url: download.url,
      expiresAt: new Date(Date.now() + download.expiresIn * 1000).toISOString(),
    } satisfies CertificateDownload);
  },
);
