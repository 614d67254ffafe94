/**
 * Response shapes of the HTTP API, one zod schema per body a handler answers
 * with. The use cases declare their results as `z.infer` of these, so a
 * handler cannot answer a shape the OpenAPI document (shared/openapi/) does
 * not publish; test/support/contract.ts checks every response the integration
 * suites receive against the document built from them.
 *
 * Object schemas are closed where the API builds the object itself (a field
 * added in code must be added here, or the contract check fails).
 */
import * as z from "zod";
import { DOCUMENT_STATUSES, rejectionSchema as documentRejectionSchema } from "../documents/document.ts";
import { applicationDraftSchema } from "./application.ts";
import { auditActorSchema } from "./audit-event.ts";
import { caseStatusSchema, decisionOutcomeSchema, stepKindSchema } from "./case.ts";
import { caseKindSchema, certificateTypeSchema, departmentIdSchema, localizedTextSchema } from "./common.ts";
import { precheckResultSchema } from "./precheck.ts";

const instant = z.iso.datetime({ offset: true });
const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/** The form as stored (draft shape); ID and phone numbers masked unless the reader may see them. */
export const applicationViewSchema = applicationDraftSchema.meta({
  id: "Application",
  description:
    "The application form (every field optional while a draft); ID and phone numbers masked for readers without the right to them",
});

// ---------------------------------------------------------------- documents

export const documentViewSchema = z
  .strictObject({
    documentId: z.string(),
    /** The policy's document type (`site_visit_photo` for a site-visit photo). */
    type: z.string(),
    contentType: z.string(),
    size: z.int().positive(),
    sha256,
    status: z.enum(DOCUMENT_STATUSES),
    stepId: z.string().optional(),
    requestedAt: instant,
    confirmedAt: instant.optional(),
    rejectedAt: instant.optional(),
    rejections: z.array(documentRejectionSchema).optional(),
  })
  .meta({ id: "Document", description: "A document or site-visit photo: no S3 key, no uploader id" });
export type DocumentView = z.infer<typeof documentViewSchema>;

export const downloadLinkSchema = z
  .strictObject({ url: z.url(), expiresIn: z.int().positive() })
  .meta({ id: "DownloadLink", description: "A short-lived presigned GET (seconds until it expires)" });

export const documentWithDownloadSchema = documentViewSchema
  .extend({ download: downloadLinkSchema.optional() })
  .meta({
    id: "DocumentWithDownload",
    description: "A document; confirmed ones carry a short-lived download",
  });
export type DocumentWithDownload = z.infer<typeof documentWithDownloadSchema>;

export const documentListSchema = z
  .strictObject({ documents: z.array(documentWithDownloadSchema) })
  .meta({ id: "DocumentList" });
export type DocumentList = z.infer<typeof documentListSchema>;

const presignedUploadShape = {
  uploadUrl: z.url(),
  /** Headers the PUT must carry exactly (content type, SHA-256 checksum). */
  requiredHeaders: z.record(z.string(), z.string()),
  expiresAt: instant,
};

export const uploadTicketSchema = z.strictObject({ documentId: z.string(), ...presignedUploadShape }).meta({
  id: "UploadTicket",
  description: "PUT the bytes to `uploadUrl` with `requiredHeaders`, then confirm",
});
export type UploadTicket = z.infer<typeof uploadTicketSchema>;

export const photoUploadTicketSchema = z.strictObject({ photoId: z.string(), ...presignedUploadShape }).meta({
  id: "PhotoUploadTicket",
  description: "PUT the photo to `uploadUrl` with `requiredHeaders`, then confirm",
});
export type PhotoUploadTicket = z.infer<typeof photoUploadTicketSchema>;

// ---------------------------------------------------------------- villager's cases

export const caseSummarySchema = z
  .strictObject({
    caseId: z.string(),
    kind: caseKindSchema,
    status: caseStatusSchema,
    createdAt: instant,
    updatedAt: instant,
    submittedAt: instant.optional(),
    /** The first 8 characters of the case id: the number people quote. */
    shortNumber: z.string(),
    /** The proposed plot's address, once the household gave it. */
    plotAddress: z.string().optional(),
  })
  .meta({ id: "CaseSummary" });
export type CaseSummary = z.infer<typeof caseSummarySchema>;

export const caseListSchema = z.strictObject({ cases: z.array(caseSummarySchema) }).meta({ id: "CaseList" });
export type CaseList = z.infer<typeof caseListSchema>;

export const timelineEntrySchema = z
  .strictObject({
    stepId: z.string(),
    step: stepKindSchema,
    department: departmentIdSchema.optional(),
    round: z.int().min(1),
    status: z.enum(["awaiting_response", "responded", "cancelled"]),
    openedAt: instant,
    deadline: instant.optional(),
    overdue: z.boolean(),
    decision: z
      .strictObject({
        outcome: decisionOutcomeSchema,
        comment: z.string().optional(),
        fields: z.array(z.string()).optional(),
        documents: z.array(z.string()).optional(),
        decidedAt: instant,
        decidedByRole: z.string(),
      })
      .optional(),
  })
  .meta({ id: "TimelineEntry" });
export type TimelineEntry = z.infer<typeof timelineEntrySchema>;

export const expectedActionSchema = z
  .discriminatedUnion("action", [
    z.strictObject({ action: z.literal("complete_and_submit"), message: localizedTextSchema }),
    z.strictObject({ action: z.literal("revise_and_resubmit"), message: localizedTextSchema }),
    z.strictObject({
      action: z.literal("answer_correction"),
      message: localizedTextSchema,
      fields: z.array(z.string()),
      documents: z.array(z.string()),
      reasons: z.array(z.string()),
    }),
    z.strictObject({ action: z.literal("download_certificates"), message: localizedTextSchema }),
    // Staked out, the house being built: report it finished (POST /cases/{caseId}/completion-report) by `deadline`.
    z.strictObject({
      action: z.literal("report_completion"),
      message: localizedTextSchema,
      stepId: z.string(),
      deadline: instant,
    }),
    z.strictObject({
      action: z.literal("wait"),
      message: localizedTextSchema,
      withSteps: z.array(z.string()),
    }),
    // The case has an open incident (operator view): staff know and will recover it.
    z.strictObject({ action: z.literal("problem_known"), message: localizedTextSchema }),
    z.strictObject({ action: z.literal("none"), message: localizedTextSchema }),
  ])
  .meta({ id: "ExpectedAction", description: "What the household is expected to do now, in plain words" });
export type ExpectedAction = z.infer<typeof expectedActionSchema>;

/** The acceptance-to-decision clock (shared/domain/overall-clock.ts), as shown. */
export const overallClockViewSchema = z
  .strictObject({
    limit: z.literal("acceptance_to_decision"),
    startedAt: instant,
    deadline: instant,
    state: z.enum(["running", "paused", "stopped"]),
    pausedMs: z.int().min(0),
    remainingMs: z.number(),
    overdue: z.boolean(),
  })
  .meta({
    id: "OverallClock",
    description: "The case's acceptance-to-decision clock: paused while a correction is awaited",
  });

/** The construction period after staking-out. */
export const constructionViewSchema = z
  .strictObject({ validUntil: instant, remindedAt: instant.optional(), reportedAt: instant.optional() })
  .meta({
    id: "Construction",
    description:
      "When the approval's validity ends; when the household was reminded and reported the house built",
  });

export const issuedCertificateSchema = z
  .strictObject({
    type: certificateTypeSchema,
    number: z.string(),
    issuedAt: instant,
    /** The stored PDF (an internal key) and its SHA-256 as the issuing event recorded it. */
    objectKey: z.string().optional(),
    sha256: z.string().optional(),
    /** Absent: valid. Revoked or superseded (re-issued under a new number) after issue. */
    status: z.enum(["valid", "revoked", "superseded"]).optional(),
    validUntil: z.iso.date().optional(),
    extensions: z.array(z.strictObject({ until: z.iso.date(), on: z.iso.date() })).optional(),
    supersedes: z.string().optional(),
  })
  .meta({ id: "IssuedCertificate" });

/** The county's limits for this household (terrain of its village, size on the register): what the pre-check applies. */
export const householdLimitsSchema = z
  .strictObject({
    terrainClass: z.strictObject({ id: z.string(), name: localizedTextSchema }),
    /** Members on the household register, head included (the area standard counts these). */
    householdSize: z.int().min(1),
    countedPersons: z.int().min(1),
    houseLandM2: z.number().positive().optional(),
    /** Total plot ceiling when the plot uses cropland. */
    totalM2: z.number().positive().optional(),
    /** Total plot ceiling when it uses no cropland (the county's bonus added). */
    totalWithoutCroplandM2: z.number().positive().optional(),
    maxFloors: z.int().min(1),
    maxHeightM: z.number().positive(),
    maxBuildingFloorAreaM2: z.number().positive().optional(),
  })
  .meta({ id: "HouseholdLimits" });
export type HouseholdLimits = z.infer<typeof householdLimitsSchema>;

export const caseViewSchema = caseSummarySchema
  .extend({
    villageCode: z.string(),
    application: applicationViewSchema,
    precheck: precheckResultSchema.optional(),
    departments: z.array(departmentIdSchema).optional(),
    certificates: z.array(issuedCertificateSchema).optional(),
    failure: z.strictObject({ error: z.string(), at: instant }).optional(),
    overallClock: overallClockViewSchema.optional(),
    construction: constructionViewSchema.optional(),
    /** While the form can be edited (draft, returned): the limits to check it against. */
    limits: householdLimitsSchema.optional(),
    /** 代办: filed on behalf of the household, by whom (name and role), the head's SMS consent, the claim. */
    filedOnBehalf: z
      .strictObject({
        by: z.strictObject({ name: z.string().optional(), role: z.string() }),
        at: instant,
        consented: z.boolean(),
        claimedAt: instant.optional(),
      })
      .optional(),
    timeline: z.array(timelineEntrySchema),
    expected: expectedActionSchema,
    documents: z.array(documentViewSchema),
  })
  .meta({
    id: "CaseView",
    description: "The household's case: form, timeline and what is expected of it now",
  });
export type CaseView = z.infer<typeof caseViewSchema>;

/** The withdrawn case, and whether its run stopped now or will stop at its next task (`stopping`). */
export const withdrawResultSchema = caseViewSchema
  .extend({ workflow: z.enum(["stopped", "stopping"]) })
  .meta({ id: "WithdrawResult" });

export const certificateDownloadSchema = z
  .strictObject({
    type: certificateTypeSchema,
    number: z.string(),
    issuedAt: instant,
    url: z.url(),
    expiresAt: instant,
    /** The PDF's file name (the link's Content-Disposition names it too) and SHA-256 as filed. */
    filename: z.string().optional(),
    sha256: z.string().optional(),
    status: z.enum(["valid", "revoked", "superseded"]).optional(),
  })
  .meta({ id: "CertificateDownload" });
export type CertificateDownload = z.infer<typeof certificateDownloadSchema>;

/** A short-lived link to one of a case's PDFs (shared/papers/service.ts). */
export const paperDownloadSchema = z
  .strictObject({
    paper: z.enum([
      "homestead_approval_certificate",
      "rural_construction_planning_permit",
      "approval_form",
      "refusal_notice",
      "acceptance_record",
    ]),
    number: z.string().optional(),
    url: z.url(),
    expiresAt: instant,
    filename: z.string(),
    sha256: z.string(),
  })
  .meta({ id: "PaperDownload" });

/** The register page as a PDF: a short-lived link. */
export const registerPdfSchema = z
  .strictObject({
    url: z.url(),
    expiresAt: instant,
    filename: z.string(),
    sha256: z.string(),
    rows: z.int(),
    nextCursor: z.string().optional(),
  })
  .meta({ id: "RegisterPdf" });

/** Public facts of a numbered paper that is not a certificate (a refusal notice). */
export const paperVerificationSchema = z
  .strictObject({
    number: z.string(),
    type: z.literal("refusal_notice"),
    title: localizedTextSchema,
    status: z.literal("issued"),
    county: z.strictObject({ code: z.string(), name: localizedTextSchema }),
    townshipCode: z.string(),
    villageCode: z.string(),
    headOfHousehold: z.strictObject({ name: z.string() }),
    decidedOn: z.iso.date(),
  })
  .meta({ id: "PaperVerification" });

export const certificateVerificationSchema = z
  .strictObject({
    number: z.string(),
    type: certificateTypeSchema,
    title: localizedTextSchema,
    status: z.enum(["valid", "revoked", "expired", "superseded"]),
    valid: z.boolean(),
    /** Why and when it was revoked (revoked only). */
    revocation: z.strictObject({ reason: z.string(), at: instant }).optional(),
    /** The number that replaced it (superseded only), or the one it replaced. */
    supersededBy: z.string().optional(),
    supersedes: z.string().optional(),
    county: z.strictObject({ code: z.string(), name: localizedTextSchema }),
    townshipCode: z.string(),
    villageCode: z.string(),
    headOfHousehold: z.strictObject({ name: z.string(), idNumber: z.string() }),
    approvedPlotAreaM2: z.number(),
    houseFootprintM2: z.number(),
    floors: z.int(),
    approvedOn: z.iso.date(),
    validUntil: z.iso.date(),
  })
  .meta({
    id: "CertificateVerification",
    description: "Public facts of a certificate, personal data masked",
  });
export type CertificateVerification = z.infer<typeof certificateVerificationSchema>;

// ---------------------------------------------------------------- review

export const decisionViewSchema = z
  .strictObject({
    outcome: decisionOutcomeSchema,
    comment: z.string().optional(),
    fields: z.array(z.string()).optional(),
    documents: z.array(z.string()).optional(),
    measurements: z
      .strictObject({
        plotAreaM2: z.number().optional(),
        footprintM2: z.number().optional(),
        floors: z.int().optional(),
        heightM: z.number().optional(),
      })
      .optional(),
    photos: z.array(z.string()).optional(),
    /** Village review: objection id → how it was handled. */
    objections: z.record(z.string(), z.string()).optional(),
    /** Township approval: approved values (less than requested) and conditions. */
    approved: z
      .strictObject({
        houseLandAreaM2: z.number().optional(),
        ancillaryLandAreaM2: z.number().optional(),
        footprintM2: z.number().optional(),
        floorAreaM2: z.number().optional(),
        floors: z.int().optional(),
        heightM: z.number().optional(),
      })
      .optional(),
    conditions: z.array(z.string()).optional(),
    decidedBy: z.strictObject({
      id: z.string(),
      role: z.string(),
      department: departmentIdSchema.optional(),
      name: z.string().optional(),
    }),
    decidedAt: instant,
  })
  .meta({ id: "Decision" });

export const stepViewSchema = z
  .strictObject({
    caseId: z.string(),
    stepId: z.string(),
    step: stepKindSchema,
    department: departmentIdSchema.optional(),
    round: z.int().min(1),
    status: z.enum(["awaiting_response", "responded", "cancelled"]),
    townshipCode: z.string(),
    openedAt: instant,
    deadline: instant.optional(),
    overdue: z.boolean(),
    decision: decisionViewSchema.optional(),
    sentAt: instant.optional(),
  })
  .meta({ id: "Step", description: "A step as the API shows it: never its task token, lease or queue keys" });
export type StepView = z.infer<typeof stepViewSchema>;

export const deliverySchema = z
  .discriminatedUnion("status", [
    z.strictObject({ status: z.literal("sent"), sentAt: instant }),
    z.strictObject({ status: z.literal("pending"), reason: z.string() }),
  ])
  .meta({ id: "Delivery", description: "Whether the workflow got the decision; `pending`: redrive it" });
export type Delivery = z.infer<typeof deliverySchema>;

export const decisionResultSchema = z
  .strictObject({ step: stepViewSchema, delivery: deliverySchema })
  .meta({ id: "DecisionResult" });
export type DecisionResult = z.infer<typeof decisionResultSchema>;

export const correctionResultSchema = decisionResultSchema
  .extend({
    caseStatus: caseStatusSchema,
    changedFields: z.array(z.string()),
    /** The document types the answer brought anew. */
    newDocuments: z.array(z.string()),
  })
  .meta({
    id: "CorrectionResult",
    description: "The answered correction step; the case resumed where it was",
  });
export type CorrectionResult = z.infer<typeof correctionResultSchema>;

export const completionReportResultSchema = decisionResultSchema
  .extend({ caseStatus: caseStatusSchema })
  .meta({
    id: "CompletionReportResult",
    description: "The household's answered completion report step; the completion inspection opens",
  });
export type CompletionReportResult = z.infer<typeof completionReportResultSchema>;

export const correctionRequestSchema = z
  .strictObject({
    stepId: z.string(),
    step: stepKindSchema,
    department: departmentIdSchema.optional(),
    fields: z.array(z.string()),
    documents: z.array(z.string()),
    reason: z.string().nullable(),
    requestedAt: instant,
    requestedBy: z.strictObject({ role: z.string(), department: z.string().optional() }),
  })
  .meta({ id: "CorrectionRequest" });
export type CorrectionRequest = z.infer<typeof correctionRequestSchema>;

export const correctionViewSchema = z
  .strictObject({
    caseId: z.string(),
    status: z.literal("correction_requested"),
    fields: z.array(z.string()),
    documents: z.array(z.string()),
    requests: z.array(correctionRequestSchema),
    application: applicationViewSchema,
    /** False for a moment after the request, until the workflow opens the household's step. */
    open: z.boolean(),
    deadline: instant.nullable(),
  })
  .meta({ id: "Correction", description: "What the reviewers asked the household to correct" });
export type CorrectionView = z.infer<typeof correctionViewSchema>;

/** A village or township: its code, and its name when the reference data has one. */
export const placeSchema = z
  .strictObject({ code: z.string(), name: localizedTextSchema.optional() })
  .meta({ id: "Place" });

export const caseSearchResultSchema = z
  .strictObject({
    /** How the query was read: a short number, a name or an ID number. */
    by: z.enum(["short", "name", "idNumber"]),
    items: z.array(
      z.strictObject({
        caseId: z.string(),
        shortId: z.string(),
        kind: caseKindSchema,
        status: caseStatusSchema,
        applicantName: z.string().nullable(),
        township: placeSchema,
        village: placeSchema,
        createdAt: instant,
        submittedAt: instant.nullable(),
      }),
    ),
    /** More cases matched than one answer holds: narrow the query. */
    truncated: z.boolean(),
  })
  .meta({ id: "CaseSearchResult", description: "Cases found by short number, applicant name or ID number" });
export type CaseSearchResult = z.infer<typeof caseSearchResultSchema>;

export const queueEntrySchema = z
  .strictObject({
    caseId: z.string(),
    stepId: z.string().nullable(),
    step: z.string().nullable(),
    department: z.string().nullable(),
    kind: z.string().nullable(),
    village: z.string().nullable(),
    /** The village's name from the reference data (null: none imported). */
    villageName: localizedTextSchema.nullable(),
    /** The 8-character short number everyone sees (first characters of the case id). */
    shortId: z.string(),
    applicantName: z.string().nullable(),
    caseStatus: z.string().nullable(),
    submittedAt: z.string().nullable(),
    openedAt: z.string().nullable(),
    deadline: z.string().nullable(),
    overdue: z.boolean(),
    /** Reminder intervals the step has waited undecided. */
    reminders: z.int().min(0),
  })
  .meta({ id: "QueueEntry" });
export type QueueEntry = z.infer<typeof queueEntrySchema>;

export const queuePageSchema = z
  .strictObject({
    queue: z.string(),
    township: z.string(),
    status: z.enum(["all", "overdue", "on_time"]),
    items: z.array(queueEntrySchema),
    /** Pass as `cursor` for the next page; null on the last. */
    nextCursor: z.string().nullable(),
  })
  .meta({ id: "QueuePage" });
export type QueuePage = z.infer<typeof queuePageSchema>;

const reviewDecisionSchema = decisionViewSchema
  .extend({
    stepId: z.string(),
    step: stepKindSchema,
    department: departmentIdSchema.optional(),
    round: z.int().min(1),
    delivered: z.boolean(),
  })
  .meta({ id: "ReviewDecision" });

export const reviewCaseDetailSchema = z
  .strictObject({
    case: z.strictObject({
      caseId: z.string(),
      kind: caseKindSchema,
      status: caseStatusSchema,
      resumeTo: caseStatusSchema.optional(),
      townshipCode: z.string(),
      villageCode: z.string(),
      householdId: z.string(),
      policyId: z.string(),
      createdAt: instant,
      updatedAt: instant,
      submittedAt: instant.optional(),
      departments: z.array(departmentIdSchema).optional(),
      certificates: z.array(issuedCertificateSchema).optional(),
      overallClock: overallClockViewSchema.optional(),
      construction: constructionViewSchema.optional(),
    }),
    /** The village and township with their names from the reference data (absent name: code only). */
    places: z.strictObject({ village: placeSchema, township: placeSchema }),
    application: applicationViewSchema,
    precheck: precheckResultSchema.nullable(),
    /** The public notice (公示) published for the case, and the objections lodged against it. */
    publicNotice: z.strictObject({ noticeId: z.string(), startsAt: instant, endsAt: instant }).nullable(),
    objections: z.array(
      z.strictObject({
        objectionId: z.string(),
        noticeId: z.string(),
        text: z.string(),
        lodgedAt: instant,
        handling: z.string().optional(),
        handledAt: instant.optional(),
        handledBy: z.string().optional(),
        hasContact: z.boolean(),
        /** Only for whoever may see personal data. */
        contact: z.string().optional(),
      }),
    ),
    documents: z.array(documentWithDownloadSchema),
    steps: z.array(
      stepViewSchema.extend({
        /** The policy's site visit the step records; its decider may attach photos. */
        siteVisit: z.strictObject({ id: z.string(), name: localizedTextSchema }).optional(),
        /**
         * Present when the caller may decide this open step now: what the decision may say
         * (shared/review/rules.ts decisionOptions, which the decision endpoint checks against).
         */
        decide: z
          .strictObject({
            outcomes: z.array(decisionOutcomeSchema),
            /** The decision records measured values (site visits). */
            measurements: z.boolean(),
            /** The decider may cite confirmed photos of the visit. */
            photos: z.boolean(),
            /** The decision records how each objection to the public notice was handled. */
            objections: z.boolean(),
            /** Set when the step takes a correction request: what it may name. */
            correctable: z
              .strictObject({
                /** A whole section, or one field of it (`building.heightM`). */
                sections: z.array(z.strictObject({ section: z.string(), fields: z.array(z.string()) })),
                /** The county's documents for this kind of case. */
                documents: z.array(z.strictObject({ typeId: z.string(), name: localizedTextSchema })),
              })
              .optional(),
          })
          .optional(),
      }),
    ),
    decisions: z.array(reviewDecisionSchema),
    timeline: z.array(
      z.strictObject({
        seq: z.int().min(1),
        at: instant,
        action: z.string(),
        actor: auditActorSchema,
        fromStatus: caseStatusSchema.nullable(),
        toStatus: caseStatusSchema.nullable(),
        comment: z.string().optional(),
        data: z.record(z.string(), z.unknown()).optional(),
        hash: sha256,
      }),
    ),
  })
  .meta({
    id: "ReviewCaseDetail",
    description: "A case for a reviewer: form, pre-check, documents, steps, timeline",
  });
export type ReviewCaseDetail = z.infer<typeof reviewCaseDetailSchema>;

// ---------------------------------------------------------------- identity, operations, admin

export const meSchema = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    role: z.string(),
    department: z.string().nullable(),
    townships: z.array(z.string()),
    village: z.string().nullable(),
    household: z.string().nullable(),
    /** The same townships and village with their reference-data names, for screens to show. */
    places: z.strictObject({ townships: z.array(placeSchema), village: z.union([placeSchema, z.null()]) }),
  })
  .meta({ id: "Me", description: "The signed-in caller as the API sees them" });
export type Me = z.infer<typeof meSchema>;

export const healthSchema = z
  .strictObject({ status: z.literal("ok"), table: z.literal("reachable"), tableLatencyMs: z.number().min(0) })
  .meta({ id: "Health" });
export type Health = z.infer<typeof healthSchema>;

// ---------------------------------------------------------------- 代办: the filer's list

export const filedCaseSchema = z
  .strictObject({
    caseId: z.string(),
    /** The first 8 characters of the case id: the number people quote. */
    shortNumber: z.string(),
    kind: caseKindSchema,
    status: caseStatusSchema,
    villageCode: z.string(),
    /** The village's name from the reference data (null: none imported). */
    villageName: localizedTextSchema.nullable(),
    /** The head's name as on the form (null until entered); ID and phone numbers are never listed. */
    applicantName: z.string().nullable(),
    /** The proposed plot's address (null until entered). */
    plotAddress: z.string().nullable(),
    filedAt: instant,
    /** The filer, by name and role (another officer of the village or township may have filed it). */
    filedBy: z.strictObject({ name: z.string().optional(), role: z.string() }),
    /** The head confirmed the filing with the SMS code. */
    consented: z.boolean(),
    /** When the household claimed the case on its own phone (null: not claimed). */
    claimedAt: instant.nullable(),
    /** What the household (or the filer for it) is expected to do now. */
    expected: expectedActionSchema,
  })
  .meta({
    id: "FiledCase",
    description: "A case filed on behalf of a household (代办), as its filer lists it",
  });
export type FiledCase = z.infer<typeof filedCaseSchema>;

export const filedCasePageSchema = z
  .strictObject({
    township: z.string(),
    /** A village officer's list holds their own village's cases only; null for a window clerk's. */
    village: z.string().nullable(),
    items: z.array(filedCaseSchema),
    /** Pass as `cursor` for the next page; null on the last. */
    nextCursor: z.string().nullable(),
  })
  .meta({ id: "FiledCasePage", description: "One page of the cases filed on behalf, newest first" });
export type FiledCasePage = z.infer<typeof filedCasePageSchema>;
