import { describe, expect, it } from "vitest";
import { CASE_TABLE, keyAttributes } from "#shared/store/table-design.ts";

describe("case table design", () => {
  it("declares every key attribute once, as CreateTable requires", () => {
    const names = keyAttributes(CASE_TABLE).map((attribute) => attribute.name);
    expect(names).toEqual([
      "pk",
      "sk",
      "gsi1pk",
      "gsi1sk",
      "gsi2pk",
      "gsi2sk",
      "gsi3pk",
      "gsi3sk",
      "gsi4pk",
      "gsi4sk",
      "gsi5pk",
      "gsi5sk",
      "gsi6pk",
      "gsi6sk",
      "gsi7pk",
      "gsi7sk",
      "gsi8pk",
      "gsi8sk",
      "gsi9pk",
      "gsi9sk",
      "gsi10pk",
      "gsi10sk",
      "gsi11pk",
      "gsi11sk",
      "gsi12pk",
      "gsi12sk",
    ]);
    expect(new Set(names).size).toBe(names.length);
  });

  it("names every index after an access pattern", () => {
    for (const index of CASE_TABLE.globalSecondaryIndexes) expect(index.indexName).toMatch(/^by[A-Z]/);
  });
});
