import { describe, expect, it } from "vitest";
import { missingDocuments } from "#shared/documents/missing-documents.ts";
import { GUANGXI_CONTRAST_POLICY, SICHUAN_DEFAULT_POLICY } from "#shared/domain/policy/shipped-policies.ts";

const policy = SICHUAN_DEFAULT_POLICY;
const confirmed = (...types: string[]) => types.map((documentType) => ({ documentType }));
const allAlways = (kind: "homestead" | "farmhouse") =>
  policy.requiredDocuments[kind]
    .filter((requirement) => requirement.condition === "always")
    .flatMap((requirement) => Array.from({ length: requirement.minCount }, () => requirement.typeId));

describe("missingDocuments", () => {
  it("lists every unconditional requirement for a case with no documents, with names in both languages", () => {
    const missing = missingDocuments("homestead", policy, {}, []);
    expect(missing.map((entry) => entry.typeId)).toEqual(
      policy.requiredDocuments.homestead.filter((r) => r.condition === "always").map((r) => r.typeId),
    );
    expect(missing[0]).toMatchObject({
      needed: 1,
      have: 0,
      name: { zh: expect.any(String), en: expect.any(String) },
    });
  });

  it("returns nothing when every required document is confirmed", () => {
    expect(missingDocuments("homestead", policy, {}, confirmed(...allAlways("homestead")))).toEqual([]);
  });

  it("counts documents per type against minCount (farmhouse site photos need 2)", () => {
    const missing = missingDocuments(
      "farmhouse",
      policy,
      {},
      confirmed(...allAlways("farmhouse").slice(0, -1)),
    );
    expect(missing).toEqual([expect.objectContaining({ typeId: "site_photo", needed: 2, have: 1 })]);
  });

  it("adds documents that a pre-check flag brings in", () => {
    const documents = confirmed(...allAlways("homestead"));
    expect(missingDocuments("homestead", policy, { touchesForestLand: true }, documents)).toEqual([
      expect.objectContaining({ typeId: "forest_land_opinion", needed: 1, have: 0 }),
    ]);
    expect(missingDocuments("homestead", policy, { touchesForestLand: false }, documents)).toEqual([]);
  });

  it("ignores documents of types the policy does not ask for", () => {
    const missing = missingDocuments("farmhouse", policy, {}, confirmed("commitment_letter", "unknown"));
    expect(missing.map((entry) => entry.have)).toEqual(missing.map(() => 0));
  });

  it("follows the county policy, not constants", () => {
    const guangxi = missingDocuments("homestead", GUANGXI_CONTRAST_POLICY, {}, []).map(
      (entry) => entry.typeId,
    );
    expect(guangxi).toEqual(
      GUANGXI_CONTRAST_POLICY.requiredDocuments.homestead
        .filter((r) => r.condition === "always")
        .map((r) => r.typeId),
    );
  });
});
