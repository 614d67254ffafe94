import { describe, expect, it } from "vitest";
import {
  base64UrlEncode,
  codeChallengeS256,
  createCodeVerifier,
  isCodeVerifier,
  randomUrlToken,
  verifiesS256,
} from "#shared/auth/pkce.ts";

// RFC 7636 Appendix B: the 32 octets, the verifier they encode to, and its S256 challenge.
const RFC_OCTETS = Uint8Array.from([
  116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191,
  240, 91, 88, 5, 88, 83, 132, 141, 121,
]);
const RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

describe("PKCE (RFC 7636, S256)", () => {
  it("encodes the RFC's octets to its verifier (base64url, no padding)", () => {
    expect(createCodeVerifier(RFC_OCTETS)).toBe(RFC_VERIFIER);
  });

  it("derives the RFC's challenge from its verifier", async () => {
    expect(await codeChallengeS256(RFC_VERIFIER)).toBe(RFC_CHALLENGE);
  });

  it("makes 43-character verifiers of unreserved characters, a new one each time", () => {
    const verifiers = new Set(Array.from({ length: 20 }, () => createCodeVerifier()));
    expect(verifiers.size).toBe(20);
    for (const verifier of verifiers) {
      expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(isCodeVerifier(verifier)).toBe(true);
    }
  });

  it("refuses fewer than 32 random octets and malformed verifiers", async () => {
    expect(() => createCodeVerifier(new Uint8Array(31))).toThrow(RangeError);
    expect(isCodeVerifier("a".repeat(42))).toBe(false);
    expect(isCodeVerifier("a".repeat(129))).toBe(false);
    expect(isCodeVerifier(`${"a".repeat(42)}+`)).toBe(false);
    expect(isCodeVerifier(`${"a".repeat(40)}-._~`)).toBe(true);
    await expect(codeChallengeS256("too-short")).rejects.toThrow(RangeError);
  });

  it("verifies the right verifier and nothing else", async () => {
    expect(await verifiesS256(RFC_VERIFIER, RFC_CHALLENGE)).toBe(true);
    expect(await verifiesS256(createCodeVerifier(), RFC_CHALLENGE)).toBe(false);
    // `plain` (the verifier itself as challenge) is not accepted.
    expect(await verifiesS256(RFC_VERIFIER, RFC_VERIFIER)).toBe(false);
    expect(await verifiesS256("short", RFC_CHALLENGE)).toBe(false);
    expect(await verifiesS256(RFC_VERIFIER, "")).toBe(false);
  });

  it("encodes bytes that need the URL-safe alphabet", () => {
    expect(base64UrlEncode(Uint8Array.from([0xfb, 0xff, 0xbf]))).toBe("-_-_");
    expect(base64UrlEncode(Uint8Array.from([0xff]))).toBe("_w");
  });

  it("makes random state and nonce values of 128 bits", () => {
    const token = randomUrlToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(randomUrlToken()).not.toBe(token);
  });
});
