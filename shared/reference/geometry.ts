/**
 * Geometry for reference data: the grid cells a shape touches (the byGridCell
 * index), polygon area, and the checks an imported polygon must pass.
 *
 * Pure functions (Turf and ngeohash only), shared by the importer, the demo
 * county generator and the reference store.
 */
import { kinks } from "@turf/kinks";
import ngeohash from "ngeohash";
import type { PlotLocation } from "../schemas/application.ts";

export type Position = [number, number];
export type Polygon = Extract<PlotLocation, { type: "Polygon" }>;

/**
 * Geohash length of a grid cell: 7 characters are ≈ 153 m × 132 m at 30° N.
 * A homestead plot (a few hundred m²) then touches one to four cells, a parcel
 * of the demo county (≈ 45 m across) about two, and a cell holds ≈ 10 parcels:
 * the pre-check reads a few small partitions. Length 6 (1.2 km × 0.6 km) would
 * put ≈ 250 polygons in each partition; length 8 would index every parcel in
 * ≈ 10 cells. Changing it means re-importing every parcel.
 */
export const GRID_PRECISION = 7;

/** A plot covering more cells than this is not a homestead plot; the pre-check refuses it. */
export const MAX_PLOT_CELLS = 256;

export class PlotTooLargeError extends Error {
  override readonly name = "PlotTooLargeError";
}

export interface BBox {
  readonly west: number;
  readonly south: number;
  readonly east: number;
  readonly north: number;
}

export function bboxOf(location: PlotLocation): BBox {
  const positions = location.type === "Point" ? [location.coordinates] : location.coordinates.flat();
  let west = Number.POSITIVE_INFINITY;
  let south = Number.POSITIVE_INFINITY;
  let east = Number.NEGATIVE_INFINITY;
  let north = Number.NEGATIVE_INFINITY;
  for (const [lng, lat] of positions) {
    west = Math.min(west, lng);
    east = Math.max(east, lng);
    south = Math.min(south, lat);
    north = Math.max(north, lat);
  }
  return { west, south, east, north };
}

/**
 * The grid cells covering a shape's bounding box. Why the bounding box and not
 * the exact cells: if a plot and a parcel share a point p, the cell p encodes to
 * lies in both boxes' covers (geohash cells are monotonic in each axis), so a
 * plot's cells always meet every parcel it touches — no float-sensitive
 * cell/polygon test can lose a candidate. The exact Turf predicate runs after.
 */
export function gridCells(location: PlotLocation, precision: number = GRID_PRECISION): string[] {
  if (location.type === "Point") {
    const [lng, lat] = location.coordinates;
    return [ngeohash.encode(lat, lng, precision)];
  }
  const box = bboxOf(location);
  return [...new Set(ngeohash.bboxes(box.south, box.west, box.north, box.east, precision))].sort();
}

/** The cell rectangle as a closed GeoJSON polygon (tests and maps). */
export function cellPolygon(cell: string): Polygon {
  const [south, west, north, east] = ngeohash.decode_bbox(cell);
  return rectangle(west, south, east, north);
}

/** The rectangle between two longitudes and two latitudes, as a closed GeoJSON ring. */
export function rectangle(west: number, south: number, east: number, north: number): Polygon {
  return {
    type: "Polygon",
    coordinates: [
      [
        [west, south],
        [east, south],
        [east, north],
        [west, north],
        [west, south],
      ],
    ],
  };
}

// Spherical ring area as Turf's @turf/area computes it (Chamberlain & Duquette, JPL 2007),
// hand-written because @turf/area is not a dependency and the formula is ten lines.
const EARTH_RADIUS_M = 6_371_008.8;
const rad = (degrees: number) => (degrees * Math.PI) / 180;

function ringArea(ring: readonly Position[]): number {
  const n = ring.length;
  if (n < 3) return 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const lower = ring[i % n] as Position;
    const middle = ring[(i + 1) % n] as Position;
    const upper = ring[(i + 2) % n] as Position;
    total += (rad(upper[0]) - rad(lower[0])) * Math.sin(rad(middle[1]));
  }
  return Math.abs((total * EARTH_RADIUS_M * EARTH_RADIUS_M) / 2);
}

/** Area in m² (outer ring minus holes) on the WGS 84 mean sphere, like @turf/area. */
export function polygonAreaM2(polygon: Polygon): number {
  const [outer, ...holes] = polygon.coordinates;
  if (!outer) return 0;
  return Math.max(
    0,
    holes.reduce((area, hole) => area - ringArea(hole), ringArea(outer)),
  );
}

/** Declared survey areas may differ from the drawn polygon by this share before a row is refused. */
export const AREA_TOLERANCE = 0.1;

/** The area rule of the import: the declared area agrees with the polygon within AREA_TOLERANCE. */
export function areaAgrees(
  declaredM2: number,
  polygon: Polygon,
  tolerance: number = AREA_TOLERANCE,
): boolean {
  const drawn = polygonAreaM2(polygon);
  if (drawn === 0) return false;
  return Math.abs(declaredM2 - drawn) <= tolerance * drawn;
}

// Mainland China and its islands, as the application form's schema bounds a plot.
const CHINA = { lng: [73, 136], lat: [3, 54] } as const;
const inRange = (value: number, [min, max]: readonly [number, number]) => value >= min && value <= max;

export interface GeometryProblem {
  readonly reason: string;
}

/**
 * Why an imported polygon cannot be used, or [] when it can. Checked in order
 * and the first kind of problem wins, so a report line names the root cause
 * (swapped coordinates also fail the China range; say the former).
 */
export function polygonProblems(coordinates: readonly (readonly Position[])[]): string[] {
  if (coordinates.length === 0) return ["polygon has no rings"];
  for (const [index, ring] of coordinates.entries()) {
    if (ring.length < 4)
      return [`ring ${index} has ${ring.length} positions; a closed ring needs at least 4`];
    const first = ring[0] as Position;
    const last = ring[ring.length - 1] as Position;
    if (first[0] !== last[0] || first[1] !== last[1]) {
      return [`ring ${index} is not closed (first [${first.join(", ")}] ≠ last [${last.join(", ")}])`];
    }
  }
  const positions = coordinates.flat();
  const outside = positions.filter(([lng, lat]) => !inRange(lng, CHINA.lng) || !inRange(lat, CHINA.lat));
  if (outside.length > 0) {
    const swapped = outside.every(([a, b]) => inRange(a, CHINA.lat) && inRange(b, CHINA.lng));
    const sample = outside[0] as Position;
    return swapped
      ? [
          `coordinates look like [latitude, longitude] (e.g. [${sample.join(", ")}]); GeoJSON wants [longitude, latitude]`,
        ]
      : [`position [${sample.join(", ")}] lies outside China (longitude 73–136, latitude 3–54)`];
  }
  const polygon: Polygon = {
    type: "Polygon",
    coordinates: coordinates.map((ring) => ring.map(([lng, lat]) => [lng, lat] as Position)),
  };
  const crossings = kinks(polygon).features;
  if (crossings.length > 0) {
    const at = crossings[0]?.geometry.coordinates ?? [];
    return [
      `polygon intersects itself (${crossings.length} crossing(s), first at [${at.map((v) => Number(v.toFixed(7))).join(", ")}])`,
    ];
  }
  if (polygonAreaM2(polygon) === 0) return ["polygon has no area"];
  return [];
}
