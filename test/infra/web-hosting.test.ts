import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runInNewContext } from "node:vm";
import type { App } from "aws-cdk-lib";
import { Capture, Match, Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "#infra/app.ts";
import { ENTRY_METADATA, LOCAL_SKIP_METADATA } from "#infra/constructs/function.ts";
import { apiPathPatterns } from "#infra/constructs/web-hosting.ts";
import { webConfig } from "#infra/web-config.ts";
import { ROUTES } from "#shared/http/routes.ts";
import { testApp } from "../support/cdk-app.ts";

// CloudFront's managed policies (ids are fixed by AWS).
const CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
const ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac";

const CUSTOM_DOMAIN = {
  webDomainName: "nongfang.example.gov.cn",
  webCertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/0d0e2f1c-1111-2222-3333-444455556666",
  webAclArn: "arn:aws:wafv2:us-east-1:123456789012:global/webacl/nongfang/0d0e2f1c",
};

type Json = Record<string, unknown>;

/** Renders Fn::Join / Ref / GetAtt as one string (`<LogicalId>`, `<LogicalId.Attr>`) to read policies and URLs. */
function flatten(value: unknown): string {
  if (typeof value === "string") return value;
  const object = (value ?? {}) as Json;
  if (Array.isArray(object["Fn::Join"])) {
    const [separator, parts] = object["Fn::Join"] as [string, unknown[]];
    return parts.map(flatten).join(separator);
  }
  if (typeof object.Ref === "string") return `<${object.Ref}>`;
  if (Array.isArray(object["Fn::GetAtt"])) return `<${(object["Fn::GetAtt"] as string[]).join(".")}>`;
  throw new Error(`cannot flatten ${JSON.stringify(value)}`);
}

function only<T>(values: T[]): T {
  expect(values).toHaveLength(1);
  return values[0] as T;
}

/** A stand-in for web/dist: the tests never depend on a Vite build. */
function fakeWebBuild(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "nongfang-web-"));
  mkdirSync(path.join(dir, "assets"));
  writeFileSync(
    path.join(dir, "index.html"),
    '<!doctype html><script type="module" src="/assets/index-abc123.js"></script>',
  );
  writeFileSync(path.join(dir, "assets", "index-abc123.js"), "export {};\n");
  writeFileSync(path.join(dir, "favicon.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>");
  return dir;
}

/** Where CloudFront sends a path: the first API pattern it matches, else the default (S3) behavior. */
function behaviorFor(patterns: readonly string[], urlPath: string): string {
  const matches = (pattern: string) =>
    new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(urlPath);
  return patterns.find(matches) ?? "default";
}

let webBuild: string;
beforeAll(() => {
  webBuild = fakeWebBuild();
});
afterAll(() => {
  rmSync(webBuild, { recursive: true, force: true });
});

describe("web hosting (default: cloudfront.net name, Cognito)", () => {
  let app: App;
  let template: Template;
  let distribution: Json;
  let distributionId: string;
  let webBucketId: string;

  beforeAll(() => {
    const built = buildApp(testApp(), { webAssetDir: webBuild });
    app = built.app;
    template = Template.fromStack(built.stack);
    const [id, resource] = only(Object.entries(template.findResources("AWS::CloudFront::Distribution")));
    distributionId = id;
    distribution = (resource.Properties as Json).DistributionConfig as Json;
    const s3Origin = only((distribution.Origins as Json[]).filter((origin) => origin.S3OriginConfig));
    webBucketId = ((s3Origin.DomainName as Json)["Fn::GetAtt"] as string[])[0] ?? "";
  });

  it("synthesizes with no unacknowledged cdk-nag finding", () => {
    // Template.fromStack already synthesized the app with cdk-nag: a finding fails that beforeAll with
    // cdk-nag's report; this names the expectation and re-reads the same (cached) synth.
    expect(() => app.synth()).not.toThrow();
  });

  describe("bucket", () => {
    it("is private: public access blocked, TLS only, S3-managed encryption, versioned, access-logged", () => {
      const bucket = template.findResources("AWS::S3::Bucket")[webBucketId]?.Properties as Json;
      expect(bucket).toMatchObject({
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
        VersioningConfiguration: { Status: "Enabled" },
        LoggingConfiguration: { LogFilePrefix: "web/" },
      });
      // Not an S3 website endpoint (those are public and HTTP only): CloudFront reads it through the S3 API.
      expect(bucket.WebsiteConfiguration).toBeUndefined();
    });

    it("is readable only by this distribution through Origin Access Control", () => {
      const oac = new Capture();
      template.hasResourceProperties("AWS::CloudFront::Distribution", {
        DistributionConfig: Match.objectLike({
          Origins: Match.arrayWith([
            Match.objectLike({
              DomainName: { "Fn::GetAtt": [webBucketId, "RegionalDomainName"] },
              OriginAccessControlId: { "Fn::GetAtt": [oac, "Id"] },
              S3OriginConfig: { OriginAccessIdentity: "" },
            }),
          ]),
        }),
      });
      template.hasResourceProperties("AWS::CloudFront::OriginAccessControl", {
        OriginAccessControlConfig: Match.objectLike({
          OriginAccessControlOriginType: "s3",
          SigningBehavior: "always",
          SigningProtocol: "sigv4",
        }),
      });
      expect(Object.keys(template.findResources("AWS::CloudFront::OriginAccessControl"))).toEqual([
        oac.asString(),
      ]);

      const policy = only(
        Object.values(template.findResources("AWS::S3::BucketPolicy")).filter(
          (resource) => resource.Properties.Bucket.Ref === webBucketId,
        ),
      );
      const statements = policy.Properties.PolicyDocument.Statement as Json[];
      const allow = only(statements.filter((statement) => statement.Effect === "Allow"));
      expect(allow).toMatchObject({
        Action: "s3:GetObject",
        Principal: { Service: "cloudfront.amazonaws.com" },
      });
      const sourceArn = ((allow.Condition as Json).StringEquals as Json)["AWS:SourceArn"];
      expect(flatten(sourceArn)).toBe(
        `arn:<AWS::Partition>:cloudfront::<AWS::AccountId>:distribution/<${distributionId}>`,
      );
      // The other statement only denies plain HTTP.
      expect(statements.filter((statement) => statement.Effect === "Deny")).toEqual([
        expect.objectContaining({ Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
      ]);
    });
  });

  describe("distribution", () => {
    it("redirects HTTP to HTTPS for the app, refuses HTTP on API paths, serves index.html at /", () => {
      expect(distribution.DefaultRootObject).toBe("index.html");
      expect((distribution.DefaultCacheBehavior as Json).ViewerProtocolPolicy).toBe("redirect-to-https");
      for (const behavior of distribution.CacheBehaviors as Json[]) {
        expect(behavior.ViewerProtocolPolicy, String(behavior.PathPattern)).toBe("https-only");
      }
    });

    it("sends HSTS, nosniff, DENY framing, no referrer and a CSP on every behavior", () => {
      const [policyId, policy] = only(
        Object.entries(template.findResources("AWS::CloudFront::ResponseHeadersPolicy")),
      );
      const headers = policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig as Json;
      expect(headers).toMatchObject({
        StrictTransportSecurity: {
          AccessControlMaxAgeSec: 63_072_000,
          IncludeSubdomains: true,
          Override: true,
        },
        ContentTypeOptions: { Override: true },
        FrameOptions: { FrameOption: "DENY", Override: true },
        ReferrerPolicy: { ReferrerPolicy: "no-referrer", Override: true },
      });
      const csp = flatten((headers.ContentSecurityPolicy as Json).ContentSecurityPolicy).split("; ");
      const s3 = "https://*.s3.<AWS::Region>.<AWS::URLSuffix>";
      const cognito = "https://cognito-idp.<AWS::Region>.<AWS::URLSuffix>";
      const poolDomain = "https://nongfang-<AWS::AccountId>.auth.<AWS::Region>.amazoncognito.com";
      expect(csp).toEqual(
        expect.arrayContaining([
          "default-src 'self'",
          "script-src 'self'",
          // The API is on the page's own origin ('self'); uploads go to S3; sign-in reads Cognito's
          // discovery document and redeems the code at the pool's domain.
          `connect-src 'self' ${s3} ${cognito} ${poolDomain}`,
          `form-action 'self' ${cognito} ${poolDomain}`,
          `img-src 'self' blob: data: ${s3}`,
          `frame-src ${s3}`,
          "object-src 'none'",
          "frame-ancestors 'none'",
        ]),
      );
      for (const behavior of [
        distribution.DefaultCacheBehavior,
        ...(distribution.CacheBehaviors as Json[]),
      ]) {
        expect((behavior as Json).ResponseHeadersPolicyId).toEqual({ Ref: policyId });
      }
    });

    it("rewrites client routes to /index.html in a viewer-request function, with no error-page mapping", () => {
      const [functionId, fn] = only(Object.entries(template.findResources("AWS::CloudFront::Function")));
      expect((distribution.DefaultCacheBehavior as Json).FunctionAssociations).toEqual([
        { EventType: "viewer-request", FunctionARN: { "Fn::GetAtt": [functionId, "FunctionARN"] } },
      ]);
      // A 403/404 → 200 index.html mapping would also hide missing files and origin errors.
      expect(distribution.CustomErrorResponses).toBeUndefined();

      expect(fn.Properties.FunctionConfig.Runtime).toBe("cloudfront-js-2.0");
      const handler = runInNewContext(`${fn.Properties.FunctionCode}\nhandler;`) as (event: {
        request: { uri: string };
      }) => { uri: string };
      const rewrite = (uri: string) => handler({ request: { uri } }).uri;
      expect(rewrite("/")).toBe("/index.html");
      expect(rewrite("/app")).toBe("/index.html");
      expect(rewrite("/app/cases/4f6c2a9e-1b7d-4c1e-9a3f-0d2b8e5c7a11/form/applicant")).toBe("/index.html");
      expect(rewrite("/assets/index-abc123.js")).toBe("/assets/index-abc123.js");
      expect(rewrite("/config.json")).toBe("/config.json");
      expect(rewrite("/favicon.svg")).toBe("/favicon.svg");
    });

    it("caches the app through CloudFront's optimized policy and never caches the API", () => {
      expect((distribution.DefaultCacheBehavior as Json).CachePolicyId).toBe(
        "658327ea-f89d-4fab-a63d-7e88639e58f6",
      );
      for (const behavior of distribution.CacheBehaviors as Json[]) {
        expect(behavior).toMatchObject({
          CachePolicyId: CACHING_DISABLED,
          // With caching disabled this forwards Authorization (the JWT) and Idempotency-Key; Host stays the API's.
          OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
          AllowedMethods: expect.arrayContaining(["GET", "POST", "PUT", "DELETE"]),
        });
      }
    });

    it("sends every route of the route table to the HTTP API and the app's own paths to the bucket", () => {
      const patterns = (distribution.CacheBehaviors as Json[]).map((behavior) =>
        String(behavior.PathPattern),
      );
      expect(patterns).toEqual(apiPathPatterns(ROUTES.map((route) => route.path)));

      const apiOrigin = only((distribution.Origins as Json[]).filter((origin) => origin.CustomOriginConfig));
      expect(flatten(apiOrigin.DomainName)).toMatch(
        /^<HttpApi\w+>\.execute-api\.<AWS::Region>\.<AWS::URLSuffix>$/,
      );
      expect(apiOrigin.CustomOriginConfig).toMatchObject({
        OriginProtocolPolicy: "https-only",
        OriginSSLProtocols: ["TLSv1.2"],
      });
      for (const behavior of distribution.CacheBehaviors as Json[]) {
        expect(behavior.TargetOriginId).toBe(apiOrigin.Id);
      }

      for (const route of ROUTES) {
        const sample = route.path.replace(/\{[^}]+\}/g, "x1");
        expect(behaviorFor(patterns, sample), route.path).not.toBe("default");
      }
      for (const page of [
        "/",
        "/app",
        "/app/cases/x1",
        "/assets/index-abc123.js",
        "/config.json",
        "/index.html",
      ]) {
        expect(behaviorFor(patterns, page), page).toBe("default");
      }
    });

    it("writes standard logs to the access-log bucket", () => {
      expect(distribution.Logging).toEqual({
        Bucket: { "Fn::GetAtt": [expect.stringMatching(/^DocumentsAccessLogs/), "RegionalDomainName"] },
        Prefix: "cloudfront/",
      });
    });
  });

  describe("deployment", () => {
    it("deploys hashed assets immutable and unpruned, then the rest no-cache once the assets are there", () => {
      const deployments = Object.entries(template.findResources("Custom::CDKBucketDeployment"));
      expect(deployments).toHaveLength(2);
      const [assetsId, assets] = only(deployments.filter(([, d]) => d.Properties.Include !== undefined));
      const [, shell] = only(deployments.filter(([, d]) => d.Properties.Include === undefined));
      expect(assets.Properties).toMatchObject({
        DestinationBucketName: { Ref: webBucketId },
        Exclude: ["*"],
        Include: ["assets/*"],
        Prune: false,
        SystemMetadata: { "cache-control": "public, max-age=31536000, immutable" },
      });
      expect(shell.Properties).toMatchObject({
        DestinationBucketName: { Ref: webBucketId },
        Exclude: ["assets/*"],
        Prune: true,
        SystemMetadata: { "cache-control": "no-cache" },
      });
      expect(shell.DependsOn).toContain(assetsId);

      // CDK's handler copies the files at deploy time; the local cloud skips it (it serves web/dist itself).
      const handlerId = (assets.Properties.ServiceToken as Json)["Fn::GetAtt"] as string[];
      const handler = template.findResources("AWS::Lambda::Function")[handlerId[0] ?? ""];
      expect(handler?.Metadata?.[LOCAL_SKIP_METADATA]).toEqual(expect.any(String));
      expect(handler?.Metadata?.[ENTRY_METADATA]).toBeUndefined();
    });

    it("writes config.json at deploy time with the user pool's issuer, both app client ids and the county policy", () => {
      const [, shell] = only(
        Object.entries(template.findResources("Custom::CDKBucketDeployment")).filter(
          ([, d]) => d.Properties.Include === undefined,
        ),
      );
      const keys = shell.Properties.SourceObjectKeys as string[];
      const markers = shell.Properties.SourceMarkers as Json[];
      const assembly = app.synth();
      const found = keys
        .map((key, index) => ({
          dir: path.join(assembly.directory, `asset.${key.replace(/\.zip$/, "")}`),
          index,
        }))
        .map(({ dir, index }) => ({ file: path.join(dir, "config.json"), index }))
        .filter(({ file }) => {
          try {
            readFileSync(file);
            return true;
          } catch {
            return false;
          }
        });
      const { file, index } = only(found);
      // Token values travel as markers the deployment replaces: put the CloudFormation values back.
      let text = readFileSync(file, "utf8");
      for (const [marker, value] of Object.entries(markers[index] ?? {})) {
        text = text.replaceAll(marker, flatten(value));
      }
      const config = JSON.parse(text) as Json;

      const pool = only(Object.keys(template.findResources("AWS::Cognito::UserPool")));
      const clientNamed = (name: string) =>
        only(
          Object.entries(template.findResources("AWS::Cognito::UserPoolClient"))
            .filter(([, client]) => client.Properties.ClientName === name)
            .map(([id]) => id),
        );
      expect(config).toEqual(
        webConfig(
          {
            issuer: `<${pool}.ProviderURL>`,
            clients: {
              villager: `<${clientNamed("nongfang-web-villager")}>`,
              staff: `<${clientNamed("nongfang-web-staff")}>`,
            },
          },
          "sichuan-default",
        ),
      );
      // Same origin: the app calls the API with relative paths, so config.json carries no API URL.
      expect(config).not.toHaveProperty("apiBaseUrl");
    });
  });

  it("lets the distribution's origin upload to the documents bucket (CORS)", () => {
    const documents = only(
      Object.values(template.findResources("AWS::S3::Bucket")).filter(
        (bucket) => bucket.Properties.CorsConfiguration,
      ),
    );
    const origins = (documents.Properties.CorsConfiguration.CorsRules as Json[]).flatMap((rule) =>
      (rule.AllowedOrigins as unknown[]).map(flatten),
    );
    expect(origins).toContain(`https://<${distributionId}.DomainName>`);
  });

  it("prints certificate QR codes with the API's URL when there is no custom domain", () => {
    const issue = only(
      Object.values(template.findResources("AWS::Lambda::Function")).filter(
        (fn) => fn.Metadata?.[ENTRY_METADATA] === "functions/workflow/issue-certificates.ts",
      ),
    );
    expect(flatten(issue.Properties.Environment.Variables.PUBLIC_BASE_URL)).toMatch(
      /^https:\/\/<HttpApi\w+>\.execute-api\.<AWS::Region>\.<AWS::URLSuffix>$/,
    );
  });
});

describe("web hosting with a custom domain and a web ACL", () => {
  let app: App;
  let template: Template;

  beforeAll(() => {
    const built = buildApp(testApp(CUSTOM_DOMAIN), { webAssetDir: webBuild });
    app = built.app;
    template = Template.fromStack(built.stack);
  });

  it("synthesizes with no unacknowledged cdk-nag finding", () => {
    expect(() => app.synth()).not.toThrow();
  });

  it("serves the domain with its certificate, TLS 1.2 at least, behind the web ACL", () => {
    template.hasResourceProperties("AWS::CloudFront::Distribution", {
      DistributionConfig: Match.objectLike({
        Aliases: [CUSTOM_DOMAIN.webDomainName],
        ViewerCertificate: {
          AcmCertificateArn: CUSTOM_DOMAIN.webCertificateArn,
          MinimumProtocolVersion: "TLSv1.2_2021",
          SslSupportMethod: "sni-only",
        },
        WebACLId: CUSTOM_DOMAIN.webAclArn,
      }),
    });
  });

  it("lets the domain upload to the documents bucket and prints QR codes with it", () => {
    const documents = only(
      Object.values(template.findResources("AWS::S3::Bucket")).filter(
        (bucket) => bucket.Properties.CorsConfiguration,
      ),
    );
    const origins = (documents.Properties.CorsConfiguration.CorsRules as Json[]).flatMap((rule) =>
      (rule.AllowedOrigins as unknown[]).map(flatten),
    );
    expect(origins).toContain(`https://${CUSTOM_DOMAIN.webDomainName}`);
    const issue = only(
      Object.values(template.findResources("AWS::Lambda::Function")).filter(
        (fn) => fn.Metadata?.[ENTRY_METADATA] === "functions/workflow/issue-certificates.ts",
      ),
    );
    expect(issue.Properties.Environment.Variables.PUBLIC_BASE_URL).toBe(
      `https://${CUSTOM_DOMAIN.webDomainName}`,
    );
  });
});

describe("web hosting configuration", () => {
  it("refuses half a custom domain and a certificate outside us-east-1", () => {
    const { webDomainName, webCertificateArn } = CUSTOM_DOMAIN;
    expect(() => buildApp(testApp({ webDomainName }))).toThrow(/both/);
    expect(() => buildApp(testApp({ webCertificateArn }))).toThrow(/both/);
    expect(() =>
      buildApp(
        testApp({ webDomainName, webCertificateArn: webCertificateArn.replace("us-east-1", "cn-north-1") }),
      ),
    ).toThrow(/us-east-1/);
  });

  it("deploys config.json alone when no web build is given (tests and the local cloud)", () => {
    const template = Template.fromStack(buildApp(testApp()).stack);
    const deployment = only(Object.values(template.findResources("Custom::CDKBucketDeployment")));
    expect(deployment.Properties.SourceObjectKeys).toHaveLength(1);
    expect(deployment.Properties.Exclude).toEqual(["assets/*"]);
  });

  it("refuses an API route that would hide the web app's own paths", () => {
    expect(apiPathPatterns(["/cases", "/cases/{caseId}", "/register.csv"])).toEqual([
      "/cases",
      "/cases/*",
      "/register.csv",
    ]);
    for (const path of ["/app/settings", "/assets/{file}", "/config.json", "/{anything}", "/"]) {
      expect(() => apiPathPatterns([path]), path).toThrow(/web app/);
    }
  });
});
