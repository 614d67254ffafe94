import { type CatalogueEntry, entry } from "./entry.ts";

/** The request itself, or who sends it: 400, 401, 403, 404. */
export const REQUEST_ERRORS = {
  // 400: the request itself is wrong; sending it again unchanged gets the same answer.
  bad_request: entry(400, "The request is not valid", "请求无效", "A generic problem with the request"),
  validation_failed: entry(
    400,
    "The request is invalid",
    "请求内容不符合要求",
    "The path, query or body fails its schema; `details.problems` lists each field",
  ),
  invalid_cursor: entry(
    400,
    "The cursor is not valid for this listing; start again without it",
    "翻页标记无效，请不带翻页标记重新查询",
    "A `cursor` this API did not issue for this query and caller, or one that was edited",
  ),
  invalid_range: entry(
    400,
    "`to` must be after `from`",
    "结束时间必须晚于开始时间",
    "A time range whose end is not after its start, or a bound outside the years 2000–2999",
  ),
  range_too_long: entry(
    400,
    "The time range is too long; narrow from/to",
    "查询时间跨度过长，请缩小范围",
    "A search spanning more days than allowed",
  ),
  township_required: entry(
    400,
    "Say which township: ?township=<code>",
    "请指定乡镇：?township=<代码>",
    "The caller works in several townships (or none) and named none",
  ),
  idempotency_key_missing: entry(
    400,
    "Idempotency-Key header required (8 to 255 characters)",
    "缺少 Idempotency-Key 请求头（8 至 255 个字符）",
    "A submission without a usable Idempotency-Key header",
  ),
  // 401
  unauthorized: entry(401, "Unauthorized", "未登录或登录已失效", "The token lacks the claims Nongfang needs"),
  insufficient_user_authentication: entry(
    401,
    "Staff must sign in with a second factor",
    "工作人员须使用双重身份验证登录",
    "A staff token without multi-factor evidence (RFC 9470 step-up)",
  ),
  // 403
  forbidden: entry(
    403,
    "Forbidden",
    "无权执行此操作",
    "The caller's role, township or department does not allow this",
  ),
  // 404
  not_found: entry(
    404,
    "Not found",
    "未找到",
    "No such resource, or one the caller may not see (answered alike)",
  ),
} as const satisfies Record<string, CatalogueEntry>;
