import { type CatalogueEntry, entry } from "./entry.ts";

/** The request conflicts with the current state of what it acts on: 409. */
export const STATE_ERRORS = {
  // 409: the state of the case does not allow it now.
  conflict: entry(409, "Conflict with the current state", "与当前状态冲突", "A generic state conflict"),
  illegal_transition: entry(
    409,
    "The case's status does not allow this",
    "案件当前状态不允许此操作",
    "The case moved on (e.g. withdrawn, already approved)",
  ),
  case_changed: entry(
    409,
    "The case was changed by someone else; reload and try again",
    "案件已被他人修改，请刷新后重试",
    "Another writer changed the case first",
  ),
  case_locked: entry(
    409,
    "The case is no longer the household's to change",
    "案件当前状态不允许修改",
    "Documents added to a case that is neither a draft nor returned for correction",
  ),
  idempotency_request_in_progress: entry(
    409,
    "A request with this Idempotency-Key is still being processed; retry later",
    "相同 Idempotency-Key 的请求仍在处理中，请稍后重试",
    "The first request with the same key is still running (answered with Retry-After)",
  ),
  step_already_decided: entry(
    409,
    "The step has already been decided",
    "该环节已作出决定",
    "Another decision on the step won",
  ),
  step_not_decided: entry(
    409,
    "The step has no stored decision to send",
    "该环节尚无可重新发送的决定",
    "A redrive of a step nobody decided",
  ),
  delivery_not_needed: entry(
    409,
    "The decision already reached the workflow",
    "该决定已送达审批流程",
    "A redrive of a decision already delivered, or while it is being sent",
  ),
  case_not_decidable: entry(
    409,
    "The case cannot take this decision now",
    "案件当前无法接受该决定",
    "The case's status no longer allows the step's decision",
  ),
  household_has_open_case: entry(
    409,
    "The household already has an open homestead case",
    "本户已有正在办理的宅基地申请",
    "One household, one homestead: a homestead case created or submitted while another of the household is open; `details.openCaseId`",
  ),
  objection_limit: entry(
    429,
    "The notice has received the most objections it takes; contact the village committee",
    "此公示收到的异议已达上限，请直接联系村委会",
    "A notice that already holds the most objections one notice takes",
  ),
  notice_closed: entry(
    409,
    "The public notice has ended; objections are no longer taken",
    "公示期已结束，不再受理异议",
    "An objection to a public notice after its end (`details.endsAt`)",
  ),
  no_correction_awaited: entry(
    409,
    "No correction is awaited",
    "当前无需补正",
    "A correction for a case not returned for correction, or before its step opened",
  ),
  no_completion_report_awaited: entry(
    409,
    "No completion report is awaited",
    "当前不能申请竣工验收",
    "A completion report for a case not under construction (not staked out, or already reported), or before its step opened",
  ),
  not_a_site_visit: entry(
    409,
    "The step records no site visit, so it takes no photos",
    "该环节不含现场踏勘，无需照片",
    "A photo for a step that records no site visit",
  ),
  site_visit_closed: entry(
    409,
    "The step has been decided; its site-visit record takes no more photos",
    "该环节已作出决定，不再接收现场照片",
    "A photo for a decided step",
  ),
  too_many_photos: entry(
    409,
    "The step already has the most photos a visit keeps",
    "该环节的现场照片已达上限",
    "A photo beyond the per-step maximum",
  ),
  import_in_progress: entry(
    409,
    "This file is already being imported",
    "该文件正在导入中",
    "An import of a file while another import of the same file runs",
  ),
} as const satisfies Record<string, CatalogueEntry>;
