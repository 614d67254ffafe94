/** Request shapes of the villager API (HTTP boundary). */
import * as z from "zod";

export const caseIdPath = z.object({ caseId: z.uuid() });
export const withdrawBody = z.strictObject({ reason: z.string().trim().max(500).optional() });
export const idempotencyKeyHeader = z.string().min(8).max(255);
