/** The web distribution's custom domain and web ACL, from CDK context. */
import type { Construct } from "constructs";
import * as z from "zod";
import type { WebHostingProps } from "./web-hosting.ts";

const contextSchema = z.object({
  domain: z
    .object({
      domainName: z
        .string()
        .regex(
          /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
          "webDomainName must be a domain name",
        ),
      certificateArn: z
        .string()
        .regex(
          /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/,
          "webCertificateArn must be an ACM certificate in us-east-1 (CloudFront only uses those)",
        ),
    })
    .optional(),
  webAclArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/.+$/,
      "webAclArn must be a CLOUDFRONT-scope web ACL",
    )
    .optional(),
});

/**
 * Reads `webDomainName` + `webCertificateArn` (both or neither) and
 * `webAclArn` from CDK context: `cdk deploy -c webDomainName=nongfang.example.gov.cn -c webCertificateArn=arn:…`.
 */
export function webHostingFromContext(scope: Construct): Pick<WebHostingProps, "domain" | "webAclArn"> {
  const domainName: unknown = scope.node.tryGetContext("webDomainName");
  const certificateArn: unknown = scope.node.tryGetContext("webCertificateArn");
  const webAclArn: unknown = scope.node.tryGetContext("webAclArn");
  if ((domainName === undefined) !== (certificateArn === undefined)) {
    throw new Error(
      "Give both -c webDomainName=… and -c webCertificateArn=…, or neither (the cloudfront.net name)",
    );
  }
  const parsed = contextSchema.parse({
    ...(domainName !== undefined
      ? { domain: { domainName: String(domainName).toLowerCase(), certificateArn: String(certificateArn) } }
      : {}),
    ...(webAclArn !== undefined ? { webAclArn: String(webAclArn) } : {}),
  });
  return {
    ...(parsed.domain ? { domain: parsed.domain } : {}),
    ...(parsed.webAclArn ? { webAclArn: parsed.webAclArn } : {}),
  };
}
