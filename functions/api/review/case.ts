import { auditRequestOf } from "#shared/audit/audit-service.ts";
import { seesPersonalData } from "#shared/auth/policy.ts";
import { defaultEncryptor } from "#shared/crypto/from-env.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { reviewCaseDetail } from "#shared/review/case-detail.ts";
import { bucketName, caseStore, s3Client } from "#shared/runtime.ts";
import { caseIdPath } from "#shared/schemas/requests.ts";

const deps = {
  cases: caseStore(),
  s3: s3Client(),
  bucketName: bucketName(),
  encryptor: () => defaultEncryptor(),
};

/** GET /review/cases/{caseId}: the reviewer's case detail (form, pre-check, documents, decisions, timeline). */
export const handler = httpRoute(
  "GET /review/cases/{caseId}",
  { path: caseIdPath },
  async ({ event, path, policy, actor }) => {
    return ok(
      await reviewCaseDetail(deps, actor, path.caseId, {
        unmasked: seesPersonalData(policy, actor),
        // Auditors' reads are recorded (the policy row's recordedFor), found or not.
        ...(policy.recordedFor?.includes(actor.role) ? { recordAs: auditRequestOf(event, actor) } : {}),
      }),
    );
  },
);
