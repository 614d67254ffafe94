import { Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "#infra/app.ts";
import { CUSTOM_ATTRIBUTES } from "#infra/constructs/identity.ts";
import { ROLES } from "#shared/auth/actor.ts";
import { ROUTES, routeKey } from "#shared/http/routes.ts";
import { appTemplate, testApp } from "../support/cdk-app.ts";

const PROVINCIAL = {
  oidcIssuerUrl: "https://id.sczwfw.gov.cn/realms/nongfang",
  oidcAudience: "nongfang-web,nongfang-staff",
};

function routesByKey(template: Template) {
  return new Map(
    Object.values(template.findResources("AWS::ApiGatewayV2::Route")).map((route) => [
      route.Properties.RouteKey as string,
      route.Properties as { AuthorizationType?: string; AuthorizerId?: { Ref: string } },
    ]),
  );
}

const TRIGGER_ENTRY = "functions/identity/pre-token-generation.ts";

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

/** The logical ids of the functions whose handler module is `entry`. */
function functionsWithEntry(template: Template, entry: string): string[] {
  return Object.entries(template.findResources("AWS::Lambda::Function"))
    .filter(([, fn]) => fn.Metadata?.["nongfang:entry"] === entry)
    .map(([logicalId]) => logicalId);
}

/** Every statement a role gets: its inline policies and every AWS::IAM::Policy attached to it. */
function statementsOfRole(template: Template, roleId: string): Statement[] {
  const role = template.findResources("AWS::IAM::Role")[roleId];
  const inline = (
    (role?.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]
  ).flatMap((policy) => policy.PolicyDocument.Statement);
  const attached = Object.values(template.findResources("AWS::IAM::Policy"))
    .filter((policy) => JSON.stringify(policy.Properties.Roles ?? []).includes(`"${roleId}"`))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
  return [...inline, ...attached];
}

const actionsOf = (statement: Statement): string[] => [statement.Action].flat();

const byRef = (a: { Ref: string }, b: { Ref: string }) => a.Ref.localeCompare(b.Ref);

function onlyAuthorizer(template: Template) {
  const authorizers = Object.entries(template.findResources("AWS::ApiGatewayV2::Authorizer"));
  expect(authorizers).toHaveLength(1);
  const [logicalId, authorizer] = authorizers[0] ?? [];
  return { logicalId, properties: authorizer?.Properties };
}

describe.each([
  ["Cognito (default)", {}],
  ["an external OIDC issuer", PROVINCIAL],
])("with %s", (_name, context) => {
  let template: Template;
  beforeAll(async () => {
    template = await appTemplate(context);
  });

  it("puts the JWT authorizer on every route the route table does not mark public, and on no public one", () => {
    const routes = routesByKey(template);
    const { logicalId } = onlyAuthorizer(template);
    expect(ROUTES.some((route) => route.access !== "public")).toBe(true);
    for (const route of ROUTES) {
      const properties = routes.get(routeKey(route));
      expect(properties, routeKey(route)).toBeDefined();
      if (route.access === "public") {
        expect(properties?.AuthorizationType ?? "NONE", routeKey(route)).toBe("NONE");
        expect(properties?.AuthorizerId, routeKey(route)).toBeUndefined();
      } else {
        expect(properties?.AuthorizationType, routeKey(route)).toBe("JWT");
        expect(properties?.AuthorizerId, routeKey(route)).toEqual({ Ref: logicalId });
      }
    }
  });

  it("reads the token from the Authorization header", () => {
    expect(onlyAuthorizer(template).properties).toMatchObject({
      AuthorizerType: "JWT",
      IdentitySource: ["$request.header.Authorization"],
    });
  });

  it("synthesizes with cdk-nag (AwsSolutions) clean", () => {
    expect(() => buildApp(testApp(context)).app.synth()).not.toThrow();
  });
});

describe("Cognito user pool (default)", () => {
  let template: Template;
  beforeAll(async () => {
    template = await appTemplate();
  });

  it("is one Plus-plan pool with threat protection enforced, admin-provisioned accounts and deletion protection", () => {
    template.resourceCountIs("AWS::Cognito::UserPool", 1);
    template.hasResourceProperties("AWS::Cognito::UserPool", {
      UserPoolTier: "PLUS",
      UserPoolAddOns: { AdvancedSecurityMode: "ENFORCED" },
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      DeletionProtection: "ACTIVE",
    });
    template.hasResource("AWS::Cognito::UserPool", { DeletionPolicy: "Retain" });
  });

  it("lets villagers sign in with phone number + SMS code and offers SMS and TOTP MFA", () => {
    template.hasResourceProperties("AWS::Cognito::UserPool", {
      AliasAttributes: ["phone_number"],
      AutoVerifiedAttributes: ["phone_number"],
      Policies: Match.objectLike({ SignInPolicy: { AllowedFirstAuthFactors: ["PASSWORD", "SMS_OTP"] } }),
      // OPTIONAL, not ON: Cognito refuses passwordless first factors when MFA is required.
      MfaConfiguration: "OPTIONAL",
      EnabledMfas: Match.arrayWith(["SMS_MFA", "SOFTWARE_TOKEN_MFA"]),
    });
  });

  it("requires long passwords with every character class and remembers the last five", () => {
    template.hasResourceProperties("AWS::Cognito::UserPool", {
      Policies: Match.objectLike({
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
          TemporaryPasswordValidityDays: 3,
          PasswordHistorySize: 5,
        },
      }),
    });
  });

  it("has the custom attributes of the claim contract", () => {
    template.hasResourceProperties("AWS::Cognito::UserPool", {
      Schema: Match.arrayWith(
        CUSTOM_ATTRIBUTES.map((name) => Match.objectLike({ Name: name, AttributeDataType: "String" })),
      ),
    });
    expect(CUSTOM_ATTRIBUTES.map((name) => `custom:${name}`).sort()).toEqual(
      ["custom:role", "custom:department", "custom:townships", "custom:village", "custom:household"].sort(),
    );
  });

  it("has a group for every role", () => {
    const groups = Object.values(template.findResources("AWS::Cognito::UserPoolGroup")).map(
      (group) => group.Properties.GroupName as string,
    );
    expect(groups.sort()).toEqual([...ROLES].sort());
  });

  it("has a villager client (choice-based sign-in) and a staff client (SRP), neither able to write the role claims", () => {
    const clients = Object.values(template.findResources("AWS::Cognito::UserPoolClient")).map(
      (client) => client.Properties,
    );
    expect(clients.map((client) => client.ClientName).sort()).toEqual([
      "nongfang-web-staff",
      "nongfang-web-villager",
    ]);
    for (const client of clients) {
      expect(client.GenerateSecret).toBe(false);
      expect(client.PreventUserExistenceErrors).toBe("ENABLED");
      expect(client.ReadAttributes).toEqual(
        expect.arrayContaining(CUSTOM_ATTRIBUTES.map((name) => `custom:${name}`)),
      );
      expect((client.WriteAttributes as string[]).filter((name) => name.startsWith("custom:"))).toEqual([]);
    }
    const byName = new Map(clients.map((client) => [client.ClientName as string, client]));
    expect(byName.get("nongfang-web-villager")?.ExplicitAuthFlows).toContain("ALLOW_USER_AUTH");
    // SRP and refresh only: no choice-based flow (passwordless first factors), no custom auth, no plain password.
    expect([...((byName.get("nongfang-web-staff")?.ExplicitAuthFlows ?? []) as string[])].sort()).toEqual([
      "ALLOW_REFRESH_TOKEN_AUTH",
      "ALLOW_USER_SRP_AUTH",
    ]);
  });

  it("runs the MFA-enforcing pre token generation trigger with event version V2_0 (ID and access token)", () => {
    const [trigger, ...others] = functionsWithEntry(template, TRIGGER_ENTRY);
    expect(others).toEqual([]);
    const pool = Object.keys(template.findResources("AWS::Cognito::UserPool"))[0];
    template.hasResourceProperties("AWS::Cognito::UserPool", {
      // V2_0 needs the Essentials or Plus feature plan.
      UserPoolTier: "PLUS",
      LambdaConfig: {
        PreTokenGenerationConfig: { LambdaArn: { "Fn::GetAtt": [trigger, "Arn"] }, LambdaVersion: "V2_0" },
      },
    });
    // Cognito may invoke it on behalf of this pool only, and waits 5 seconds at most.
    template.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunction",
      FunctionName: { "Fn::GetAtt": [trigger, "Arn"] },
      Principal: "cognito-idp.amazonaws.com",
      SourceArn: { "Fn::GetAtt": [pool, "Arn"] },
    });
    const fn = template.findResources("AWS::Lambda::Function")[trigger ?? ""];
    expect(fn?.Properties.Timeout).toBeLessThanOrEqual(5);
  });

  it("lets the trigger call AdminGetUser on this pool and nothing else; no other role may touch Cognito", () => {
    const [trigger] = functionsWithEntry(template, TRIGGER_ENTRY);
    const fn = template.findResources("AWS::Lambda::Function")[trigger ?? ""];
    const roleId = String(fn?.Properties.Role["Fn::GetAtt"][0]);
    const statements = statementsOfRole(template, roleId);
    const beyondLogsAndTraces = statements.filter((statement) =>
      actionsOf(statement).some((action) => !/^(logs|xray):/.test(action)),
    );
    const pool = Object.keys(template.findResources("AWS::Cognito::UserPool"))[0];
    expect(beyondLogsAndTraces).toEqual([
      { Effect: "Allow", Action: "cognito-idp:AdminGetUser", Resource: { "Fn::GetAtt": [pool, "Arn"] } },
    ]);
    const cognitoGrants = Object.entries(template.findResources("AWS::IAM::Policy")).filter(([, policy]) =>
      JSON.stringify(policy.Properties.PolicyDocument).includes("cognito-idp:"),
    );
    expect(cognitoGrants).toHaveLength(1);
    expect(cognitoGrants[0]?.[1].Properties.Roles).toEqual([{ Ref: roleId }]);
  });

  it("never remembers devices: Cognito would skip MFA on a remembered one", () => {
    const [pool] = Object.values(template.findResources("AWS::Cognito::UserPool"));
    expect(pool?.Properties.DeviceConfiguration).toBeUndefined();
  });

  it("has a Cognito prefix domain (nongfang-<account id>) with managed login version 2", () => {
    template.resourceCountIs("AWS::Cognito::UserPoolDomain", 1);
    const pool = Object.keys(template.findResources("AWS::Cognito::UserPool"))[0];
    template.hasResourceProperties("AWS::Cognito::UserPoolDomain", {
      UserPoolId: { Ref: pool },
      Domain: { "Fn::Join": ["", ["nongfang-", { Ref: "AWS::AccountId" }]] },
      ManagedLoginVersion: 2,
    });
    const [domain] = Object.values(template.findResources("AWS::Cognito::UserPoolDomain"));
    expect(domain?.Properties.CustomDomainConfig).toBeUndefined();
  });

  it("gives each app client Cognito's default managed login style (a client without one has no sign-in pages)", () => {
    const clients = Object.keys(template.findResources("AWS::Cognito::UserPoolClient"));
    const pool = Object.keys(template.findResources("AWS::Cognito::UserPool"))[0];
    const styles = Object.values(template.findResources("AWS::Cognito::ManagedLoginBranding"));
    expect(styles.map((style) => style.Properties.ClientId).sort(byRef)).toEqual(
      clients.map((id) => ({ Ref: id })).sort(byRef),
    );
    for (const style of styles) {
      expect(style.Properties).toMatchObject({ UserPoolId: { Ref: pool }, UseCognitoProvidedValues: true });
      expect(style.Properties.Settings).toBeUndefined();
    }
  });

  it("lets both browser clients use only the authorization code grant, back to the web app's origin", () => {
    const distribution = Object.keys(template.findResources("AWS::CloudFront::Distribution"))[0];
    const webApp = { "Fn::Join": ["", ["https://", { "Fn::GetAtt": [distribution, "DomainName"] }, "/"]] };
    const clients = Object.values(template.findResources("AWS::Cognito::UserPoolClient"));
    expect(clients).toHaveLength(2);
    for (const { Properties: client } of clients) {
      expect(client.AllowedOAuthFlowsUserPoolClient, client.ClientName).toBe(true);
      // No implicit grant (tokens in the URL) and no client credentials: the code grant alone.
      expect(client.AllowedOAuthFlows, client.ClientName).toEqual(["code"]);
      expect([...client.AllowedOAuthScopes].sort(), client.ClientName).toEqual(["openid", "profile"]);
      expect(client.CallbackURLs, client.ClientName).toEqual([webApp]);
      expect(client.LogoutURLs, client.ClientName).toEqual([webApp]);
      expect(client.DefaultRedirectURI, client.ClientName).toBeUndefined();
      expect(client.SupportedIdentityProviders, client.ClientName).toEqual(["COGNITO"]);
      // Public clients: a browser cannot keep a secret.
      expect(client.GenerateSecret, client.ClientName).toBe(false);
    }
  });

  it("makes the authorizer trust the pool as issuer and both app clients as audience", () => {
    const pool = Object.keys(template.findResources("AWS::Cognito::UserPool"))[0];
    const clients = Object.keys(template.findResources("AWS::Cognito::UserPoolClient"));
    const { properties } = onlyAuthorizer(template);
    expect(properties.JwtConfiguration.Issuer).toEqual({ "Fn::GetAtt": [pool, "ProviderURL"] });
    expect(properties.JwtConfiguration.Audience).toEqual(
      expect.arrayContaining(clients.map((id) => ({ Ref: id }))),
    );
    expect(properties.JwtConfiguration.Audience).toHaveLength(2);
  });
});

describe("the user pool's domain from context", () => {
  const CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0d0e2f1c-1111-2222-3333-444455556666";
  const WEB = {
    webDomainName: "nongfang.example.gov.cn",
    webCertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/0d0e2f1c-aaaa-bbbb-cccc-ddddeeeeffff",
  };

  it("takes a prefix (-c authDomainPrefix=…)", () => {
    const template = Template.fromStack(buildApp(testApp({ authDomainPrefix: "nongfang-danling" })).stack);
    template.hasResourceProperties("AWS::Cognito::UserPoolDomain", {
      Domain: "nongfang-danling",
      ManagedLoginVersion: 2,
    });
  });

  it("takes a custom domain with its us-east-1 certificate, and calls back to the web app's custom domain too", () => {
    const built = buildApp(
      testApp({ authDomainName: "auth.nongfang.example.gov.cn", authCertificateArn: CERTIFICATE, ...WEB }),
    );
    const template = Template.fromStack(built.stack);
    template.hasResourceProperties("AWS::Cognito::UserPoolDomain", {
      Domain: "auth.nongfang.example.gov.cn",
      CustomDomainConfig: { CertificateArn: CERTIFICATE },
      ManagedLoginVersion: 2,
    });
    const distribution = Object.keys(template.findResources("AWS::CloudFront::Distribution"))[0];
    for (const { Properties: client } of Object.values(
      template.findResources("AWS::Cognito::UserPoolClient"),
    )) {
      expect(client.CallbackURLs).toEqual([
        { "Fn::Join": ["", ["https://", { "Fn::GetAtt": [distribution, "DomainName"] }, "/"]] },
        "https://nongfang.example.gov.cn/",
      ]);
      expect(client.LogoutURLs).toEqual(client.CallbackURLs);
    }
    // The page may fetch from and post to the custom sign-in domain (CSP).
    const [policy] = Object.values(template.findResources("AWS::CloudFront::ResponseHeadersPolicy"));
    const csp = JSON.stringify(
      policy?.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy,
    );
    expect(csp).toMatch(/connect-src [^;]*https:\/\/auth\.nongfang\.example\.gov\.cn/);
    expect(csp).toMatch(/form-action 'self' [^;]*https:\/\/auth\.nongfang\.example\.gov\.cn/);
    expect(() => built.app.synth()).not.toThrow();
  });

  it("refuses a prefix with a word Cognito reserves, a malformed one, half a custom domain, or both kinds", () => {
    expect(() => buildApp(testApp({ authDomainPrefix: "my-aws-login" }))).toThrow(/reserve/);
    expect(() => buildApp(testApp({ authDomainPrefix: "Nongfang" }))).toThrow(/lowercase/);
    expect(() => buildApp(testApp({ authDomainName: "auth.example.gov.cn" }))).toThrow(/both/);
    expect(() =>
      buildApp(
        testApp({
          authDomainName: "auth.example.gov.cn",
          authCertificateArn: CERTIFICATE.replace("us-east-1", "cn-north-1"),
        }),
      ),
    ).toThrow(/us-east-1/);
    expect(() =>
      buildApp(
        testApp({
          authDomainPrefix: "nongfang-danling",
          authDomainName: "auth.example.gov.cn",
          authCertificateArn: CERTIFICATE,
        }),
      ),
    ).toThrow(/not both/);
  });
});

describe("external OIDC issuer (-c oidcIssuerUrl=… -c oidcAudience=…)", () => {
  it("creates no user pool and takes issuer and audience from context", () => {
    const template = Template.fromStack(buildApp(testApp(PROVINCIAL)).stack);
    template.resourceCountIs("AWS::Cognito::UserPool", 0);
    template.resourceCountIs("AWS::Cognito::UserPoolClient", 0);
    template.resourceCountIs("AWS::Cognito::UserPoolDomain", 0);
    // That issuer enforces MFA itself; the API still checks its `amr` claim (shared/auth/mfa.ts).
    expect(functionsWithEntry(template, TRIGGER_ENTRY)).toEqual([]);
    expect(onlyAuthorizer(template).properties.JwtConfiguration).toEqual({
      Issuer: PROVINCIAL.oidcIssuerUrl,
      Audience: ["nongfang-web", "nongfang-staff"],
    });
  });

  it("accepts the audience as a JSON array too", () => {
    const template = Template.fromStack(
      buildApp(testApp({ ...PROVINCIAL, oidcAudience: ["nongfang-web"] })).stack,
    );
    expect(onlyAuthorizer(template).properties.JwtConfiguration.Audience).toEqual(["nongfang-web"]);
  });

  it("refuses half a configuration or a non-https issuer", () => {
    expect(() => buildApp(testApp({ oidcIssuerUrl: PROVINCIAL.oidcIssuerUrl }))).toThrow(/both/);
    expect(() => buildApp(testApp({ oidcAudience: "nongfang-web" }))).toThrow(/both/);
    expect(() => buildApp(testApp({ ...PROVINCIAL, oidcIssuerUrl: "http://id.example.com" }))).toThrow(
      /https/,
    );
  });
});
