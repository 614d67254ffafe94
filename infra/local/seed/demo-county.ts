/**
 * A deterministic demo county the size of Danling (丹棱县): 8 townships, 70
 * villages, ≈ 50,000 households, ≈ 48,000 homesteads, ≈ 151,000 parcels and
 * the villages' construction boundaries — ≈ 250,000 records — written as the
 * CSV and GeoJSON files the importer reads. Fictitious: nothing here is
 * survey data.
 *
 * Geography: village blocks on a 10 × 7 grid west of and below the hand-made
 * demo villages (infra/local/seed/reference.json, near 103.5° E 30.0° N), so
 * the two sets never overlap. Parcels tile each block as quadrilaterals on a
 * jittered lattice shared by neighbours (no gaps, no overlaps, no
 * self-intersections). Land classes follow terrain (mountains in the west,
 * plains in the east): construction land around each village centre (inside
 * its construction boundary), farmland mostly permanent basic farmland
 * further out, forest land (farmland with the forest flag, 农用地 includes
 * 林地), some unused land; a river band (water protection zone), a road
 * (setback) and a power line cross every village.
 *
 * The same seed gives the same files, byte for byte.
 */
import { createHmac } from "node:crypto";
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { csvField } from "#shared/audit/csv.ts";
import type { ReferenceType } from "#shared/reference/entities.ts";
import { type Polygon, type Position, polygonAreaM2 } from "#shared/reference/geometry.ts";
import { mulberry32 } from "./prng.ts";

export interface DemoCountyOptions {
  readonly seed?: number;
  /** Generate only the first n villages (the quick-start slice); all 70 when absent. */
  readonly villages?: number;
}

export interface GeneratedFile {
  readonly type: ReferenceType;
  readonly file: string;
  readonly rows: number;
}

/** In the order they must be imported (villages before their parcels, households before homesteads). */
export interface DemoCountyManifest {
  readonly files: readonly GeneratedFile[];
  readonly records: number;
}

export const COUNTY_CODE = "511424";
const TOWNSHIPS = [
  ["丹棱镇", "Danling Town"],
  ["杨场镇", "Yangchang Town"],
  ["仁美镇", "Renmei Town"],
  ["张场镇", "Zhangchang Town"],
  ["双桥镇", "Shuangqiao Town"],
  ["石桥乡", "Shiqiao Township"],
  ["顺龙乡", "Shunlong Township"],
  ["齐乐镇", "Qile Town"],
] as const;
const VILLAGE_NAME_PARTS = [
  "龙",
  "凤",
  "梅",
  "竹",
  "松",
  "桥",
  "河",
  "山",
  "田",
  "花",
  "石",
  "泉",
  "云",
  "林",
];
const VILLAGE_COUNT = 70;
const GRID_COLUMNS = 10;
/** Parcels per village block: 46 columns × 47 rows. */
const LATTICE = { columns: 46, rows: 47 } as const;
/** Lattice step in degrees: ≈ 43 m × 44 m at 29.9° N. */
const STEP = { lng: 0.00045, lat: 0.0004 } as const;
const ORIGIN = { lng: 103.26, lat: 29.8 } as const;
const JITTER = 0.2;

/** A stable number in [0, 1) for a lattice point, so neighbouring parcels share their corners. */
function hash01(seed: number, x: number, y: number, salt: number): number {
  let h = (seed ^ Math.imul(x, 0x27d4eb2d) ^ Math.imul(y, 0x165667b1) ^ Math.imul(salt, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

const round7 = (value: number) => Math.round(value * 1e7) / 1e7;

function latticePoint(seed: number, gx: number, gy: number): Position {
  const jx = (hash01(seed, gx, gy, 1) - 0.5) * 2 * JITTER;
  const jy = (hash01(seed, gx, gy, 2) - 0.5) * 2 * JITTER;
  return [round7(ORIGIN.lng + (gx + jx) * STEP.lng), round7(ORIGIN.lat + (gy + jy) * STEP.lat)];
}

function pick<T>(random: () => number, weighted: readonly (readonly [T, number])[]): T {
  const total = weighted.reduce((sum, [, weight]) => sum + weight, 0);
  let at = random() * total;
  for (const [value, weight] of weighted) {
    at -= weight;
    if (at < 0) return value;
  }
  return (weighted[weighted.length - 1] as readonly [T, number])[0];
}

class Output {
  private readonly stream: WriteStream;
  rows = 0;
  constructor(readonly file: string) {
    this.stream = createWriteStream(file);
  }
  async write(text: string): Promise<void> {
    if (!this.stream.write(text)) await once(this.stream, "drain");
  }
  async row(cells: readonly (string | number | boolean | undefined)[]): Promise<void> {
    this.rows++;
    await this.write(`${cells.map(csvField).join(",")}\n`);
  }
  async feature(properties: Record<string, unknown>, polygon: Polygon, last: boolean): Promise<void> {
    this.rows++;
    await this.write(
      `${JSON.stringify({ type: "Feature", properties, geometry: polygon })}${last ? "" : ","}\n`,
    );
  }
  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, "finish");
  }
}

const TERRAIN_MIX = {
  // [construction outside the core, farmland, forest, unused]
  plains: { farmland: 0.82, forest: 0.08, unused: 0.05, construction: 0.05 },
  hills: { farmland: 0.6, forest: 0.3, unused: 0.06, construction: 0.04 },
  mountains: { farmland: 0.35, forest: 0.57, unused: 0.06, construction: 0.02 },
} as const;

export async function generateDemoCounty(
  directory: string,
  options: DemoCountyOptions = {},
): Promise<DemoCountyManifest> {
  const seed = options.seed ?? 20_200_801;
  const random = mulberry32(seed);
  const villageCount = Math.min(options.villages ?? VILLAGE_COUNT, VILLAGE_COUNT);
  await mkdir(directory, { recursive: true });
  const out = {
    township: new Output(path.join(directory, "townships.csv")),
    village: new Output(path.join(directory, "villages.csv")),
    boundary: new Output(path.join(directory, "boundaries.geojson")),
    parcel: new Output(path.join(directory, "parcels.geojson")),
    household: new Output(path.join(directory, "households.csv")),
    homestead: new Output(path.join(directory, "homesteads.csv")),
  };
  await out.township.write("townshipCode,nameZh,nameEn\n");
  await out.village.write("villageCode,townshipCode,nameZh,nameEn,terrainClass\n");
  await out.household.write("householdId,headIdHash,membersCount,registrationVillageCode\n");
  await out.homestead.write(
    "homesteadId,householdId,parcelId,areaM2,titleCertificateNo,status,willBeReturned\n",
  );
  const collection = '{"type":"FeatureCollection","features":[\n';
  await out.boundary.write(collection);
  await out.parcel.write(collection);

  const townshipOf = (index: number) => Math.floor((index * TOWNSHIPS.length) / VILLAGE_COUNT);
  const townshipsUsed = townshipOf(villageCount - 1) + 1;
  for (let t = 0; t < townshipsUsed; t++) {
    const [zh, en] = TOWNSHIPS[t] as (typeof TOWNSHIPS)[number];
    await out.township.row([`${COUNTY_CODE}${100 + t}`, zh, en]);
  }

  let certificate = 0;
  for (let v = 0; v < villageCount; v++) {
    const t = townshipOf(v);
    const townshipCode = `${COUNTY_CODE}${100 + t}`;
    const firstOfTownship =
      VILLAGE_COUNT - [...Array(VILLAGE_COUNT).keys()].filter((i) => townshipOf(i) >= t).length;
    // Village numbers from 010 up: 001–009 stay free for hand-made demo villages.
    const villageCode = `${townshipCode}${String(10 + v - firstOfTownship).padStart(3, "0")}`;
    const blockColumn = v % GRID_COLUMNS;
    const blockRow = Math.floor(v / GRID_COLUMNS);
    const terrain = blockColumn < 3 ? "mountains" : blockColumn < 7 ? "hills" : "plains";
    const nameZh = `${VILLAGE_NAME_PARTS[v % VILLAGE_NAME_PARTS.length]}${VILLAGE_NAME_PARTS[(v * 5 + 3) % VILLAGE_NAME_PARTS.length]}村`;
    await out.village.row([villageCode, townshipCode, nameZh, `Village ${villageCode.slice(-5)}`, terrain]);

    // Construction boundary: a 16-gon around the village centre.
    const x0 = blockColumn * LATTICE.columns;
    const y0 = blockRow * LATTICE.rows;
    const centre: Position = [
      ORIGIN.lng + (x0 + LATTICE.columns / 2) * STEP.lng,
      ORIGIN.lat + (y0 + LATTICE.rows / 2) * STEP.lat,
    ];
    const core = 0.33;
    const ring: Position[] = [];
    for (let k = 0; k < 16; k++) {
      const angle = (2 * Math.PI * k) / 16;
      const r = core * (1.05 + 0.1 * hash01(seed, v, k, 7));
      ring.push([
        round7(centre[0] + Math.cos(angle) * r * (LATTICE.columns / 2) * STEP.lng),
        round7(centre[1] + Math.sin(angle) * r * (LATTICE.rows / 2) * STEP.lat),
      ]);
    }
    ring.push(ring[0] as Position);
    await out.boundary.feature(
      { villageCode },
      { type: "Polygon", coordinates: [ring] },
      v === villageCount - 1,
    );

    // Parcels.
    const mix = TERRAIN_MIX[terrain];
    const riverPhase = hash01(seed, v, 0, 11) * Math.PI * 2;
    const constructionParcels: string[] = [];
    let parcelNo = 0;
    for (let r = 0; r < LATTICE.rows; r++) {
      for (let c = 0; c < LATTICE.columns; c++) {
        parcelNo++;
        const gx = x0 + c;
        const gy = y0 + r;
        const corners = [
          latticePoint(seed, gx, gy),
          latticePoint(seed, gx + 1, gy),
          latticePoint(seed, gx + 1, gy + 1),
          latticePoint(seed, gx, gy + 1),
        ];
        const polygon: Polygon = { type: "Polygon", coordinates: [[...corners, corners[0] as Position]] };
        const dx = (c + 0.5 - LATTICE.columns / 2) / (LATTICE.columns / 2);
        const dy = (r + 0.5 - LATTICE.rows / 2) / (LATTICE.rows / 2);
        const inCore = Math.hypot(dx, dy) < core;
        const landUse = inCore
          ? pick(random, [
              ["construction", 0.85],
              ["farmland", 0.1],
              ["unused", 0.05],
            ] as const)
          : pick(random, [
              ["farmland", mix.farmland],
              ["forest", mix.forest],
              ["unused", mix.unused],
              ["construction", mix.construction],
            ] as const);
        const riverY = 0.55 * Math.sin(dx * 2.2 + riverPhase);
        const parcelId = `${villageCode}-P${String(parcelNo).padStart(5, "0")}`;
        const farmland = landUse === "farmland" || landUse === "forest";
        if (landUse === "construction") constructionParcels.push(parcelId);
        const drawn = polygonAreaM2(polygon);
        await out.parcel.feature(
          {
            parcelId,
            villageCode,
            landClass: farmland
              ? "farmland"
              : landUse === "construction"
                ? "construction_land"
                : "unused_land",
            // A survey differs from the drawing by up to ±2 %.
            areaM2: Math.round(drawn * (0.98 + 0.04 * random()) * 100) / 100,
            ...(landUse === "farmland"
              ? { cropland: random() < 0.9 }
              : landUse === "forest"
                ? { cropland: false }
                : {}),
            permanentBasicFarmland:
              landUse === "farmland" && !inCore && Math.hypot(dx, dy) > 0.45 && random() < 0.8,
            forestLand: landUse === "forest",
            waterProtectionZone: Math.abs(dy - riverY) < 0.05,
            roadSetback: Math.abs(dy) < 0.03,
            powerLine: Math.abs(dx - dy * 0.6 - 0.2) < 0.03,
          },
          polygon,
          v === villageCount - 1 && r === LATTICE.rows - 1 && c === LATTICE.columns - 1,
        );
      }
    }

    // Households and their homesteads on the village's construction land.
    const households = 650 + Math.floor(random() * 130);
    for (let h = 1; h <= households; h++) {
      const householdId = `${villageCode}-H${String(h).padStart(4, "0")}`;
      // Keyed hash of a fictitious ID number, as the exporting bureau would send it.
      const headIdHash = createHmac("sha256", `demo-county-${seed}`)
        .update(`${householdId}/head`)
        .digest("hex");
      const members = pick(random, [
        [1, 8],
        [2, 17],
        [3, 25],
        [4, 22],
        [5, 15],
        [6, 8],
        [7, 5],
      ] as const);
      await out.household.row([householdId, headIdHash, members, villageCode]);
      const plots = pick(random, [
        [0, 7],
        [1, 89],
        [2, 4],
      ] as const);
      for (let p = 1; p <= plots; p++) {
        const status = pick(random, [
          ["in_use", 88],
          ["approved_unbuilt", 4],
          ["returned", 5],
          ["transferred", 3],
        ] as const);
        const parcelId =
          constructionParcels.length > 0
            ? constructionParcels[(h * 7 + p) % constructionParcels.length]
            : undefined;
        certificate++;
        await out.homestead.row([
          `ZJD-${householdId}-${p}`,
          householdId,
          parcelId,
          Math.round((80 + random() * 140) * 100) / 100,
          status === "approved_unbuilt"
            ? undefined
            : `川(2019)丹棱县不动产权第${String(certificate).padStart(7, "0")}号`,
          status,
          status === "in_use" && random() < 0.1,
        ]);
      }
    }
  }
  await out.boundary.write("]}\n");
  await out.parcel.write("]}\n");
  await Promise.all(Object.values(out).map((output) => output.close()));
  const files: GeneratedFile[] = (
    ["township", "village", "boundary", "household", "homestead", "parcel"] as const
  ).map((type) => ({ type, file: out[type].file, rows: out[type].rows }));
  return { files, records: files.reduce((sum, file) => sum + file.rows, 0) };
}
