/**
 * Valid example data for the domain unit tests. Each test copies and changes
 * only what its scenario is about.
 */
import { computeIdNumberCheckChar } from "#shared/domain/id-number.ts";
import type { ApplicationComplete } from "#shared/schemas/application.ts";
import type { OverlappingParcel, ReferenceFacts } from "#shared/schemas/precheck.ts";

/** Builds a valid ID number from its first 17 digits by appending the computed check character. */
export function idNumber(first17: string): string {
  return first17 + computeIdNumberCheckChar(first17);
}

export const HEAD_ID = idNumber("51142419900101123"); // male (17th digit odd)
export const SPOUSE_ID = idNumber("51142419921103556"); // female
export const CHILD_ID = idNumber("51142420101010004"); // female

/** A three-person household applying for a new plot in Danling (Sichuan default policy). */
export function validApplication(): ApplicationComplete {
  return {
    kind: "homestead",
    head: {
      name: "张伟",
      sex: "male",
      age: 35,
      phone: "13812345678",
      idNumber: HEAD_ID,
      householdRegistrationPlace: "四川省眉山市丹棱县齐乐镇龙鹄村3组",
    },
    members: [
      { name: "李娜", age: 33, relation: "spouse", idNumber: SPOUSE_ID },
      { name: "张小雨", age: 15, relation: "child", idNumber: CHILD_ID },
    ],
    proposedPlot: {
      houseLandAreaM2: 90,
      ancillaryLandAreaM2: 60,
      address: "丹棱县齐乐镇龙鹄村3组",
      boundaries: { east: "村道", south: "王某宅基地", west: "承包地", north: "沟渠" },
      location: { type: "Point", coordinates: [103.51, 30.01] },
      situation: "new_plot",
      landClass: "construction_land",
    },
    building: { floorAreaM2: 240, floors: 3, heightM: 10.5 },
    neighboursConsulted: true,
    reason: "分户后无宅基地，申请新建住房",
  };
}

export function parcel(overrides: Partial<OverlappingParcel> = {}): OverlappingParcel {
  return {
    parcelId: "P-001",
    landClass: "construction_land",
    permanentBasicFarmland: false,
    forestLand: false,
    waterProtectionZone: false,
    roadSetback: false,
    powerLine: false,
    ...overrides,
  };
}

export function validFacts(): ReferenceFacts {
  return {
    household: { householdId: "H-1", membersCount: 3, registrationVillageCode: "511424104201" },
    existingHomesteads: [],
    overlappingParcels: [parcel()],
    village: { villageCode: "511424104201", terrainClass: "plains", plotInsideConstructionBoundary: true },
  };
}
