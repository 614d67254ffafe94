/**
 * What the township head approves (审批): the household's request, or less of
 * it, with conditions. The approval decision may carry `approved` values and
 * `conditions`; each value may only be smaller than or equal to what was
 * requested and what the county allows. The certificates print the result of
 * `approvedValues`. Pure, no AWS imports.
 */
import * as z from "zod";
import type { ApplicationComplete } from "../schemas/application.ts";
import type { CountyPolicy } from "../schemas/policy.ts";
import type { PlotAndBuilding } from "./facts.ts";

const area = z.number().positive().max(10_000);

/** Values the township head approves instead of the requested ones (absent: as requested). */
export const approvalTermsSchema = z.strictObject({
  houseLandAreaM2: area.optional(),
  ancillaryLandAreaM2: z.number().min(0).max(10_000).optional(),
  /** 房基占地: the ground the house may cover (default: floor area ÷ floors, at most the house land). */
  footprintM2: area.optional(),
  floorAreaM2: area.optional(),
  floors: z.int().min(1).max(20).optional(),
  heightM: z.number().positive().max(100).optional(),
});
export type ApprovalTerms = z.infer<typeof approvalTermsSchema>;

/** Conditions attached to an approval (附加条件), printed on the certificates. */
export const approvalConditionsSchema = z.array(z.string().trim().min(1).max(300)).max(10);

const round2 = (value: number) => Math.round(value * 100) / 100;

/** The requested values as the forms compare them. */
export function requestedValues(application: ApplicationComplete): PlotAndBuilding {
  const { proposedPlot, building } = application;
  return {
    houseLandAreaM2: proposedPlot.houseLandAreaM2,
    ancillaryLandAreaM2: proposedPlot.ancillaryLandAreaM2,
    totalAreaM2: round2(proposedPlot.houseLandAreaM2 + proposedPlot.ancillaryLandAreaM2),
    footprintM2: round2(Math.min(proposedPlot.houseLandAreaM2, building.floorAreaM2 / building.floors)),
    floorAreaM2: building.floorAreaM2,
    floors: building.floors,
    heightM: building.heightM,
  };
}

/** The approved values: each term replaces the requested value; the footprint follows the approved building. */
export function approvedValues(
  application: ApplicationComplete,
  terms: ApprovalTerms | undefined,
): PlotAndBuilding {
  const requested = requestedValues(application);
  const houseLandAreaM2 = terms?.houseLandAreaM2 ?? requested.houseLandAreaM2;
  const ancillaryLandAreaM2 = terms?.ancillaryLandAreaM2 ?? requested.ancillaryLandAreaM2;
  const floorAreaM2 = terms?.floorAreaM2 ?? requested.floorAreaM2;
  const floors = terms?.floors ?? requested.floors;
  return {
    houseLandAreaM2,
    ancillaryLandAreaM2,
    totalAreaM2: round2(houseLandAreaM2 + ancillaryLandAreaM2),
    footprintM2: terms?.footprintM2 ?? round2(Math.min(houseLandAreaM2, floorAreaM2 / floors)),
    floorAreaM2,
    floors,
    heightM: terms?.heightM ?? requested.heightM,
  };
}

const LABELS: Readonly<Record<keyof ApprovalTerms, string>> = {
  houseLandAreaM2: "house land area",
  ancillaryLandAreaM2: "ancillary land area",
  footprintM2: "footprint",
  floorAreaM2: "floor area",
  floors: "floors",
  heightM: "height",
};

/**
 * Why these terms cannot be approved (empty: they can): never more than requested,
 * never more than the county's building limits, a footprint within the house land.
 */
export function approvalTermsProblems(
  terms: ApprovalTerms,
  application: ApplicationComplete,
  policy: Pick<CountyPolicy, "building">,
): string[] {
  const problems: string[] = [];
  const requested = requestedValues(application);
  for (const key of Object.keys(LABELS) as (keyof ApprovalTerms)[]) {
    const value = terms[key];
    if (value !== undefined && key !== "footprintM2" && value > requested[key]) {
      problems.push(`The approved ${LABELS[key]} (${value}) exceeds the requested ${requested[key]}`);
    }
  }
  const approved = approvedValues(application, terms);
  if (approved.footprintM2 > approved.houseLandAreaM2) {
    problems.push(
      `The approved footprint (${approved.footprintM2}) exceeds the approved house land (${approved.houseLandAreaM2})`,
    );
  }
  if (approved.floors > policy.building.maxFloors) {
    problems.push(
      `The approved floors (${approved.floors}) exceed the county's limit of ${policy.building.maxFloors}`,
    );
  }
  if (approved.heightM > policy.building.maxHeightM) {
    problems.push(
      `The approved height (${approved.heightM}) exceeds the county's limit of ${policy.building.maxHeightM} m`,
    );
  }
  const maxFloorArea = policy.building.maxBuildingFloorAreaM2;
  if (maxFloorArea !== undefined && approved.floorAreaM2 > maxFloorArea) {
    problems.push(
      `The approved floor area (${approved.floorAreaM2}) exceeds the county's limit of ${maxFloorArea}`,
    );
  }
  return problems;
}
