import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { actorOf } from "#shared/auth/actor.ts";
import { bucketEnv, readConfig, tableEnv } from "#shared/config.ts";
import { httpRoute } from "#shared/http/handler.ts";
import { adminImportBodySchema, requestAdminImport } from "#shared/reference/import/admin-import.ts";

const config = readConfig(
  tableEnv.extend(bucketEnv.shape).extend({ IMPORT_STATE_MACHINE_ARN: z.string().startsWith("arn:") }),
);
const sfn = new SFNClient({});
const deps = {
  client: DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  }),
  tableName: config.TABLE_NAME,
  s3: new S3Client({}),
  bucketName: config.BUCKET_NAME,
  startWorkflow: async (work: { importId: string }) => {
    await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: config.IMPORT_STATE_MACHINE_ARN,
        name: work.importId,
        input: JSON.stringify({ work }),
      }),
    );
  },
};

/** POST /admin/imports: 202 at once with the import's job; the import runs in the import workflow. */
export const handler = httpRoute(
  "POST /admin/imports",
  { body: adminImportBodySchema },
  async ({ body, event }) => {
    const job = await requestAdminImport(deps, actorOf(event), body);
    return { statusCode: 202, headers: { location: `/admin/imports/${job.importId}` }, body: job };
  },
);
