/** The form's inputs: a text, number or choice question bound to a path of the draft, with its errors and notes. */
import { type MessageKey, t } from "../i18n.ts";
import { NumberField, RadioGroup, TextField } from "../ui.tsx";
import { covers, getIn } from "./form-state.ts";
import type { ApplicationDraft } from "./types.ts";

export interface FormProps {
  readonly draft: ApplicationDraft;
  readonly update: (path: string, value: unknown) => void;
  /** The error to show at a path now (undefined: none, or not shown yet). */
  readonly errorAt: (path: string) => string | undefined;
  readonly touch: (path: string) => void;
  /** Correction mode: only these paths (and what lies under them) are shown. */
  readonly only?: readonly string[];
  /** Notes beside a field: a pre-check finding about it, the county's limit for it, a limit exceeded. */
  readonly notesAt?: (path: string) => readonly FieldNote[];
}

export interface FieldNote {
  /** `finding`: the pre-check's (server's) words; `limit`: the county's limit; `over`: the value exceeds it. */
  readonly kind: "finding" | "limit" | "over";
  readonly text: string;
}

/** The notes of a field, above it so they are read before the field (and seen on a small screen). */
export function Notes(props: { notes: readonly FieldNote[] | undefined; path: string }) {
  if (!props.notes || props.notes.length === 0) return null;
  return (
    // Polite live region: "exceeds the limit" is read out as the household types.
    <ul class="field-notes" data-notes-for={props.path} aria-live="polite">
      {props.notes.map((note) => (
        <li key={note.text} class={`field-note note-${note.kind}`}>
          {note.kind === "finding" ? `${t("precheckSays")}：` : ""}
          {note.text}
        </li>
      ))}
    </ul>
  );
}

export const visible = (props: FormProps, path: string) =>
  !props.only || props.only.some((asked) => covers(asked, path));

export function Text(
  props: FormProps & {
    path: string;
    label: MessageKey;
    hint?: MessageKey;
    optional?: boolean;
    multiline?: boolean;
    type?: "tel";
    max?: number;
  },
) {
  if (!visible(props, props.path)) return null;
  const value = getIn(props.draft, props.path);
  return (
    <>
      <Notes notes={props.notesAt?.(props.path)} path={props.path} />
      <TextField
        name={props.path}
        label={t(props.label)}
        hint={props.hint ? t(props.hint) : undefined}
        optional={props.optional}
        multiline={props.multiline}
        type={props.type}
        inputMode={props.type === "tel" ? "tel" : undefined}
        maxLength={props.max}
        value={typeof value === "string" ? value : undefined}
        error={props.errorAt(props.path)}
        onInput={(next) => props.update(props.path, next)}
        onBlur={() => props.touch(props.path)}
      />
    </>
  );
}

export function Num(
  props: FormProps & { path: string; label: MessageKey; hint?: MessageKey; integer?: boolean },
) {
  if (!visible(props, props.path)) return null;
  const value = getIn(props.draft, props.path);
  return (
    <>
      <Notes notes={props.notesAt?.(props.path)} path={props.path} />
      <NumberField
        name={props.path}
        label={t(props.label)}
        hint={props.hint ? t(props.hint) : undefined}
        integer={props.integer}
        value={typeof value === "number" ? value : undefined}
        error={props.errorAt(props.path)}
        onInput={(next) => props.update(props.path, next)}
        onBlur={() => props.touch(props.path)}
      />
    </>
  );
}

export function Choice<T extends string>(
  props: FormProps & {
    path: string;
    label: MessageKey;
    hint?: MessageKey;
    options: readonly T[];
    prefix: string;
  },
) {
  if (!visible(props, props.path)) return null;
  const value = getIn(props.draft, props.path) as T | undefined;
  return (
    <>
      <Notes notes={props.notesAt?.(props.path)} path={props.path} />
      <RadioGroup
        name={props.path}
        legend={t(props.label)}
        hint={props.hint ? t(props.hint) : undefined}
        options={props.options}
        labelKey={(option) => `${props.prefix}.${option}` as MessageKey}
        value={value}
        error={props.errorAt(props.path)}
        onChange={(next) => {
          props.update(props.path, next);
          props.touch(props.path);
        }}
      />
    </>
  );
}
