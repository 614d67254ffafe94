import { defaultEncryptor } from "#shared/crypto/from-env.ts";
import { created, httpRoute } from "#shared/http/handler.ts";
import { noticeIdPath, objectionInputSchema } from "#shared/notices/notice.ts";
import { lodgeObjection } from "#shared/notices/notices.ts";
import { caseStore } from "#shared/runtime.ts";

const deps = { store: caseStore(), encryptor: () => defaultEncryptor(), now: () => new Date() };

/** POST /notices/{noticeId}/objections: public. Anyone objects while the notice runs (409 after it ended). */
export const handler = httpRoute(
  "POST /notices/{noticeId}/objections",
  { path: noticeIdPath, body: objectionInputSchema },
  async ({ path, body }) => created(await lodgeObjection(deps, path.noticeId, body)),
);
