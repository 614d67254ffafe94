/**
 * One audit event: a link in a case's hash chain (see shared/domain/audit-chain.ts).
 */
import * as z from "zod";
import { CASE_STATUS } from "../domain/case-status.ts";
import { departmentIdSchema } from "./common.ts";

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
const caseStatusSchema = z.enum(CASE_STATUS);

export const auditActorSchema = z.strictObject({
  id: z.string().min(1),
  /** Free text on purpose: roles are defined by the identity layer, the chain only records them. */
  role: z.string().min(1),
  department: departmentIdSchema.optional(),
  /** Staff: the display name the identity provider gave when they acted (赵志刚), for people to read. */
  name: z.string().min(1).max(100).optional(),
});
export type AuditActor = z.infer<typeof auditActorSchema>;

/** What the caller supplies; seq, prevHash and hash are computed by `appendEvent`. */
export const auditEventFieldsSchema = z.strictObject({
  caseId: z.string().min(1),
  at: z.iso.datetime({ offset: true }),
  actor: auditActorSchema,
  /** Usually a case verb (`submit`, `approve`…) or a step action (`respondToConsultation`). */
  action: z.string().min(1),
  /** Null when the event records something other than a status change (a comment, an upload). */
  fromStatus: caseStatusSchema.nullable(),
  toStatus: caseStatusSchema.nullable(),
  comment: z.string().optional(),
  /** Any JSON; hashed in canonical form, so key order does not matter. */
  data: z.record(z.string(), z.json()).optional(),
});
export type AuditEventFields = z.infer<typeof auditEventFieldsSchema>;

export const auditEventSchema = auditEventFieldsSchema.extend({
  seq: z.int().min(1),
  prevHash: sha256Hex,
  hash: sha256Hex,
});
export type AuditEvent = z.infer<typeof auditEventSchema>;
