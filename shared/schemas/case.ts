/**
 * Stored items of a case, validated when read back from DynamoDB (a boundary).
 * Key attributes (pk, sk, gsi…) are added by the store and stripped on read.
 */
import * as z from "zod";
import { CASE_STATUS } from "../domain/case-status.ts";
import { approvalTermsSchema } from "../papers/approval-terms.ts";
import { applicationDraftSchema } from "./application.ts";
import { caseKindSchema, certificateTypeSchema, departmentIdSchema } from "./common.ts";
import { sealedPersonalDataSchema } from "./personal-data.ts";
import { precheckResultSchema } from "./precheck.ts";

export const caseStatusSchema = z.enum(CASE_STATUS);

/** The human steps of the workflow (site visit 1 is recorded inside the joint review). */
export const STEP_KINDS = [
  "village_review",
  "township_acceptance",
  "joint_review",
  "correction",
  "township_approval",
  "site_visit_staking",
  /** The household reports that building is finished (申请竣工验收); open during the construction period. */
  "completion_report",
  "site_visit_completion",
  /** The household let its correction deadline pass: the township head extends it or closes the case. */
  "correction_lapse",
] as const;
export const stepKindSchema = z.enum(STEP_KINDS);
export type StepKind = z.infer<typeof stepKindSchema>;

export const DECISION_OUTCOMES = ["approved", "rejected", "correction_requested"] as const;
export const decisionOutcomeSchema = z.enum(DECISION_OUTCOMES);
export type DecisionOutcome = z.infer<typeof decisionOutcomeSchema>;

export const caseRecordSchema = z.object({
  caseId: z.string().min(1),
  kind: caseKindSchema,
  status: caseStatusSchema,
  /** Where a corrected case resumes (set while status is correction_requested). */
  resumeTo: caseStatusSchema.optional(),
  householdId: z.string().min(1),
  /** The villager who created the case (JWT `sub`); for a case filed on behalf, its filer until claimed. */
  ownerId: z.string().min(1),
  /**
   * 代办: a village officer or township window clerk opened the case for the household
   * (shared/assisted/on-behalf.ts): who, when, the household's consent, and who claimed it later.
   */
  filedOnBehalf: z
    .object({
      by: z.object({ id: z.string(), role: z.string(), name: z.string().optional() }),
      at: z.iso.datetime(),
      /** The head confirmed with the code sent to the phone on the form (masked here). */
      smsConsent: z.object({ phone: z.string(), at: z.iso.datetime() }).optional(),
      claimedBy: z.string().optional(),
      claimedAt: z.iso.datetime().optional(),
    })
    .optional(),
  townshipCode: z.string().min(1),
  villageCode: z.string().min(1),
  policyId: z.string().min(1),
  /**
   * The form. As stored, without ID and phone numbers: those are in `personalData`
   * (sealed); the case store merges them back for readers holding the key.
   */
  application: applicationDraftSchema,
  /** Present only on records read without the key: carried through writes untouched. */
  personalData: sealedPersonalDataSchema.optional(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  submittedAt: z.iso.datetime().optional(),
  /**
   * The submission round: 1 for the first submit, +1 for each resubmission
   * after a return. Each round has its own workflow run, `<caseId>-r<round>`.
   */
  submissionRound: z.int().min(1).optional(),
  /** SHA-256 of the Idempotency-Key that submitted the current round (a retry whose answer was lost is recognised). */
  submitKeyHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  /** The current round's workflow run, once recorded (its `startWorkflow` event). */
  executionArn: z.string().optional(),
  precheck: precheckResultSchema.optional(),
  departments: z.array(departmentIdSchema).optional(),
  certificates: z
    .array(
      z.object({
        type: certificateTypeSchema,
        number: z.string(),
        issuedAt: z.iso.datetime(),
        /** The stored PDF (shared/papers/): its object key and SHA-256, as the issuing event records them. */
        objectKey: z.string().optional(),
        sha256: z.string().optional(),
        /** Its life after issue (shared/papers/certificate-life.ts); absent means valid. */
        status: z.enum(["valid", "revoked", "superseded"]).optional(),
        validUntil: z.iso.date().optional(),
        extensions: z.array(z.object({ until: z.iso.date(), on: z.iso.date() })).optional(),
        supersedes: z.string().optional(),
      }),
    )
    .optional(),
  /** The papers filed for the case once (approval form, refusal notice, inspection record): where and which bytes. */
  papers: z
    .record(
      z.string(),
      z.object({
        objectKey: z.string(),
        sha256: z.string(),
        storedAt: z.iso.datetime(),
        number: z.string().optional(),
      }),
    )
    .optional(),
  /** Sequence number and hash of the last audit event: the head of the case's hash chain. */
  eventSeq: z.int().min(0),
  eventHead: z.string().regex(/^[0-9a-f]{64}$/),
  failure: z.object({ error: z.string(), at: z.iso.datetime() }).optional(),
  /** Ids of the case's open incidents (shared/workflow/incidents.ts): the household sees a known problem. */
  incidents: z.array(z.string()).optional(),
  /** The notice the platform published for the case (shared/notices/): its id and its days. */
  publicNotice: z
    .object({ noticeId: z.string().min(1), startsAt: z.iso.datetime(), endsAt: z.iso.datetime() })
    .optional(),
  /** The case holds its household's OPENCASE marker (一户一宅, shared/store/household-items.ts). */
  householdClaim: z.literal(true).optional(),
  /**
   * The plots the household lives on and promised to return (承诺书), as the pre-check found them,
   * and within how many months of completion (county policy): followed up at completion.
   */
  oldPlotReturn: z
    .object({ homesteadIds: z.array(z.string()).min(1), withinMonths: z.int().min(1).optional() })
    .optional(),
  /** The acceptance-to-decision clock (shared/domain/overall-clock.ts); set at acceptance. */
  overallClock: z
    .object({
      limit: z.literal("acceptance_to_decision"),
      startedAt: z.iso.datetime(),
      deadline: z.iso.datetime(),
      pausedMs: z.int().min(0),
      pausedAt: z.iso.datetime().optional(),
      stoppedAt: z.iso.datetime().optional(),
    })
    .optional(),
  /** The construction period after staking-out (shared/workflow/construction.ts). */
  construction: z
    .object({
      /** When the approval's validity ends: the household must report the house built by then. */
      validUntil: z.iso.datetime(),
      /** When the household was reminded that the validity ends soon. */
      remindedAt: z.iso.datetime().optional(),
      /** When the household reported the house built (申请竣工验收). */
      reportedAt: z.iso.datetime().optional(),
    })
    .optional(),
});
export type CaseRecord = z.infer<typeof caseRecordSchema>;

export const decisionSchema = z.object({
  outcome: decisionOutcomeSchema,
  comment: z.string().max(2000).optional(),
  /** For correction requests: the form fields (dotted paths) and document types to redo. */
  fields: z.array(z.string().max(100)).max(50).optional(),
  documents: z.array(z.string().max(60)).max(20).optional(),
  /** Site visits: measured values. */
  measurements: z
    .object({
      plotAreaM2: z.number().positive().optional(),
      footprintM2: z.number().positive().optional(),
      floors: z.int().min(0).optional(),
      heightM: z.number().positive().optional(),
    })
    .optional(),
  photos: z.array(z.string()).max(20).optional(),
  /** Village review: objection id → how it was handled. */
  objections: z.record(z.string(), z.string()).optional(),
  /** Township approval: the approved values and conditions (shared/papers/approval-terms.ts). */
  approved: approvalTermsSchema.optional(),
  conditions: z.array(z.string()).optional(),
  decidedBy: z.object({
    id: z.string(),
    role: z.string(),
    department: departmentIdSchema.optional(),
    /** The decider's display name when they decided (identity provider). */
    name: z.string().optional(),
  }),
  decidedAt: z.iso.datetime(),
});
export type Decision = z.infer<typeof decisionSchema>;

export const stepRecordSchema = z.object({
  caseId: z.string().min(1),
  stepId: z.string().min(1),
  step: stepKindSchema,
  department: departmentIdSchema.optional(),
  /** Joint review rounds: a department asked again after a correction starts round 2. */
  round: z.int().min(1),
  /** `cancelled`: the case was withdrawn while the step was open; nobody can decide it any more. */
  status: z.enum(["awaiting_response", "responded", "cancelled"]),
  townshipCode: z.string(),
  openedAt: z.iso.datetime(),
  deadline: z.iso.datetime().optional(),
  overdue: z.boolean(),
  decision: decisionSchema.optional(),
  /** When the decision reached the workflow (SendTaskSuccess); absent means it must be (re)sent. */
  sentAt: z.iso.datetime().optional(),
  /** A restart replaced the run this decision was for (shared/workflow/restart.ts): nobody sends it. */
  supersededAt: z.iso.datetime().optional(),
  /** The workflow run that opened it: a re-run of that opening finds its step by it (open-step.ts). */
  executionArn: z.string().optional(),
  /** How many reminder intervals the step has waited undecided (shared/workflow/remind.ts), and the last. */
  reminders: z.int().min(0).optional(),
  remindedAt: z.iso.datetime().optional(),
});
export type StepRecord = z.infer<typeof stepRecordSchema>;
