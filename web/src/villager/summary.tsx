/**
 * The last step's summary: everything the household entered, section by
 * section, with a link back to each screen, so what the commitment covers is
 * on the screen where it is signed.
 */
import type { ComponentChildren } from "preact";
import { useConfig } from "../context.ts";
import { type MessageKey, pick, t, tk } from "../i18n.ts";
import { Link } from "../ui.tsx";
import type { WizardStep } from "./form-state.ts";
import type { ApplicationDraft, CaseView, DocumentView } from "./types.ts";

const dash = "—";
const text = (value: unknown): string =>
  value === undefined || value === null || value === "" ? dash : String(value);
const area = (value: number | undefined) => (value === undefined ? dash : `${value} m²`);

function Section(props: { title: string; caseId: string; step: WizardStep; children: ComponentChildren }) {
  return (
    <section class="summary-section" data-summary={props.step}>
      <h3>
        {props.title}{" "}
        <Link to={`/app/cases/${props.caseId}/form/${props.step}`} class="summary-edit">
          {t("summaryEdit")}
        </Link>
      </h3>
      <dl class="summary">{props.children}</dl>
    </section>
  );
}

function Row(props: { label: MessageKey | string; value: string }) {
  return (
    <>
      <dt>{props.label}</dt>
      <dd>{props.value}</dd>
    </>
  );
}

export function ReviewSummary(props: {
  caseId: string;
  view: CaseView;
  draft: ApplicationDraft;
  documents: readonly DocumentView[];
}) {
  const config = useConfig();
  const { draft, caseId } = props;
  const head = draft.head ?? {};
  const members = draft.members ?? [];
  const homestead = draft.currentHomestead;
  const plot = draft.proposedPlot ?? {};
  const building = draft.building ?? {};
  const location = plot.location?.type === "Point" ? plot.location.coordinates : undefined;
  const requirements = config.county.requiredDocuments[props.view.kind].filter(
    (requirement) => requirement.condition === "always",
  );
  return (
    <div class="card review-summary" data-testid="review-summary">
      <h2>{t("summaryTitle")}</h2>
      <Section title={t("section.head")} caseId={caseId} step="applicant">
        <Row label={t("head.name")} value={text(head.name)} />
        <Row label={t("head.sex")} value={head.sex ? t(`sex.${head.sex}`) : dash} />
        <Row label={t("head.age")} value={text(head.age)} />
        <Row label={t("head.phone")} value={text(head.phone)} />
        <Row label={t("head.idNumber")} value={text(head.idNumber)} />
        <Row label={t("head.householdRegistrationPlace")} value={text(head.householdRegistrationPlace)} />
        <Row
          label={t("section.members")}
          value={
            members.length === 0
              ? t("membersNone")
              : members
                  .map((member) =>
                    [member.name ?? dash, member.relation ? t(`relation.${member.relation}`) : "", member.age]
                      .filter((part) => part !== "" && part !== undefined)
                      .join(" · "),
                  )
                  .join("；")
          }
        />
      </Section>
      <Section title={t("section.currentHomestead")} caseId={caseId} step="homestead">
        {homestead === undefined ? (
          <Row label={t("hasHomestead")} value={t("no")} />
        ) : (
          <>
            <Row label={t("currentHomestead.areaM2")} value={area(homestead.areaM2)} />
            <Row label={t("currentHomestead.houseFloorAreaM2")} value={area(homestead.houseFloorAreaM2)} />
            <Row
              label={t("currentHomestead.titleCertificateNo")}
              value={text(homestead.titleCertificateNo)}
            />
            <Row
              label={t("currentHomestead.oldPlotDisposition")}
              value={homestead.oldPlotDisposition ? t(`disposition.${homestead.oldPlotDisposition}`) : dash}
            />
          </>
        )}
      </Section>
      <Section title={t("section.proposedPlot")} caseId={caseId} step="plot">
        <Row
          label={t("proposedPlot.situation")}
          value={plot.situation ? tk("situation", plot.situation) : dash}
        />
        <Row
          label={t("proposedPlot.landClass")}
          value={plot.landClass ? tk("landClass", plot.landClass) : dash}
        />
        <Row label={t("proposedPlot.address")} value={text(plot.address)} />
        <Row label={t("proposedPlot.houseLandAreaM2")} value={area(plot.houseLandAreaM2)} />
        <Row label={t("proposedPlot.ancillaryLandAreaM2")} value={area(plot.ancillaryLandAreaM2)} />
        <Row
          label={t("boundaries")}
          value={(["east", "south", "west", "north"] as const)
            .map((side) => `${t(`proposedPlot.boundaries.${side}`)}：${text(plot.boundaries?.[side])}`)
            .join("；")}
        />
        <Row label={t("location")} value={location ? `${location[0]}, ${location[1]}` : dash} />
      </Section>
      <Section title={t("section.building")} caseId={caseId} step="building">
        <Row label={t("building.floorAreaM2")} value={area(building.floorAreaM2)} />
        <Row label={t("building.floors")} value={text(building.floors)} />
        <Row
          label={t("building.heightM")}
          value={building.heightM === undefined ? dash : `${building.heightM} m`}
        />
        <Row label={t("neighboursConsulted")} value={draft.neighboursConsulted ? t("yes") : t("no")} />
        <Row label={t("reason")} value={text(draft.reason)} />
      </Section>
      <Section title={t("documents")} caseId={caseId} step="documents">
        {requirements.map((requirement) => (
          <Row
            key={requirement.typeId}
            label={pick(requirement.name)}
            value={t("summaryDocuments", {
              n: props.documents.filter(
                (document) => document.type === requirement.typeId && document.status === "confirmed",
              ).length,
            })}
          />
        ))}
      </Section>
    </div>
  );
}
