/**
 * Field-level validation messages in Chinese and English, keyed by a stable code.
 *
 * Schemas put a code (not prose) into each custom issue's message; built-in zod
 * issues are given a code by `codeErrorMap`. `toFieldErrors` then turns issues
 * into `{ path, code, zh, en }` for the phone form and the API. Clients may
 * localise further by code; the texts here are the defaults.
 */
import type * as z from "zod";

export const MESSAGES = {
  required: { zh: "此项必填", en: "This field is required" },
  invalid_type: { zh: "格式不正确", en: "Wrong kind of value" },
  not_integer: { zh: "须为整数", en: "Must be a whole number" },
  too_short: { zh: "至少 {minimum} 个字符", en: "At least {minimum} characters" },
  too_long: { zh: "最多 {maximum} 个字符", en: "At most {maximum} characters" },
  too_small: { zh: "不能小于 {minimum}", en: "Must be at least {minimum}" },
  too_small_exclusive: { zh: "须大于 {minimum}", en: "Must be greater than {minimum}" },
  too_big: { zh: "不能大于 {maximum}", en: "Must be at most {maximum}" },
  too_few: { zh: "至少 {minimum} 项", en: "At least {minimum} entries" },
  too_many: { zh: "最多 {maximum} 项", en: "At most {maximum} entries" },
  invalid_option: { zh: "请从选项中选择", en: "Choose one of the options" },
  invalid_format: { zh: "格式不正确", en: "Invalid format" },
  unknown_field: { zh: "包含未知字段", en: "Contains unknown fields" },
  invalid: { zh: "内容无效", en: "Invalid value" },
  "head.adult": { zh: "户主须年满18周岁", en: "The head of household must be at least 18" },
  "id_number.format": {
    zh: "身份证号码须为18位，最后一位可为数字或X",
    en: "An ID number has 18 characters; the last may be a digit or X",
  },
  "id_number.birth_date": {
    zh: "身份证号码中的出生日期无效",
    en: "The birth date inside the ID number is not a valid date",
  },
  "id_number.checksum": {
    zh: "身份证号码校验位错误，请核对",
    en: "The ID number's check character is wrong; please check the number",
  },
  "id_number.sex_mismatch": {
    zh: "性别与身份证号码不符",
    en: "Sex does not match the ID number",
  },
  "id_number.duplicate": {
    zh: "同一身份证号码在申请中出现多次",
    en: "The same ID number appears more than once in the application",
  },
  "phone.mobile": {
    zh: "请填写11位中国大陆手机号码",
    en: "Enter an 11-digit mainland China mobile number",
  },
  "location.outside_china": {
    zh: "坐标不在中国境内，请检查经纬度顺序",
    en: "The coordinates are outside China; check the longitude/latitude order",
  },
  "location.ring_not_closed": {
    zh: "地块边界首尾坐标须相同（闭合）",
    en: "A plot boundary ring must end where it starts",
  },
  "old_plot.note_required": {
    zh: "选择“其他”时请说明原宅基地的处置方式",
    en: "Explain what happens to the old plot when choosing “other”",
  },
  "current_homestead.required": {
    zh: "原址翻建或改扩建须填写现有宅基地及房屋情况",
    en: "Rebuilding or enlarging requires the current homestead and house details",
  },
  "situation.farmhouse_rebuild_only": {
    zh: "农房翻建（不新增宅基地）只适用于原址翻建",
    en: "A farmhouse case (no new plot) only applies to rebuilding on the old plot",
  },
} as const satisfies Record<string, { zh: string; en: string }>;

export type MessageCode = keyof typeof MESSAGES;

export interface FieldError {
  /** Dotted path, array indices included: `members.0.idNumber`. Empty for the whole form. */
  readonly path: string;
  readonly code: MessageCode;
  readonly zh: string;
  readonly en: string;
}

export function isMessageCode(value: string): value is MessageCode {
  return Object.hasOwn(MESSAGES, value);
}

type IssueLike = z.core.$ZodRawIssue | z.core.$ZodIssue;

/** The catalogue code for a built-in zod issue (one that carries no code of ours). */
export function codeForIssue(issue: IssueLike): MessageCode {
  // A missing value fails as invalid_type or invalid_value (enums); either way the user left it empty.
  if (issue.code !== "custom" && "input" in issue && issue.input === undefined) return "required";
  switch (issue.code) {
    case "invalid_type":
      if (issue.expected === "int") return "not_integer";
      return "invalid_type";
    case "too_small":
      if (issue.origin === "string") return issue.minimum === 1 ? "required" : "too_short";
      if (issue.origin === "array" || issue.origin === "set") return "too_few";
      return issue.inclusive === false ? "too_small_exclusive" : "too_small";
    case "too_big":
      if (issue.origin === "string") return "too_long";
      if (issue.origin === "array" || issue.origin === "set") return "too_many";
      return "too_big";
    case "invalid_value":
      return "invalid_option";
    case "invalid_format":
      return "invalid_format";
    case "unrecognized_keys":
      return "unknown_field";
    default:
      return "invalid";
  }
}

/**
 * Pass as the per-parse error map (`schema.safeParse(input, { error: codeErrorMap })`)
 * so every issue message is a catalogue code. It sees the raw input, which is the
 * only way to tell a missing field ("required") from a wrong one.
 */
export const codeErrorMap: z.core.$ZodErrorMap = (issue) => codeForIssue(issue);

function interpolate(template: string, issue: z.core.$ZodIssue): string {
  return template.replace(/\{(minimum|maximum)\}/g, (_match, key: "minimum" | "maximum") => {
    const value: unknown = Reflect.get(issue, key);
    return typeof value === "number" || typeof value === "bigint" ? String(value) : "";
  });
}

/** Maps zod issues to bilingual field errors; issues from any error map are accepted. */
export function toFieldErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.map((issue) => {
    const code = isMessageCode(issue.message) ? issue.message : codeForIssue(issue);
    const text = MESSAGES[code];
    return {
      path: issue.path.map(String).join("."),
      code,
      zh: interpolate(text.zh, issue),
      en: interpolate(text.en, issue),
    };
  });
}
