import { CfnOutput, Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import { HttpJwtAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import {
  AccountRecovery,
  ClientAttributes,
  FeaturePlan,
  LambdaVersion,
  Mfa,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
  type UserPoolClient,
  UserPoolGroup,
  UserPoolOperation,
} from "aws-cdk-lib/aws-cognito";
import { Construct } from "constructs";
import * as z from "zod";
import { ROLES } from "#shared/auth/actor.ts";
import { NongfangFunction } from "./function.ts";

/**
 * Who may call the API. Two configurations, one authorizer:
 *
 * - **Cognito (default).** One user pool, so one issuer for API Gateway's JWT
 *   authorizer (it trusts exactly one). Villagers sign in with their phone
 *   number and an SMS code (choice-based, passwordless `SMS_OTP`, on the
 *   villager app client); staff sign in with username + password on the staff
 *   app client (SRP) and a second factor. MFA is OPTIONAL at pool level because
 *   Cognito does not offer passwordless first factors in a pool where MFA is
 *   required, so staff MFA is enforced by the pool's pre token generation
 *   trigger (functions/identity/pre-token-generation.ts): no token for a staff
 *   account without an active MFA method, and `nongfang:amr` in the tokens of
 *   those with one, which the API checks again (shared/auth/mfa.ts). The Plus
 *   plan's threat protection (adaptive authentication) adds an MFA challenge on
 *   risky sign-ins on top.
 *   Role, department, townships, village and household are custom attributes
 *   the app clients can read but never write: only administrators set them.
 *   One group per role mirrors `custom:role` for console work.
 * - **External OIDC issuer** (`-c oidcIssuerUrl=… -c oidcAudience=…`): no user
 *   pool at all; the authorizer trusts that issuer. Cognito user pools are not
 *   offered in the AWS China regions, where a provincial government identity
 *   service signs users in instead; it must emit the same claims
 *   (shared/auth/actor.ts), and `amr` (RFC 8176) showing MFA in staff tokens.
 *
 * Either way the API sees the same `requestContext.authorizer.jwt.claims`.
 */

/** Custom attribute names without the `custom:` prefix Cognito adds (shared/auth/actor.ts). */
export const CUSTOM_ATTRIBUTES = ["role", "department", "townships", "village", "household"] as const;

export interface ExternalIssuer {
  /** The issuer URL exactly as tokens carry it in `iss` (https; discovery must be public). */
  readonly issuerUrl: string;
  /** Accepted `aud` (or `client_id`) values. */
  readonly audience: readonly string[];
}

export interface IdentityProps {
  /** Trust this issuer instead of creating a Cognito user pool. */
  readonly external?: ExternalIssuer;
}

const contextSchema = z.object({
  issuerUrl: z.url({ protocol: /^https$/, error: "oidcIssuerUrl must be an https URL" }),
  audience: z.array(z.string().min(1)).min(1),
});

/**
 * Reads `oidcIssuerUrl` and `oidcAudience` (comma-separated, or a JSON array)
 * from CDK context; both or neither.
 */
export function externalIssuerFromContext(scope: Construct): ExternalIssuer | undefined {
  const issuerUrl: unknown = scope.node.tryGetContext("oidcIssuerUrl");
  const audience: unknown = scope.node.tryGetContext("oidcAudience");
  if (issuerUrl === undefined && audience === undefined) return undefined;
  if (issuerUrl === undefined || audience === undefined) {
    throw new Error("Give both -c oidcIssuerUrl=… and -c oidcAudience=…, or neither (Cognito)");
  }
  const audiences = Array.isArray(audience)
    ? audience.map(String)
    : String(audience)
        .replace(/^\[|\]$/g, "")
        .split(",")
        .map((value) => value.trim().replace(/^"|"$/g, ""))
        .filter(Boolean);
  return contextSchema.parse({ issuerUrl: String(issuerUrl), audience: audiences });
}

export class NongfangIdentity extends Construct {
  readonly authorizer: HttpJwtAuthorizer;
  readonly issuerUrl: string;
  readonly audience: readonly string[];
  readonly userPool?: UserPool;
  readonly villagerClient?: UserPoolClient;
  readonly staffClient?: UserPoolClient;

  constructor(scope: Construct, id: string, props: IdentityProps = {}) {
    super(scope, id);
    if (props.external) {
      this.issuerUrl = props.external.issuerUrl;
      this.audience = [...props.external.audience];
    } else {
      const pool = this.createUserPool();
      this.userPool = pool.userPool;
      this.villagerClient = pool.villagerClient;
      this.staffClient = pool.staffClient;
      this.issuerUrl = pool.userPool.userPoolProviderUrl;
      this.audience = [pool.villagerClient.userPoolClientId, pool.staffClient.userPoolClientId];
    }
    this.authorizer = new HttpJwtAuthorizer("JwtAuthorizer", this.issuerUrl, {
      authorizerName: "nongfang-jwt",
      jwtAudience: [...this.audience],
      identitySource: ["$request.header.Authorization"],
    });
    new CfnOutput(this, "IssuerUrl", { value: this.issuerUrl, description: "OIDC issuer the API trusts" });
  }

  private createUserPool() {
    const userPool = new UserPool(this, "UserPool", {
      // Plus: threat protection (compromised credentials, adaptive authentication) for an
      // internet-facing government service; Essentials would lack both.
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      // Accounts are provisioned by the county (villagers from the household register,
      // staff by their department): nobody can sign up and pick a role.
      selfSignUpEnabled: false,
      signInAliases: { username: true, phone: true },
      autoVerify: { phone: true },
      signInCaseSensitive: false,
      signInPolicy: { allowedFirstAuthFactors: { password: true, smsOtp: true } },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { sms: true, otp: true },
      mfaMessage: "【农房】您的验证码是 {####}，5分钟内有效。",
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
        passwordHistorySize: 5,
      },
      standardAttributes: {
        fullname: { required: false, mutable: true },
        phoneNumber: { required: false, mutable: true },
      },
      customAttributes: {
        role: new StringAttribute({ minLen: 1, maxLen: 32, mutable: true }),
        department: new StringAttribute({ minLen: 1, maxLen: 64, mutable: true }),
        // Comma-separated township codes (9 digits each): a county has at most a few dozen.
        townships: new StringAttribute({ minLen: 1, maxLen: 2048, mutable: true }),
        village: new StringAttribute({ minLen: 1, maxLen: 32, mutable: true }),
        household: new StringAttribute({ minLen: 1, maxLen: 64, mutable: true }),
      },
      accountRecovery: AccountRecovery.PHONE_WITHOUT_MFA_AND_EMAIL,
      // No `deviceTracking`: Cognito skips MFA on a remembered device, and the pre token generation
      // trigger reads "MFA active on the account" as "this sign-in passed MFA".
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(userPool).acknowledge({
      id: "AwsSolutions-COG2",
      reason:
        "MFA is OPTIONAL at pool level because villagers sign in passwordless with an SMS code, which Cognito does not allow in a pool where MFA is required; staff MFA is enforced by the pre token generation trigger (no token for a staff account without an active MFA method) and checked again by the API, and Plus-plan adaptive authentication challenges risky sign-ins.",
    });
    // Enforces staff MFA at token time. V2_0 (Essentials or Plus plan) so the claim lands in the
    // access token too, not only the ID token. Cognito waits 5 seconds for a trigger.
    const preTokenGeneration = new NongfangFunction(this, "PreTokenGeneration", {
      entry: "functions/identity/pre-token-generation.ts",
      description: "Cognito: no tokens for staff without MFA; marks MFA in staff tokens",
      timeout: Duration.seconds(5),
    }).bindUserPool(userPool);
    userPool.addTrigger(
      UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
      preTokenGeneration.function,
      LambdaVersion.V2_0,
    );
    // The role CDK creates so Cognito can send SMS codes through SNS.
    const smsRole = userPool.node.tryFindChild("smsRole");
    if (smsRole) {
      Validations.of(smsRole).acknowledge({
        id: "AwsSolutions-IAM5[Resource::*]",
        reason:
          "sns:Publish to a phone number has no resource ARN to scope to; the role is assumable only by Cognito for this user pool (sts:ExternalId condition).",
      });
    }

    // Read everything the API needs; write only the display name. Role, department,
    // townships, village and household come from administrators, never from the user.
    const readAttributes = new ClientAttributes()
      .withStandardAttributes({ fullname: true, phoneNumber: true, phoneNumberVerified: true })
      .withCustomAttributes(...CUSTOM_ATTRIBUTES);
    const writeAttributes = new ClientAttributes().withStandardAttributes({ fullname: true });
    const clientDefaults = {
      generateSecret: false,
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      readAttributes,
      writeAttributes,
    };
    const villagerClient = userPool.addClient("VillagerWeb", {
      ...clientDefaults,
      userPoolClientName: "nongfang-web-villager",
      // Choice-based sign-in: phone number, then the SMS code.
      authFlows: { user: true },
      refreshTokenValidity: Duration.days(30),
    });
    const staffClient = userPool.addClient("StaffWeb", {
      ...clientDefaults,
      userPoolClientName: "nongfang-web-staff",
      // SRP only: no choice-based (USER_AUTH) flow, so no passwordless first factor, and no custom
      // auth whose challenges Cognito would not follow with MFA. Password, then the MFA challenge.
      authFlows: { userSrp: true },
      // Staff sign in again every working day.
      refreshTokenValidity: Duration.hours(12),
    });

    ROLES.forEach((role, precedence) => {
      new UserPoolGroup(this, `Group-${role}`, {
        userPool,
        groupName: role,
        description: `Nongfang role ${role} (mirrors custom:role)`,
        precedence,
      });
    });

    new CfnOutput(this, "UserPoolId", { value: userPool.userPoolId });
    new CfnOutput(this, "VillagerClientId", { value: villagerClient.userPoolClientId });
    new CfnOutput(this, "StaffClientId", { value: staffClient.userPoolClientId });
    return { userPool, villagerClient, staffClient };
  }
}
