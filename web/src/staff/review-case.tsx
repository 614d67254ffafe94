/** The reviewer's reading panels: the form, pre-check, objections, documents, decisions, events. */
import type { ApplicationDraft } from "#shared/schemas/application.ts";
import { useConfig } from "../context.ts";
import { formatDate, pick, t, tk } from "../i18n.ts";
import { Badge } from "../ui.tsx";
import { stepName } from "../villager/case-page.tsx";
import { fieldLabel } from "../villager/field-label.ts";
import { getIn } from "../villager/form-state.ts";
import { ActionName, ActorName } from "./names.tsx";
import type { Objection, ReviewCase } from "./review-types.ts";

export function ApplicationView(props: { application: ApplicationDraft }) {
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

export function Precheck(props: { precheck: ReviewCase["precheck"] }) {
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
export function Objections(props: { objections: readonly Objection[] }) {
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

export function Documents(props: { detail: ReviewCase }) {
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

export function Decisions(props: { detail: ReviewCase }) {
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

export function Events(props: { detail: ReviewCase }) {
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
