import { computeIdNumberCheckChar } from "#shared/domain/id-number.ts";
import type { ApplicationComplete } from "#shared/schemas/application.ts";

/** A valid 18-digit ID number (GB 11643 check character computed) for a region, birth date and serial. */
export function idNumber(region: string, birth: string, serial: string): string {
  const first17 = `${region}${birth}${serial}`;
  return `${first17}${computeIdNumberCheckChar(first17)}`;
}

/** A complete homestead application for the demo villager 王建国 (household 511424100001-H0001). */
export function homesteadApplication(overrides: Partial<ApplicationComplete> = {}): ApplicationComplete {
  return {
    kind: "homestead",
    head: {
      name: "王建国",
      sex: "male",
      age: 46,
      phone: "13800138000",
      idNumber: idNumber("511424", "19800314", "123"),
      householdRegistrationPlace: "四川省眉山市丹棱县齐乐镇",
    },
    members: [
      { name: "陈芳", age: 44, relation: "spouse", idNumber: idNumber("511424", "19820521", "224") },
      { name: "王小明", age: 17, relation: "child", idNumber: idNumber("511424", "20090101", "011") },
    ],
    currentHomestead: { areaM2: 110, houseFloorAreaM2: 150, oldPlotDisposition: "return" },
    proposedPlot: {
      houseLandAreaM2: 80,
      ancillaryLandAreaM2: 40,
      address: "丹棱县齐乐镇示范村3组",
      boundaries: { east: "村道", south: "李家承包地", west: "水渠", north: "王家宅基地" },
      // Inside construction-land parcel P-511424100001-01 of the seeded reference data.
      location: { type: "Point", coordinates: [103.502, 30.002] },
      situation: "new_plot",
      landClass: "construction_land",
    },
    building: { floorAreaM2: 200, floors: 2, heightM: 7.5 },
    neighboursConsulted: true,
    reason: "现住房为危房，家庭人口增加，申请新建住房。",
    ...overrides,
  } as ApplicationComplete;
}

/** 李秀英's household (511424100001-H0002): it keeps its old plot, so it may rebuild but not get a new homestead. */
export function liHouseholdApplication(overrides: Partial<ApplicationComplete> = {}): ApplicationComplete {
  return homesteadApplication({
    head: {
      name: "李秀英",
      sex: "female",
      age: 52,
      phone: "13900139000",
      idNumber: idNumber("511424", "19740708", "246"),
      householdRegistrationPlace: "四川省眉山市丹棱县齐乐镇",
    },
    members: [
      { name: "陈大山", age: 55, relation: "spouse", idNumber: idNumber("511424", "19710202", "135") },
      { name: "陈小燕", age: 20, relation: "child", idNumber: idNumber("511424", "20060606", "028") },
    ],
    currentHomestead: { areaM2: 95, houseFloorAreaM2: 120, oldPlotDisposition: "keep" },
    ...overrides,
  });
}
