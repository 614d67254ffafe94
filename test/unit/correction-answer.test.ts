import { describe, expect, it } from "vitest";
import { SICHUAN_DEFAULT_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import { unchangedByAnswer } from "#shared/review/correction.ts";

const asked = (fields: string[], documents: string[], requestedAt = "2026-01-02T00:00:00.000Z") => ({
  fields,
  documents,
  requestedAt,
});

describe("unchangedByAnswer", () => {
  it("names every asked field no changed path covers", () => {
    const result = unchangedByAnswer(
      [asked(["head.phone", "proposedPlot", "reason"], [])],
      ["proposedPlot.address", "reason"],
      [],
      SICHUAN_DEFAULT_POLICY,
    );
    expect(result).toEqual({ fields: ["head.phone"], documents: [] });
  });

  it("wants a confirmed document of each asked type, confirmed after the latest request asking for it", () => {
    const result = unchangedByAnswer(
      [asked([], ["id_card", "site_plan"]), asked([], ["site_plan"], "2026-01-05T00:00:00.000Z")],
      [],
      [
        { documentType: "id_card", status: "confirmed", confirmedAt: "2026-01-03T00:00:00.000Z" },
        // Confirmed after the first request but before the second one that asked again.
        { documentType: "site_plan", status: "confirmed", confirmedAt: "2026-01-04T00:00:00.000Z" },
        { documentType: "site_plan", status: "pending" },
      ],
      SICHUAN_DEFAULT_POLICY,
    );
    expect(result.fields).toEqual([]);
    expect(result.documents).toEqual([
      { typeId: "site_plan", zh: "宅基地位置及四至示意图", en: "Site plan with boundaries" },
    ]);
  });

  it("says nothing is unchanged when the answer covers all", () => {
    expect(
      unchangedByAnswer(
        [asked(["head"], ["id_card"])],
        ["head.phone"],
        [{ documentType: "id_card", status: "confirmed", confirmedAt: "2026-01-02T00:00:01.000Z" }],
        SICHUAN_DEFAULT_POLICY,
      ),
    ).toEqual({ fields: [], documents: [] });
  });
});
