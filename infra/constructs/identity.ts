import { CfnOutput, Duration, Lazy, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import { HttpJwtAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { Certificate } from "aws-cdk-lib/aws-certificatemanager";
import {
  AccountRecovery,
  CfnManagedLoginBranding,
  ClientAttributes,
  FeaturePlan,
  LambdaVersion,
  ManagedLoginVersion,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
  type UserPoolDomain,
  UserPoolGroup,
  UserPoolOperation,
} from "aws-cdk-lib/aws-cognito";
import { Construct } from "constructs";
import { ROLES } from "#shared/auth/actor.ts";
import { NongfangFunction } from "./function.ts";
import type { AuthDomain, ExternalIssuer } from "./identity-context.ts";

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
 *   **Browser sign-in** goes through the pool's domain (a Cognito prefix domain,
 *   or a custom domain from context) and its managed login pages (version 2,
 *   the only one that offers passwordless SMS sign-in, with Cognito's default
 *   style on each app client): both clients are public (no secret) and allow
 *   only the authorization code grant (PKCE is the web app's part), scopes
 *   `openid` and `profile`, and call back only to the web app's origins
 *   (`allowWebOrigins`, given by the stack once the distribution exists).
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

export interface IdentityProps {
  /** Trust this issuer instead of creating a Cognito user pool. */
  readonly external?: ExternalIssuer;
  /** The user pool's domain; default the prefix `nongfang-<account id>`. Ignored with `external`. */
  readonly domain?: AuthDomain;
}

export class NongfangIdentity extends Construct {
  readonly authorizer: HttpJwtAuthorizer;
  readonly issuerUrl: string;
  readonly audience: readonly string[];
  /**
   * The app clients the web app signs in with (config.json): Cognito's villager
   * and staff clients; for an external issuer its first audience for villagers
   * and its second (else the first again) for staff.
   */
  readonly clients: { readonly villager: string; readonly staff: string };
  /**
   * Origins the browser talks to for sign-in, for the page's CSP: Cognito's
   * regional endpoint (the discovery document) and the pool's domain (token
   * endpoint, managed login); an external issuer's origin.
   */
  readonly authOrigins: readonly string[];
  readonly userPool?: UserPool;
  readonly villagerClient?: UserPoolClient;
  readonly staffClient?: UserPoolClient;
  readonly domain?: UserPoolDomain;
  /** `https://<pool domain>`: managed login (`/login`, `/oauth2/authorize`), `/oauth2/token`, `/logout`. */
  readonly authBaseUrl?: string;
  private readonly webOrigins: string[] = [];

  constructor(scope: Construct, id: string, props: IdentityProps = {}) {
    super(scope, id);
    if (props.external) {
      this.issuerUrl = props.external.issuerUrl;
      this.audience = [...props.external.audience];
      const [villager = "", staff = villager] = this.audience;
      this.clients = { villager, staff };
      this.authOrigins = [new URL(props.external.issuerUrl).origin];
    } else {
      const pool = this.createUserPool(props.domain);
      this.userPool = pool.userPool;
      this.villagerClient = pool.villagerClient;
      this.staffClient = pool.staffClient;
      this.domain = pool.domain;
      this.authBaseUrl = pool.baseUrl;
      this.issuerUrl = pool.userPool.userPoolProviderUrl;
      this.audience = [pool.villagerClient.userPoolClientId, pool.staffClient.userPoolClientId];
      this.clients = {
        villager: pool.villagerClient.userPoolClientId,
        staff: pool.staffClient.userPoolClientId,
      };
      const stack = Stack.of(this);
      this.authOrigins = [`https://cognito-idp.${stack.region}.${stack.urlSuffix}`, pool.baseUrl];
      // A client with the code grant and no callback URL could not sign anyone in: fail the synth instead.
      this.node.addValidation({
        validate: () =>
          this.webOrigins.length > 0
            ? []
            : ["No web origin given (allowWebOrigins): the app clients would have no callback URL"],
      });
    }
    this.authorizer = new HttpJwtAuthorizer("JwtAuthorizer", this.issuerUrl, {
      authorizerName: "nongfang-jwt",
      jwtAudience: [...this.audience],
      identitySource: ["$request.header.Authorization"],
    });
    new CfnOutput(this, "IssuerUrl", { value: this.issuerUrl, description: "OIDC issuer the API trusts" });
  }

  /**
   * Lets the web app at these origins (`https://…`, no path) sign in and out
   * with the pool's app clients: `<origin>/` becomes a callback URL and a
   * sign-out URL of both, exactly the `redirect_uri` and logout URI the app
   * sends (web/src/auth.ts). Nothing to do for an external issuer, whose
   * clients are registered there.
   */
  allowWebOrigins(origins: readonly string[]): void {
    for (const origin of origins) {
      const url = `${origin.replace(/\/+$/, "")}/`;
      if (!this.webOrigins.includes(url)) this.webOrigins.push(url);
    }
  }

  private createUserPool(domainProps: AuthDomain | undefined) {
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
    // Resolved at synth, after the stack has given the distribution's origins (allowWebOrigins):
    // the distribution is created after the clients, whose ids config.json needs.
    const webUrls = Lazy.list({ produce: () => [...this.webOrigins] });
    const clientDefaults = {
      // Public clients: a browser cannot keep a secret; PKCE binds each code to the page that asked.
      generateSecret: false,
      oAuth: {
        // The authorization code grant only: no implicit grant (tokens in the URL), no client credentials.
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        // `openid` puts every attribute the client may read into the ID token (the role claims the API
        // reads), `profile` the name; no `aws.cognito.signin.user.admin`: the app never calls Cognito's API.
        scopes: [OAuthScope.OPENID, OAuthScope.PROFILE],
        callbackUrls: webUrls,
        logoutUrls: webUrls,
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
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
      // Choice-based sign-in: phone number, then the SMS code. Managed login offers the passwordless
      // factors only to clients with ALLOW_USER_AUTH.
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

    // Managed login (version 2, the branding designer's pages): passwordless SMS sign-in is offered
    // only there, not in the classic hosted UI. It needs the Essentials or Plus plan (Plus here).
    // Unique per region across all of AWS; the account id keeps the default unique per account.
    const prefix =
      domainProps && "prefix" in domainProps ? domainProps.prefix : `nongfang-${Stack.of(this).account}`;
    const domain = userPool.addDomain("Domain", {
      ...(domainProps && "domainName" in domainProps
        ? {
            customDomain: {
              domainName: domainProps.domainName,
              certificate: Certificate.fromCertificateArn(
                this,
                "AuthCertificate",
                domainProps.certificateArn,
              ),
            },
          }
        : {
            cognitoDomain: {
              domainPrefix: prefix,
            },
          }),
      managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    // With managed login, an app client without a style has no working sign-in pages: each gets
    // Cognito's default style (the console's branding designer can restyle it later).
    for (const [name, client] of [
      ["VillagerLoginStyle", villagerClient],
      ["StaffLoginStyle", staffClient],
    ] as const) {
      new CfnManagedLoginBranding(this, name, {
        userPoolId: userPool.userPoolId,
        clientId: client.userPoolClientId,
        useCognitoProvidedValues: true,
      }).node.addDependency(domain);
    }
    // Written out rather than `domain.baseUrl()` (a Ref of the domain resource): the same URL, known
    // at synth for a custom domain, and the CSP that names it needs no dependency on the domain.
    const baseUrl =
      domainProps && "domainName" in domainProps
        ? `https://${domainProps.domainName}`
        : `https://${prefix}.auth.${Stack.of(this).region}.amazoncognito.com`;

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
    new CfnOutput(this, "AuthDomainUrl", {
      value: baseUrl,
      description: "The user pool's domain: managed login, /oauth2/authorize, /oauth2/token, /logout",
    });
    return { userPool, villagerClient, staffClient, domain, baseUrl };
  }
}
