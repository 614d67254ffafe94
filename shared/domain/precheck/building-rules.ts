/** Pre-check rules on the building and where it stands, and the departments a plot's flags bring in. */
import type { PrecheckFlag } from "../../schemas/common.ts";
import { departmentsFor } from "../case-kind.ts";
import { exceeds } from "./area-standard.ts";
import { finding, m2, type PrecheckRule } from "./rule.ts";

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
