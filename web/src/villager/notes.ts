/**
 * What the form says beside a field: the county's limit for this household
 * (numbers from the server, GET /cases/{caseId} `limits`), whether the value
 * typed exceeds it, and, after a pre-check return, the finding about the
 * field (the server's words) while the field still holds what was checked.
 */
import { fieldsOfFinding } from "#shared/domain/precheck/finding-fields.ts";
import { pick, t } from "../i18n.ts";
import type { FieldNote } from "./fields.tsx";
import { getIn } from "./form-state.ts";
import type { ApplicationDraft, CaseView } from "./types.ts";

export type Limits = NonNullable<CaseView["limits"]>;
type Finding = NonNullable<CaseView["precheck"]>["findings"][number];

const num = (value: unknown): number | undefined => (typeof value === "number" ? value : undefined);
const round = (value: number) => Math.round(value * 100) / 100;

/** The total plot ceiling for the land class the household declared (farmland is cropland's reading). */
export function totalCeiling(limits: Limits, draft: ApplicationDraft): number | undefined {
  return draft.proposedPlot?.landClass === "farmland"
    ? limits.totalM2
    : (limits.totalWithoutCroplandM2 ?? limits.totalM2);
}

/** Limit notes of one field, and an `over` note when the value typed exceeds the limit. */
export function limitNotes(limits: Limits | undefined, draft: ApplicationDraft, path: string): FieldNote[] {
  if (!limits) return [];
  const notes: FieldNote[] = [];
  const check = (
    limit: number | undefined,
    value: number | undefined,
    key: "house" | "total" | "floors" | "height" | "floorArea",
  ) => {
    if (limit === undefined) return;
    notes.push({ kind: "limit", text: t(`limit.${key}`, { max: limit }) });
    if (value !== undefined && value > limit + 1e-9)
      notes.push({ kind: "over", text: t(`over.${key}`, { value: round(value), max: limit }) });
  };
  const plot = draft.proposedPlot;
  switch (path) {
    case "proposedPlot.houseLandAreaM2":
      check(limits.houseLandM2, num(plot?.houseLandAreaM2), "house");
      break;
    case "proposedPlot.ancillaryLandAreaM2": {
      const house = num(plot?.houseLandAreaM2);
      const ancillary = num(plot?.ancillaryLandAreaM2);
      check(
        totalCeiling(limits, draft),
        house === undefined && ancillary === undefined ? undefined : (house ?? 0) + (ancillary ?? 0),
        "total",
      );
      break;
    }
    case "building.floors":
      check(limits.maxFloors, num(draft.building?.floors), "floors");
      break;
    case "building.heightM":
      check(limits.maxHeightM, num(draft.building?.heightM), "height");
      break;
    case "building.floorAreaM2":
      check(limits.maxBuildingFloorAreaM2, num(draft.building?.floorAreaM2), "floorArea");
      break;
  }
  return notes;
}

/** The household the limits are for, in one sentence (terrain, size on the register, counted as). */
export function limitsBasis(limits: Limits): string {
  return t("limitsBasis", {
    terrain: pick(limits.terrainClass.name),
    size: limits.householdSize,
    persons: limits.countedPersons,
  });
}

/**
 * The blocking findings of the pre-check that sent the case back. Only while
 * the case is `returned`: its form is then exactly what was checked (the first
 * edit makes it a draft again, and from then on the live limit check speaks).
 */
export function openFindings(view: Pick<CaseView, "precheck" | "status">): Finding[] {
  if (view.status !== "returned" || !view.precheck?.blocked) return [];
  return view.precheck.findings.filter((finding) => finding.severity === "block");
}

const unchanged = (checked: ApplicationDraft, draft: ApplicationDraft, path: string) =>
  JSON.stringify(getIn(checked, path)) === JSON.stringify(getIn(draft, path));

/** A finding is settled once the household changed any field it is about. */
export function findingSettled(
  finding: Finding,
  checked: ApplicationDraft,
  draft: ApplicationDraft,
): boolean {
  const fields = fieldsOfFinding(finding.ruleId);
  return fields.length > 0 && fields.some((field) => !unchanged(checked, draft, field));
}

/** The findings beside a field: those about it, not settled since the pre-check (`checked`: the form it saw). */
export function findingNotes(
  findings: readonly Finding[],
  checked: ApplicationDraft,
  draft: ApplicationDraft,
  path: string,
): FieldNote[] {
  return (
    findings
      // Beside the first field it names only: once is enough on a small screen.
      .filter((finding) => fieldsOfFinding(finding.ruleId)[0] === path)
      .filter((finding) => !findingSettled(finding, checked, draft))
      .map((finding) => ({ kind: "finding", text: pick(finding.message) }))
  );
}

/** The first field a finding names (where "修改申请" leads), if any. */
export function firstFieldAtFault(findings: readonly Finding[]): string | undefined {
  for (const finding of findings) {
    const [field] = fieldsOfFinding(finding.ruleId);
    if (field) return field;
  }
  return undefined;
}
