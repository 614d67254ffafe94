import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { actorOf } from "#shared/auth/actor.ts";
import { bucketEnv, readConfig, tableEnv } from "#shared/config.ts";
import { httpRoute } from "#shared/http/handler.ts";
import { adminImportBodySchema, runAdminImport } from "#shared/reference/import/admin-import.ts";

const config = readConfig(tableEnv.extend(bucketEnv.shape));
const deps = {
  client: DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  }),
  tableName: config.TABLE_NAME,
  s3: new S3Client({}),
  bucketName: config.BUCKET_NAME,
};

/** POST /admin/imports: import an uploaded reference file; 202 when it stopped at a checkpoint (call again). */
export const handler = httpRoute(
  "POST /admin/imports",
  { body: adminImportBodySchema },
  async ({ body, event }) => {
    const result = await runAdminImport(deps, actorOf(event), body);
    return { statusCode: result.status === "complete" ? 200 : 202, body: result };
  },
);
