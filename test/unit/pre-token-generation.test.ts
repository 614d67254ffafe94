import { describe, expect, it, vi } from "vitest";
import { actorFromClaims, SecondFactorMissingError } from "#shared/auth/actor.ts";
import {
  type AdminGetUser,
  MFA_CLAIMS,
  MfaLookupError,
  MfaRequiredError,
  type PreTokenGenerationEvent,
  preTokenGeneration,
  preTokenGenerationEventSchema,
} from "#shared/auth/pre-token-generation.ts";

/** A V2_0 event as Cognito sends it (user-pool-lambda-pre-token-generation, "version": "2"). */
function cognitoEvent(
  attributes: Record<string, string>,
  triggerSource = "TokenGeneration_Authentication",
): PreTokenGenerationEvent {
  return preTokenGenerationEventSchema.parse({
    version: "2",
    triggerSource,
    region: "ap-east-1",
    userPoolId: "ap-east-1_Example",
    userName: "clerk-a",
    callerContext: { awsSdkVersion: "aws-sdk-unknown-unknown", clientId: "staffclientid" },
    request: {
      userAttributes: { sub: "0f1e2d3c-aaaa-bbbb-cccc-000000000001", ...attributes },
      groupConfiguration: {
        groupsToOverride: ["township_clerk"],
        iamRolesToOverride: [],
        preferredRole: null,
      },
      scopes: ["aws.cognito.signin.user.admin"],
    },
    response: { claimsAndScopeOverrideDetails: null },
  });
}

const staff = { "custom:role": "township_clerk", "custom:townships": "511424100" };
const villager = { "custom:role": "villager", "custom:household": "h1", phone_number: "+8613800000000" };

/** AdminGetUser's answer for a user with these MFA methods active (the API's shape, other fields included). */
const userWith = (methods: string[] | undefined, preferred?: string) => ({
  Username: "clerk-a",
  UserStatus: "CONFIRMED",
  Enabled: true,
  UserAttributes: [{ Name: "custom:role", Value: "township_clerk" }],
  ...(methods ? { UserMFASettingList: methods } : {}),
  ...(preferred ? { PreferredMfaSetting: preferred } : {}),
});

const directory = (answer: unknown) => vi.fn<AdminGetUser>(async () => answer);

describe("pre token generation trigger (staff MFA)", () => {
  it("refuses a staff sign-in when the account has no MFA method active", async () => {
    for (const answer of [userWith(undefined), userWith([])]) {
      await expect(
        preTokenGeneration(cognitoEvent(staff), { adminGetUser: directory(answer) }),
      ).rejects.toBeInstanceOf(MfaRequiredError);
    }
  });

  it("asks Cognito about exactly the signing-in user of this pool", async () => {
    const adminGetUser = directory(userWith(["SOFTWARE_TOKEN_MFA"], "SOFTWARE_TOKEN_MFA"));
    await preTokenGeneration(cognitoEvent(staff), { adminGetUser });
    expect(adminGetUser).toHaveBeenCalledTimes(1);
    expect(adminGetUser).toHaveBeenCalledWith({ UserPoolId: "ap-east-1_Example", Username: "clerk-a" });
  });

  it("marks MFA in both the ID and the access token of staff with TOTP, keeping their groups", async () => {
    const result = await preTokenGeneration(cognitoEvent(staff), {
      adminGetUser: directory(userWith(["SOFTWARE_TOKEN_MFA"], "SOFTWARE_TOKEN_MFA")),
    });
    expect(result.response).toEqual({
      claimsAndScopeOverrideDetails: {
        idTokenGeneration: { claimsToAddOrOverride: { "nongfang:amr": "pwd mfa" } },
        accessTokenGeneration: { claimsToAddOrOverride: { "nongfang:amr": "pwd mfa" } },
        groupOverrideDetails: {
          groupsToOverride: ["township_clerk"],
          iamRolesToOverride: [],
          preferredRole: null,
        },
      },
    });
    // Everything else goes back as Cognito sent it.
    expect({ ...result, response: undefined }).toEqual({ ...cognitoEvent(staff), response: undefined });
  });

  it("accepts SMS MFA too (how new staff accounts are provisioned before they add TOTP)", async () => {
    const result = await preTokenGeneration(cognitoEvent(staff), {
      adminGetUser: directory(userWith(["SMS_MFA"])),
    });
    expect(result.response?.claimsAndScopeOverrideDetails).toMatchObject({
      idTokenGeneration: { claimsToAddOrOverride: MFA_CLAIMS },
    });
  });

  it("produces tokens the API accepts, where the same staff token without the claim is refused", async () => {
    const result = await preTokenGeneration(cognitoEvent(staff), {
      adminGetUser: directory(userWith(["SOFTWARE_TOKEN_MFA"])),
    });
    const details = result.response?.claimsAndScopeOverrideDetails as {
      idTokenGeneration: { claimsToAddOrOverride: Record<string, string> };
    };
    const idToken = { sub: "u1", ...staff, ...details.idTokenGeneration.claimsToAddOrOverride };
    expect(actorFromClaims(idToken).role).toBe("township_clerk");
    expect(() => actorFromClaims({ sub: "u1", ...staff })).toThrow(SecondFactorMissingError);
  });

  it("checks again on refresh: a user who turned MFA off cannot refresh their tokens", async () => {
    await expect(
      preTokenGeneration(cognitoEvent(staff, "TokenGeneration_RefreshTokens"), {
        adminGetUser: directory(userWith([])),
      }),
    ).rejects.toBeInstanceOf(MfaRequiredError);
  });

  it("leaves a villager's tokens untouched and never looks the villager up", async () => {
    const adminGetUser = directory(userWith(undefined));
    const event = cognitoEvent(villager);
    expect(await preTokenGeneration(event, { adminGetUser })).toEqual(event);
    expect(adminGetUser).not.toHaveBeenCalled();
  });

  it("treats an account without a known role as staff (fails closed)", async () => {
    await expect(
      preTokenGeneration(cognitoEvent({}), { adminGetUser: directory(userWith(undefined)) }),
    ).rejects.toBeInstanceOf(MfaRequiredError);
    await expect(
      preTokenGeneration(cognitoEvent({ "custom:role": "VILLAGER" }), {
        adminGetUser: directory(userWith([])),
      }),
    ).rejects.toBeInstanceOf(MfaRequiredError);
  });

  it("refuses, never allows, when AdminGetUser fails", async () => {
    const throttled = Object.assign(new Error("Rate exceeded"), { name: "TooManyRequestsException" });
    const adminGetUser = vi.fn<AdminGetUser>(async () => {
      throw throttled;
    });
    const refused = preTokenGeneration(cognitoEvent(staff), { adminGetUser });
    await expect(refused).rejects.toBeInstanceOf(MfaLookupError);
    await expect(refused).rejects.toMatchObject({ cause: throttled });
  });

  it("refuses when AdminGetUser answers something unexpected, or only MFA methods it does not know", async () => {
    for (const answer of [null, "nope", { UserMFASettingList: "SOFTWARE_TOKEN_MFA" }]) {
      await expect(
        preTokenGeneration(cognitoEvent(staff), { adminGetUser: directory(answer) }),
      ).rejects.toBeInstanceOf(MfaLookupError);
    }
    await expect(
      preTokenGeneration(cognitoEvent(staff), { adminGetUser: directory(userWith(["SOMETHING_NEW"])) }),
    ).rejects.toBeInstanceOf(MfaRequiredError);
  });

  it("refuses an event that is not a pre token generation event", () => {
    for (const bad of [
      {},
      { ...cognitoEvent(staff), triggerSource: "PreSignUp_SignUp" },
      { ...cognitoEvent(staff), userPoolId: "" },
      { ...cognitoEvent(staff), request: {} },
    ]) {
      expect(preTokenGenerationEventSchema.safeParse(bad).success).toBe(false);
    }
  });
});
