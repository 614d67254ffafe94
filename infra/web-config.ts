/**
 * `config.json`: what the web app cannot know at build time (the sign-in
 * issuer, the client id, the county's document list and upload limits). One
 * builder for both places that serve it: the local cloud answers
 * `GET /config.json` with it (infra/local/web.ts), and on AWS it is written
 * next to the built app at deploy time (infra/constructs/web-hosting.ts).
 * web/src/config.ts mirrors the shape.
 */
import { getShippedPolicy } from "#shared/domain/policy/shipped-policies.ts";

type Policy = ReturnType<typeof getShippedPolicy>;

export interface WebConfig {
  readonly auth: { readonly issuer: string; readonly clientId: string };
  readonly county: {
    readonly policyId: string;
    readonly requiredDocuments: Policy["requiredDocuments"];
    readonly uploads: Policy["uploads"];
  };
}

/**
 * `policyKey` names the county policy the way the functions' COUNTY_POLICY_ID
 * does (a policy id or a county code), so the form asks for exactly what
 * submit checks. `auth` values may be CDK tokens (resolved at deploy time).
 */
export function webConfig(auth: WebConfig["auth"], policyKey: string): WebConfig {
  const policy = getShippedPolicy(policyKey);
  return {
    auth: { issuer: auth.issuer, clientId: auth.clientId },
    county: {
      policyId: policy.policyId,
      requiredDocuments: policy.requiredDocuments,
      uploads: policy.uploads,
    },
  };
}

export interface ContentSecurityPolicyOrigins {
  /** Where documents live (the documents bucket): presigned URLs are fetched (upload), shown and framed. */
  readonly documents: readonly string[];
  /** Further origins the page calls with fetch only, e.g. the identity provider's API. */
  readonly connect?: readonly string[];
}

/**
 * The page's Content-Security-Policy, the same locally and behind CloudFront:
 * only our own scripts and styles, no plugins, no framing of the app. Origins
 * may be CDK tokens.
 */
export function contentSecurityPolicy(origins: ContentSecurityPolicyOrigins): string {
  const documents = origins.documents.join(" ");
  const connect = [...origins.documents, ...(origins.connect ?? [])].join(" ");
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' blob: data: ${documents}`.trimEnd(),
    `connect-src 'self' ${connect}`.trimEnd(),
    `frame-src ${documents || "'none'"}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}
