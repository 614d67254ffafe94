/**
 * The case status machine: one list of statuses, verb-named transitions, guards.
 *
 * Every status change in the platform goes through `transition`, which either
 * returns the next status or throws `IllegalTransitionError`; nothing assigns a
 * status directly, so an out-of-order event can never overwrite a later state.
 */

export const CASE_STATUS = {
  /** The household is filling in the form; partial saves allowed. */
  draft: "draft",
  /** Submitted; the automatic pre-check is running. */
  submitted: "submitted",
  /** Pre-check passed (warnings allowed); waiting for the villager group. */
  prechecked: "prechecked",
  /** Villager group discussed it and the public notice (公示) is running. */
  in_public_notice: "in_public_notice",
  /** Village collective / committee reviews materials, village plan, neighbours. */
  in_village_review: "in_village_review",
  /** Village signed and forwarded; waiting at the township service window. */
  awaiting_acceptance: "awaiting_acceptance",
  /** Township accepted it and entered it into the register (台账). */
  accepted: "accepted",
  /** Departments review in parallel; site check happens here. */
  in_joint_review: "in_joint_review",
  /** A reviewer asked for more information; the clock is paused. */
  correction_requested: "correction_requested",
  /**
   * The household let the correction deadline pass; the township head decides
   * whether to give it more time (back to correction_requested) or close the case (expired).
   */
  correction_lapsed: "correction_lapsed",
  /** Every consulted department answered; the township decides. */
  awaiting_decision: "awaiting_decision",
  /** Certificates issued. */
  approved: "approved",
  /** Plot measured and staked out (site visit before construction); building may start. */
  staked_out: "staked_out",
  /** The household reported the house built (申请竣工验收); the completion inspection is due. */
  completion_reported: "completion_reported",
  /** Completion inspection passed. */
  completed: "completed",
  /** Refused (in writing). */
  rejected: "rejected",
  /** The household withdrew before approval. */
  withdrawn: "withdrawn",
  /** Sent back before acceptance (pre-check blocked, or the window refused incomplete materials). */
  returned: "returned",
  /**
   * Lapsed: approved but not built within the approval's validity, or closed by the
   * township head after the household let its correction deadline pass.
   */
  expired: "expired",
} as const;
export type CaseStatus = (typeof CASE_STATUS)[keyof typeof CASE_STATUS];
export const CASE_STATUSES: readonly CaseStatus[] = Object.values(CASE_STATUS);

/** What a household reads for each status in a Chinese message (the web app uses the same words). */
export const STATUS_NAMES_ZH: Readonly<Record<CaseStatus, string>> = {
  draft: "填写中",
  submitted: "已提交，正在自动预审",
  prechecked: "预审通过",
  in_public_notice: "村民小组公示中",
  in_village_review: "村级审核中",
  awaiting_acceptance: "等待乡镇受理",
  accepted: "乡镇已受理",
  in_joint_review: "部门联审中",
  correction_requested: "需要补正材料",
  correction_lapsed: "补正逾期，等待乡镇决定",
  awaiting_decision: "等待乡镇审批",
  approved: "已批准",
  staked_out: "已放线，可以开工",
  completion_reported: "已申请竣工验收",
  completed: "已竣工验收",
  rejected: "未获批准",
  withdrawn: "已撤回",
  returned: "已退回，请修改",
  expired: "已过期",
};

export const TERMINAL_STATUSES: readonly CaseStatus[] = ["completed", "rejected", "withdrawn", "expired"];

/** Where a correction may be requested from, and therefore where a corrected case may resume. */
export const CORRECTABLE_STATUSES: readonly CaseStatus[] = [
  "in_village_review",
  "awaiting_acceptance",
  "in_joint_review",
  "awaiting_decision",
];

export const CASE_VERBS = [
  "submit",
  "completePrecheck",
  "returnToApplicant",
  "revise",
  "startPublicNotice",
  "startVillageReview",
  "forwardToTownship",
  "accept",
  "startJointReview",
  "requestCorrection",
  "resubmitCorrection",
  "lapseCorrection",
  "extendCorrection",
  "completeJointReview",
  "approve",
  "reject",
  "withdraw",
  "recordStakingOut",
  "reportCompletion",
  "complete",
  "expire",
] as const;
export type CaseVerb = (typeof CASE_VERBS)[number];

/** Facts some guards need; the caller reads them from the case record. */
export interface TransitionFacts {
  /** From the pre-check result: `completePrecheck` needs `false`, `returnToApplicant` from `submitted` needs `true`. */
  readonly precheckBlocked?: boolean;
  /** Department consultations still awaiting a response; `completeJointReview` needs 0. */
  readonly openConsultations?: number;
  /** The status the case was in when the correction was requested; `resubmitCorrection` needs it. */
  readonly resumeTo?: CaseStatus;
}

type Guard = (facts: TransitionFacts, from: CaseStatus) => string | undefined;

interface TransitionRule {
  readonly from: readonly CaseStatus[];
  /** A fixed target, or `resume` for the status saved when the correction was requested. */
  readonly to: CaseStatus | "resume";
  /** Returns why the transition is refused, or undefined when allowed. */
  readonly guard?: Guard;
}

const BEFORE_APPROVAL: readonly CaseStatus[] = [
  "draft",
  "submitted",
  "prechecked",
  "in_public_notice",
  "in_village_review",
  "awaiting_acceptance",
  "accepted",
  "in_joint_review",
  "correction_requested",
  "correction_lapsed",
  "awaiting_decision",
  "returned",
];

/** THE transition table. Tests walk every status × verb pair against it. */
export const TRANSITIONS: Readonly<Record<CaseVerb, TransitionRule>> = {
  submit: { from: ["draft"], to: "submitted" },
  completePrecheck: {
    from: ["submitted"],
    to: "prechecked",
    guard: (facts) => (facts.precheckBlocked === false ? undefined : "pre-check has not passed"),
  },
  returnToApplicant: {
    from: ["submitted", "awaiting_acceptance"],
    to: "returned",
    // From `submitted` only a blocking pre-check may return the case; the window may always refuse.
    guard: (facts, from) =>
      from === "submitted" && facts.precheckBlocked !== true ? "pre-check did not block" : undefined,
  },
  revise: { from: ["returned"], to: "draft" },
  startPublicNotice: { from: ["prechecked"], to: "in_public_notice" },
  startVillageReview: { from: ["in_public_notice"], to: "in_village_review" },
  forwardToTownship: { from: ["in_village_review"], to: "awaiting_acceptance" },
  accept: { from: ["awaiting_acceptance"], to: "accepted" },
  startJointReview: { from: ["accepted"], to: "in_joint_review" },
  requestCorrection: { from: CORRECTABLE_STATUSES, to: "correction_requested" },
  resubmitCorrection: {
    from: ["correction_requested"],
    to: "resume",
    guard: (facts) =>
      facts.resumeTo !== undefined && CORRECTABLE_STATUSES.includes(facts.resumeTo)
        ? undefined
        : `resumeTo must be one of ${CORRECTABLE_STATUSES.join(", ")}`,
  },
  lapseCorrection: { from: ["correction_requested"], to: "correction_lapsed" },
  extendCorrection: { from: ["correction_lapsed"], to: "correction_requested" },
  completeJointReview: {
    from: ["in_joint_review"],
    to: "awaiting_decision",
    guard: (facts) =>
      facts.openConsultations === 0
        ? undefined
        : "departments are still to respond (openConsultations must be 0)",
  },
  approve: { from: ["awaiting_decision"], to: "approved" },
  // An upheld objection to the notice, the village, or the township decision may refuse.
  reject: { from: ["in_public_notice", "in_village_review", "awaiting_decision"], to: "rejected" },
  withdraw: { from: BEFORE_APPROVAL, to: "withdrawn" },
  recordStakingOut: { from: ["approved"], to: "staked_out" },
  reportCompletion: { from: ["staked_out"], to: "completion_reported" },
  complete: { from: ["completion_reported"], to: "completed" },
  // An approval not built within its validity (staked out or not), or a lapsed correction the head closed.
  expire: { from: ["approved", "staked_out", "correction_lapsed"], to: "expired" },
};

export class IllegalTransitionError extends Error {
  override readonly name = "IllegalTransitionError";
  readonly from: CaseStatus;
  readonly verb: CaseVerb;
  readonly reason: string;

  constructor(from: CaseStatus, verb: CaseVerb, reason: string) {
    super(`Cannot ${verb} a case that is ${from}: ${reason}`);
    this.from = from;
    this.verb = verb;
    this.reason = reason;
  }
}

/** True when `verb` is allowed from `current` by status alone (guards not evaluated). */
export function canApply(current: CaseStatus, verb: CaseVerb): boolean {
  return TRANSITIONS[verb].from.includes(current);
}

/** The verbs whose status precondition `current` meets, e.g. to render action buttons. */
export function availableVerbs(current: CaseStatus): CaseVerb[] {
  return CASE_VERBS.filter((verb) => canApply(current, verb));
}

export function isTerminal(status: CaseStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export function transition(current: CaseStatus, verb: CaseVerb, facts: TransitionFacts = {}): CaseStatus {
  const rule = TRANSITIONS[verb];
  if (!rule.from.includes(current)) {
    throw new IllegalTransitionError(current, verb, `allowed only from ${rule.from.join(", ")}`);
  }
  const refusal = rule.guard?.(facts, current);
  if (refusal !== undefined) throw new IllegalTransitionError(current, verb, refusal);
  if (rule.to !== "resume") return rule.to;
  // The guard above has checked resumeTo; this narrows the type without a non-null assertion.
  if (facts.resumeTo === undefined) throw new IllegalTransitionError(current, verb, "resumeTo missing");
  return facts.resumeTo;
}
