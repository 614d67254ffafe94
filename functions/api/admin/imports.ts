import { StartExecutionCommand } from "@aws-sdk/client-sfn";
import { httpRoute } from "#shared/http/handler.ts";
import { adminImportBodySchema, requestAdminImport } from "#shared/reference/import/admin-import.ts";
import {
  bucketName,
  documentClient,
  importStateMachineArn,
  s3Client,
  sfnClient,
  tableName,
} from "#shared/runtime.ts";

const sfn = sfnClient();
const importWorkflow = importStateMachineArn();
const deps = {
  client: documentClient(),
  tableName: tableName(),
  s3: s3Client(),
  bucketName: bucketName(),
  startWorkflow: async (work: { importId: string }) => {
    await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: importWorkflow,
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
  async ({ body, actor }) => {
    const job = await requestAdminImport(deps, actor, body);
    return { statusCode: 202, headers: { location: `/admin/imports/${job.importId}` }, body: job };
  },
);
