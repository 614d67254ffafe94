/**
 * Every string the web app shows, in one catalogue merged from the areas in
 * ./i18n/ (common, villager form, villager case, staff): Simplified Chinese first
 * (villagers), English as the switch. Server texts that already come in both
 * languages (field errors, pre-check findings, expected actions) are shown
 * through `pick`, not copied here.
 */
import { useEffect, useState } from "preact/hooks";
import { commonEn, commonZh } from "./i18n/common.ts";
import { staffEn, staffZh } from "./i18n/staff.ts";
import { villagerCaseEn, villagerCaseZh } from "./i18n/villager-case.ts";
import { villagerFormEn, villagerFormZh } from "./i18n/villager-form.ts";

// One catalogue per area (./i18n/), each with its Chinese and English side by side.
const zh = { ...commonZh, ...villagerFormZh, ...villagerCaseZh, ...staffZh };

export type MessageKey = keyof typeof zh;

const en: Record<MessageKey, string> = { ...commonEn, ...villagerFormEn, ...villagerCaseEn, ...staffEn };

/** Keys two areas both define: a spread would let the later one win without a word. */
type Repeated =
  | Extract<
      keyof typeof commonZh,
      keyof typeof villagerFormZh | keyof typeof villagerCaseZh | keyof typeof staffZh
    >
  | Extract<keyof typeof villagerFormZh, keyof typeof villagerCaseZh | keyof typeof staffZh>
  | Extract<keyof typeof villagerCaseZh, keyof typeof staffZh>;

export type Lang = "zh" | "en";
// With a repeated key the type asks for a `repeatedKeys` property this object lacks: the build fails.
const CATALOGUES: Record<Lang, Record<MessageKey, string>> &
  ([Repeated] extends [never] ? unknown : { repeatedKeys: Repeated }) = { zh, en };
const STORAGE_KEY = "nf.lang";

function initialLang(): Lang {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored === "zh" || stored === "en") return stored;
  } catch {
    // Storage may be disabled; Chinese is the default.
  }
  return "zh";
}

let current: Lang = initialLang();
const listeners = new Set<(lang: Lang) => void>();

export function lang(): Lang {
  return current;
}

export function setLang(next: Lang): void {
  current = next;
  document.documentElement.lang = next === "zh" ? "zh-CN" : "en";
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Not persisted; the switch still works for this visit.
  }
  for (const listener of listeners) listener(next);
}

/** Re-renders the calling component when the language changes. */
export function useLang(): Lang {
  const [value, setValue] = useState(current);
  useEffect(() => {
    listeners.add(setValue);
    return () => {
      listeners.delete(setValue);
    };
  }, []);
  return value;
}

export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(zh, key);
}

/** The text for `key` in the current language, `{name}` placeholders filled in. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const template = CATALOGUES[current][key];
  return template.replace(/\{(\w+)\}/g, (match, name: string) =>
    name in params ? String(params[name]) : match,
  );
}

/** A catalogue key built at run time (status, step, department…), falling back to the raw value. */
export function tk(prefix: string, value: string | null | undefined): string {
  if (!value) return "";
  const key = `${prefix}.${value}`;
  return isMessageKey(key) ? t(key) : value;
}

/** Picks the current language from a server text that carries both. */
export function pick(text: { readonly zh?: string; readonly en: string } | undefined): string {
  if (!text) return "";
  return current === "zh" ? (text.zh ?? text.en) : text.en;
}

export function formatDate(iso: string | null | undefined, withTime = false): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(current === "zh" ? "zh-CN" : "en-GB", {
    year: "numeric",
    month: "short",
    day: "numeric",
    ...(withTime ? { hour: "2-digit", minute: "2-digit" } : {}),
    timeZone: "Asia/Shanghai",
  });
}

document.documentElement.lang = current === "zh" ? "zh-CN" : "en";
