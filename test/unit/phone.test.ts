import { describe, expect, it } from "vitest";
import { isMainlandMobile, maskPhone, normalizePhone } from "#shared/domain/phone.ts";

describe("mainland mobile numbers", () => {
  it.each(["13812345678", "19912345678", "+86 138 1234 5678", "0086-138-1234-5678"])(
    "accepts %s",
    (value) => {
      expect(isMainlandMobile(value)).toBe(true);
    },
  );

  it.each([
    ["a landline", "02887654321"],
    ["a number starting 12", "12812345678"],
    ["10 digits", "1381234567"],
    ["12 digits", "138123456789"],
    ["letters", "1381234567a"],
  ])("rejects %s", (_label, value) => {
    expect(isMainlandMobile(value)).toBe(false);
  });

  it("normalises to the 11 digits", () => {
    expect(normalizePhone("+86 138-1234-5678")).toBe("13812345678");
  });
});

describe("maskPhone", () => {
  it("keeps the first three and last four digits of a mobile number", () => {
    expect(maskPhone("13812345678")).toBe("138****5678");
    expect(maskPhone("+86 138 1234 5678")).toBe("138****5678");
  });

  it("keeps only the last four characters of anything else", () => {
    expect(maskPhone("02887654321")).toBe("*******4321");
  });
});
