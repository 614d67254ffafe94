/**
 * Boundary schemas of the register (台账) routes: the handlers parse with them
 * and the OpenAPI document is generated from them.
 */
import * as z from "zod";
import { CASE_STATUSES, type CaseStatus } from "../domain/case-status.ts";
import { caseStatusSchema } from "../schemas/case.ts";
import { caseKindSchema } from "../schemas/common.ts";

export const MAX_REGISTER_PAGE = 500;
export const MAX_REGISTER_EXPORT = 2000;

/** Statuses the register lists when none is asked for: every application, not the households' private drafts. */
export const REGISTER_STATUSES: readonly CaseStatus[] = CASE_STATUSES.filter((status) => status !== "draft");

const isoInstant = z.iso.datetime({ offset: true });

const registerFilters = {
  /** Township code; may be left out by a caller who works in exactly one township. */
  township: z.string().min(1).max(20).optional(),
  status: caseStatusSchema.optional(),
  /** Bounds on the case's last change (`updatedAt`, what the byRegister index sorts by): [from, to). */
  from: isoInstant.optional(),
  to: isoInstant.optional(),
  /** Opaque: the `nextCursor` of the previous page of the same listing. */
  cursor: z.string().min(1).max(2000).optional(),
};

export const registerQuerySchema = z.object({
  ...registerFilters,
  limit: z.coerce.number().int().min(1).max(MAX_REGISTER_PAGE).default(100),
});
export const registerExportQuerySchema = z.object({
  ...registerFilters,
  limit: z.coerce.number().int().min(1).max(MAX_REGISTER_EXPORT).default(MAX_REGISTER_EXPORT),
});
export type RegisterQuery = z.infer<typeof registerQuerySchema>;

export const registerEntrySchema = z.object({
  caseId: z.string(),
  kind: caseKindSchema,
  status: caseStatusSchema,
  townshipCode: z.string(),
  villageCode: z.string(),
  householdId: z.string(),
  applicantName: z.string().nullable(),
  plotAddress: z.string().nullable(),
  submittedAt: z.string().nullable(),
  acceptedAt: z.string().nullable(),
  approvedAt: z.string().nullable(),
  rejectedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  /** 农村宅基地批准书 number. */
  homesteadCertificateNo: z.string().nullable(),
  /** 乡村建设规划许可证 number. */
  planningPermitNo: z.string().nullable(),
  updatedAt: z.string(),
});
export type RegisterEntry = z.infer<typeof registerEntrySchema>;

export const registerPageSchema = z.object({
  township: z.string(),
  statuses: z.array(caseStatusSchema),
  /** Newest change first. */
  items: z.array(registerEntrySchema),
  nextCursor: z.string().nullable(),
});
export type RegisterPage = z.infer<typeof registerPageSchema>;
