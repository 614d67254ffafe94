/**
 * Identity settings from CDK context: an external OIDC issuer instead of a
 * Cognito user pool, and the user pool's domain.
 */
import type { Construct } from "constructs";
import * as z from "zod";

export interface ExternalIssuer {
  /** The issuer URL exactly as tokens carry it in `iss` (https; discovery must be public). */
  readonly issuerUrl: string;
  /** Accepted `aud` (or `client_id`) values. */
  readonly audience: readonly string[];
}

/**
 * Where the pool's managed login and OAuth endpoints live: a Cognito prefix
 * domain (`<prefix>.auth.<region>.amazoncognito.com`) or a custom domain with
 * an ACM certificate in us-east-1.
 */
export type AuthDomain =
  | { readonly prefix: string }
  | { readonly domainName: string; readonly certificateArn: string };

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

const domainContextSchema = z.union([
  z.object({
    prefix: z
      .string()
      .regex(
        /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
        "authDomainPrefix: lowercase letters, digits and inner hyphens, at most 63",
      )
      .refine((prefix) => !/aws|amazon|cognito/.test(prefix), {
        message: "authDomainPrefix may not contain aws, amazon or cognito (Cognito reserves them)",
      }),
  }),
  z.object({
    domainName: z
      .string()
      .regex(
        /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
        "authDomainName must be a domain name",
      ),
    certificateArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/,
        "authCertificateArn must be an ACM certificate in us-east-1 (Cognito custom domains only use those)",
      ),
  }),
]);

/**
 * Reads the user pool's domain from CDK context: `-c authDomainPrefix=nongfang-danling`,
 * or `-c authDomainName=auth.nongfang.example.gov.cn -c authCertificateArn=arn:…` (both),
 * not both kinds. Undefined: the default prefix.
 */
export function authDomainFromContext(scope: Construct): AuthDomain | undefined {
  const prefix: unknown = scope.node.tryGetContext("authDomainPrefix");
  const domainName: unknown = scope.node.tryGetContext("authDomainName");
  const certificateArn: unknown = scope.node.tryGetContext("authCertificateArn");
  if ((domainName === undefined) !== (certificateArn === undefined)) {
    throw new Error("Give both -c authDomainName=… and -c authCertificateArn=…, or neither");
  }
  if (prefix !== undefined && domainName !== undefined) {
    throw new Error("Give -c authDomainPrefix=… or -c authDomainName=… (a custom domain), not both");
  }
  if (prefix !== undefined) return domainContextSchema.parse({ prefix: String(prefix) });
  if (domainName !== undefined) {
    return domainContextSchema.parse({
      domainName: String(domainName).toLowerCase(),
      certificateArn: String(certificateArn),
    });
  }
  return undefined;
}
