/**
 * `config.json`: what the web app cannot know at build time (the sign-in
 * issuer, the app client ids, the county's document list and upload limits). One
 * builder for both places that serve it: the local cloud answers
 * `GET /config.json` with it (infra/local/web.ts), and on AWS it is written
 * next to the built app at deploy time (infra/constructs/web-hosting.ts).
 * web/src/config.ts mirrors the shape.
 */
import { getShippedPolicy } from "#shared/domain/policy/shipped-policies.ts";

type Policy = ReturnType<typeof getShippedPolicy>;

/**
 * Sign-in (web/src/auth.ts): the app reads `<issuer>/.well-known/openid-configuration`
 * and signs in with the authorization code flow and PKCE, as a public client
 * (no secret). Two app clients, because villagers and staff sign in differently
 * (infra/constructs/identity.ts): the villager client with a phone number and an
 * SMS code, the staff client with a password and a second factor. The sign-in
 * screen offers both when they differ, one button when they are the same id
 * (an external issuer with one audience).
 */
export interface WebAuthConfig {
  readonly issuer: string;
  readonly clients: { readonly villager: string; readonly staff: string };
}

export interface WebConfig {
  readonly auth: WebAuthConfig;
  readonly county: {
    readonly policyId: string;
    readonly requiredDocuments: Policy["requiredDocuments"];
    readonly uploads: Policy["uploads"];
    /** The county's names for its departments: every screen names a department as the policy does. */
    readonly departments: readonly { readonly id: string; readonly name: Policy["county"]["name"] }[];
  };
}

/**
 * The documents as the form asks for them: a requirement that depends on the county's
 * notice rule (`paper_public_notice`) is resolved here, so the app only knows "always" and
 * pre-check flags — the photo of the paper notice is asked for exactly where submit wants it.
 */
function askedOnline(
  policy: Policy,
  requirements: Policy["requiredDocuments"]["homestead"],
): Policy["requiredDocuments"]["homestead"] {
  return requirements.flatMap((requirement) => {
    if (requirement.condition !== "paper_public_notice") return [requirement];
    return policy.publicNotice.paperPhotoAllowed === true
      ? [{ ...requirement, condition: "always" as const }]
      : [];
  });
}

/**
 * `policyKey` names the county policy the way the functions' COUNTY_POLICY_ID
 * does (a policy id or a county code), so the form asks for exactly what
 * submit checks. `auth` values may be CDK tokens (resolved at deploy time).
 */
export function webConfig(auth: WebConfig["auth"], policyKey: string): WebConfig {
  const policy = getShippedPolicy(policyKey);
  return {
    auth: { issuer: auth.issuer, clients: { villager: auth.clients.villager, staff: auth.clients.staff } },
    county: {
      policyId: policy.policyId,
      requiredDocuments: {
        homestead: askedOnline(policy, policy.requiredDocuments.homestead),
        farmhouse: askedOnline(policy, policy.requiredDocuments.farmhouse),
      },
      uploads: policy.uploads,
      departments: policy.departments.map((department) => ({ id: department.id, name: department.name })),
    },
  };
}

export interface ContentSecurityPolicyOrigins {
  /** Where documents live (the documents bucket): presigned URLs are fetched (upload), shown and framed. */
  readonly documents: readonly string[];
  /**
   * The identity provider's origins: the page fetches its discovery document
   * and token endpoint (connect-src), and only forms to it or the app itself
   * may be submitted (form-action).
   */
  readonly auth?: readonly string[];
  /** Further origins the page calls with fetch only. */
  readonly connect?: readonly string[];
}

/**
 * The page's Content-Security-Policy, the same locally and behind CloudFront:
 * only our own scripts and styles, no plugins, no framing of the app, forms
 * only to the app and the identity provider. Origins may be CDK tokens.
 */
export function contentSecurityPolicy(origins: ContentSecurityPolicyOrigins): string {
  const documents = origins.documents.join(" ");
  const auth = [...new Set(origins.auth ?? [])];
  const connect = [...new Set([...origins.documents, ...auth, ...(origins.connect ?? [])])].join(" ");
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' blob: data: ${documents}`.trimEnd(),
    `connect-src 'self' ${connect}`.trimEnd(),
    `frame-src ${documents || "'none'"}`,
    `form-action 'self' ${auth.join(" ")}`.trimEnd(),
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}
