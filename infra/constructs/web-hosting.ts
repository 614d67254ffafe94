import {
  type CfnElement,
  CfnOutput,
  DefaultStackSynthesizer,
  Duration,
  RemovalPolicy,
  Stack,
  Validations,
} from "aws-cdk-lib";
import { Certificate } from "aws-cdk-lib/aws-certificatemanager";
import {
  AllowedMethods,
  type BehaviorOptions,
  CachePolicy,
  Function as CloudFrontFunction,
  Distribution,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from "aws-cdk-lib/aws-cloudfront";
import { HttpOrigin, S3BucketOrigin } from "aws-cdk-lib/aws-cloudfront-origins";
import type { Role } from "aws-cdk-lib/aws-iam";
import { type CfnFunction, Function as LambdaFunction } from "aws-cdk-lib/aws-lambda";
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type IBucket,
  ObjectOwnership,
} from "aws-cdk-lib/aws-s3";
import { BucketDeployment, CacheControl, Source } from "aws-cdk-lib/aws-s3-deployment";
import { Construct } from "constructs";
import { contentSecurityPolicy, type WebConfig } from "../web-config.ts";
import { LOCAL_SKIP_METADATA, lambdaLogsAndRole } from "./function.ts";

/**
 * The web app (web/) on AWS: a private S3 bucket behind one CloudFront
 * distribution that serves the app **and** the API on the same origin.
 *
 * - **Same origin, like locally.** The app calls the API with relative paths
 *   (`/cases/…`, web/src/api.ts) and lives under `/app` so the two never collide
 *   (web/src/router.ts). The distribution sends every path of the route table
 *   to the HTTP API (caching disabled, all viewer headers but Host, so the
 *   `Authorization` header reaches the JWT authorizer) and everything else to
 *   the bucket. No CORS on the API, no preflight before every call on slow
 *   rural networks, no API URL in config.json, and certificate QR codes may
 *   point at the web domain (`/verify/…` is an API path).
 * - **Private bucket, Origin Access Control.** Only this distribution may read
 *   it (bucket policy conditioned on the distribution's ARN); public access is
 *   blocked, TLS enforced, S3-managed encryption, versioned so a bad deploy's
 *   overwritten files can be restored for 30 days.
 * - **Client routes.** A viewer-request CloudFront Function rewrites paths
 *   without a file extension (`/app/cases/…`) to `/index.html`. Mapping S3's
 *   403/404 to index.html with a 200 would also turn a missing script or a
 *   broken origin into a "working" HTML page; with the function, a missing
 *   file stays an error (403: the OAC may read objects but not list them).
 * - **Caching.** Vite's hashed files under `/assets/` are cached for a year
 *   (immutable) and are never pruned, so a page loaded before a deploy can
 *   still fetch its lazy chunks; index.html, config.json and the other files
 *   are `no-cache` (revalidated on every load), so a deploy shows at once.
 * - **config.json** is written at deploy time from stack values (issuer,
 *   app client ids: tokens), built by the same function the local cloud serves
 *   it with (infra/web-config.ts).
 */

/** Paths the web app itself owns on the shared origin: no API route may start with these. */
const WEB_APP_SEGMENTS: ReadonlySet<string> = new Set(["", "app", "assets", "index.html", "config.json"]);

/** CloudFront's default quota of cache behaviors per distribution (adjustable through Service Quotas). */
const MAX_BEHAVIORS = 25;

/**
 * CloudFront path patterns for the API's routes, one per top-level resource:
 * `/cases` for the collection, `/cases/*` for everything below it,
 * `/register.csv` as it is. Patterns are derived from the route table, so a
 * new route is reachable through the distribution without touching this file.
 */
export function apiPathPatterns(routePaths: readonly string[]): string[] {
  const patterns = new Set<string>();
  for (const routePath of routePaths) {
    const [first = "", ...rest] = routePath.split("/").slice(1);
    if (WEB_APP_SEGMENTS.has(first) || first.startsWith("{")) {
      throw new Error(`API route ${routePath} would hide the web app's own paths on the shared origin`);
    }
    patterns.add(rest.length === 0 ? `/${first}` : `/${first}/*`);
  }
  return [...patterns].sort();
}

/** A custom domain for the distribution: its name and an ACM certificate in us-east-1 (CloudFront's rule). */
export interface WebDomain {
  readonly domainName: string;
  readonly certificateArn: string;
}

export interface WebHostingProps {
  /**
   * The built app (web/dist). Without it only config.json is deployed: the
   * tests and the local cloud synthesize the stack without a web build; the
   * CDK app (infra/app.ts) always passes it.
   */
  readonly assetDir?: string;
  /** What `GET /config.json` answers; values may be tokens. */
  readonly config: WebConfig;
  /** The HTTP API served on the same origin: its execute-api domain and the path patterns of its routes. */
  readonly api: { readonly domainName: string; readonly pathPatterns: readonly string[] };
  /** Origins of presigned document URLs (the page uploads to, shows and frames them): Content-Security-Policy. */
  readonly documentOrigins: readonly string[];
  /**
   * The identity provider's origins (discovery document, token endpoint, sign-in pages): the CSP
   * lets the page fetch from them and submit forms to them.
   */
  readonly authOrigins?: readonly string[];
  /**
   * Where the bucket's server access logs and the distribution's standard logs
   * go (prefixes `web/` and `cloudfront/`). CloudFront's standard logging
   * writes with ACLs, so the bucket must allow them (BUCKET_OWNER_PREFERRED).
   */
  readonly accessLogs: IBucket;
  /** Serve on this domain with this certificate instead of only `*.cloudfront.net`. */
  readonly domain?: WebDomain;
  /** An AWS WAF web ACL (CLOUDFRONT scope, created in us-east-1) to associate. */
  readonly webAclArn?: string;
}

/** Viewer-request: a path without a file extension is a page of the app, which index.html renders. */
const SPA_REWRITE = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.lastIndexOf(".") <= uri.lastIndexOf("/")) request.uri = "/index.html";
  return request;
}`;

export class WebHosting extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  /** The app's browser origins (`https://…`): the cloudfront.net name and the custom domain if any. */
  readonly origins: readonly string[];
  /** The address users open: the custom domain if given, else the cloudfront.net name. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: WebHostingProps) {
    super(scope, id);
    if (props.api.pathPatterns.length > MAX_BEHAVIORS) {
      throw new Error(
        `${props.api.pathPatterns.length} API path patterns exceed CloudFront's ${MAX_BEHAVIORS} behaviors per distribution: raise the quota or group routes under fewer top-level paths`,
      );
    }

    this.bucket = new Bucket(this, "Bucket", {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: "web/",
      // Every deploy replaces index.html and config.json: keep a month of earlier builds, not forever.
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
      // Rebuildable from the repository, but RETAIN like every bucket here: no auto-delete Lambda.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const securityHeaders = new ResponseHeadersPolicy(this, "SecurityHeaders", {
      comment: "Nongfang: security headers for the web app and the API",
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: contentSecurityPolicy({
            documents: props.documentOrigins,
            auth: props.authOrigins ?? [],
          }),
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        // No referrer: the sign-in code in the address bar and case ids stay out of other sites' logs.
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
      },
    });

    const spaRewrite = new CloudFrontFunction(this, "SpaRewrite", {
      comment: "Nongfang: extension-less paths (client routes) load /index.html",
      code: FunctionCode.fromInline(SPA_REWRITE),
      runtime: FunctionRuntime.JS_2_0,
    });

    const apiOrigin = new HttpOrigin(props.api.domainName, {
      protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [OriginSslPolicy.TLS_V1_2],
    });
    const apiBehavior: BehaviorOptions = {
      origin: apiOrigin,
      // No redirect for the API: a redirected request would already have sent its token in clear text.
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      // With caching disabled this forwards Authorization too; Host would not match the execute-api domain.
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      responseHeadersPolicy: securityHeaders,
      compress: true,
    };

    this.distribution = new Distribution(this, "Distribution", {
      comment: "Nongfang: web app (S3) and API (HTTP API) on one origin",
      defaultRootObject: "index.html",
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        // Honours the objects' Cache-Control (set by the deployments below), compressed for slow networks.
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: securityHeaders,
        compress: true,
        functionAssociations: [{ function: spaRewrite, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: Object.fromEntries(
        props.api.pathPatterns.map((pattern) => [pattern, apiBehavior]),
      ),
      // HTTP/3 copes better with lossy mobile links.
      httpVersion: HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: props.accessLogs,
      logFilePrefix: "cloudfront/",
      ...(props.domain
        ? {
            domainNames: [props.domain.domainName],
            certificate: Certificate.fromCertificateArn(this, "Certificate", props.domain.certificateArn),
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
      ...(props.webAclArn ? { webAclId: props.webAclArn } : {}),
    });
    this.acknowledgeDistribution(props);

    const defaultOrigin = `https://${this.distribution.distributionDomainName}`;
    this.origins = props.domain ? [defaultOrigin, `https://${props.domain.domainName}`] : [defaultOrigin];
    this.url = props.domain ? `https://${props.domain.domainName}` : defaultOrigin;

    this.deploy(props);

    new CfnOutput(this, "Url", { value: this.url, description: "The web app" });
    new CfnOutput(this, "DistributionDomainName", {
      value: this.distribution.distributionDomainName,
      description: "Point the custom domain's CNAME (or alias record) here",
    });
  }

  /** Two deployments: hashed assets (immutable, never pruned), then the rest and config.json (no-cache). */
  private deploy(props: WebHostingProps): void {
    const { logGroup, role } = lambdaLogsAndRole(
      this,
      { logs: "DeployLogs", role: "DeployRole" },
      "Copies the built web app and config.json into the web bucket",
    );
    const common = { destinationBucket: this.bucket, role, logGroup, memoryLimit: 512 };

    const assets = props.assetDir
      ? new BucketDeployment(this, "DeployAssets", {
          ...common,
          sources: [Source.asset(props.assetDir)],
          exclude: ["*"],
          include: ["assets/*"],
          cacheControl: [CacheControl.fromString("public, max-age=31536000, immutable")],
          prune: false,
        })
      : undefined;
    const shell = new BucketDeployment(this, "DeployApp", {
      ...common,
      sources: [
        ...(props.assetDir ? [Source.asset(props.assetDir)] : []),
        Source.jsonData("config.json", props.config),
      ],
      // Excluded files are neither copied nor pruned: the hashed assets stay for pages loaded earlier.
      exclude: ["assets/*"],
      cacheControl: [CacheControl.noCache()],
      prune: true,
    });
    // The new index.html only goes live once every file it references is there.
    if (assets) shell.node.addDependency(assets);

    const handler = Stack.of(this)
      .node.children.filter((child): child is LambdaFunction => child instanceof LambdaFunction)
      .find((fn) => fn.node.id.startsWith("Custom::CDKBucketDeployment"));
    if (!handler) throw new Error("BucketDeployment created no handler function");
    (handler.node.defaultChild as CfnFunction).addMetadata(
      LOCAL_SKIP_METADATA,
      "Deploy-time custom resource (copies web/dist to S3); the local cloud serves web/dist itself.",
    );
    this.acknowledgeDeployment(handler, role);
  }

  private acknowledgeDistribution(props: WebHostingProps): void {
    const distribution = Validations.of(this.distribution);
    distribution.acknowledge({
      id: "AwsSolutions-CFR1",
      reason:
        "No geo restriction: villagers apply from wherever they work, in China or abroad, and every non-public API route needs a signed-in token; a county may still add one.",
    });
    if (!props.webAclArn) {
      distribution.acknowledge({
        id: "AwsSolutions-CFR2",
        reason:
          "No web ACL given (-c webAclArn=…): AWS WAF is an operator choice with its own cost; the API validates every request body and needs a token on every non-public route.",
      });
    }
    if (!props.domain) {
      distribution.acknowledge({
        id: "AwsSolutions-CFR4",
        reason:
          "Without a custom domain (-c webDomainName/-c webCertificateArn) CloudFront serves *.cloudfront.net with its default certificate, whose security policy CloudFront fixes; with one, TLSv1.2_2021 is the minimum.",
      });
    }
  }

  /**
   * cdk-nag on the BucketDeployment: its handler is CDK's code and the grants
   * are the ones CDK makes so `aws s3 sync` can copy the staged asset into the
   * web bucket, acknowledged one by one.
   */
  private acknowledgeDeployment(handler: LambdaFunction, role: Role): void {
    Validations.of(handler).acknowledge({
      id: "AwsSolutions-L1",
      reason:
        "CDK's BucketDeployment handler: aws-cdk-lib pins its Python runtime together with the AWS CLI layer it ships; it runs only during deployments and moves with aws-cdk-lib upgrades.",
    });
    const stack = Stack.of(this);
    const qualifier = String(
      this.node.tryGetContext("@aws-cdk/core:bootstrapQualifier") ??
        DefaultStackSynthesizer.DEFAULT_QUALIFIER,
    );
    const webBucket = `<${stack.getLogicalId(this.bucket.node.defaultChild as CfnElement)}.Arn>`;
    const findings: [string, string][] = [
      [
        "Action::s3:GetObject*",
        "Reads the staged build from the CDK asset bucket and compares objects in the web bucket (CDK's grantRead/grantReadWrite).",
      ],
      [
        "Action::s3:GetBucket*",
        "aws s3 sync reads bucket metadata of the asset and web buckets (CDK's grantRead/grantReadWrite).",
      ],
      [
        "Action::s3:List*",
        "aws s3 sync lists the web bucket to find what changed and what to prune (CDK's grantRead/grantReadWrite).",
      ],
      [
        "Action::s3:DeleteObject*",
        "Pruning: files no longer in the build are deleted from the web bucket (never the hashed assets, which are excluded).",
      ],
      [
        "Action::s3:Abort*",
        "Aborts its own multipart uploads of large files when a copy fails (CDK's grantReadWrite).",
      ],
      [
        `Resource::arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-<AWS::AccountId>-<AWS::Region>/*`,
        "Objects of the CDK bootstrap asset bucket, where the zipped web/dist is staged; read only.",
      ],
      [`Resource::${webBucket}/*`, "Objects of the web bucket only."],
    ];
    for (const [finding, reason] of findings) {
      Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    }
  }
}
