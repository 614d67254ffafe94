/** The task functions of the approval workflow (infra/constructs/approval-workflow.ts). */
import type { NongfangFunction } from "../function.ts";

export interface ApprovalWorkflowProps {
  /** Runs the pre-check and returns the plan (departments, notice length, step limits). */
  readonly precheck: NongfangFunction;
  /** Records a human step (and its task token, server-side) and puts it in the right queue. */
  readonly openStep: NongfangFunction;
  /** Marks a timed-out step overdue and escalates it to the township head. */
  readonly markOverdue: NongfangFunction;
  /** Records a reminder on a step that waited a whole reminder interval (heartbeat timeout). */
  readonly remind: NongfangFunction;
  /** Merges one joint-review round's answers. */
  readonly aggregateJointReview: NongfangFunction;
  /** Issues the approved case's certificates. */
  readonly issueCertificates: NongfangFunction;
  /**
   * The operator loop's task (`.waitForTaskToken`): records a task's failure
   * as an incident on the case, with the token, and waits for an operator.
   */
  readonly recordFailure: NongfangFunction;
  /** A step reopened after a correction: its wait is the time it had left when it asked. */
  readonly resumeStep: NongfangFunction;
  /** The construction period: starts its phase runs, reminds, expires an unbuilt approval. */
  readonly construction: NongfangFunction;
}
