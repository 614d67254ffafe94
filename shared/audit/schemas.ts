/**
 * Boundary schemas of the auditor routes (/audit/…): the handlers parse with
 * them and the OpenAPI document is generated from them.
 */
import * as z from "zod";
import { auditEventSchema } from "../schemas/audit-event.ts";
import { caseStatusSchema } from "../schemas/case.ts";
import { departmentIdSchema } from "../schemas/common.ts";
import { caseIdPath } from "../schemas/requests.ts";

export const MAX_SEARCH_DAYS = 92;
export const MAX_SEARCH_PAGE = 500;
export const MAX_EXPORT_ROWS = 5000;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

/** The one `{caseId}` schema (shared/schemas/requests.ts). */
export const caseIdPathSchema = caseIdPath;

/**
 * An event as the API answers it. `data` is any JSON object (hashed in
 * canonical form); it is published as a plain object because the recursive
 * `z.json()` of the chain schema has no finite JSON Schema form.
 */
export const apiAuditEventSchema = auditEventSchema
  .extend({ data: z.record(z.string(), z.unknown()).optional() })
  .meta({ id: "AuditEvent" });

/** An event as stored: the chain link plus the township it happened in (for jurisdiction and search). */
export const auditEventRecordSchema = auditEventSchema.extend({ townshipCode: z.string().min(1) });
export const apiAuditEventRecordSchema = apiAuditEventSchema
  .extend({ townshipCode: z.string().min(1) })
  .meta({ id: "AuditEventRecord" });
export type AuditEventRecord = z.infer<typeof auditEventRecordSchema>;

export const CHAIN_BREAK_REASONS = [
  "seq_gap",
  "case_mismatch",
  "prev_hash_mismatch",
  "hash_mismatch",
  "truncated",
  "head_mismatch",
  /** A stored event no longer has the shape of an event (a field removed or retyped). */
  "malformed_event",
] as const;

const chainHeadSchema = z.object({ seq: z.int().min(0), hash: sha256Hex });

export const chainVerificationSchema = z.discriminatedUnion("valid", [
  z.object({ valid: z.literal(true), events: z.int().min(0), head: chainHeadSchema }),
  z.object({
    valid: z.literal(false),
    events: z.int().min(0),
    /** The seq of the first broken link. */
    brokenAt: z.int().min(1),
    reason: z.enum(CHAIN_BREAK_REASONS),
  }),
]);
export type ChainCheck = z.infer<typeof chainVerificationSchema>;

export const caseVerificationSchema = z.intersection(
  z.object({ caseId: z.string() }),
  chainVerificationSchema,
);

export const caseHistorySchema = z.object({
  caseId: z.string(),
  townshipCode: z.string(),
  /** The township and village with their names from the reference data, for people to read. */
  township: z.object({ code: z.string(), name: z.object({ zh: z.string(), en: z.string() }).optional() }),
  village: z.object({ code: z.string(), name: z.object({ zh: z.string(), en: z.string() }).optional() }),
  status: caseStatusSchema,
  /** The chain head stored on the case record. */
  head: chainHeadSchema,
  /** Every event of the case, ordered by seq (as stored; a malformed one is left out and reported). */
  events: z.array(apiAuditEventSchema),
  verification: chainVerificationSchema,
});
export type CaseHistory = z.infer<typeof caseHistorySchema>;

const isoInstant = z.iso.datetime({ offset: true });

const searchFilters = {
  /** Inclusive lower bound on the event time (ISO 8601). */
  from: isoInstant,
  /** Exclusive upper bound; defaults to now. At most 92 days after `from`. */
  to: isoInstant.optional(),
  township: z.string().min(1).max(20).optional(),
  department: departmentIdSchema.optional(),
  /** The acting user's id (JWT `sub`). */
  actor: z.string().min(1).max(100).optional(),
  action: z.string().min(1).max(100).optional(),
  /** Opaque: the `nextCursor` of the previous page of the same search. */
  cursor: z.string().min(1).max(2000).optional(),
};

export const eventSearchQuerySchema = z.object({
  ...searchFilters,
  limit: z.coerce.number().int().min(1).max(MAX_SEARCH_PAGE).default(100),
});
export const eventExportQuerySchema = z.object({
  ...searchFilters,
  limit: z.coerce.number().int().min(1).max(MAX_EXPORT_ROWS).default(MAX_EXPORT_ROWS),
});
export type EventSearchQuery = z.infer<typeof eventSearchQuerySchema>;

export const eventSearchResultSchema = z.object({
  /** Oldest first. A page may hold fewer than `limit` items; follow `nextCursor` until it is null. */
  items: z.array(apiAuditEventRecordSchema),
  nextCursor: z.string().nullable(),
  range: z.object({ from: z.string(), to: z.string() }),
});
export type EventSearchResult = z.infer<typeof eventSearchResultSchema>;
