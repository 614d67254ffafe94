import type { Context } from "aws-lambda";
import * as z from "zod";
import { lambdaHandler } from "#shared/lambda.ts";
import {
  failImport,
  type ImportWork,
  importWorkSchema,
  runImportSession,
} from "#shared/reference/import/admin-import.ts";
import { bucketName, documentClient, s3Client, tableName } from "#shared/runtime.ts";

const deps = { client: documentClient(), tableName: tableName(), s3: s3Client(), bucketName: bucketName() };

/** Time kept back at the end of a session: the last chunk commits and the checkpoint is saved before the timeout. */
const MARGIN_MS = 60_000;

const eventSchema = z.union([
  z.object({
    failed: importWorkSchema,
    error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }),
  }),
  z.object({ work: importWorkSchema }),
]);

/**
 * The import workflow's worker (infra/constructs/import-workflow.ts): one work
 * session of an admin import, until its time is nearly up; or, after the
 * workflow gave up, the job marked failed.
 */
export const handler = lambdaHandler(
  async (event: unknown, context: Context): Promise<ImportWork | { failed: true }> => {
    const input = eventSchema.parse(event);
    if ("failed" in input) {
      await failImport(deps, input.failed, input.error.Error ?? "ImportFailed");
      return { failed: true };
    }
    const budget = Math.max(5_000, context.getRemainingTimeInMillis() - MARGIN_MS);
    return runImportSession(deps, input.work, budget);
  },
);
