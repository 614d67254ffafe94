import { type CatalogueEntry, entry } from "./entry.ts";

/** The body is too large, not JSON, or well-formed but not acceptable: 413, 415, 422. */
export const CONTENT_ERRORS = {
  // 413 / 415
  payload_too_large: entry(413, "The request is too large", "请求内容过大", "A body over the route's limit"),
  unsupported_media_type: entry(
    415,
    "The request body must be JSON (Content-Type: application/json)",
    "请求内容须为 JSON（Content-Type: application/json）",
    "A body sent with another content type",
  ),
  // 422: well-formed, but not acceptable.
  unprocessable_entity: entry(
    422,
    "The request cannot be processed",
    "无法处理该请求",
    "A generic semantic problem",
  ),
  malformed_json: entry(
    422,
    "The body is not valid JSON",
    "请求内容不是有效的 JSON",
    "A body that is not JSON",
  ),
  idempotency_key_reused: entry(
    422,
    "This Idempotency-Key was already used with a different request body",
    "该 Idempotency-Key 已用于另一不同的请求",
    "The same key with another body",
  ),
  not_a_villager: entry(
    422,
    "Only a villager signed in with a household and village can apply",
    "只有登记了农户和村的村民才能申请",
    "A villager token without household or village",
  ),
  case_not_editable: entry(
    422,
    "The case cannot be edited in its current status",
    "案件当前状态不可编辑",
    "Saving the form of a case that is not a draft",
  ),
  kind_immutable: entry(
    422,
    "The case kind cannot change; start a new application instead",
    "申请类型不能更改，请重新发起申请",
    "Saving a form of another kind",
  ),
  not_a_draft: entry(
    422,
    "Only a draft can be submitted",
    "只有草稿可以提交",
    "Submitting a case that is not a draft",
  ),
  case_closed: entry(
    422,
    "The case is already closed",
    "案件已办结",
    "Withdrawing a case that is already closed",
  ),
  application_incomplete: entry(
    422,
    "The application is incomplete: see the listed fields and documents",
    "申请不完整：请查看所列的字段和材料",
    "Submitting (or correcting) an application that misses fields or documents",
  ),
  decision_not_accepted: entry(
    422,
    "The decision does not fit this step",
    "该决定不适用于此环节",
    "An outcome, measurement or photo the step does not take",
  ),
  fields_not_requested: entry(
    422,
    "Only the fields asked for may change",
    "只能修改要求补正的内容",
    "A correction that changes fields the reviewers did not ask about",
  ),
  objection_unhandled: entry(
    422,
    "Record how each objection to the public notice was handled before approving",
    "请先记录每条公示异议的处理情况",
    "A village review approval while an objection to the case's public notice is unhandled; `details.unhandled`",
  ),
  objection_unknown: entry(
    422,
    "No such objection to this case's public notice",
    "本案公示无此异议",
    "A village review decision handling objection ids the case's notice does not have; `details.unknown`",
  ),
  correction_unchanged: entry(
    422,
    "The correction must change what was asked",
    "补正须修改所要求的内容",
    "A correction that leaves an asked field as it was, or brings no new confirmed document of an asked type; `details.unchangedFields`, `details.missingDocuments`",
  ),
  document_rejected: entry(
    422,
    "The uploaded file does not match its declaration",
    "上传的文件与申报不符",
    "Confirming a document or photo whose bytes differ from what was declared",
  ),
  upload_missing: entry(
    422,
    "Nothing has been uploaded yet; PUT the file to the upload URL first",
    "尚未收到上传的文件",
    "Confirming a document before its upload",
  ),
  document_not_confirmed: entry(
    422,
    "The document is not confirmed",
    "材料尚未确认",
    "Downloading a document before it was confirmed",
  ),
} as const satisfies Record<string, CatalogueEntry>;
