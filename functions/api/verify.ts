import * as z from "zod";
import {
  findPublicRecord,
  paperVerificationJson,
  renderPaperVerificationPage,
  renderUnknownCertificatePage,
  renderVerificationPage,
  verificationJson,
} from "#shared/certificates/verify.ts";
import { errorBody } from "#shared/http/error-catalogue.ts";
import { httpRoute } from "#shared/http/handler.ts";
import { documentClient, tableName } from "#shared/runtime.ts";

const client = documentClient();
const table = tableName();

const HTML = { "content-type": "text/html; charset=utf-8" };
// A revocation must show within a minute; the page is public, so shared caches may keep it that long.
const CACHE = { "cache-control": "public, max-age=60" };

/** JSON when asked for (`?format=json`, or an Accept header that prefers JSON over HTML). */
function wantsJson(format: string | undefined, accept: string | undefined): boolean {
  if (format !== undefined) return format === "json";
  return accept?.includes("application/json") === true && !accept.includes("text/html");
}

/** GET /verify/{number}: public. A page (zh-CN first, English too) or JSON; unknown numbers answer 404. */
export const handler = httpRoute(
  "GET /verify/{number}",
  {
    path: z.object({ number: z.string().max(200) }),
    query: z.object({ format: z.enum(["html", "json"]).optional() }),
  },
  async ({ path, query, headers }) => {
    const now = new Date();
    const found = await findPublicRecord(client, table, path.number);
    const json = wantsJson(query.format, headers.accept);
    if (found?.kind === "paper") {
      return json
        ? { statusCode: 200, headers: CACHE, body: paperVerificationJson(found.paper) }
        : { statusCode: 200, headers: { ...HTML, ...CACHE }, text: renderPaperVerificationPage(found.paper) };
    }
    const certificate = found?.certificate;
    if (!certificate) {
      return json
        ? {
            statusCode: 404,
            body: errorBody("not_found", {
              en: `No certificate ${path.number}`,
              zh: `未找到证书 ${path.number}`,
            }),
          }
        : { statusCode: 404, headers: HTML, text: renderUnknownCertificatePage(path.number) };
    }
    return json
      ? { statusCode: 200, headers: CACHE, body: verificationJson(certificate, now) }
      : { statusCode: 200, headers: { ...HTML, ...CACHE }, text: renderVerificationPage(certificate, now) };
  },
);
