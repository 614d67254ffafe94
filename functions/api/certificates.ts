import { httpRoute, ok } from "#shared/http/handler.ts";
import { downloadPaper } from "#shared/papers/service.ts";
import { papersDeps } from "#shared/runtime.ts";
import { certificateTypeSchema } from "#shared/schemas/common.ts";
import { caseIdPath } from "#shared/schemas/requests.ts";
import type { CertificateDownload } from "#shared/schemas/responses.ts";

const deps = papersDeps();

/** GET /cases/{caseId}/certificates/{type}: the owner's short-lived link to the certificate PDF. */
export const handler = httpRoute(
  "GET /cases/{caseId}/certificates/{type}",
  { path: caseIdPath.extend({ type: certificateTypeSchema }) },
  async ({ path, actor }) => {
    const download = await downloadPaper(deps, actor, path.caseId, path.type);
    const record = await deps.cases.get(path.caseId);
    const certificate = record?.certificates?.find((entry) => entry.number === download.number);
    return ok({
      type: path.type,
      number: download.number ?? "",
      issuedAt: certificate?.issuedAt ?? download.expiresAt,
      url: download.url,
      expiresAt: download.expiresAt,
      filename: download.filename,
      sha256: download.sha256,
      status: certificate?.status ?? "valid",
    } satisfies CertificateDownload);
  },
);
