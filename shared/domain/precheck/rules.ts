/**
 * Pre-check rules: pure functions from (application, policy, reference facts) to findings.
 *
 * A rule says nothing when it has nothing to say, except the area rules, which
 * also report the computed ceiling on a pass: that number is what the
 * agriculture office checks, so it belongs in the evidence either way.
 */

import type { ApplicationComplete } from "../../schemas/application.ts";
import type { PrecheckFlag } from "../../schemas/common.ts";
import type { CountyPolicy } from "../../schemas/policy.ts";
import type { Finding, FindingSeverity, ReferenceFacts } from "../../schemas/precheck.ts";
import { departmentsFor } from "../case-kind.ts";
import { type AreaCeilings, exceeds } from "./area-standard.ts";

export interface RuleInput {
  readonly application: ApplicationComplete;
  readonly policy: CountyPolicy;
  readonly facts: ReferenceFacts;
  readonly flags: Readonly<Record<PrecheckFlag, boolean>>;
  readonly ceilings: AreaCeilings;
}

export interface PrecheckRule {
  readonly id: string;
  readonly run: (input: RuleInput) => Finding[];
}

function finding(
  ruleId: string,
  severity: FindingSeverity,
  zh: string,
  en: string,
  evidence: Record<string, unknown>,
): Finding {
  return { ruleId, severity, message: { zh, en }, evidence };
}

const m2 = (value: number): string => `${Math.round(value * 100) / 100} m²`;

const HELD_STATUSES = new Set(["in_use", "approved_unbuilt"]);

export const householdRegisteredInVillage: PrecheckRule = {
  id: "household-registered-in-village",
  run: ({ facts }) =>
    facts.household.registrationVillageCode === facts.village.villageCode
      ? []
      : [
          finding(
            "household-registered-in-village",
            "block",
            "申请户户籍不在宅基地所在村",
            "The household is not registered in the village where the plot lies",
            {
              registrationVillageCode: facts.household.registrationVillageCode,
              plotVillageCode: facts.village.villageCode,
            },
          ),
        ],
};

/**
 * One household, one homestead (Art. 62): after this case the household may hold at
 * most one plot. A new plot counts as one more; rebuilding or enlarging reuses a
 * held plot. A household that sold, rented out or gave away its house gets no new homestead.
 */
export const oneHouseholdOneHomestead: PrecheckRule = {
  id: "one-household-one-homestead",
  run: ({ application, facts }) => {
    const findings: Finding[] = [];
    // The application's commitment (承诺书) to return the plot it lives on counts like the register's flag;
    // completion records the follow-up (shared/store/household-items.ts).
    const promisesReturn = application.currentHomestead?.oldPlotDisposition === "return";
    const keptPlots = facts.existingHomesteads.filter(
      (homestead) =>
        HELD_STATUSES.has(homestead.status) &&
        !homestead.willBeReturned &&
        !(promisesReturn && homestead.status === "in_use"),
    );
    const newPlot = application.proposedPlot.situation === "new_plot" ? 1 : 0;
    if (keptPlots.length + newPlot > 1) {
      findings.push(
        finding(
          "one-household-one-homestead",
          "block",
          `违反“一户一宅”：本户已有 ${keptPlots.length} 处宅基地且不退出`,
          `One household, one homestead: the household keeps ${keptPlots.length} plot(s) it does not return`,
          {
            keptHomesteadIds: keptPlots.map((homestead) => homestead.homesteadId),
            situation: application.proposedPlot.situation,
          },
        ),
      );
    }
    const transferred = facts.existingHomesteads.filter((homestead) => homestead.status === "transferred");
    if (application.kind === "homestead" && transferred.length > 0) {
      findings.push(
        finding(
          "one-household-one-homestead",
          "block",
          "本户已出卖、出租或赠与住宅，不得再申请宅基地",
          "The household sold, rented out or gave away its house and may not apply for a new homestead",
          { transferredHomesteadIds: transferred.map((homestead) => homestead.homesteadId) },
        ),
      );
    }
    return findings;
  },
};

/**
 * One household, one homestead across households: the applicant's people
 * (keyed hashes of their ID numbers) looked up in the register and in other
 * households' cases. A head who holds a homestead in another household, or
 * whose other household's case was approved for one, is blocked; any other
 * appearance elsewhere (a member in another household's case or holding, a
 * head in another open case) is a warning for the agriculture office, since
 * splitting a household (分户) is legitimate and only people can judge it.
 */
export const personsInOtherHouseholds: PrecheckRule = {
  id: "persons-in-other-households",
  run: ({ facts }) => {
    const matches = (facts.personMatches ?? []).filter(
      (match) =>
        match.householdId !== facts.household.householdId && (match.holdsHomestead || match.openCase),
    );
    const findings: Finding[] = [];
    const headHolding = matches.filter((match) => match.person === "head" && match.holdsHomestead);
    if (headHolding.length > 0) {
      findings.push(
        finding(
          "head-holds-homestead-elsewhere",
          "block",
          "违反“一户一宅”：户主已在其他户持有（或已获批）宅基地",
          "One household, one homestead: the head of household already holds (or was approved for) a homestead in another household",
          {
            households: [...new Set(headHolding.map((match) => match.householdId))],
            cases: headHolding.flatMap((match) => (match.caseId ? [match.caseId] : [])),
          },
        ),
      );
    }
    const others = matches.filter((match) => !(match.person === "head" && match.holdsHomestead));
    if (others.length > 0) {
      findings.push(
        finding(
          "persons-in-other-households",
          "warn",
          "申请人或家庭成员已出现在其他户的申请或宅基地登记中，请核实户籍与分户情况",
          "A person of the application appears in another household's case or homestead holding; check the household registration",
          {
            people: others.map((match) => ({
              person: match.person,
              householdId: match.householdId,
              source: match.source,
              ...(match.caseId ? { caseId: match.caseId } : {}),
              holdsHomestead: match.holdsHomestead,
              openCase: match.openCase,
            })),
          },
        ),
      );
    }
    return findings;
  },
};

/** Rebuilding or enlarging needs a plot the household holds today. */
export const existingPlotRequired: PrecheckRule = {
  id: "existing-plot-required",
  run: ({ application, facts }) => {
    const reusesPlot = application.kind === "farmhouse" || application.proposedPlot.situation !== "new_plot";
    if (!reusesPlot) return [];
    const held = facts.existingHomesteads.filter((homestead) => HELD_STATUSES.has(homestead.status));
    return held.length > 0
      ? []
      : [
          finding(
            "existing-plot-required",
            "block",
            "原址翻建或改扩建，但登记中没有本户现有的宅基地",
            "Rebuilding or enlarging, but the register shows no plot held by the household",
            { situation: application.proposedPlot.situation, kind: application.kind },
          ),
        ];
  },
};

export const householdSizeConsistent: PrecheckRule = {
  id: "household-size-consistent",
  run: ({ application, facts }) => {
    const stated = 1 + application.members.length;
    return stated === facts.household.membersCount
      ? []
      : [
          finding(
            "household-size-consistent",
            "warn",
            `申请表填写 ${stated} 人，户籍登记 ${facts.household.membersCount} 人；面积标准按户籍人数计算`,
            `The form lists ${stated} persons, the household register ${facts.household.membersCount}; the area standard uses the register`,
            { statedSize: stated, registeredSize: facts.household.membersCount },
          ),
        ];
  },
};

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

export const buildingFloors: PrecheckRule = {
  id: "building-floors",
  run: ({ application, policy }) => {
    const { floors } = application.building;
    const { maxFloors } = policy.building;
    return floors <= maxFloors
      ? []
      : [
          finding(
            "building-floors",
            "block",
            `建房层数 ${floors} 层，超过上限 ${maxFloors} 层`,
            `${floors} floors exceed the cap of ${maxFloors}`,
            { floors, maxFloors },
          ),
        ];
  },
};

export const buildingHeight: PrecheckRule = {
  id: "building-height",
  run: ({ application, policy }) => {
    const { heightM } = application.building;
    const { maxHeightM } = policy.building;
    return heightM <= maxHeightM
      ? []
      : [
          finding(
            "building-height",
            "block",
            `建筑高度 ${heightM} 米，超过上限 ${maxHeightM} 米`,
            `A height of ${heightM} m exceeds the cap of ${maxHeightM} m`,
            { heightM, maxHeightM },
          ),
        ];
  },
};

export const buildingFloorArea: PrecheckRule = {
  id: "building-floor-area",
  run: ({ application, policy }) => {
    const { floorAreaM2 } = application.building;
    const cap = policy.building.maxBuildingFloorAreaM2;
    return cap === undefined || !exceeds(floorAreaM2, cap)
      ? []
      : [
          finding(
            "building-floor-area",
            "block",
            `建筑面积 ${m2(floorAreaM2)}，超过上限 ${m2(cap)}`,
            `A floor area of ${m2(floorAreaM2)} exceeds the cap of ${m2(cap)}`,
            { floorAreaM2, maxBuildingFloorAreaM2: cap },
          ),
        ];
  },
};

export const villageConstructionBoundary: PrecheckRule = {
  id: "village-construction-boundary",
  run: ({ policy, flags }) =>
    flags.outsideVillageConstructionBoundary
      ? [
          finding(
            "village-construction-boundary",
            policy.outsideVillageConstructionBoundary,
            "拟用地块不在村庄建设边界内",
            "The plot lies outside the village construction boundary",
            { severityFromPolicy: policy.outsideVillageConstructionBoundary },
          ),
        ]
      : [],
};

const CONDITIONAL_FLAG_TEXT: ReadonlyArray<readonly [PrecheckFlag, string, string]> = [
  ["touchesForestLand", "涉及林地", "touches forest land"],
  ["nearWater", "位于水源或河道保护范围", "lies in a water protection zone"],
  ["nearRoad", "位于公路建筑控制区", "lies in a road setback"],
  ["nearPowerLine", "位于电力线路保护区", "lies near a power line"],
];

/** One info finding per raised flag, naming the departments it brings into the joint review. */
export const conditionalDepartments: PrecheckRule = {
  id: "conditional-departments",
  run: ({ application, policy, flags }) =>
    CONDITIONAL_FLAG_TEXT.filter(([flag]) => flags[flag]).map(([flag, zh, en]) => {
      const brought = departmentsFor(application.kind, policy, { [flag]: true }).filter(
        (department) => department.condition === flag,
      );
      const names = {
        zh: brought.map((department) => department.name.zh).join("、") || "（本县未设对应部门）",
        en:
          brought.map((department) => department.name.en).join(", ") ||
          "(no department configured in this county)",
      };
      return finding(
        "conditional-departments",
        "info",
        `拟用地块${zh}，征求意见部门：${names.zh}`,
        `The plot ${en}; consulted: ${names.en}`,
        { flag, departmentIds: brought.map((department) => department.id) },
      );
    }),
};

/** In the order findings are reported. */
export const PRECHECK_RULES: readonly PrecheckRule[] = [
  householdRegisteredInVillage,
  oneHouseholdOneHomestead,
  personsInOtherHouseholds,
  existingPlotRequired,
  householdSizeConsistent,
  houseLandArea,
  totalArea,
  permanentBasicFarmland,
  farmlandConversion,
  landClassDeclared,
  buildingFloors,
  buildingHeight,
  buildingFloorArea,
  villageConstructionBoundary,
  conditionalDepartments,
];
