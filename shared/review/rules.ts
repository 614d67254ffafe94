/**
 * Who may see which queue and decide which step: pure rules, no AWS imports,
 * so the whole role × step × department × township table is unit-tested.
 *
 * The step table (shared/workflow/steps.ts) says whose queue a step sits in;
 * deciding follows the queue, with two additions: a township head may decide
 * any escalated (overdue) reviewer step of their township, and nobody but the
 * applicant household answers a correction step.
 */
import * as z from "zod";
import type { Actor, Role } from "../auth/actor.ts";
import type { Bilingual } from "../errors.ts";
import { objectionHandlingSchema } from "../notices/notice.ts";
import { approvalConditionsSchema, approvalTermsSchema } from "../papers/approval-terms.ts";
import { DECISION_OUTCOMES, type DecisionOutcome, type StepKind } from "../schemas/case.ts";
import { DEPARTMENT_IDS, type DepartmentId, type LocalizedText } from "../schemas/common.ts";
import type { DocumentRequirement } from "../schemas/policy.ts";
import { STEP_RULES } from "../workflow/steps.ts";
import { correctableSections, isCorrectableFieldPath } from "./application-paths.ts";

/**
 * Why an act is not allowed: `hidden` when the caller may not even know the thing exists (another
 * township's case, a step that is not theirs to see), `refused` when they see it but may not act.
 * The HTTP layer answers them 404 and 403 (shared/http/error-mapping.ts via the domain errors).
 */
export type Denial = "hidden" | "refused";

export type Verdict =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly denial: Denial; readonly reason: Bilingual };

const ALLOWED: Verdict = { allowed: true };
const deny = (denial: Denial, en: string, zh: string): Verdict => ({
  allowed: false,
  denial,
  reason: { en, zh },
});
const NO_SUCH_STEP = ["No such step", "未找到该环节"] as const;

/** The role queues a caller can ask for by name; departments ask for their department id. */
export const ROLE_QUEUES = [
  "village_officer",
  "township_clerk",
  "township_head",
  "site_inspector",
  "escalations",
] as const;
export type RoleQueue = (typeof ROLE_QUEUES)[number];
export type QueueName = RoleQueue | DepartmentId;

export const QUEUE_FILTERS = ["all", "overdue", "on_time"] as const;
export type QueueFilter = (typeof QUEUE_FILTERS)[number];

export interface QueueTarget {
  /** The `<queue>` of the byQueue partition `QUEUE#<queue>#<township>`. */
  readonly partitionQueue: string;
  readonly township: string;
  /** Escalations are the overdue items of the township head's partition. */
  readonly overdueOnly: boolean;
}

export type QueueAccess =
  | { readonly allowed: true; readonly target: QueueTarget }
  | { readonly allowed: false; readonly denial: Denial; readonly reason: Bilingual };

const isDepartment = (value: string): value is DepartmentId =>
  (DEPARTMENT_IDS as readonly string[]).includes(value);
const isRoleQueue = (value: string): value is RoleQueue => (ROLE_QUEUES as readonly string[]).includes(value);

/** Staff are everyone but villagers; only staff see other households' cases (in their townships). */
export const isStaff = (actor: Pick<Actor, "role">): boolean => actor.role !== "villager";

export function worksIn(actor: Pick<Actor, "townships">, township: string): boolean {
  return actor.townships.includes(township);
}

/** May `actor` read `queue` of `township`, and which byQueue partition serves it. */
export function queueAccess(
  actor: Pick<Actor, "role" | "department" | "townships">,
  queue: string,
  township: string,
): QueueAccess {
  if (!isDepartment(queue) && !isRoleQueue(queue)) {
    return {
      allowed: false,
      denial: "hidden",
      reason: { en: `No queue ${queue}`, zh: `没有名为 ${queue} 的待办队列` },
    };
  }
  if (!worksIn(actor, township)) {
    return {
      allowed: false,
      denial: "refused",
      reason: { en: `You do not work in township ${township}`, zh: `您不在乡镇 ${township} 任职` },
    };
  }
  if (isDepartment(queue)) {
    if (actor.role !== "department_reviewer" || actor.department !== queue) {
      return {
        allowed: false,
        denial: "refused",
        reason: {
          en: `Only reviewers of the ${queue} department read its queue`,
          zh: `只有 ${queue} 部门的审查人员可以查看该队列`,
        },
      };
    }
    return { allowed: true, target: { partitionQueue: queue, township, overdueOnly: false } };
  }
  const role: Role = queue === "escalations" ? "township_head" : queue;
  if (actor.role !== role) {
    return {
      allowed: false,
      denial: "refused",
      reason: { en: `The ${queue} queue belongs to the ${role} role`, zh: `${queue} 队列属于 ${role} 角色` },
    };
  }
  return {
    allowed: true,
    target: { partitionQueue: role, township, overdueOnly: queue === "escalations" },
  };
}

/** The facts about a step that decide who may act on it. */
export interface StepFacts {
  readonly step: StepKind;
  readonly department?: DepartmentId;
  readonly townshipCode: string;
  readonly overdue: boolean;
}

/** Facts about the case the rules need beside the step's. */
export interface CaseFacts {
  readonly villageCode: string;
  readonly householdId: string;
}

/**
 * May `actor` decide `step`? Hidden when the step is outside the caller's
 * townships (its existence is not theirs to know), refused when they can see it but
 * it is someone else's to decide.
 */
export function mayDecide(
  actor: Pick<Actor, "role" | "department" | "townships" | "villageCode">,
  step: StepFacts,
  caseFacts: Pick<CaseFacts, "villageCode">,
): Verdict {
  if (!isStaff(actor) || !worksIn(actor, step.townshipCode)) return deny("hidden", ...NO_SUCH_STEP);
  const rule = STEP_RULES[step.step];
  if (rule.queueRole === "villager") {
    return deny(
      "refused",
      `Only the applicant household answers a ${step.step} step`,
      "该环节只能由申请农户本人答复（补正、竣工验收申请）",
    );
  }
  // Escalation: the township head may decide any overdue reviewer step of the township.
  if (actor.role === "township_head" && step.overdue) return ALLOWED;
  if (rule.queueRole === "department") {
    if (actor.role !== "department_reviewer") {
      return deny(
        "refused",
        "Joint review steps are decided by department reviewers",
        "联审环节由部门审查人员决定",
      );
    }
    if (actor.department === undefined || actor.department !== step.department) {
      return deny(
        "refused",
        `This joint review step belongs to the ${step.department ?? "unknown"} department`,
        `该联审环节属于 ${step.department ?? "未知"} 部门`,
      );
    }
    return ALLOWED;
  }
  if (actor.role !== rule.queueRole) {
    return deny(
      "refused",
      `A ${step.step} step is decided by the ${rule.queueRole} role`,
      `${step.step} 环节由 ${rule.queueRole} 角色决定`,
    );
  }
  if (
    step.step === "village_review" &&
    actor.villageCode !== undefined &&
    actor.villageCode !== caseFacts.villageCode
  ) {
    return deny(
      "refused",
      "A village officer reviews only cases of their own village",
      "村干部只审查本村的案件",
    );
  }
  return ALLOWED;
}

/**
 * May `actor` re-send a stored decision to the workflow? The township head of
 * the step's township, whoever may decide the step, and for a correction step
 * the applicant household itself (its correction answer, its completion report).
 */
export function mayRedrive(
  actor: Pick<Actor, "role" | "department" | "townships" | "villageCode" | "householdId">,
  step: StepFacts,
  caseFacts: CaseFacts,
): Verdict {
  if (STEP_RULES[step.step].queueRole === "villager") {
    if (actor.role === "villager") {
      return actor.householdId === caseFacts.householdId ? ALLOWED : deny("hidden", ...NO_SUCH_STEP);
    }
    if (!worksIn(actor, step.townshipCode)) return deny("hidden", ...NO_SUCH_STEP);
    return actor.role === "township_head"
      ? ALLOWED
      : deny(
          "refused",
          `Only the township head or the household re-sends a ${step.step} answer`,
          "只有乡镇负责人或申请农户可以重新发送农户的答复",
        );
  }
  if (actor.role === "township_head" && worksIn(actor, step.townshipCode)) return ALLOWED;
  return mayDecide(actor, step, caseFacts);
}

/** The outcomes a step accepts: those the step table maps to a verb (or to "none"). */
export function allowedOutcomes(step: StepKind): DecisionOutcome[] {
  const onDecision = STEP_RULES[step].onDecision;
  return DECISION_OUTCOMES.filter((outcome) => onDecision[outcome] !== undefined);
}

export const SITE_VISIT_STEPS: readonly StepKind[] = ["site_visit_staking", "site_visit_completion"];

/**
 * What a decision on one step may say. The reviewer's case view shows it for
 * the steps the caller may decide (GET /review/cases/{caseId}), and
 * decisionProblems checks a decision against it: one source for both.
 */
export interface DecisionOptions {
  readonly outcomes: DecisionOutcome[];
  /** The decision records measured values (the staking-out and completion visits). */
  readonly measurements: boolean;
  /** The decider may cite photos of the visit (site visits, and a department on the policy's site check). */
  readonly photos: boolean;
  /** The decision records how each objection to the public notice was handled (village review). */
  readonly objections: boolean;
  /** Set when the step takes a correction request: the form's sections and fields, the documents. */
  readonly correctable?: {
    readonly sections: { section: string; fields: string[] }[];
    readonly documents: { typeId: string; name: LocalizedText }[];
  };
}

/**
 * `recordsSiteVisit`: the policy makes this step a site visit (site-visits.ts
 * `siteVisitOf`); `documents`: the county's required documents for the case's
 * kind, the only ones a household can upload again.
 */
export function decisionOptions(
  step: StepKind,
  context: { readonly recordsSiteVisit?: boolean; readonly documents?: readonly DocumentRequirement[] } = {},
): DecisionOptions {
  const outcomes = allowedOutcomes(step);
  const siteVisit = SITE_VISIT_STEPS.includes(step);
  return {
    outcomes,
    measurements: siteVisit,
    photos: siteVisit || (context.recordsSiteVisit ?? false),
    objections: step === "village_review",
    ...(outcomes.includes("correction_requested")
      ? {
          correctable: {
            sections: correctableSections().map(({ section, fields }) => ({ section, fields: [...fields] })),
            documents: (context.documents ?? []).map(({ typeId, name }) => ({ typeId, name })),
          },
        }
      : {}),
  };
}

const trimmed = (max: number) => z.string().trim().min(1).max(max);

/** What a reviewer sends; who and when are added by the server. */
export const decisionInputSchema = z
  .strictObject({
    outcome: z.enum(DECISION_OUTCOMES),
    comment: trimmed(2000).optional(),
    /** Correction requests: application fields to redo, as dotted paths (`head.phone`, `proposedPlot`). */
    fields: z
      .array(
        trimmed(100).refine(isCorrectableFieldPath, {
          error: "Not a field of the application form the household can correct",
        }),
      )
      .max(50)
      .optional(),
    /** Correction requests: document types to upload again. */
    documents: z.array(trimmed(60)).max(20).optional(),
    /** Site visits: measured values. */
    measurements: z
      .strictObject({
        plotAreaM2: z.number().positive().max(10_000).optional(),
        footprintM2: z.number().positive().max(10_000).optional(),
        floors: z.int().min(0).max(20).optional(),
        heightM: z.number().positive().max(100).optional(),
      })
      .optional(),
    /** Site visits: ids of the photo documents. */
    photos: z.array(trimmed(100)).max(20).optional(),
    /** Village review: how each objection to the public notice was handled (objection id → what was done). */
    objections: objectionHandlingSchema
      .refine((handling) => Object.keys(handling).length <= 200, { error: "At most 200 objections" })
      .optional(),
    /** Township approval: values approved instead of the requested ones (never more; shared/papers/approval-terms.ts). */
    approved: approvalTermsSchema.optional(),
    /** Township approval: conditions printed on the certificates. */
    conditions: approvalConditionsSchema.optional(),
  })
  .superRefine((input, ctx) => {
    if (input.outcome !== "correction_requested") return;
    if ((input.fields?.length ?? 0) + (input.documents?.length ?? 0) === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["fields"],
        message: "A correction request names at least one field or document",
      });
    }
    if (input.comment === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["comment"],
        message: "A correction request gives the household a reason",
      });
    }
  });
export type DecisionInput = z.infer<typeof decisionInputSchema>;

/**
 * Step-specific checks of a well-formed decision against what the step offers
 * (decisionOptions); each entry is one problem (empty: acceptable). The
 * staking-out and completion visits record measurements and photos; a
 * joint-review department on the policy's site check may attach photos
 * (`recordsSiteVisit`), but its measurements belong to the later visits.
 */
export function decisionProblems(
  step: StepKind,
  input: DecisionInput,
  options: DecisionOptions = decisionOptions(step),
): string[] {
  const problems: string[] = [];
  if (!options.outcomes.includes(input.outcome)) {
    problems.push(`A ${step} step accepts only ${options.outcomes.join(", ")}, not ${input.outcome}`);
  }
  if (!options.measurements && input.measurements !== undefined) {
    problems.push("Only site visits record measurements");
  }
  if (!options.photos && input.photos !== undefined) {
    problems.push("Only site visits record photos");
  }
  if (options.measurements && Object.keys(input.measurements ?? {}).length === 0) {
    problems.push("A site visit records at least one measured value (plot area, footprint, floors, height)");
  }
  if (!options.objections && input.objections !== undefined) {
    problems.push("Objections to the public notice are handled at the village review");
  }
  if (
    (input.approved !== undefined || input.conditions !== undefined) &&
    (step !== "township_approval" || input.outcome !== "approved")
  ) {
    problems.push("Approved values and conditions belong to the township head's approval");
  }
  if (input.outcome !== "correction_requested" && (input.fields?.length || input.documents?.length)) {
    problems.push("Fields and documents to redo belong to a correction request");
  }
  if (input.outcome === "correction_requested" && options.correctable) {
    const offered = new Set(options.correctable.documents.map((document) => document.typeId));
    const unknown = (input.documents ?? []).filter((type) => !offered.has(type));
    if (unknown.length > 0) {
      problems.push(
        `Documents this county does not ask for cannot be asked again: ${unknown.join(", ")} (offered: ${[...offered].join(", ")})`,
      );
    }
  }
  return problems;
}
