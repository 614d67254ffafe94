/**
 * Which form fields a pre-check finding is about, so the household sent back
 * by the pre-check is led to the field at fault with the finding beside it.
 * Kept next to the rules (the server owns them); the web app reads it too.
 * Findings about the register or the land (farmland, boundary) point at the
 * plot's location or class: what the household can change.
 */
export const FINDING_FIELDS: Readonly<Record<string, readonly string[]>> = {
  "one-household-one-homestead": ["proposedPlot.situation", "currentHomestead.oldPlotDisposition"],
  "existing-plot-required": ["proposedPlot.situation"],
  "household-size-consistent": ["members"],
  "house-land-area": ["proposedPlot.houseLandAreaM2"],
  "total-area": ["proposedPlot.ancillaryLandAreaM2", "proposedPlot.houseLandAreaM2"],
  "permanent-basic-farmland": ["proposedPlot.location"],
  "farmland-conversion": ["proposedPlot.landClass"],
  "land-class-declared": ["proposedPlot.landClass"],
  "building-floors": ["building.floors"],
  "building-height": ["building.heightM"],
  "building-floor-area": ["building.floorAreaM2"],
  "village-construction-boundary": ["proposedPlot.location"],
};

export function fieldsOfFinding(ruleId: string): readonly string[] {
  return FINDING_FIELDS[ruleId] ?? [];
}
