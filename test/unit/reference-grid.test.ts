import fc from "fast-check";
import ngeohash from "ngeohash";
import { describe, expect, it } from "vitest";
import { parcelItems } from "#shared/reference/entities.ts";
import {
  areaAgrees,
  bboxOf,
  cellPolygon,
  GRID_PRECISION,
  gridCells,
  type Polygon,
  polygonAreaM2,
  polygonProblems,
  rectangle,
} from "#shared/reference/geometry.ts";
import type { PlotLocation } from "#shared/schemas/application.ts";
import { insideBoundary, overlappingParcels, type ParcelItem } from "#shared/store/reference-store.ts";

const parcel = (parcelId: string, polygon: Polygon, flags: Partial<ParcelItem> = {}): ParcelItem => ({
  parcelId,
  villageCode: "511424100010",
  landClass: "farmland",
  permanentBasicFarmland: false,
  forestLand: false,
  waterProtectionZone: false,
  roadSetback: false,
  powerLine: false,
  polygon,
  ...flags,
});

/** The pre-check's candidate search, in memory: parcels indexed under each cell, then the plot's cells. */
function viaGrid(plot: PlotLocation, parcels: readonly ParcelItem[]) {
  const index = new Map<string, ParcelItem[]>();
  for (const item of parcels) {
    for (const cell of gridCells(item.polygon)) index.set(cell, [...(index.get(cell) ?? []), item]);
  }
  const candidates = new Map<string, ParcelItem>();
  for (const cell of gridCells(plot))
    for (const item of index.get(cell) ?? []) candidates.set(item.parcelId, item);
  return overlappingParcels(plot, [...candidates.values()])
    .map((found) => found.parcelId)
    .sort();
}

// A cell corner near the hand-made demo villages: its west/south edges are exact cell borders.
const [S, W, N, E] = ngeohash.decode_bbox(ngeohash.encode(30.0021, 103.5021, GRID_PRECISION));

describe("grid-cell index (byGridCell)", () => {
  it("indexes a parcel inside one cell under that cell only", () => {
    const inner = rectangle(W + (E - W) * 0.2, S + (N - S) * 0.2, W + (E - W) * 0.6, S + (N - S) * 0.6);
    expect(gridCells(inner)).toEqual([ngeohash.encode(30.0021, 103.5021, GRID_PRECISION)]);
  });

  it("indexes a parcel straddling a cell corner in all four cells, as separate index items", () => {
    const dx = (E - W) * 0.1;
    const dy = (N - S) * 0.1;
    const straddling = rectangle(E - dx, N - dy, E + dx, N + dy);
    const cells = gridCells(straddling);
    expect(cells).toHaveLength(4);
    const { head, dependents } = parcelItems({
      ...parcel("P-corner", straddling),
      areaM2: polygonAreaM2(straddling),
    });
    expect(dependents.map((item) => item.gsi5pk).sort()).toEqual(cells.map((cell) => `GRID#${cell}`));
    expect(new Set(dependents.map((item) => item.sk)).size).toBe(4);
    expect(head.dependentSks).toEqual(dependents.map((item) => item.sk));
    expect(head).not.toHaveProperty("gsi5pk");
  });

  it("finds a parcel from a plot in the neighbouring cell when they only share the cell border", () => {
    const west = parcel("P-west", rectangle(W + (E - W) * 0.5, S + (N - S) * 0.4, E, S + (N - S) * 0.6));
    const plot = rectangle(E, S + (N - S) * 0.45, E + (E - W) * 0.3, S + (N - S) * 0.55);
    expect(gridCells(plot)).not.toEqual(gridCells(west.polygon));
    expect(viaGrid(plot, [west])).toEqual(["P-west"]);
  });

  it("a point on a cell border meets the parcels on both sides", () => {
    const left = parcel("P-left", rectangle(W, S, E, N));
    const right = parcel("P-right", rectangle(E, S, E + (E - W), N));
    const point: PlotLocation = { type: "Point", coordinates: [E, (S + N) / 2] };
    expect(viaGrid(point, [left, right])).toEqual(
      overlappingParcels(point, [left, right])
        .map((p) => p.parcelId)
        .sort(),
    );
  });

  it("cell polygons tile: the cell a point encodes to contains it", () => {
    const cell = ngeohash.encode(30.0021, 103.5021, GRID_PRECISION);
    expect(insideBoundary({ type: "Point", coordinates: [103.5021, 30.0021] }, cellPolygon(cell))).toBe(true);
  });
});

describe("plot geometry rules with hand-made polygons", () => {
  const boundary = rectangle(103.5, 30.0, 103.51, 30.01);

  it("a plot is inside the construction boundary only when wholly within it", () => {
    expect(insideBoundary(rectangle(103.501, 30.001, 103.502, 30.002), boundary)).toBe(true);
    expect(insideBoundary(rectangle(103.5095, 30.001, 103.5105, 30.002), boundary)).toBe(false);
    expect(insideBoundary(rectangle(103.52, 30.001, 103.521, 30.002), boundary)).toBe(false);
  });

  it("reports overlaps with their flags, and not parcels that are merely near", () => {
    const farmland = parcel("P-pbf", rectangle(103.501, 30.001, 103.503, 30.003), {
      permanentBasicFarmland: true,
    });
    const forest = parcel("P-forest", rectangle(103.503, 30.001, 103.505, 30.003), { forestLand: true });
    const far = parcel("P-far", rectangle(103.506, 30.001, 103.507, 30.003));
    const plot = rectangle(103.5025, 30.0015, 103.5035, 30.0025);
    const found = overlappingParcels(plot, [farmland, forest, far]);
    expect(found.map((item) => item.parcelId)).toEqual(["P-pbf", "P-forest"]);
    expect(found.map((item) => [item.permanentBasicFarmland, item.forestLand])).toEqual([
      [true, false],
      [false, true],
    ]);
  });
});

describe("polygon checks of the import", () => {
  it("refuses an unclosed ring", () => {
    expect(
      polygonProblems([
        [
          [103.5, 30],
          [103.51, 30],
          [103.51, 30.01],
          [103.5, 30.01],
        ],
      ]),
    ).toEqual(["ring 0 is not closed (first [103.5, 30] ≠ last [103.5, 30.01])"]);
  });

  it("refuses a self-intersecting ring (a bow tie)", () => {
    const [problem] = polygonProblems([
      [
        [103.5, 30],
        [103.51, 30.01],
        [103.51, 30],
        [103.5, 30.01],
        [103.5, 30],
      ],
    ]);
    expect(problem).toMatch(
      /^polygon intersects itself \(1 crossing\(s\), first at \[103\.505, 30\.005\]\)$/,
    );
  });

  it("names [latitude, longitude] order instead of only saying 'outside China'", () => {
    expect(
      polygonProblems([
        [
          [30, 103.5],
          [30, 103.51],
          [30.01, 103.51],
          [30, 103.5],
        ],
      ])[0],
    ).toMatch(/^coordinates look like \[latitude, longitude\]/);
    expect(
      polygonProblems([
        [
          [2.35, 48.85],
          [2.36, 48.85],
          [2.36, 48.86],
          [2.35, 48.85],
        ],
      ])[0],
    ).toMatch(/outside China/);
  });

  it("accepts a clean ring", () => {
    expect(polygonProblems(rectangle(103.5, 30, 103.51, 30.01).coordinates)).toEqual([]);
  });
});

// Properties over small rectangles and plots in one 0.01° square of Danling county.
const coordinate = (min: number) => fc.double({ min, max: min + 0.01, noNaN: true });
const box = (lng: number, lat: number) =>
  fc
    .tuple(
      coordinate(lng),
      coordinate(lat),
      fc.double({ min: 1e-5, max: 0.003, noNaN: true }),
      fc.double({ min: 1e-5, max: 0.003, noNaN: true }),
    )
    .map(([w, s, width, height]) => rectangle(w, s, w + width, s + height));

describe("area rule (property)", () => {
  it("is independent of where the ring starts and of its orientation", () => {
    fc.assert(
      fc.property(box(103.4, 29.9), fc.nat(3), (polygon, shift) => {
        const ring = polygon.coordinates[0]?.slice(0, 4) ?? [];
        const rotated = [...ring.slice(shift), ...ring.slice(0, shift)];
        const closed = (positions: typeof ring): Polygon => ({
          type: "Polygon",
          coordinates: [[...positions, positions[0] as (typeof ring)[number]]],
        });
        const area = polygonAreaM2(polygon);
        expect(polygonAreaM2(closed(rotated))).toBeCloseTo(area, 6);
        expect(polygonAreaM2(closed([...rotated].reverse()))).toBeCloseTo(area, 6);
      }),
    );
  });

  it("adds up: two rectangles sharing an edge have the area of their union", () => {
    fc.assert(
      fc.property(box(103.4, 29.9), fc.double({ min: 0.1, max: 0.9, noNaN: true }), (polygon, split) => {
        const { west: w, south: s, east: e, north: n } = bboxOf(polygon);
        const middle = w + (e - w) * split;
        const sum = polygonAreaM2(rectangle(w, s, middle, n)) + polygonAreaM2(rectangle(middle, s, e, n));
        expect(Math.abs(sum - polygonAreaM2(polygon))).toBeLessThan(1e-6 * polygonAreaM2(polygon) + 1e-6);
      }),
    );
  });

  it("agrees with a flat-earth estimate for small plots, and accepts the declared area within 10 % only", () => {
    fc.assert(
      fc.property(box(103.4, 29.9), fc.double({ min: 0.5, max: 1.5, noNaN: true }), (polygon, factor) => {
        const { west: w, south: s, east: e, north: n } = bboxOf(polygon);
        const metresPerDegree = (2 * Math.PI * 6_371_008.8) / 360;
        const flat =
          (e - w) * metresPerDegree * Math.cos((((s + n) / 2) * Math.PI) / 180) * (n - s) * metresPerDegree;
        const area = polygonAreaM2(polygon);
        expect(Math.abs(area - flat) / flat).toBeLessThan(0.001);
        const declared = area * factor;
        expect(areaAgrees(declared, polygon)).toBe(Math.abs(declared - area) <= 0.1 * area);
      }),
    );
  });
});

describe("overlap rule through the grid (property)", () => {
  it("finds exactly the parcels a brute-force search over every parcel finds", () => {
    const located = fc.oneof(
      box(103.5, 30.0).map((polygon): PlotLocation => polygon),
      fc
        .tuple(coordinate(103.5), coordinate(30.0))
        .map(([lng, lat]): PlotLocation => ({ type: "Point", coordinates: [lng, lat] })),
    );
    fc.assert(
      fc.property(fc.array(box(103.5, 30.0), { minLength: 1, maxLength: 25 }), located, (polygons, plot) => {
        const parcels = polygons.map((polygon, index) => parcel(`P-${index}`, polygon));
        const brute = overlappingParcels(plot, parcels)
          .map((found) => found.parcelId)
          .sort();
        expect(viaGrid(plot, parcels)).toEqual(brute);
      }),
      { numRuns: 300 },
    );
  });
});
