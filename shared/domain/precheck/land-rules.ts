/** Pre-check rules on the land: area ceilings, farmland, the declared land class. */
import { type AreaCeilings, exceeds } from "./area-standard.ts";
import { finding, m2, type PrecheckRule } from "./rule.ts";

function ceilingEvidence(ceilings: AreaCeilings): Record<string, unknown> {
  return {
    terrainClass: ceilings.terrainClass,
    householdSize: ceilings.householdSize,
    countedPersons: ceilings.countedPersons,
    usesCropland: ceilings.usesCropland,
  };
}

export const houseLandArea: PrecheckRule = {
  id: "house-land-area",
  run: ({ application, ceilings }) => {
    if (ceilings.houseLandM2 === undefined) return [];
    const area = application.proposedPlot.houseLandAreaM2;
    const evidence = { areaM2: area, limitM2: ceilings.houseLandM2, ...ceilingEvidence(ceilings) };
    return exceeds(area, ceilings.houseLandM2)
      ? [
          finding(
            "house-land-area",
            "block",
            `住房用地面积 ${m2(area)} 超过标准 ${m2(ceilings.houseLandM2)}`,
            `House land of ${m2(area)} exceeds the standard of ${m2(ceilings.houseLandM2)}`,
            evidence,
          ),
        ]
      : [
          finding(
            "house-land-area",
            "info",
            `住房用地面积 ${m2(area)}，标准 ${m2(ceilings.houseLandM2)} 以内`,
            `House land of ${m2(area)} is within the standard of ${m2(ceilings.houseLandM2)}`,
            evidence,
          ),
        ];
  },
};

export const totalArea: PrecheckRule = {
  id: "total-area",
  run: ({ application, ceilings }) => {
    if (ceilings.totalM2 === undefined) return [];
    const area = application.proposedPlot.houseLandAreaM2 + application.proposedPlot.ancillaryLandAreaM2;
    const evidence = { areaM2: area, limitM2: ceilings.totalM2, ...ceilingEvidence(ceilings) };
    return exceeds(area, ceilings.totalM2)
      ? [
          finding(
            "total-area",
            "block",
            `宅基地总面积 ${m2(area)}（含附属用地）超过标准 ${m2(ceilings.totalM2)}`,
            `Total plot area of ${m2(area)} (incl. ancillary land) exceeds the standard of ${m2(ceilings.totalM2)}`,
            evidence,
          ),
        ]
      : [
          finding(
            "total-area",
            "info",
            `宅基地总面积 ${m2(area)}，标准 ${m2(ceilings.totalM2)} 以内`,
            `Total plot area of ${m2(area)} is within the standard of ${m2(ceilings.totalM2)}`,
            evidence,
          ),
        ];
  },
};

export const permanentBasicFarmland: PrecheckRule = {
  id: "permanent-basic-farmland",
  run: ({ facts }) => {
    const parcels = facts.overlappingParcels.filter((parcel) => parcel.permanentBasicFarmland);
    return parcels.length === 0
      ? []
      : [
          finding(
            "permanent-basic-farmland",
            "block",
            "拟用地块占用永久基本农田，不得建房",
            "The plot overlaps permanent basic farmland, where building is not allowed",
            { parcelIds: parcels.map((parcel) => parcel.parcelId) },
          ),
        ];
  },
};

export const farmlandConversion: PrecheckRule = {
  id: "farmland-conversion",
  run: ({ application, facts, flags }) => {
    if (!flags.farmlandConversionRequired) return [];
    return [
      finding(
        "farmland-conversion",
        "warn",
        "拟用地块涉及农用地，须先办理农用地转用审批",
        "The plot uses farmland: farmland conversion must be approved first",
        {
          declaredLandClass: application.proposedPlot.landClass,
          farmlandParcelIds: facts.overlappingParcels
            .filter((parcel) => parcel.landClass === "farmland")
            .map((parcel) => parcel.parcelId),
        },
      ),
    ];
  },
};

/** The household declares a land class; the land-use register may say otherwise. */
export const landClassDeclared: PrecheckRule = {
  id: "land-class-declared",
  run: ({ application, facts }) => {
    const declared = application.proposedPlot.landClass;
    const registered = [...new Set(facts.overlappingParcels.map((parcel) => parcel.landClass))];
    if (registered.length === 0 || registered.every((landClass) => landClass === declared)) return [];
    return [
      finding(
        "land-class-declared",
        "warn",
        "申请表填写的地类与土地利用现状登记不一致",
        "The land class on the form differs from the land-use register",
        { declaredLandClass: declared, registeredLandClasses: registered },
      ),
    ];
  },
};
