/**
 * Boundary schemas of the operator view (异常案件): the handlers parse with
 * them and the OpenAPI document is generated from them. Use cases in
 * shared/workflow/operator.ts, the incident model in shared/workflow/incidents.ts.
 */
import * as z from "zod";
import { caseIdSchema } from "./requests.ts";

export const INCIDENT_KINDS = [
  "task_failed",
  "execution_failed",
  "undelivered_decision",
  "stop_failed",
] as const;
export const incidentKindSchema = z.enum(INCIDENT_KINDS);
/** `restart`: what a redrive, retry or redeliver falls back to when it cannot take effect (restart.ts). */
export const RECOVERY_ACTIONS = ["retry", "redrive", "redeliver", "stop", "restart"] as const;
export const recoveryActionSchema = z.enum(RECOVERY_ACTIONS);

export const incidentQuerySchema = z.object({
  /** Township code; may be left out by a caller who works in exactly one township. */
  township: z.string().min(1).max(20).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** Opaque: the `nextCursor` of the previous page of the same listing. */
  cursor: z.string().min(1).max(1000).optional(),
});
export type IncidentQuery = z.infer<typeof incidentQuerySchema>;

export const incidentPathSchema = z.object({
  caseId: caseIdSchema,
  incidentId: z.string().min(1).max(200),
});

/** An open incident as the operator view shows it (never its task token). */
export const incidentViewSchema = z.object({
  caseId: z.string(),
  /** The case number households and staff see: the first 8 characters of the id. */
  shortNumber: z.string(),
  incidentId: z.string(),
  townshipCode: z.string(),
  kind: incidentKindSchema,
  /** The cause in plain words. */
  cause: z.object({ zh: z.string(), en: z.string() }),
  error: z.string(),
  message: z.string().optional(),
  /** When the incident was opened. */
  since: z.string(),
  /** The ONE action that recovers it (POST …/recover performs it). */
  action: recoveryActionSchema,
  state: z.string().optional(),
  stepId: z.string().optional(),
});
export type IncidentView = z.infer<typeof incidentViewSchema>;

export const incidentPageSchema = z.object({
  township: z.string(),
  items: z.array(incidentViewSchema),
  nextCursor: z.string().optional(),
});

export const recoveryResultSchema = z.object({
  incident: incidentViewSchema,
  /** The action performed: the incident's own, or `restart` when that one could not take effect. */
  action: recoveryActionSchema,
  /** restart: the run that took over and the step it entered at. */
  restart: z.object({ executionArn: z.string(), at: z.string() }).optional(),
  closed: z.literal(true),
});
