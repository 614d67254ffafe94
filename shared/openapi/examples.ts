/**
 * Examples of the main flows for the OpenAPI document: a household starts a
 * homestead application, fills it, uploads a document and submits it; a
 * reviewer decides a step; the household answers a correction. Typed with the
 * same schemas as the API, and test/unit/openapi.test.ts validates every
 * example in the document against its schema.
 */
import type * as z from "zod";
import type { UploadRequest } from "../documents/use-cases.ts";
import type { adminImportBodySchema } from "../reference/import/admin-import.ts";
import type { CorrectionInput } from "../review/correction.ts";
import type { DecisionInput } from "../review/rules.ts";
import type { ApplicationDraft } from "../schemas/application.ts";
import type { CaseView, DecisionResult, UploadTicket } from "../schemas/responses.ts";

const CASE_ID = "0b6f1c52-3d8e-4f6a-9b1e-2c7d5a9e4f10";
const CREATED = "2026-04-01T02:15:00.000Z";

const application: ApplicationDraft = {
  kind: "homestead",
  head: {
    name: "王建国",
    sex: "male",
    age: 46,
    phone: "13800138000",
    idNumber: "51142419800314123X",
    householdRegistrationPlace: "四川省眉山市丹棱县齐乐镇",
  },
  members: [{ name: "陈芳", age: 44, relation: "spouse" }],
  proposedPlot: {
    houseLandAreaM2: 80,
    ancillaryLandAreaM2: 40,
    address: "丹棱县齐乐镇示范村3组",
    location: { type: "Point", coordinates: [103.502, 30.002] },
    situation: "new_plot",
    landClass: "construction_land",
  },
  building: { floorAreaM2: 200, floors: 2, heightM: 7.5 },
  neighboursConsulted: true,
  reason: "现住房为危房，家庭人口增加，申请新建住房。",
};

const draftCase: CaseView = {
  caseId: CASE_ID,
  kind: "homestead",
  status: "draft",
  createdAt: CREATED,
  updatedAt: CREATED,
  shortNumber: CASE_ID.slice(0, 8),
  villageCode: "511424100001",
  application: { kind: "homestead" },
  timeline: [],
  expected: {
    action: "complete_and_submit",
    message: {
      zh: "请填写申请表、上传材料后提交。",
      en: "Complete the form, upload the documents and submit.",
    },
  },
  documents: [],
};

const submittedCase: CaseView = {
  ...draftCase,
  status: "submitted",
  updatedAt: "2026-04-02T08:00:00.000Z",
  submittedAt: "2026-04-02T08:00:00.000Z",
  application: {
    ...application,
    head: { ...application.head, phone: "138****8000", idNumber: "5114**********123X" },
  },
  expected: {
    action: "wait",
    message: { zh: "正在处理，请等待。", en: "Being processed; please wait." },
    withSteps: [],
  },
  documents: [
    {
      documentId: "6a0d3c1e-93b2-4c47-8f55-1d2e3f4a5b6c",
      type: "application_form",
      contentType: "application/pdf",
      size: 182_044,
      sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
      status: "confirmed",
      requestedAt: "2026-04-01T03:00:00.000Z",
      confirmedAt: "2026-04-01T03:00:05.000Z",
    },
  ],
};

const uploadRequest: UploadRequest = {
  type: "application_form",
  contentType: "application/pdf",
  size: 182_044,
  sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
};

const uploadTicket: UploadTicket = {
  documentId: "6a0d3c1e-93b2-4c47-8f55-1d2e3f4a5b6c",
  uploadUrl: `https://nongfang-documents.s3.cn-north-1.amazonaws.com.cn/cases/${CASE_ID}/documents/6a0d3c1e-93b2-4c47-8f55-1d2e3f4a5b6c?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=900`,
  expiresAt: "2026-04-01T03:15:00.000Z",
  requiredHeaders: {
    "content-type": "application/pdf",
    "x-amz-checksum-sha256": "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
  },
};

const decision: DecisionInput = { outcome: "approved", comment: "材料齐全，同意上报乡镇。" };

const decisionResult: DecisionResult = {
  step: {
    caseId: CASE_ID,
    stepId: "village_review#1",
    step: "village_review",
    round: 1,
    status: "responded",
    townshipCode: "511424100",
    openedAt: "2026-04-02T08:00:02.000Z",
    deadline: "2026-04-09T08:00:02.000Z",
    overdue: false,
    decision: {
      outcome: "approved",
      comment: "材料齐全，同意上报乡镇。",
      decidedBy: { id: "village-a", role: "village_committee" },
      decidedAt: "2026-04-03T01:30:00.000Z",
    },
    sentAt: "2026-04-03T01:30:00.120Z",
  },
  delivery: { status: "sent", sentAt: "2026-04-03T01:30:00.120Z" },
};

const correction: CorrectionInput = {
  application: { head: { phone: "13900139000" } },
  comment: "已更正联系电话。",
};

export const EXAMPLES = {
  application,
  draftCase,
  submittedCase,
  uploadRequest,
  uploadTicket,
  decision,
  decisionResult,
  correction,
  adminImport: { type: "parcel", key: "imports/parcels-2026.csv" } satisfies z.input<
    typeof adminImportBodySchema
  >,
} as const;
