/**
 * What the state machine hands each workflow task (zod-parsed by the thin
 * handlers) and what the tasks hand back. The ASL that builds these payloads
 * is infra/constructs/approval-workflow.ts.
 */
import * as z from "zod";
import { stepKindSchema } from "../schemas/case.ts";
import { departmentIdSchema } from "../schemas/common.ts";

const caseId = z.string().min(1);

export const caseTaskInput = z.object({ caseId });
export type CaseTaskInput = z.infer<typeof caseTaskInput>;

/** A `.waitForTaskToken` human step. */
export const openStepInput = z.object({
  taskToken: z.string().min(1),
  caseId,
  step: stepKindSchema,
  /** Joint review only: the department consulted by this iteration. */
  department: departmentIdSchema.optional(),
  /** Joint review passes its round; other steps get the next round of their kind. */
  round: z.int().min(1).optional(),
  executionArn: z.string().startsWith("arn:"),
  /** The step timed out and is opened again: same deadline, still overdue, no new round. */
  overdue: z.boolean().optional(),
});
export type OpenStepInput = z.infer<typeof openStepInput>;

export const markOverdueInput = z.object({
  caseId,
  step: stepKindSchema,
  department: departmentIdSchema.optional(),
  round: z.int().min(1).optional(),
});
export type MarkOverdueInput = z.infer<typeof markOverdueInput>;

/** One wait segment of a human step: what is left of its limit, and the reminder heartbeat. */
export const waitSegment = z.object({
  timeoutSeconds: z.int().positive(),
  heartbeatSeconds: z.int().positive(),
});
export type WaitSegment = z.infer<typeof waitSegment>;

/** A step's heartbeat timed out: it waited a whole reminder interval (`wait` absent once it is overdue). */
export const remindInput = markOverdueInput.extend({
  reminderSeconds: z.int().positive(),
  wait: waitSegment.optional(),
});
export type RemindInput = z.infer<typeof remindInput>;

/** A step reopened after the household's correction: its wait is the time it had left when it asked. */
export const resumeStepInput = z.object({
  caseId,
  step: stepKindSchema,
  reminderSeconds: z.int().positive(),
});
export type ResumeStepInput = z.infer<typeof resumeStepInput>;

export const aggregateJointReviewInput = z.object({
  caseId,
  round: z.int().min(1),
  /** The plan's reminder interval: the next round's first heartbeat after a correction. */
  reminderSeconds: z.int().positive().optional(),
});
export type AggregateJointReviewInput = z.infer<typeof aggregateJointReviewInput>;

/**
 * The operator loop's task (`<Task>Failed`, `.waitForTaskToken`): a Catch's
 * error output (`{ Error, Cause }`, at `$.error`) and the state that failed.
 */
export const recordFailureInput = z.object({
  taskToken: z.string().min(1),
  caseId,
  executionArn: z.string().startsWith("arn:"),
  state: z.string().min(1),
  department: departmentIdSchema.optional(),
  error: z.object({ Error: z.string(), Cause: z.string().optional() }),
});

/** What an operator sends the loop's token: retry the failed state, or close the run. */
export const operatorDecision = z.union([
  z.object({ retry: z.string().min(1) }),
  z.object({ close: z.literal(true), reason: z.string().max(500) }),
]);
export type OperatorDecision = z.infer<typeof operatorDecision>;
export type RecordFailureInput = z.infer<typeof recordFailureInput>;

/** The actor of every event the workflow itself writes. */
export const WORKFLOW_ACTOR = { id: "workflow", role: "system" } as const;

/** Run ends the execution status-change rule sends to the incident writer (execution-status.ts). */
export const UNEXPECTED_END_STATUSES = ["FAILED", "TIMED_OUT", "ABORTED"] as const;
