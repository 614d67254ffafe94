/**
 * The decision on the step that waits for the signed-in reviewer: approve,
 * refuse, or ask for corrections by ticking fields and documents. What may be
 * said comes from the API (the step's `decide`: outcomes, measurements,
 * photos, objections, what a correction may name), the same options the
 * decision endpoint checks against; no rule is copied here. Site visits
 * record measured values and photos (taken on the phone's camera, verified by
 * the server like the household's documents, then cited by the decision).
 */
import { useState } from "preact/hooks";
import { ApiError, apiWithStatus } from "../api.ts";
import { useConfig } from "../context.ts";
import { formatDate, type MessageKey, pick, t } from "../i18n.ts";
import { Badge, Checkbox, ErrorBox, Notice, NumberField } from "../ui.tsx";
import { stepName } from "../villager/case-page.tsx";
import { FilePicker, type LocalUpload, UploadLine } from "../villager/documents.tsx";
import { fieldLabel } from "../villager/field-label.ts";
import { createUpload, sitePhotoTarget, type UploadPhase } from "../villager/upload.ts";
import type { DecisionOptions, ReviewCase, ReviewStep } from "./review-types.ts";

export function DecisionPanel(props: {
  detail: ReviewCase;
  step: ReviewStep;
  /** The step's `decide` from the API: what this decision may say. */
  options: DecisionOptions;
  onDone: (result: "sent" | "stored") => Promise<void>;
}) {
  const { step, options } = props;
  const { outcomes, correctable } = options;
  const siteVisit = options.measurements;
  const [outcome, setOutcome] = useState<string>(outcomes[0] ?? "approved");
  const [comment, setComment] = useState("");
  const [fields, setFields] = useState<string[]>([]);
  const [documents, setDocuments] = useState<string[]>([]);
  const [measurements, setMeasurements] = useState<Record<string, number | undefined>>({});
  // Village review: how each objection still unhandled was handled (objection id → text).
  const open = options.objections ? props.detail.objections.filter((o) => !o.handling) : [];
  const [handling, setHandling] = useState<Record<string, string>>({});
  // Photos already confirmed on this step (an earlier visit to this page), then this session's.
  const [photos, setPhotos] = useState<string[]>(() =>
    props.detail.documents
      .filter((document) => document.stepId === step.stepId && document.status === "confirmed")
      .map((document) => document.documentId),
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const toggle = (list: string[], value: string, on: boolean) =>
    on ? [...list, value] : list.filter((item) => item !== value);

  const decide = async () => {
    setBusy(true);
    setError(undefined);
    const handled = Object.entries(handling)
      .map(([id, text]) => [id, text.trim()] as const)
      .filter(([, text]) => text.length > 0);
    const measured = Object.fromEntries(
      Object.entries(measurements).filter(([, value]) => value !== undefined),
    );
    try {
      const { status } = await apiWithStatus(
        `/review/cases/${encodeURIComponent(props.detail.case.caseId)}/steps/${encodeURIComponent(step.stepId)}/decision`,
        {
          method: "POST",
          body: {
            outcome,
            ...(comment.trim() ? { comment: comment.trim() } : {}),
            ...(outcome === "correction_requested" && fields.length > 0 ? { fields } : {}),
            ...(outcome === "correction_requested" && documents.length > 0 ? { documents } : {}),
            ...(siteVisit ? { measurements: measured } : {}),
            ...(options.photos && photos.length > 0 ? { photos } : {}),
            ...(handled.length > 0 ? { objections: Object.fromEntries(handled) } : {}),
          },
        },
      );
      await props.onDone(status === 200 ? "sent" : "stored");
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  const outcomeKey = (value: string): MessageKey =>
    (siteVisit && value === "approved" ? "outcome.approved.site" : `outcome.${value}`) as MessageKey;
  return (
    <form
      class="card decision"
      onSubmit={(event) => {
        event.preventDefault();
        void decide();
      }}
    >
      <h2>{t("decide")}</h2>
      <p>
        {t("decideFor", { step: stepName(step.step, step.department) })}
        {step.deadline && ` · ${t("deadline", { date: formatDate(step.deadline, true) })}`}{" "}
        {step.overdue && <Badge kind="error">{t("overdue")}</Badge>}
      </p>
      <fieldset class="field choice">
        <legend>{t("outcome")}</legend>
        {outcomes.map((value) => (
          <label class="choice-option" key={value}>
            <input
              type="radio"
              name="outcome"
              value={value}
              checked={outcome === value}
              onChange={() => setOutcome(value)}
            />
            <span>{t(outcomeKey(value))}</span>
          </label>
        ))}
      </fieldset>
      {siteVisit && (
        <fieldset class="group">
          <legend>{t("measurements")}</legend>
          {(["plotAreaM2", "footprintM2", "floors", "heightM"] as const).map((name) => (
            <NumberField
              key={name}
              name={name}
              label={t(`m.${name}`)}
              integer={name === "floors"}
              value={measurements[name]}
              onInput={(value) => setMeasurements((current) => ({ ...current, [name]: value }))}
            />
          ))}
        </fieldset>
      )}
      {options.photos && step.siteVisit && (
        <SitePhotos
          caseId={props.detail.case.caseId}
          stepId={step.stepId}
          visit={step.siteVisit}
          confirmed={photos}
          onConfirmed={(photoId) => setPhotos((current) => [...current, photoId])}
        />
      )}
      {open.length > 0 && (
        <fieldset class="group">
          <legend>{t("objectionsTitle")}</legend>
          <p class="hint">{t("objectionHandlingHint")}</p>
          {open.map((objection, index) => (
            <div class="field" key={objection.objectionId}>
              <label for={`objection-${index}`}>“{objection.text}”</label>
              <textarea
                id={`objection-${index}`}
                rows={2}
                maxLength={2000}
                placeholder={t("objectionHandling")}
                value={handling[objection.objectionId] ?? ""}
                onInput={(event) => {
                  const value = event.currentTarget.value;
                  setHandling((current) => ({ ...current, [objection.objectionId]: value }));
                }}
              />
            </div>
          ))}
        </fieldset>
      )}
      {outcome === "correction_requested" && correctable && (
        <fieldset class="group">
          <legend>{t("correctionPick")}</legend>
          {correctable.sections.map((entry) => (
            <CorrectableSection
              key={entry.section}
              section={entry.section}
              fields={entry.fields}
              picked={fields}
              onChange={setFields}
            />
          ))}
          <h3>{t("documents")}</h3>
          <div class="checks">
            {correctable.documents.map((requirement) => (
              <Checkbox
                key={requirement.typeId}
                name={`document-${requirement.typeId}`}
                label={pick(requirement.name)}
                checked={documents.includes(requirement.typeId)}
                onChange={(on) => setDocuments((current) => toggle(current, requirement.typeId, on))}
              />
            ))}
          </div>
        </fieldset>
      )}
      <div class="field">
        <label for="decision-comment">
          {t("comment")}
          {outcome !== "correction_requested" && <span class="optional"> {t("optional")}</span>}
        </label>
        <textarea
          id="decision-comment"
          rows={3}
          maxLength={2000}
          value={comment}
          onInput={(event) => setComment(event.currentTarget.value)}
        />
      </div>
      {error !== undefined &&
        (error instanceof ApiError && error.status === 409 ? (
          <Notice kind="warn">{t("decisionConflict")}</Notice>
        ) : (
          <ErrorBox error={error} />
        ))}
      <button type="submit" class="button primary block" disabled={busy}>
        {t("decide")}: {t(outcomeKey(outcome))}
      </button>
    </form>
  );
}

/** Photos of the visit being recorded: camera or files, each verified by the server before it counts. */
function SitePhotos(props: {
  caseId: string;
  stepId: string;
  visit: NonNullable<ReviewStep["siteVisit"]>;
  confirmed: readonly string[];
  onConfirmed: (photoId: string) => void;
}) {
  const config = useConfig();
  const [uploads, setUploads] = useState<LocalUpload[]>([]);
  const setPhase = (key: string, phase: UploadPhase) =>
    setUploads((current) => current.map((item) => (item.key === key ? { ...item, phase } : item)));
  const start = (files: FileList | null) => {
    for (const file of Array.from(files ?? [])) {
      const key = `photo-${Date.now()}-${Math.random()}`;
      const upload = createUpload(config, sitePhotoTarget(props.caseId, props.stepId), file, (phase) => {
        setPhase(key, phase);
        if (phase.phase === "confirmed") props.onConfirmed(phase.document.documentId);
      });
      setUploads((current) => [
        ...current,
        { key, type: "site_visit_photo", fileName: file.name, upload, phase: { phase: "hashing" } },
      ]);
      void upload.run();
    }
  };
  return (
    <fieldset class="group site-photos">
      <legend>
        {t("sitePhotos")} · {pick(props.visit.name)}
      </legend>
      <p class="hint" data-testid="site-photo-count">
        {t("sitePhotosCount", { n: props.confirmed.length })}
      </p>
      <ul class="doc-files">
        {uploads
          .filter((item) => item.phase.phase !== "confirmed")
          .map((item) => (
            <UploadLine key={item.key} item={item} />
          ))}
      </ul>
      <FilePicker label={t("sitePhotoAdd")} name="site-photo" accept="image/*" onFiles={start} />
    </fieldset>
  );
}

/**
 * One section of the form in the correction picker: the whole section, or
 * single fields of it (height, not all of 建房情况). Picking the section
 * covers its fields, so they are not offered separately then.
 */
function CorrectableSection(props: {
  section: string;
  fields: readonly string[];
  picked: readonly string[];
  onChange: (picked: string[]) => void;
}) {
  const { section, fields, picked } = props;
  const whole = picked.includes(section);
  const inSection = (path: string) => path === section || path.startsWith(`${section}.`);
  return (
    <div class="correctable" data-section={section}>
      <Checkbox
        name={`field-${section}`}
        label={
          fields.length > 0 ? t("correctWholeSection", { section: fieldLabel(section) }) : fieldLabel(section)
        }
        checked={whole}
        onChange={(on) =>
          props.onChange(
            on
              ? [...picked.filter((path) => !inSection(path)), section]
              : picked.filter((p) => p !== section),
          )
        }
      />
      {!whole && fields.length > 0 && (
        <div class="checks nested">
          {fields.map((field) => (
            <Checkbox
              key={field}
              name={`field-${field}`}
              label={fieldLabel(field)}
              checked={picked.includes(field)}
              onChange={(on) =>
                props.onChange(on ? [...picked, field] : picked.filter((path) => path !== field))
              }
            />
          ))}
        </div>
      )}
    </div>
  );
}
