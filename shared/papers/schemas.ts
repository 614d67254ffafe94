/**
 * The request shapes of the papers' routes, apart from the code that renders
 * the papers: the OpenAPI document and the handlers' validation read them
 * without loading pdf-lib and the CJK font.
 */
import * as z from "zod";
import { caseIdPath } from "../schemas/requests.ts";
import { PAPER_KINDS } from "./facts.ts";

export const paperKindSchema = z.enum(PAPER_KINDS);

export const certificatePath = caseIdPath.extend({
  number: z.string().regex(/^[A-Z0-9-]{1,80}$/),
});

/** Why the certificate is revoked, re-issued or extended: printed in the audit trail (and on /verify when revoked). */
export const certificateChangeSchema = z.strictObject({ reason: z.string().trim().min(2).max(500) });
