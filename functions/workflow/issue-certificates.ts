import { issueCertificates } from "#shared/certificates/issue.ts";
import { lambdaHandler } from "#shared/lambda.ts";
import { bucketName, s3Client, tableDeps } from "#shared/runtime.ts";
import { caseTaskInput } from "#shared/workflow/contracts.ts";

const deps = { ...tableDeps(), s3: s3Client(), bucketName: bucketName() };

/** Step Functions task: issues the approved case's certificates (idempotent; ResultPath `$.certificates`). */
export const handler = lambdaHandler(async (event: unknown) => {
  const { caseId } = caseTaskInput.parse(event);
  return issueCertificates(deps, caseId);
});
