import type { APIGatewayProxyEventV2 } from "aws-lambda";
import * as z from "zod";
import { type Bilingual, DomainError } from "../errors.ts";
import { DEPARTMENT_IDS } from "../schemas/common.ts";
import { authenticationMethods, needsMultiFactor, provesMultiFactor } from "./mfa.ts";

/**
 * Who is calling, as the JWT authorizer saw them. Claim names are Cognito's
 * custom-attribute names (`custom:…`), which any OIDC issuer can emit too, so
 * the same handlers work behind a Cognito user pool or a provincial identity
 * service.
 */
export const ROLES = [
  "villager",
  "village_officer",
  "township_clerk",
  "department_reviewer",
  "township_head",
  "site_inspector",
  "auditor",
  "county_admin",
] as const;
export type Role = (typeof ROLES)[number];

/** A comma-separated claim ("511424100,511424101"); API Gateway passes claims as strings. */
const list = z.string().transform((value) =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean),
);

export const claimsSchema = z.object({
  sub: z.string().min(1),
  name: z.string().optional(),
  "custom:role": z.enum(ROLES),
  "custom:department": z.enum(DEPARTMENT_IDS).optional(),
  "custom:townships": list.optional(),
  "custom:village": z.string().optional(),
  "custom:household": z.string().optional(),
});

export interface Actor {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly department?: (typeof DEPARTMENT_IDS)[number];
  /** Township codes a staff member works in (empty for villagers). */
  readonly townships: readonly string[];
  readonly villageCode?: string;
  /** The household a villager belongs to. */
  readonly householdId?: string;
}

/**
 * Authentication decides who the caller is and whether that sign-in is enough
 * for their role: a rule of the platform (shared/auth/mfa.ts), so its errors
 * are domain errors too. shared/http/error-mapping.ts answers them 401, with
 * RFC 9470's `WWW-Authenticate` challenge for a missing second factor.
 */

/** No verified claims, or not the ones Nongfang needs. */
export class NotAuthenticatedError extends DomainError {
  constructor(text: Bilingual = { en: "Unauthorized", zh: "未登录或登录已失效" }) {
    super(text);
  }
}

/**
 * The token is genuine but its sign-in was weaker than the caller's role
 * needs: staff without multi-factor evidence. A client signs the user in again
 * with MFA rather than treat it as a missing permission.
 */
export class SecondFactorMissingError extends DomainError {}

/** `amr` / `nongfang:amr` as they may arrive: an array in a payload, a string from API Gateway. */
const methodClaimsSchema = z.record(z.string(), z.unknown());

/**
 * The caller behind verified claims. Staff (every role but villager) must show
 * multi-factor evidence (shared/auth/mfa.ts); without it no handler gets a
 * staff actor, whatever route it serves.
 */
export function actorFromClaims(claims: unknown): Actor {
  const parsed = claimsSchema.safeParse(claims);
  if (!parsed.success)
    throw new NotAuthenticatedError({
      en: "The sign-in token lacks the claims Nongfang needs",
      zh: "登录令牌缺少农房系统所需的身份信息",
    });
  const c = parsed.data;
  if (needsMultiFactor(c["custom:role"])) {
    const methods = authenticationMethods(methodClaimsSchema.parse(claims));
    if (!provesMultiFactor(methods)) {
      const shown = methods.length ? methods.join(", ") : "no authentication methods";
      throw new SecondFactorMissingError({
        en: `Staff (${c["custom:role"]}) must sign in with multi-factor authentication (password and an authenticator or SMS code); this token shows ${shown} (amr)`,
        zh: `工作人员（${c["custom:role"]}）须使用双重身份验证登录（密码加验证器或短信验证码）；此令牌的认证方式为 ${shown}（amr）`,
      });
    }
  }
  return {
    id: c.sub,
    name: c.name ?? c.sub,
    role: c["custom:role"],
    ...(c["custom:department"] ? { department: c["custom:department"] } : {}),
    townships: c["custom:townships"] ?? [],
    ...(c["custom:village"] ? { villageCode: c["custom:village"] } : {}),
    ...(c["custom:household"] ? { householdId: c["custom:household"] } : {}),
  };
}

/** The caller of an HTTP request, from `requestContext.authorizer.jwt.claims`. */
/**
 * Who acted, as the audit trail and decisions record it. Staff keep their
 * display name as it was then (people read names, not login ids); a villager's
 * name is personal data and stays in the sealed application only.
 */
export function auditActorOf(actor: Actor): {
  id: string;
  role: Role;
  department?: Actor["department"];
  name?: string;
} {
  return {
    id: actor.id,
    role: actor.role,
    ...(actor.department ? { department: actor.department } : {}),
    ...(actor.role !== "villager" && actor.name !== actor.id ? { name: actor.name.slice(0, 100) } : {}),
  };
}

export function actorOf(event: APIGatewayProxyEventV2): Actor {
  const context = event.requestContext as APIGatewayProxyEventV2["requestContext"] & {
    authorizer?: { jwt?: { claims?: unknown } };
  };
  const claims = context.authorizer?.jwt?.claims;
  if (!claims) throw new NotAuthenticatedError();
  return actorFromClaims(claims);
}
