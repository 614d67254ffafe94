import { describe, expect, it } from "vitest";
import { referenceItems } from "#infra/local/seed.ts";
import { rectangle } from "#shared/reference/geometry.ts";
import type { PlotLocation } from "#shared/schemas/application.ts";
import { insideBoundary, overlappingParcels, parcelItemSchema } from "#shared/store/reference-store.ts";

const boundary = rectangle(103.5, 30.0, 103.51, 30.01) as Extract<PlotLocation, { type: "Polygon" }>;
const parcels = referenceItems()
  .filter((item) => String(item.sk).startsWith("PARCEL#") && item.villageCode === "511424100001")
  .map(({ pk: _pk, sk: _sk, type: _type, ...item }) => parcelItemSchema.parse(item));

describe("plot geometry against the reference layers", () => {
  it("counts a point inside the boundary, and a polygon only when wholly within it", () => {
    expect(insideBoundary({ type: "Point", coordinates: [103.502, 30.002] }, boundary)).toBe(true);
    expect(insideBoundary({ type: "Point", coordinates: [103.52, 30.002] }, boundary)).toBe(false);
    expect(insideBoundary(rectangle(103.501, 30.001, 103.502, 30.002), boundary)).toBe(true);
    expect(insideBoundary(rectangle(103.509, 30.001, 103.511, 30.002), boundary)).toBe(false);
  });

  it("finds the parcel a point lies in", () => {
    const found = overlappingParcels({ type: "Point", coordinates: [103.506, 30.002] }, parcels);
    expect(found.map((parcel) => parcel.parcelId)).toEqual(["P-511424100001-03"]);
    expect(found[0]?.permanentBasicFarmland).toBe(true);
  });

  it("counts a parcel a polygon only touches (forest land along its edge)", () => {
    const found = overlappingParcels(rectangle(103.5015, 30.0025, 103.5025, 30.003), parcels);
    expect(found.map((parcel) => parcel.parcelId).sort()).toEqual(["P-511424100001-01", "P-511424100001-04"]);
    expect(found.some((parcel) => parcel.forestLand)).toBe(true);
  });

  it("ships a demo set whose households match the demo villagers", () => {
    const households = referenceItems()
      .filter((item) => item.type === "household")
      .map((item) => item.householdId);
    expect(households).toEqual(
      expect.arrayContaining(["511424100001-H0001", "511424100001-H0002", "511424101001-H0001"]),
    );
  });
});
