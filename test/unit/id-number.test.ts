import { describe, expect, it } from "vitest";
import {
  checkIdNumber,
  computeIdNumberCheckChar,
  isValidIdNumber,
  maskIdNumber,
} from "#shared/domain/id-number.ts";
import { idNumber } from "../support/fixtures.ts";

const TODAY = new Date("2026-01-01T00:00:00Z");

describe("GB 11643-1999 ID number", () => {
  it("accepts the worked examples of the standard", () => {
    expect(checkIdNumber("11010519491231002X", TODAY)).toEqual({
      valid: true,
      normalized: "11010519491231002X",
      birthDate: "1949-12-31",
      sex: "female",
    });
    expect(isValidIdNumber("440524188001010014", TODAY)).toBe(true);
  });

  it("computes the check character from the weighted sum mod 11", () => {
    // 1·7+1·9+0·10+1·5+0·8+5·4+1·2+9·1+4·6+9·3+1·7+2·9+3·10+1·5+0·8+0·4+2·2 = 167; 167 mod 11 = 2 → "X"
    expect(computeIdNumberCheckChar("11010519491231002")).toBe("X");
    expect(() => computeIdNumberCheckChar("1101051949123100")).toThrow(RangeError);
  });

  it("accepts numbers built by appending the computed check character, with the sex from the 17th digit", () => {
    const male = checkIdNumber(idNumber("511424", "19900101", "123"), TODAY);
    expect(male).toMatchObject({ valid: true, birthDate: "1990-01-01", sex: "male" });
    expect(checkIdNumber(idNumber("450321", "20000229", "004"), TODAY)).toMatchObject({
      valid: true,
      sex: "female",
    });
  });

  it("rejects a wrong check character", () => {
    const valid = idNumber("511424", "19900101", "123");
    const wrongLast = valid.slice(0, 17) + (valid.endsWith("3") ? "4" : "3");
    expect(checkIdNumber(wrongLast, TODAY)).toEqual({ valid: false, problem: "checksum" });
  });

  it("rejects a single changed digit (the checksum catches it)", () => {
    const valid = idNumber("511424", "19900101", "123");
    const changed = `${valid.slice(0, 14)}9${valid.slice(15)}`;
    expect(checkIdNumber(changed, TODAY)).toEqual({ valid: false, problem: "checksum" });
  });

  it.each([
    ["30 February", "51142419900230123"],
    ["month 13", "51142419901301123"],
    ["day 00", "51142419900100123"],
    ["29 February in a non-leap year", "51142419010229123"],
    ["a birth date in the future", "51142420990101123"],
  ])("rejects %s as a bad birth date", (_label, first17) => {
    expect(checkIdNumber(first17 + computeIdNumberCheckChar(first17), TODAY)).toEqual({
      valid: false,
      problem: "birth_date",
    });
  });

  it("accepts 29 February in a leap year", () => {
    expect(isValidIdNumber(idNumber("450321", "20000229", "003"), TODAY)).toBe(true);
  });

  it("accepts a lower-case x check character and normalises it to X", () => {
    expect(checkIdNumber("11010519491231002x", TODAY)).toMatchObject({
      valid: true,
      normalized: "11010519491231002X",
    });
  });

  it.each([
    ["17 characters", "11010519491231002"],
    ["19 characters", "11010519491231002X1"],
    ["an X in the middle", "1101051949X231002X"],
    ["a 15-digit first-generation number", "110105491231002"],
    ["an empty string", ""],
  ])("rejects %s as a format error", (_label, value) => {
    expect(checkIdNumber(value, TODAY)).toEqual({ valid: false, problem: "format" });
  });
});

describe("maskIdNumber", () => {
  it("keeps the first and last four characters", () => {
    expect(maskIdNumber("511402199001011234")).toBe("5114**********1234");
  });

  it("masks short values completely", () => {
    expect(maskIdNumber("12345678")).toBe("********");
  });
});
