/**
 * One department's consultation on a case (BOPS style): its own small status
 * machine beside the case status, with a deadline and a derived overdue flag.
 *
 *   not_consulted ──consult──▶ awaiting_response ──respond──▶ responded(approved | rejected | correction_requested)
 *                                     ▲                              │
 *                                     └────────reconsult─────────────┘  (only after correction_requested)
 *
 * After a correction only the departments that asked look again, which is why
 * `reconsult` is allowed from `correction_requested` responses alone.
 */
import type { DepartmentId } from "../schemas/common.ts";
import type { Consultation, ConsultationResponse } from "../schemas/consultation.ts";
import { extendDeadline } from "./time-limits.ts";

export {
  CONSULTATION_RESPONSES,
  CONSULTATION_STATUSES,
  type Consultation,
  type ConsultationResponse,
  type ConsultationStatus,
} from "../schemas/consultation.ts";

export class IllegalConsultationTransitionError extends Error {
  override readonly name = "IllegalConsultationTransitionError";
  readonly departmentId: DepartmentId;
  constructor(consultation: Consultation, action: string, reason: string) {
    super(
      `Cannot ${action} consultation of ${consultation.departmentId} (${consultation.status}): ${reason}`,
    );
    this.departmentId = consultation.departmentId;
  }
}

export function newConsultation(departmentId: DepartmentId): Consultation {
  return { departmentId, status: "not_consulted", round: 0 };
}

export function consult(consultation: Consultation, at: Date, deadline: Date): Consultation {
  if (consultation.status !== "not_consulted") {
    throw new IllegalConsultationTransitionError(consultation, "consult", "already consulted");
  }
  return openRound(consultation, at, deadline, 1);
}

export function respond(
  consultation: Consultation,
  response: ConsultationResponse,
  at: Date,
  comment?: string,
): Consultation {
  if (consultation.status !== "awaiting_response") {
    throw new IllegalConsultationTransitionError(consultation, "respond to", "no response is awaited");
  }
  return {
    ...consultation,
    status: "responded",
    response,
    respondedAt: at.toISOString(),
    ...(comment === undefined ? {} : { comment }),
  };
}

/** Asks a department that requested a correction to look at the corrected case. */
export function reconsult(consultation: Consultation, at: Date, deadline: Date): Consultation {
  if (consultation.status !== "responded" || consultation.response !== "correction_requested") {
    throw new IllegalConsultationTransitionError(
      consultation,
      "reconsult",
      "only a department that requested a correction looks again",
    );
  }
  return openRound(consultation, at, deadline, consultation.round + 1);
}

function openRound(consultation: Consultation, at: Date, deadline: Date, round: number): Consultation {
  if (deadline.getTime() <= at.getTime()) {
    throw new IllegalConsultationTransitionError(
      consultation,
      "consult",
      "deadline must be after the request",
    );
  }
  return {
    departmentId: consultation.departmentId,
    status: "awaiting_response",
    round,
    requestedAt: at.toISOString(),
    deadline: deadline.toISOString(),
  };
}

/** Overdue means a response is still awaited after the deadline; a late answer clears it. */
export function isOverdue(consultation: Consultation, now: Date): boolean {
  return (
    consultation.status === "awaiting_response" &&
    consultation.deadline !== undefined &&
    now.getTime() > Date.parse(consultation.deadline)
  );
}

/** Shifts the deadline of an awaited consultation by the time the case was paused for a correction. */
export function pauseClock(consultation: Consultation, pausedMs: number): Consultation {
  if (consultation.status !== "awaiting_response" || consultation.deadline === undefined) return consultation;
  return {
    ...consultation,
    deadline: extendDeadline(new Date(consultation.deadline), pausedMs).toISOString(),
  };
}

export function openConsultationCount(consultations: readonly Consultation[]): number {
  return consultations.filter((consultation) => consultation.status === "awaiting_response").length;
}

export function departmentsToReconsult(consultations: readonly Consultation[]): DepartmentId[] {
  return consultations
    .filter(
      (consultation) =>
        consultation.status === "responded" && consultation.response === "correction_requested",
    )
    .map((consultation) => consultation.departmentId);
}

export type JointReviewOutcome =
  | "pending"
  | "correction_requested"
  | "recommend_rejection"
  | "recommend_approval";

/**
 * What the merged opinions amount to (the agriculture office's recommendation to
 * the township). A correction request wins over a rejection: the case is not yet
 * complete enough to refuse fairly.
 */
export function jointReviewOutcome(consultations: readonly Consultation[]): JointReviewOutcome {
  const consulted = consultations.filter((consultation) => consultation.status !== "not_consulted");
  if (consulted.length === 0 || consulted.some((consultation) => consultation.status !== "responded")) {
    return "pending";
  }
  if (consulted.some((consultation) => consultation.response === "correction_requested")) {
    return "correction_requested";
  }
  if (consulted.some((consultation) => consultation.response === "rejected")) return "recommend_rejection";
  return "recommend_approval";
}
