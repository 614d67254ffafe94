/**
 * Example data for every test and bench: valid ID numbers, the one
 * application builder (the demo villager's form, changed by overrides; other
 * households are override sets) and the pre-check's reference facts. Each test
 * copies and changes only what its scenario is about: the builder returns a
 * fresh deep copy, so a test may mutate it.
 */
import { computeIdNumberCheckChar } from "#shared/domain/id-number.ts";
import type { ApplicationComplete } from "#shared/schemas/application.ts";
import type { CaseRecord, StepRecord } from "#shared/schemas/case.ts";
import type { OverlappingParcel, ReferenceFacts } from "#shared/schemas/precheck.ts";

/** A valid 18-digit ID number (GB 11643 check character computed) for a region, birth date and serial. */
export function idNumber(region: string, birth: string, serial: string): string {
  const first17 = `${region}${birth}${serial}`;
  return `${first17}${computeIdNumberCheckChar(first17)}`;
}

/** Fields to change; a field given as `undefined` is left out of the application. */
export type ApplicationOverrides = { [K in keyof ApplicationComplete]?: ApplicationComplete[K] | undefined };

/**
 * A complete homestead application: by default the demo villager 王建国's
 * (household 511424100001-H0001 of the seeded register), who will return his
 * old plot; `overrides` replace whole top-level fields (see the household
 * override sets below).
 */
export function homesteadApplication(overrides: ApplicationOverrides = {}): ApplicationComplete {
  const application: Record<string, unknown> = {
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
  };
  for (const [field, value] of Object.entries(overrides)) {
    if (value === undefined) delete application[field];
    else application[field] = value;
  }
  return structuredClone(application) as unknown as ApplicationComplete;
}

/** 李秀英's household (511424100001-H0002): it keeps its old plot, so it may rebuild but not get a new homestead. */
export const LI_HOUSEHOLD = {
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
} satisfies ApplicationOverrides;

export const ZHANG_HEAD_ID = idNumber("511424", "19900101", "123"); // male (17th digit odd)
export const ZHANG_SPOUSE_ID = idNumber("511424", "19921103", "556"); // female
export const ZHANG_CHILD_ID = idNumber("511424", "20101010", "004"); // female

/**
 * 张伟's household of three in Danling: newly split off (分户), it holds no
 * plot and asks for a new one of exactly the plains ceiling (90 m² house land
 * for three under the Sichuan default policy). Not in the seeded register:
 * for unit tests and for cases seeded straight into the table.
 */
export const ZHANG_HOUSEHOLD = {
  head: {
    name: "张伟",
    sex: "male",
    age: 35,
    phone: "13812345678",
    idNumber: ZHANG_HEAD_ID,
    householdRegistrationPlace: "四川省眉山市丹棱县齐乐镇龙鹄村3组",
  },
  members: [
    { name: "李娜", age: 33, relation: "spouse", idNumber: ZHANG_SPOUSE_ID },
    { name: "张小雨", age: 15, relation: "child", idNumber: ZHANG_CHILD_ID },
  ],
  currentHomestead: undefined,
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
  reason: "分户后无宅基地，申请新建住房",
} satisfies ApplicationOverrides;

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

/** The reference facts of ZHANG_HOUSEHOLD's village: no homestead, one construction-land parcel, plains. */
export function validFacts(): ReferenceFacts {
  return {
    household: { householdId: "H-1", membersCount: 3, registrationVillageCode: "511424104201" },
    existingHomesteads: [],
    overlappingParcels: [parcel()],
    village: { villageCode: "511424104201", terrainClass: "plains", plotInsideConstructionBoundary: true },
  };
}

/** When the records below were made and last changed. */
export const RECORD_AT = "2026-12-01T08:00:00.000Z";

/**
 * A case record as the store keeps it: ZHANG_HOUSEHOLD's homestead case in
 * village 511424100001, in village review. `overrides` replace whole fields.
 */
export function caseRecord(overrides: Partial<CaseRecord> = {}): CaseRecord {
  return {
    caseId: "c1",
    kind: "homestead",
    status: "in_village_review",
    householdId: "h1",
    ownerId: "v1",
    townshipCode: "511424100",
    villageCode: "511424100001",
    policyId: "sichuan-default",
    application: homesteadApplication(ZHANG_HOUSEHOLD),
    createdAt: RECORD_AT,
    updatedAt: RECORD_AT,
    eventSeq: 3,
    eventHead: "0".repeat(64),
    ...overrides,
  };
}

/** The open village review of caseRecord()'s case, not overdue. `overrides` replace whole fields. */
export function stepRecord(overrides: Partial<StepRecord> = {}): StepRecord {
  return {
    caseId: "c1",
    stepId: "village_review#1",
    step: "village_review",
    round: 1,
    status: "awaiting_response",
    townshipCode: "511424100",
    openedAt: RECORD_AT,
    overdue: false,
    ...overrides,
  };
}

/** What CaseStore.create takes for a new case. */
export type NewCase = Omit<CaseRecord, "status" | "createdAt" | "updatedAt" | "eventSeq" | "eventHead">;

/**
 * A new homestead draft of 王建国's household (villager-wang, 511424100001-H0001
 * in the demo register), as CaseStore.create takes it. `overrides` replace whole fields.
 */
export function newCaseFields(caseId: string, overrides: Partial<NewCase> = {}): NewCase {
  return {
    caseId,
    kind: "homestead",
    householdId: "511424100001-H0001",
    ownerId: "villager-wang",
    townshipCode: "511424100",
    villageCode: "511424100001",
    policyId: "sichuan-default",
    application: { kind: "homestead" },
    ...overrides,
  };
}
