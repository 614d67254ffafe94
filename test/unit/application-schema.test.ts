import { describe, expect, it } from "vitest";
import { applicationCompleteSchema, validateApplication } from "#shared/schemas/application.ts";
import { type FieldError, MESSAGES, toFieldErrors } from "#shared/schemas/messages.ts";
import {
  homesteadApplication,
  idNumber,
  ZHANG_CHILD_ID,
  ZHANG_HEAD_ID,
  ZHANG_HOUSEHOLD,
} from "../support/fixtures.ts";

const CJK = /[\u4e00-\u9fff]/;

function errorsFor(input: unknown, stage: "draft" | "complete" = "complete"): FieldError[] {
  const result =
    stage === "draft" ? validateApplication(input, "draft") : validateApplication(input, "complete");
  if (result.success) throw new Error("expected validation to fail");
  return result.errors;
}

function expectBilingual(errors: readonly FieldError[]): void {
  expect(errors.length).toBeGreaterThan(0);
  for (const error of errors) {
    expect(error.zh).toMatch(CJK);
    expect(error.en).toMatch(/[A-Za-z]/);
    expect(MESSAGES[error.code]).toBeDefined();
  }
}

describe("message catalogue", () => {
  it("has a Chinese and an English text for every code", () => {
    for (const [code, text] of Object.entries(MESSAGES)) {
      expect(text.zh, code).toMatch(CJK);
      expect(text.en, code).toMatch(/^[A-Z]/);
    }
  });
});

describe("complete application schema", () => {
  it("accepts a complete homestead application", () => {
    expect(validateApplication(homesteadApplication(ZHANG_HOUSEHOLD), "complete").success).toBe(true);
  });

  it("normalises a lower-case x and a +86 phone prefix", () => {
    const application = homesteadApplication(ZHANG_HOUSEHOLD);
    application.members = [];
    application.head = {
      ...application.head,
      sex: "female",
      idNumber: "11010519491231002x",
      phone: "+86 138 1234 5678",
    };
    const result = validateApplication(application, "complete");
    expect(result.success && result.data.head).toMatchObject({
      idNumber: "11010519491231002X",
      phone: "13812345678",
    });
  });

  it("reports every missing required field with path, code and both languages", () => {
    const errors = errorsFor({});
    expectBilingual(errors);
    expect(errors.map((error) => error.path)).toEqual(
      expect.arrayContaining(["kind", "head", "proposedPlot", "building", "neighboursConsulted", "reason"]),
    );
    expect(errors.every((error) => error.code === "required")).toBe(true);
    // A household of one lists no members: absent members are none, not missing.
    expect(errors.map((error) => error.path)).not.toContain("members");
  });

  it("reports the head's ID number checksum error at head.idNumber", () => {
    const application = homesteadApplication(ZHANG_HOUSEHOLD);
    application.head.idNumber = `${ZHANG_HEAD_ID.slice(0, 17)}${ZHANG_HEAD_ID.endsWith("0") ? "1" : "0"}`;
    const errors = errorsFor(application);
    expect(errors).toEqual([
      {
        path: "head.idNumber",
        code: "id_number.checksum",
        zh: MESSAGES["id_number.checksum"].zh,
        en: MESSAGES["id_number.checksum"].en,
      },
    ]);
  });

  it.each([
    ["bad birth date", idNumber("511424", "19900230", "123"), "id_number.birth_date"],
    ["format", "5114241990", "id_number.format"],
  ] as const)("reports a member's ID number %s", (_label, value, code) => {
    const application = homesteadApplication(ZHANG_HOUSEHOLD);
    const member = application.members[1];
    if (!member) throw new Error("fixture has two members");
    member.idNumber = value;
    const errors = errorsFor(application);
    expect(errors.map((error) => [error.path, error.code])).toEqual([["members.1.idNumber", code]]);
    expectBilingual(errors);
  });

  it("rejects a phone number that is not a mainland mobile", () => {
    const application = homesteadApplication(ZHANG_HOUSEHOLD);
    application.head.phone = "028-8765-4321";
    expect(errorsFor(application).map((error) => [error.path, error.code])).toEqual([
      ["head.phone", "phone.mobile"],
    ]);
  });

  it("requires an adult head of household", () => {
    const application = homesteadApplication(ZHANG_HOUSEHOLD);
    application.head.age = 16;
    expect(errorsFor(application).map((error) => error.code)).toEqual(["head.adult"]);
  });

  it("rejects a sex that contradicts the head's ID number", () => {
    const application = homesteadApplication(ZHANG_HOUSEHOLD);
    application.head.sex = "female";
    expect(errorsFor(application).map((error) => [error.path, error.code])).toEqual([
      ["head.sex", "id_number.sex_mismatch"],
    ]);
  });

  it("rejects the same ID number twice in one household", () => {
    const application = homesteadApplication(ZHANG_HOUSEHOLD);
    application.members.push({ name: "张小雨", age: 15, relation: "child", idNumber: ZHANG_CHILD_ID });
    expect(errorsFor(application).map((error) => [error.path, error.code])).toEqual([
      ["members.2.idNumber", "id_number.duplicate"],
    ]);
  });

  it("interpolates bounds into too-small messages", () => {
    const application = homesteadApplication(ZHANG_HOUSEHOLD);
    application.proposedPlot.ancillaryLandAreaM2 = -5;
    const [error] = errorsFor(application);
    expect(error).toMatchObject({ path: "proposedPlot.ancillaryLandAreaM2", code: "too_small" });
    expect(error?.zh).toContain("0");
    expect(error?.en).toBe("Must be at least 0");
  });

  it("rejects swapped longitude and latitude as outside China", () => {
    const application = homesteadApplication(ZHANG_HOUSEHOLD);
    application.proposedPlot.location = { type: "Point", coordinates: [30.01, 103.51] };
    const errors = errorsFor(application);
    expect(new Set(errors.map((error) => error.code))).toEqual(new Set(["location.outside_china"]));
  });

  it("accepts a closed GeoJSON polygon and rejects an open one", () => {
    const ring: [number, number][] = [
      [103.51, 30.01],
      [103.5102, 30.01],
      [103.5102, 30.0102],
      [103.51, 30.01],
    ];
    const application = homesteadApplication(ZHANG_HOUSEHOLD);
    application.proposedPlot.location = { type: "Polygon", coordinates: [ring] };
    expect(validateApplication(application, "complete").success).toBe(true);

    application.proposedPlot.location = {
      type: "Polygon",
      coordinates: [[...ring.slice(0, 3), [103.5, 30.0102]]],
    };
    expect(errorsFor(application).map((error) => [error.path, error.code])).toEqual([
      ["proposedPlot.location.coordinates.0", "location.ring_not_closed"],
    ]);
  });

  it("requires a farmhouse case to rebuild on the old plot, with the current homestead filled in", () => {
    const application = homesteadApplication(ZHANG_HOUSEHOLD);
    application.kind = "farmhouse";
    const errors = errorsFor(application);
    expect(errors.map((error) => [error.path, error.code])).toEqual([
      ["proposedPlot.situation", "situation.farmhouse_rebuild_only"],
    ]);

    application.proposedPlot.situation = "rebuild_on_old_plot";
    expect(errorsFor(application).map((error) => [error.path, error.code])).toEqual([
      ["currentHomestead", "current_homestead.required"],
    ]);

    application.currentHomestead = { areaM2: 120, houseFloorAreaM2: 160, oldPlotDisposition: "keep" };
    expect(validateApplication(application, "complete").success).toBe(true);
  });

  it("asks for a note when the old plot's disposition is 'other'", () => {
    const application = homesteadApplication(ZHANG_HOUSEHOLD);
    application.currentHomestead = { areaM2: 120, houseFloorAreaM2: 160, oldPlotDisposition: "other" };
    expect(errorsFor(application).map((error) => [error.path, error.code])).toEqual([
      ["currentHomestead.oldPlotDispositionNote", "old_plot.note_required"],
    ]);
  });

  it.each([
    [
      "an unknown enum value",
      (a: Record<string, unknown>) => Object.assign(a, { kind: "castle" }),
      "invalid_option",
    ],
    [
      "a non-integer floor count",
      (a: Record<string, unknown>) =>
        Object.assign(a, { building: { floorAreaM2: 200, floors: 2.5, heightM: 9 } }),
      "not_integer",
    ],
    [
      "an unknown field",
      (a: Record<string, unknown>) => Object.assign(a, { villageOpinion: "同意" }),
      "unknown_field",
    ],
    ["a blank reason", (a: Record<string, unknown>) => Object.assign(a, { reason: "   " }), "required"],
    [
      "a too long reason",
      (a: Record<string, unknown>) => Object.assign(a, { reason: "长".repeat(501) }),
      "too_long",
    ],
  ])("gives bilingual messages for %s", (_label, mutate, code) => {
    const errors = errorsFor(mutate(homesteadApplication(ZHANG_HOUSEHOLD)));
    expect(errors.map((error) => error.code)).toEqual([code]);
    expectBilingual(errors);
  });

  it("maps issues from a parse without the code error map too", () => {
    const result = applicationCompleteSchema.safeParse({
      ...homesteadApplication(ZHANG_HOUSEHOLD),
      kind: "castle",
    });
    expect(result.success).toBe(false);
    if (result.success) return;
    expectBilingual(toFieldErrors(result.error.issues));
  });
});

describe("draft application schema", () => {
  it("accepts an empty draft", () => {
    expect(validateApplication({}, "draft").success).toBe(true);
  });

  it("accepts half-typed values that the complete schema would reject", () => {
    const draft = { head: { name: "张", idNumber: "511424", phone: "138" }, proposedPlot: { address: "" } };
    expect(validateApplication(draft, "draft").success).toBe(true);
    expect(validateApplication(draft, "complete").success).toBe(false);
  });

  it("accepts a complete application as a draft", () => {
    expect(validateApplication(homesteadApplication(ZHANG_HOUSEHOLD), "draft").success).toBe(true);
  });

  it("still rejects wrong types, unknown fields and over-long text, in both languages", () => {
    const errors = errorsFor(
      { head: { age: "thirty" }, members: [{ relation: "cousin" }], reason: "长".repeat(501), extra: 1 },
      "draft",
    );
    expect(errors.map((error) => [error.path, error.code])).toEqual(
      expect.arrayContaining([
        ["head.age", "invalid_type"],
        ["members.0.relation", "invalid_option"],
        ["reason", "too_long"],
        ["", "unknown_field"],
      ]),
    );
    expectBilingual(errors);
  });
});
