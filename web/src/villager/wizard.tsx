/**
 * The application form, one question group per screen: applicant and
 * household → current homestead → proposed plot → building → documents →
 * review and submit. Every change is checked at once against the shared zod
 * schema (the server's own), saved as a draft a moment later, and the screen
 * the villager was on is remembered so they can come back to it.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { validateApplication } from "#shared/schemas/application.ts";
import { ApiError, api } from "../api.ts";
import { pick, t, tk } from "../i18n.ts";
import { navigate } from "../router.ts";
import { ErrorBox, Link, Loading, Notice, ScreenTitle, useAsync } from "../ui.tsx";
import { DocumentsPanel } from "./documents.tsx";
import { ApplicantFields, BuildingFields, type FormProps, HomesteadFields, PlotFields } from "./fields.tsx";
import {
  cleanDraft,
  covers,
  errorsFor,
  isWizardStep,
  STEP_PATHS,
  setIn,
  WIZARD_STEPS,
  type WizardStep,
} from "./form-state.ts";
import {
  findingNotes,
  findingSettled,
  type Limits,
  limitNotes,
  limitsBasis,
  openFindings,
  totalCeiling,
} from "./notes.ts";
import { ReviewStep } from "./review-step.tsx";
import type { ApplicationDraft, CaseView, DocumentView, FieldError } from "./types.ts";

const SAVE_DELAY_MS = 800;
const RETRY_SAVE_MS = 5000;

export const lastStepKey = (caseId: string) => `nf.step.${caseId}`;

/** The screen to reopen a draft at: where the villager left it. */
export function resumeStep(caseId: string): WizardStep {
  try {
    const stored = localStorage.getItem(lastStepKey(caseId));
    if (stored && isWizardStep(stored)) return stored;
  } catch {
    // No storage: start at the beginning.
  }
  return "applicant";
}

export function ApplicationWizard(props: { params: Record<string, string> }) {
  const caseId = props.params.caseId ?? "";
  const step = props.params.step ?? "applicant";
  const [state, reload] = useAsync(() => api<CaseView>(`/cases/${encodeURIComponent(caseId)}`), caseId);
  if (state.state === "loading") return <Loading />;
  if (state.state === "error") return <ErrorBox error={state.error} onRetry={reload} />;
  const view = state.value;
  if (view.status !== "draft" && view.status !== "returned") {
    return (
      <Notice kind="info">
        {tk("status", view.status)} · <Link to={`/app/cases/${caseId}`}>{t("openCase")}</Link>
      </Notice>
    );
  }
  return <Wizard view={view} step={isWizardStep(step) ? step : "applicant"} />;
}

type SaveState = "saved" | "saving" | "failed" | "invalid";

function Wizard(props: { view: CaseView; step: WizardStep }) {
  const { view, step } = props;
  const caseId = view.caseId;
  const [draft, setDraft] = useState<ApplicationDraft>(view.application);
  const [documents, setDocuments] = useState<readonly DocumentView[]>(view.documents);
  const [saveState, setSaveState] = useState<SaveState>("saved");
  const [shown, setShown] = useState<readonly string[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const latest = useRef(draft);
  const dirty = useRef(false);

  useEffect(() => {
    try {
      localStorage.setItem(lastStepKey(caseId), step);
    } catch {
      // Not remembered; the draft itself is on the server.
    }
    // Every screen change flushes a pending save first.
    void flush();
  }, [step]);

  // Leaving the form (another page of the app) must not lose the last keystrokes.
  useEffect(
    () => () => {
      clearTimeout(timer.current);
      if (dirty.current) void save();
    },
    [],
  );

  const save = async (): Promise<boolean> => {
    const body = cleanDraft(latest.current);
    if (!validateApplication(body, "draft").success) {
      setSaveState("invalid");
      return false;
    }
    setSaveState("saving");
    dirty.current = false;
    try {
      await api<CaseView>(`/cases/${encodeURIComponent(caseId)}/application`, { method: "PUT", body });
      if (!dirty.current) setSaveState("saved");
      return true;
    } catch (error) {
      dirty.current = true;
      setSaveState(error instanceof ApiError && error.status === 400 ? "invalid" : "failed");
      // A dropped connection: try again later without the villager doing anything.
      if (!(error instanceof ApiError) || error.status >= 500) {
        clearTimeout(timer.current);
        timer.current = setTimeout(() => void save(), RETRY_SAVE_MS);
      }
      return false;
    }
  };

  const flush = async (): Promise<boolean> => {
    clearTimeout(timer.current);
    return dirty.current ? save() : true;
  };

  const update = (path: string, value: unknown) => {
    const next = setIn(latest.current, path, value);
    latest.current = next;
    dirty.current = true;
    setDraft(next);
    setSaveState("saving");
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void save(), SAVE_DELAY_MS);
  };

  const validation = useMemo(() => validateApplication(cleanDraft(draft), "complete"), [draft]);
  const errors: readonly FieldError[] = validation.success ? [] : validation.errors;
  const touch = (path: string) =>
    setShown((current) => (current.includes(path) ? current : [...current, path]));
  const errorAt = (path: string) => {
    if (!shown.some((prefix) => prefix === "*" || covers(prefix, path))) return undefined;
    const error = errorsFor(errors, path);
    return error ? pick(error) : undefined;
  };
  // After a pre-check return: each blocking finding beside its field, while the field holds what was checked.
  const findings = useMemo(() => openFindings(view), [view]);
  const checked = useRef(view.application);
  const notesAt = (path: string) => {
    const found = findingNotes(findings, checked.current, draft, path);
    // The finding already says the value is over the limit: the live check adds only the limit itself.
    const limits = limitNotes(view.limits, draft, path);
    return [...found, ...(found.length > 0 ? limits.filter((note) => note.kind !== "over") : limits)];
  };
  const formProps: FormProps = { draft, update, errorAt, touch, notesAt };

  // "修改申请" and "去修改" name the field at fault (?field=…): bring it into view and focus it.
  useEffect(() => {
    const field = new URLSearchParams(location.search).get("field");
    if (!field) return;
    const target = document.querySelector<HTMLElement>(
      `[data-notes-for="${CSS.escape(field)}"], [name="${CSS.escape(field)}"]`,
    );
    target?.scrollIntoView({ block: "center" });
    document.querySelector<HTMLElement>(`[name="${CSS.escape(field)}"]`)?.focus({ preventScroll: true });
  }, [step]);

  const index = WIZARD_STEPS.indexOf(step);
  const go = (target: WizardStep) => navigate(`/app/cases/${caseId}/form/${target}`);
  const next = () => {
    // Leaving a screen shows what is still wrong on it (the villager may still go on).
    setShown((current) => [...current, ...STEP_PATHS[step]]);
    const target = WIZARD_STEPS[index + 1];
    if (target) go(target);
  };

  let body: ComponentChildren;
  switch (step) {
    case "applicant":
      body = <ApplicantFields {...formProps} />;
      break;
    case "homestead":
      body = <HomesteadFields {...formProps} />;
      break;
    case "plot":
      body = (
        <>
          {view.limits && <LimitsBox limits={view.limits} draft={draft} part="plot" />}
          <PlotFields {...formProps} />
        </>
      );
      break;
    case "building":
      body = (
        <>
          {view.limits && <LimitsBox limits={view.limits} draft={draft} part="building" />}
          <BuildingFields {...formProps} />
        </>
      );
      break;
    case "documents":
      body = (
        <DocumentsPanel
          caseId={caseId}
          kind={view.kind}
          documents={documents}
          onConfirmed={(document) => setDocuments((current) => [...current, document])}
          onRemoved={(documentId) =>
            setDocuments((current) => current.filter((document) => document.documentId !== documentId))
          }
        />
      );
      break;
    case "review":
      body = (
        <ReviewStep
          caseId={caseId}
          view={view}
          draft={draft}
          errors={errors}
          documents={documents}
          flush={flush}
          unresolved={findings.filter((finding) => !findingSettled(finding, checked.current, draft))}
        />
      );
      break;
  }

  return (
    <section class="wizard">
      <p class="step-count">{t("stepOf", { n: index + 1, total: WIZARD_STEPS.length })}</p>
      <ScreenTitle key={step}>{t(`wizard.${step}`)}</ScreenTitle>
      <ol class="progress-dots" aria-hidden="true">
        {WIZARD_STEPS.map((item, at) => (
          <li key={item} class={at < index ? "done" : at === index ? "current" : ""} />
        ))}
      </ol>
      <p class={`save-state save-${saveState}`} role="status" aria-live="polite">
        {saveState === "saved"
          ? t("saved")
          : saveState === "saving"
            ? t("saving")
            : saveState === "failed"
              ? t("saveFailed")
              : t("notSavedInvalid")}
      </p>
      <form
        class="form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          next();
        }}
      >
        {body}
        <div class="wizard-nav">
          {index > 0 && (
            <button
              type="button"
              class="button secondary"
              onClick={() => go(WIZARD_STEPS[index - 1] ?? "applicant")}
            >
              ← {t("previous")}
            </button>
          )}
          {step !== "review" && (
            <button type="submit" class="button primary">
              {t("next")} →
            </button>
          )}
        </div>
      </form>
    </section>
  );
}

function LimitsBox(props: { limits: Limits; draft: ApplicationDraft; part: "plot" | "building" }) {
  const { limits } = props;
  const total = totalCeiling(limits, props.draft);
  const lines =
    props.part === "plot"
      ? [
          limits.houseLandM2 !== undefined ? t("limit.house", { max: limits.houseLandM2 }) : "",
          total !== undefined ? t("limit.total", { max: total }) : "",
        ]
      : [
          t("limit.floors", { max: limits.maxFloors }),
          t("limit.height", { max: limits.maxHeightM }),
          limits.maxBuildingFloorAreaM2 !== undefined
            ? t("limit.floorArea", { max: limits.maxBuildingFloorAreaM2 })
            : "",
        ];
  return (
    <section class="notice notice-info limits" aria-labelledby="limits-title">
      <h2 id="limits-title">{t("limitsTitle")}</h2>
      <p class="hint">{limitsBasis(limits)}</p>
      <ul>
        {lines.filter(Boolean).map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
    </section>
  );
}
