/**
 * A reviewer's case view: the form, the pre-check findings, the documents
 * inline (images and PDFs through short-lived presigned URLs), earlier
 * decisions and the case's events; and the decision for the step that waits
 * for the signed-in reviewer: approve, refuse, or ask for corrections by
 * ticking fields and documents. Site visits record measured values and
 * photos (taken on the phone's camera, verified by the server like the
 * household's documents, then cited by the decision).
 */
import { useState } from "preact/hooks";
import type { ApplicationDraft } from "#shared/schemas/application.ts";
import { ApiError, api, apiWithStatus } from "../api.ts";
import { useConfig } from "../context.ts";
import { formatDate, type MessageKey, pick, t, tk } from "../i18n.ts";
import { useLocation } from "../router.ts";
import {
  Badge,
  Checkbox,
  ErrorBox,
  Link,
  Loading,
  Notice,
  NumberField,
  ScreenTitle,
  useAsync,
} from "../ui.tsx";
import { statusKind } from "../villager/case-list.tsx";
import { stepName } from "../villager/case-page.tsx";
import { FilePicker, type LocalUpload, UploadLine } from "../villager/documents.tsx";
import { getIn } from "../villager/form-state.ts";
import type { DocumentView } from "../villager/types.ts";
import { createUpload, sitePhotoTarget, type UploadPhase } from "../villager/upload.ts";
import { fieldLabel } from "../villager/wizard.tsx";
import { ActionName, ActorName, PlaceName, type PlaceView } from "./names.tsx";
import { Papers } from "./papers.tsx";

interface Decision {
  readonly outcome: string;
  readonly comment?: string;
  readonly fields?: string[];
  readonly documents?: string[];
  readonly measurements?: Record<string, number>;
  readonly photos?: string[];
  readonly decidedBy: {
    readonly id: string;
    readonly role: string;
    readonly department?: string;
    readonly name?: string;
  };
  readonly decidedAt: string;
}

interface StepView {
  readonly stepId: string;
  readonly step: string;
  readonly department?: string;
  readonly round: number;
  readonly status: "awaiting_response" | "responded";
  readonly townshipCode: string;
  readonly openedAt: string;
  readonly deadline?: string;
  readonly overdue: boolean;
  readonly decision?: Decision;
  /** Set when the county's policy makes this step a site visit: its decider may attach photos. */
  readonly siteVisit?: { readonly id: string; readonly name: { readonly zh: string; readonly en: string } };
  /** Set on the open step the caller may decide: the outcomes it accepts, whether it records measurements. */
  readonly decide?: { readonly outcomes: readonly string[]; readonly measurements: boolean };
}

interface ReviewCase {
  readonly case: {
    readonly caseId: string;
    readonly kind: "homestead" | "farmhouse";
    readonly status: string;
    readonly townshipCode: string;
    readonly villageCode: string;
    readonly householdId: string;
    readonly submittedAt?: string;
    readonly certificates?: { type: string; number: string; issuedAt: string }[];
  };
  readonly places: { readonly village: PlaceView; readonly township: PlaceView };
  readonly application: ApplicationDraft;
  readonly precheck: {
    readonly findings: { ruleId: string; severity: string; message: { zh: string; en: string } }[];
    readonly flags: Record<string, boolean>;
    readonly departments: string[];
  } | null;
  readonly documents: DocumentView[];
  /** Objections lodged against the case's public notice (公示), with how each was handled. */
  readonly objections?: readonly Objection[];
  readonly steps: StepView[];
  /** What a correction request may name: a whole section or one field of it. */
  readonly correctable: readonly { readonly section: string; readonly fields: readonly string[] }[];
  readonly decisions: (Decision & { stepId: string; step: string; department?: string; round: number })[];
  readonly timeline: {
    readonly seq: number;
    readonly at: string;
    readonly action: string;
    readonly actor: { id: string; role: string; department?: string; name?: string };
    readonly fromStatus?: string | null;
    readonly toStatus?: string | null;
    readonly comment?: string;
  }[];
}

interface Objection {
  readonly objectionId: string;
  readonly text: string;
  readonly lodgedAt: string;
  readonly hasContact: boolean;
  readonly contact?: string;
  readonly handling?: string;
  readonly handledAt?: string;
}

/**
 * The open step the signed-in reviewer may decide: the API marks it (`decide`,
 * from the same rules its decision endpoint enforces), so no rule is copied here.
 */
function myStep(steps: readonly StepView[], wanted: string | null): StepView | undefined {
  const mine = steps.filter((step) => step.decide !== undefined);
  return mine.find((step) => step.stepId === wanted) ?? mine[0];
}

export function ReviewPage(props: { params: Record<string, string> }) {
  const caseId = props.params.caseId ?? "";
  const { query } = useLocation();
  const [state, reload] = useAsync(
    () => api<ReviewCase>(`/review/cases/${encodeURIComponent(caseId)}`),
    caseId,
  );
  // Kept here, not in the panel: after the reload the step is no longer open and the panel is gone.
  const [decided, setDecided] = useState<"sent" | "stored">();
  if (state.state === "loading") return <Loading />;
  if (state.state === "error") return <ErrorBox error={state.error} onRetry={reload} />;
  const detail = state.value;
  const step = myStep(detail.steps, query.get("step"));
  return (
    <section class="review-page">
      <p class="back-link">
        <Link to="/app/review">← {t("backToQueue")}</Link>
      </p>
      <ScreenTitle>
        {t("reviewTitle")} · {detail.application.head?.name ?? "—"}
      </ScreenTitle>
      <p>
        <Badge kind={statusKind(detail.case.status)}>{tk("status", detail.case.status)}</Badge>{" "}
        {tk("kind", detail.case.kind)}
        {" · "}
        {t("township")} <PlaceName place={detail.places.township} /> · {t("village")}{" "}
        <PlaceName place={detail.places.village} /> · <code>{detail.case.caseId.slice(0, 8)}</code>
      </p>
      <div class="split">
        <div>
          <ApplicationView application={detail.application} />
          <Precheck precheck={detail.precheck} />
          <Objections objections={detail.objections ?? []} />
          <Documents detail={detail} />
        </div>
        <div>
          {decided ? (
            <div class="card">
              <Notice kind="ok">{decided === "sent" ? t("decisionSent") : t("decisionStored")}</Notice>
              <Link class="button primary block" to="/app/review">
                {t("backToQueue")}
              </Link>
            </div>
          ) : step ? (
            <DecisionPanel
              detail={detail}
              step={step}
              onDone={async (result) => {
                setDecided(result);
                await reload();
              }}
            />
          ) : (
            <Notice>{t("nothingToDecide")}</Notice>
          )}
          <Papers
            caseId={detail.case.caseId}
            status={detail.case.status}
            certificates={detail.case.certificates}
          />
          <Decisions detail={detail} />
          <Events detail={detail} />
        </div>
      </div>
    </section>
  );
}

function ApplicationView(props: { application: ApplicationDraft }) {
  const a = props.application;
  const rows = (paths: string[]) =>
    paths.map((path) => {
      const value = getIn(a, path);
      return (
        <>
          <dt>{fieldLabel(path)}</dt>
          <dd>{display(path, value)}</dd>
        </>
      );
    });
  return (
    <div class="card">
      <h2>{t("applicationForm")}</h2>
      <h3>{t("section.head")}</h3>
      <dl class="form-view">
        {rows([
          "head.name",
          "head.sex",
          "head.age",
          "head.phone",
          "head.idNumber",
          "head.householdRegistrationPlace",
        ])}
      </dl>
      <h3>{t("section.members")}</h3>
      {(a.members ?? []).length === 0 ? (
        <p>{t("none")}</p>
      ) : (
        <ul class="plain">
          {(a.members ?? []).map((member) => (
            <li key={member.idNumber ?? member.name}>
              {member.name} · {member.age} · {tk("relation", member.relation)} ·{" "}
              <code>{member.idNumber}</code>
            </li>
          ))}
        </ul>
      )}
      <h3>{t("section.currentHomestead")}</h3>
      {a.currentHomestead ? (
        <dl class="form-view">
          {rows([
            "currentHomestead.areaM2",
            "currentHomestead.houseFloorAreaM2",
            "currentHomestead.titleCertificateNo",
            "currentHomestead.oldPlotDisposition",
          ])}
        </dl>
      ) : (
        <p>{t("none")}</p>
      )}
      <h3>{t("section.proposedPlot")}</h3>
      <dl class="form-view">
        {rows([
          "proposedPlot.situation",
          "proposedPlot.landClass",
          "proposedPlot.address",
          "proposedPlot.houseLandAreaM2",
          "proposedPlot.ancillaryLandAreaM2",
          "proposedPlot.boundaries.east",
          "proposedPlot.boundaries.south",
          "proposedPlot.boundaries.west",
          "proposedPlot.boundaries.north",
          "proposedPlot.location",
        ])}
      </dl>
      <h3>{t("section.building")}</h3>
      <dl class="form-view">
        {rows([
          "building.floorAreaM2",
          "building.floors",
          "building.heightM",
          "neighboursConsulted",
          "reason",
        ])}
      </dl>
    </div>
  );
}

function display(path: string, value: unknown): string {
  if (value === undefined || value === null) return "—";
  if (typeof value === "boolean") return value ? t("yes") : t("no");
  const prefixes: Record<string, string> = {
    "head.sex": "sex",
    "currentHomestead.oldPlotDisposition": "disposition",
    "proposedPlot.situation": "situation",
    "proposedPlot.landClass": "landClass",
  };
  const prefix = prefixes[path];
  if (prefix && typeof value === "string") return tk(prefix, value);
  if (path === "proposedPlot.location" && typeof value === "object") {
    const location = value as { type: string; coordinates: unknown };
    return location.type === "Point" ? `${String(location.coordinates)}` : t("location");
  }
  return String(value);
}

function Precheck(props: { precheck: ReviewCase["precheck"] }) {
  if (!props.precheck) return null;
  return (
    <div class="card">
      <h2>{t("precheck")}</h2>
      {props.precheck.findings.length === 0 ? (
        <p>{t("precheckNone")}</p>
      ) : (
        <ul class="findings">
          {props.precheck.findings.map((finding) => (
            <li key={finding.ruleId}>
              <Badge
                kind={finding.severity === "block" ? "error" : finding.severity === "warn" ? "warn" : "info"}
              >
                {tk("severity", finding.severity)}
              </Badge>{" "}
              {pick(finding.message)}
            </li>
          ))}
        </ul>
      )}
      {props.precheck.departments.length > 0 && (
        <p class="hint">
          {t("department")}:{" "}
          {props.precheck.departments.map((department) => tk("dept", department)).join("、")}
        </p>
      )}
    </div>
  );
}

/** The objections to the public notice and their handling, as the village recorded it. */
function Objections(props: { objections: readonly Objection[] }) {
  if (props.objections.length === 0) return null;
  return (
    <section class="card">
      <h2>{t("objectionsTitle")}</h2>
      <ul class="plain">
        {props.objections.map((objection) => (
          <li key={objection.objectionId}>
            <p class="comment">“{objection.text}”</p>
            <p class="hint">
              {t("objectionLodged", { date: formatDate(objection.lodgedAt, true) })}
              {objection.contact ? ` · ${t("objectionContact", { contact: objection.contact })}` : ""}
            </p>
            {objection.handling && (
              <p>
                <Badge kind="ok">{t("objectionHandling")}</Badge> {objection.handling}
              </p>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Documents(props: { detail: ReviewCase }) {
  const config = useConfig();
  const names = new Map(
    config.county.requiredDocuments[props.detail.case.kind].map((item) => [item.typeId, item.name]),
  );
  names.set("site_visit_photo", { zh: "现场照片", en: "Site-visit photo" });
  return (
    <div class="card">
      <h2>{t("documents")}</h2>
      <div class="doc-grid">
        {props.detail.documents.map((document) => (
          <figure class="doc-preview" key={document.documentId} data-document-type={document.type}>
            <figcaption>
              <strong>{names.has(document.type) ? pick(names.get(document.type)) : document.type}</strong>{" "}
              <Badge
                kind={
                  document.status === "confirmed" ? "ok" : document.status === "rejected" ? "error" : "warn"
                }
              >
                {tk("docStatus", document.status)}
              </Badge>
            </figcaption>
            {document.download && document.contentType.startsWith("image/") && (
              <a href={document.download.url} target="_blank" rel="noopener" aria-label={t("viewImage")}>
                <img
                  src={document.download.url}
                  alt={names.has(document.type) ? pick(names.get(document.type)) : document.type}
                  loading="lazy"
                />
              </a>
            )}
            {document.download && document.contentType === "application/pdf" && (
              <>
                {/* Not lazy: a frame scrolled to later loaded nothing in a full-page view, and its
                    short-lived URL may have expired by the time the reviewer scrolls there. */}
                <iframe
                  class="pdf-preview"
                  src={document.download.url}
                  title={names.has(document.type) ? pick(names.get(document.type)) : document.type}
                />
                <a class="open-pdf" href={document.download.url} target="_blank" rel="noopener">
                  {t("openPdf")}
                </a>
              </>
            )}
          </figure>
        ))}
      </div>
    </div>
  );
}

function Decisions(props: { detail: ReviewCase }) {
  return (
    <div class="card">
      <h2>{t("decisions")}</h2>
      {props.detail.decisions.length === 0 ? (
        <p>{t("noDecisions")}</p>
      ) : (
        <ol class="timeline">
          {props.detail.decisions.map((decision) => (
            <li key={decision.stepId} class="done">
              <strong>{stepName(decision.step, decision.department)}</strong>{" "}
              <Badge
                kind={
                  decision.outcome === "approved" ? "ok" : decision.outcome === "rejected" ? "error" : "warn"
                }
              >
                {tk("outcome", decision.outcome)}
              </Badge>
              <div class="hint">
                <ActorName actor={decision.decidedBy} /> · {formatDate(decision.decidedAt, true)}
              </div>
              {decision.comment && <p class="comment">“{decision.comment}”</p>}
              {decision.fields && decision.fields.length > 0 && (
                <p class="hint">{decision.fields.map((field) => fieldLabel(field)).join("、")}</p>
              )}
              {decision.measurements && (
                <p class="hint">
                  {Object.entries(decision.measurements)
                    .map(([name, value]) => `${tk("m", name)} ${value}`)
                    .join(" · ")}
                </p>
              )}
              {decision.photos && decision.photos.length > 0 && (
                <p class="hint">{t("sitePhotosCited", { n: decision.photos.length })}</p>
              )}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

function Events(props: { detail: ReviewCase }) {
  return (
    <details class="card">
      <summary>
        <h2 style={{ display: "inline" }}>{t("events")}</h2>
      </summary>
      <ol class="timeline">
        {props.detail.timeline.map((event) => (
          <li key={event.seq} class="done">
            <strong>
              <ActionName action={event.action} />
            </strong>{" "}
            {event.toStatus && event.toStatus !== event.fromStatus && (
              <span>→ {tk("status", event.toStatus)}</span>
            )}
            <div class="hint">
              #{event.seq} · {formatDate(event.at, true)} · <ActorName actor={event.actor} />
            </div>
            {event.comment && <p class="comment">{event.comment}</p>}
          </li>
        ))}
      </ol>
    </details>
  );
}

function DecisionPanel(props: {
  detail: ReviewCase;
  step: StepView;
  onDone: (result: "sent" | "stored") => Promise<void>;
}) {
  const config = useConfig();
  const { step } = props;
  const outcomes = step.decide?.outcomes ?? [];
  const siteVisit = step.decide?.measurements === true;
  const [outcome, setOutcome] = useState<string>(outcomes[0] ?? "approved");
  const [comment, setComment] = useState("");
  const [fields, setFields] = useState<string[]>([]);
  const [documents, setDocuments] = useState<string[]>([]);
  const [measurements, setMeasurements] = useState<Record<string, number | undefined>>({});
  // Village review: how each objection still unhandled was handled (objection id → text).
  const open =
    step.step === "village_review" ? (props.detail.objections ?? []).filter((o) => !o.handling) : [];
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
            ...(step.siteVisit && photos.length > 0 ? { photos } : {}),
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
      {step.siteVisit && (
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
      {outcome === "correction_requested" && (
        <fieldset class="group">
          <legend>{t("correctionPick")}</legend>
          {props.detail.correctable.map((entry) => (
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
            {config.county.requiredDocuments[props.detail.case.kind].map((requirement) => (
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
  visit: NonNullable<StepView["siteVisit"]>;
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
