/**
 * One department's consultation record, as stored beside the case (see
 * shared/domain/consultation.ts for its transitions).
 */
import { z } from "zod";
import { departmentIdSchema } from "./common.ts";

export const CONSULTATION_STATUSES = ["not_consulted", "awaiting_response", "responded"] as const;
export const CONSULTATION_RESPONSES = ["approved", "rejected", "correction_requested"] as const;

export const consultationSchema = z.strictObject({
  departmentId: departmentIdSchema,
  status: z.enum(CONSULTATION_STATUSES),
  /** 0 before the first request; +1 for every (re-)consultation. */
  round: z.int().min(0),
  requestedAt: z.iso.datetime().optional(),
  deadline: z.iso.datetime().optional(),
  response: z.enum(CONSULTATION_RESPONSES).optional(),
  comment: z.string().optional(),
  respondedAt: z.iso.datetime().optional(),
});
export type Consultation = z.infer<typeof consultationSchema>;
export type ConsultationStatus = Consultation["status"];
export type ConsultationResponse = NonNullable<Consultation["response"]>;
