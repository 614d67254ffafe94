/** Reading and writing the draft form by dotted path, and which errors belong to which screen. */
import type { ApplicationDraft, FieldError } from "./types.ts";

export const WIZARD_STEPS = ["applicant", "homestead", "plot", "building", "documents", "review"] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];

export const isWizardStep = (value: string): value is WizardStep =>
  (WIZARD_STEPS as readonly string[]).includes(value);

/** The form paths each screen asks for (an error at or under a prefix belongs to that screen). */
export const STEP_PATHS: Record<WizardStep, readonly string[]> = {
  applicant: ["kind", "head", "members"],
  homestead: ["currentHomestead"],
  plot: ["proposedPlot"],
  building: ["building", "neighboursConsulted", "reason"],
  documents: [],
  review: [],
};

export const covers = (prefix: string, path: string): boolean =>
  path === prefix || path.startsWith(`${prefix}.`) || prefix.startsWith(`${path}.`);

export function stepOfPath(path: string): WizardStep {
  for (const step of WIZARD_STEPS) if (STEP_PATHS[step].some((prefix) => covers(prefix, path))) return step;
  return "review";
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export function getIn(source: unknown, path: string): unknown {
  let value: unknown = source;
  for (const part of path.split(".")) {
    if (Array.isArray(value)) value = value[Number(part)];
    else if (isObject(value)) value = value[part];
    else return undefined;
  }
  return value;
}

/** A copy of `source` with `path` set (undefined removes the key); arrays by index. */
export function setIn<T>(source: T, path: string, value: unknown): T {
  const [head, ...rest] = path.split(".");
  if (head === undefined) return source;
  if (Array.isArray(source)) {
    const copy: unknown[] = [...source];
    const index = Number(head);
    copy[index] = rest.length === 0 ? value : setIn(copy[index] ?? {}, rest.join("."), value);
    return copy as T;
  }
  const copy: Json = { ...(isObject(source) ? source : {}) };
  const next = rest.length === 0 ? value : setIn(copy[head] ?? {}, rest.join("."), value);
  if (next === undefined) delete copy[head];
  else copy[head] = next;
  return copy as T;
}

/** Drops empty strings and empty objects so the draft schema sees "not filled in", not "". */
export function cleanDraft(draft: ApplicationDraft): ApplicationDraft {
  const clean = (value: unknown): unknown => {
    if (typeof value === "string") return value.trim() === "" ? undefined : value;
    if (Array.isArray(value)) return value.map((item) => clean(item) ?? {});
    if (isObject(value)) {
      const entries = Object.entries(value)
        .map(([key, item]) => [key, clean(item)] as const)
        .filter(([, item]) => item !== undefined);
      return Object.fromEntries(entries);
    }
    return value;
  };
  return clean(draft) as ApplicationDraft;
}

/** The part of `draft` under the asked paths: what a correction sends. */
export function patchOf(draft: ApplicationDraft, paths: readonly string[]): ApplicationDraft {
  let patch: ApplicationDraft = {};
  for (const path of paths) {
    const value = getIn(draft, path);
    if (value !== undefined) patch = setIn(patch, path, value);
  }
  return patch;
}

export function errorsFor(errors: readonly FieldError[], path: string): FieldError | undefined {
  return errors.find((error) => error.path === path);
}
