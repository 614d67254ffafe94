/** Small building blocks shared by every screen: links, fields with hints and errors, messages. */
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useId, useRef, useState } from "preact/hooks";
import { ApiError, NetworkError } from "./api.ts";
import { type MessageKey, pick, t } from "./i18n.ts";
import { type PlaceView, placeText } from "./place-text.ts";
import { linkHandler } from "./router.ts";

export function Link(props: {
  to: string;
  children: ComponentChildren;
  class?: string;
  "aria-current"?: "page";
}) {
  return (
    <a
      href={props.to}
      class={props.class}
      aria-current={props["aria-current"]}
      onClick={linkHandler(props.to)}
    >
      {props.children}
    </a>
  );
}

/** A readable message for any error the API layer throws. */
export function errorText(error: unknown): string {
  if (error instanceof NetworkError) return t("offline");
  if (error instanceof ApiError) {
    if (error.status === 401) return t("sessionExpired");
    if (error.status === 403) return t("forbidden");
    if (error.status === 404) return t("notFound");
    if (error.status >= 500) return t("serverError");
    const problems = problemsOf(error);
    if (problems.length > 0) return problems.join("；");
    return pick({ en: error.message, ...(error.zh ? { zh: error.zh } : {}) });
  }
  return t("error");
}

/** Field problems of a 400 (`details.problems`) in the current language. */
export function problemsOf(error: ApiError): string[] {
  const details = error.details as { problems?: { zh?: string; en: string }[] } | undefined;
  return (details?.problems ?? []).map((problem) => pick(problem));
}

export function ErrorBox(props: { error: unknown; onRetry?: () => void }) {
  return (
    <div class="notice notice-error" role="alert">
      <p>{errorText(props.error)}</p>
      {props.onRetry && (
        <button type="button" class="button secondary" onClick={props.onRetry}>
          {t("retry")}
        </button>
      )}
    </div>
  );
}

export function Notice(props: { kind?: "info" | "ok" | "warn" | "error"; children: ComponentChildren }) {
  return (
    <div class={`notice notice-${props.kind ?? "info"}`} role={props.kind === "error" ? "alert" : "status"}>
      {props.children}
    </div>
  );
}

export function Loading() {
  return (
    <p class="loading" role="status">
      {t("loading")}
    </p>
  );
}

export type AsyncState<T> =
  | { readonly state: "loading" }
  | { readonly state: "error"; readonly error: unknown }
  | { readonly state: "ready"; readonly value: T };

/** Loads with `load` whenever `key` changes; `reload` runs it again (quietly when data is there). */
export function useAsync<T>(load: () => Promise<T>, key: string): [AsyncState<T>, () => Promise<void>] {
  const [state, setState] = useState<AsyncState<T>>({ state: "loading" });
  const loadRef = useRef(load);
  loadRef.current = load;
  const generation = useRef(0);
  const run = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const value = await loadRef.current();
      if (mine === generation.current) setState({ state: "ready", value });
    } catch (error) {
      if (mine === generation.current) setState({ state: "error", error });
    }
  }, []);
  useEffect(() => {
    setState({ state: "loading" });
    void run();
  }, [key, run]);
  return [state, run];
}

/**
 * One button's request at a time: `run(work)` marks the screen busy, clears the last
 * error, runs `work` and keeps what it threw for an <ErrorBox>.
 */
export function useAction(): {
  busy: boolean;
  error: unknown;
  run: (work: () => Promise<void>) => Promise<void>;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = useCallback(async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run };
}

export interface FieldProps {
  label: string;
  hint?: string;
  error?: string;
  optional?: boolean;
  children: (ids: { id: string; describedBy?: string; invalid: boolean }) => ComponentChildren;
}

/** A label, an optional plain-language hint and an error, wired to the control for screen readers. */
export function Field(props: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [props.hint ? hintId : "", props.error ? errorId : ""].filter(Boolean).join(" ");
  return (
    <div class={`field${props.error ? " field-invalid" : ""}`}>
      <label for={id}>
        {props.label}
        {props.optional && <span class="optional"> {t("optional")}</span>}
      </label>
      {props.hint && (
        <p id={hintId} class="hint">
          {props.hint}
        </p>
      )}
      {props.children({ id, ...(describedBy ? { describedBy } : {}), invalid: Boolean(props.error) })}
      {props.error && (
        <p id={errorId} class="error-text">
          {props.error}
        </p>
      )}
    </div>
  );
}

export function TextField(props: {
  label: string;
  hint?: string;
  error?: string;
  optional?: boolean;
  value: string | undefined;
  onInput: (value: string | undefined) => void;
  onBlur?: () => void;
  type?: "text" | "tel";
  inputMode?: "text" | "numeric" | "tel";
  autoComplete?: string;
  multiline?: boolean;
  maxLength?: number;
  name?: string;
}) {
  const inputProps = (id: string, describedBy: string | undefined, invalid: boolean) => ({
    id,
    name: props.name,
    inputMode: props.inputMode,
    autoComplete: props.autoComplete ?? "off",
    value: props.value ?? "",
    maxLength: props.maxLength,
    "aria-describedby": describedBy,
    "aria-invalid": invalid,
    onInput: (event: { currentTarget: HTMLInputElement }) =>
      props.onInput(event.currentTarget.value || undefined),
    onBlur: props.onBlur,
  });
  return (
    <Field label={props.label} hint={props.hint} error={props.error} optional={props.optional}>
      {({ id, describedBy, invalid }) =>
        props.multiline ? (
          <textarea
            id={id}
            name={props.name}
            rows={4}
            value={props.value ?? ""}
            maxLength={props.maxLength}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            onInput={(event) => props.onInput(event.currentTarget.value || undefined)}
            onBlur={props.onBlur}
          />
        ) : props.type === "tel" ? (
          <input type="tel" {...inputProps(id, describedBy, invalid)} />
        ) : (
          <input type="text" {...inputProps(id, describedBy, invalid)} />
        )
      }
    </Field>
  );
}

/**
 * A number typed as text (inputmode decimal): a half-typed "12." stays on
 * screen while the form keeps the last number it could read.
 */
export function NumberField(props: {
  label: string;
  hint?: string;
  error?: string;
  optional?: boolean;
  value: number | undefined;
  onInput: (value: number | undefined) => void;
  onBlur?: () => void;
  integer?: boolean;
  name?: string;
}) {
  const [raw, setRaw] = useState(props.value === undefined ? "" : String(props.value));
  useEffect(() => {
    const parsed = raw.trim() === "" ? undefined : Number(raw.replace(",", "."));
    if (parsed !== props.value) setRaw(props.value === undefined ? "" : String(props.value));
    // Only follow outside changes (a reload), not our own keystrokes.
  }, [props.value]);
  // Something typed that is no number ("四十八"): say so, rather than "required" for the empty value kept.
  const typed = raw.trim() === "" ? undefined : Number(raw.replace(",", "."));
  const notNumber =
    typed !== undefined && (!Number.isFinite(typed) || (props.integer === true && !Number.isInteger(typed)));
  const error = notNumber ? t(props.integer ? "notAWholeNumber" : "notANumber") : props.error;
  return (
    <Field label={props.label} hint={props.hint} error={error} optional={props.optional}>
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          name={props.name}
          type="text"
          inputMode={props.integer ? "numeric" : "decimal"}
          autoComplete="off"
          value={raw}
          aria-describedby={describedBy}
          aria-invalid={invalid}
          onInput={(event) => {
            const text = event.currentTarget.value;
            setRaw(text);
            const parsed = text.trim() === "" ? undefined : Number(text.replace(",", "."));
            props.onInput(parsed === undefined || Number.isFinite(parsed) ? parsed : undefined);
          }}
          onBlur={props.onBlur}
        />
      )}
    </Field>
  );
}

export function RadioGroup<T extends string>(props: {
  legend: string;
  hint?: string;
  error?: string;
  name: string;
  options: readonly T[];
  labelKey: (option: T) => MessageKey;
  value: T | undefined;
  onChange: (value: T) => void;
}) {
  const id = useId();
  return (
    <fieldset
      class={`field choice${props.error ? " field-invalid" : ""}`}
      aria-describedby={props.error ? `${id}-error` : props.hint ? `${id}-hint` : undefined}
    >
      <legend>{props.legend}</legend>
      {props.hint && (
        <p id={`${id}-hint`} class="hint">
          {props.hint}
        </p>
      )}
      {props.options.map((option) => (
        <label key={option} class="choice-option">
          <input
            type="radio"
            name={props.name}
            value={option}
            checked={props.value === option}
            onChange={() => props.onChange(option)}
          />
          <span>{t(props.labelKey(option))}</span>
        </label>
      ))}
      {props.error && (
        <p id={`${id}-error`} class="error-text">
          {props.error}
        </p>
      )}
    </fieldset>
  );
}

export function Checkbox(props: {
  label: string;
  hint?: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  name?: string;
  error?: string;
}) {
  return (
    <div class={`field${props.error ? " field-invalid" : ""}`}>
      <label class="choice-option">
        <input
          type="checkbox"
          name={props.name}
          checked={props.checked}
          onChange={(event) => props.onChange(event.currentTarget.checked)}
        />
        <span>
          {props.label}
          {props.hint && <small class="hint">{props.hint}</small>}
        </span>
      </label>
      {props.error && <p class="error-text">{props.error}</p>}
    </div>
  );
}

export function Badge(props: { kind?: "ok" | "warn" | "error" | "info"; children: ComponentChildren }) {
  return <span class={`badge badge-${props.kind ?? "info"}`}>{props.children}</span>;
}

/** Puts focus on a screen's heading when it opens, so screen readers announce the new screen. */
export function ScreenTitle(props: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {props.children}
    </h1>
  );
}

/** The township filter of the staff and auditor screens: the caller's townships by name, code beside it. */
export function TownshipSelect(props: {
  id: string;
  value: string;
  townships: readonly PlaceView[];
  onChange: (code: string) => void;
  /** Offer "all townships" as the empty value, with this label. */
  anyLabel?: string;
}) {
  return (
    <div class="field">
      <label for={props.id}>{t("township")}</label>
      <select
        id={props.id}
        value={props.value}
        onChange={(event) => props.onChange(event.currentTarget.value)}
      >
        {props.anyLabel !== undefined && <option value="">{props.anyLabel}</option>}
        {props.townships.map((place) => (
          <option key={place.code} value={place.code}>
            {placeText(place)}
          </option>
        ))}
      </select>
    </div>
  );
}
