/**
 * Dotted paths into the application form (`head.phone`, `proposedPlot.boundaries`),
 * walked along the draft schema: what a reviewer may ask to correct, which
 * fields a villager's patch changes, and how the patch merges into the form.
 *
 * Objects of the form are walked field by field; arrays (`members`) and the
 * plot `location` (captured whole) are single values.
 */
import * as z from "zod";
import { type ApplicationDraft, applicationDraftSchema } from "../schemas/application.ts";

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (current instanceof z.ZodOptional) current = current.unwrap() as z.ZodType;
  return current;
}

function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const inner = unwrap(schema);
  return inner instanceof z.ZodObject ? (inner.shape as Record<string, z.ZodType>) : undefined;
}

function childSchema(schema: z.ZodType, key: string): z.ZodType | undefined {
  const shape = objectShape(schema);
  return shape && Object.hasOwn(shape, key) ? shape[key] : undefined;
}

/** True for `head`, `head.phone`, `proposedPlot.boundaries.east`; false for unknown or array-inner paths. */
export function isApplicationFieldPath(path: string): boolean {
  let schema: z.ZodType | undefined = applicationDraftSchema;
  for (const part of path.split(".")) {
    schema = schema ? childSchema(schema, part) : undefined;
    if (!schema) return false;
  }
  return true;
}

/** Parts of the form a household cannot redo: the kind of case is fixed when the case is created. */
const FIXED_SECTIONS: ReadonlySet<string> = new Set(["kind"]);

/**
 * What a correction request may name: a field of the form (as
 * isApplicationFieldPath) outside the fixed sections. The list a reviewer is
 * offered (correctableSections) is walked from the same schema with the same
 * exclusion, so what is offered is always accepted.
 */
export function isCorrectableFieldPath(path: string): boolean {
  return !FIXED_SECTIONS.has(path.split(".")[0] ?? "") && isApplicationFieldPath(path);
}

/** A changed path is covered when it is an asked path or lies inside one. */
export function isCoveredBy(path: string, asked: readonly string[]): boolean {
  return asked.some((field) => path === field || path.startsWith(`${field}.`));
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** JSON with sorted keys, so equal values compare equal whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "undefined";
}

/**
 * The leaf paths whose value `patch` changes compared with `current`. A value
 * equal to the current one is no edit, so a client may send the whole form back.
 */
export function changedPaths(current: unknown, patch: unknown): string[] {
  const walk = (schema: z.ZodType, before: unknown, after: unknown, prefix: string): string[] => {
    if (isPlainObject(after) && objectShape(schema)) {
      const previous = isPlainObject(before) ? before : {};
      return Object.keys(after).flatMap((key) => {
        const child = childSchema(schema, key);
        const path = prefix ? `${prefix}.${key}` : key;
        // Unknown keys cannot pass the draft schema; report them as changes so they are refused too.
        if (!child) return [path];
        return walk(child, previous[key], after[key], path);
      });
    }
    return canonical(before) === canonical(after) ? [] : [prefix];
  };
  return walk(applicationDraftSchema, current, patch, "");
}

/** `patch` merged into `current`: objects of the form field by field, other values replaced. */
export function mergeApplication(current: ApplicationDraft, patch: ApplicationDraft): ApplicationDraft {
  const merge = (schema: z.ZodType, before: unknown, after: unknown): unknown => {
    if (!isPlainObject(after) || !objectShape(schema)) return after === undefined ? before : after;
    const result: Record<string, unknown> = isPlainObject(before) ? { ...before } : {};
    for (const [key, value] of Object.entries(after)) {
      const child = childSchema(schema, key);
      result[key] = child ? merge(child, result[key], value) : value;
    }
    return result;
  };
  return merge(applicationDraftSchema, current, patch) as ApplicationDraft;
}

/** The form's sections and their fields as a reviewer may ask for them back: one whole section or one field. */
export interface CorrectableSection {
  readonly section: string;
  readonly fields: readonly string[];
}

/**
 * Walked from the draft schema, so the list never drifts from the form: every
 * object field down to its leaves (`building.heightM`); lists (`members`) and
 * the plot `location` are one field each. `kind` is not the household's to redo.
 * Every entry, section or field, passes isCorrectableFieldPath.
 */
export function correctableSections(): CorrectableSection[] {
  const leaves = (schema: z.ZodType, prefix: string): string[] => {
    const shape = objectShape(schema);
    if (!shape) return [prefix];
    return Object.entries(shape).flatMap(([key, child]) => leaves(child, `${prefix}.${key}`));
  };
  const top = objectShape(applicationDraftSchema) ?? {};
  return Object.entries(top)
    .filter(([section]) => !FIXED_SECTIONS.has(section))
    .map(([section, schema]) => {
      const fields = leaves(schema, section);
      return { section, fields: fields.length === 1 && fields[0] === section ? [] : fields };
    });
}
