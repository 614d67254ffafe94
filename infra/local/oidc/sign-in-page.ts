/**
 * The local issuer's HTML: the demo sign-in page (users grouped by role, zh-CN
 * first, sized for a phone) and its error pages. No passwords: choosing a user
 * posts the authorization request back with the username.
 */
import { ROLES, type Role } from "#shared/auth/actor.ts";
import type { DepartmentId } from "#shared/schemas/common.ts";
import type { AuthorizeRequest } from "./authorize.ts";
import { type ClientKind, type DemoDirectory, type DemoUser, isKind } from "./directory.ts";

const ROLE_LABELS: Record<Role, { zh: string; en: string }> = {
  villager: { zh: "村民（申请人）", en: "Villager (applicant)" },
  village_officer: { zh: "村级组织", en: "Village officer" },
  township_clerk: { zh: "乡镇受理窗口", en: "Township window clerk" },
  department_reviewer: { zh: "部门审查", en: "Department reviewer" },
  township_head: { zh: "乡镇审批领导", en: "Township head" },
  site_inspector: { zh: "现场踏勘", en: "Site inspector" },
  auditor: { zh: "审计查询", en: "Auditor" },
  county_admin: { zh: "县级管理员", en: "County administrator" },
};

const DEPARTMENT_LABELS: Record<DepartmentId, { zh: string; en: string }> = {
  agriculture: { zh: "农业农村", en: "Agriculture and rural affairs" },
  natural_resources: { zh: "自然资源", en: "Natural resources" },
  housing_construction: { zh: "住房城乡建设", en: "Housing and construction" },
  forestry: { zh: "林业", en: "Forestry" },
  water: { zh: "水利", en: "Water resources" },
  power: { zh: "电力", en: "Power" },
  roads: { zh: "交通公路", en: "Roads" },
};

const STYLE = `*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,"PingFang SC","Microsoft YaHei",sans-serif;color:#1a1a1a;background:#f5f5f0}
header,main{max-width:40rem;margin:0 auto;padding:0.75rem}header{background:#2f5d3a;color:#fff;max-width:none}
h1{font-size:1.25rem;margin:0}h2{font-size:1rem;margin:1.25rem 0 0.5rem}h2 small,li small{color:#555;font-weight:normal}
ul{list-style:none;margin:0;padding:0}li{margin:0 0 0.5rem}form{margin:0}
button,li[data-user]{display:block;width:100%;text-align:left;padding:0.6rem 0.75rem;border:1px solid #c8c8c0;border-radius:6px;background:#fff;font:inherit;color:inherit;cursor:pointer;overflow-wrap:anywhere}
button:focus,button:hover{border-color:#2f5d3a;outline:2px solid #2f5d3a}.name{font-weight:600}code{font-size:0.85em}
.warn{background:#fff4d6;border:1px solid #e0c060;border-radius:6px;padding:0.5rem 0.75rem;font-size:0.9rem}`;

export const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (character) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[character] ?? "",
  );

/** The whole request goes back with the choice: POST /authorize checks it again before issuing a code. */
function hiddenFields(request: AuthorizeRequest): string {
  return [
    ["response_type", "code"],
    ["client_id", request.clientId],
    ["redirect_uri", request.redirectUri],
    ["code_challenge", request.codeChallenge],
    ["code_challenge_method", "S256"],
    ["scope", request.scope],
    ["state", request.state],
    ["nonce", request.nonce],
  ]
    .filter((pair): pair is [string, string] => pair[1] !== undefined)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join("");
}

/** "丹棱镇 511424100" for a known township or village code, the code alone otherwise. */
function placeName(directory: DemoDirectory, code: string): string {
  const place = [...directory.townships, ...directory.villages].find((entry) => entry.code === code);
  return place ? `${place.zh} ${code}` : code;
}

/** A user's name, id and where they work or live. */
function userLabel(directory: DemoDirectory, user: DemoUser): string {
  const details = [
    user.department
      ? `${DEPARTMENT_LABELS[user.department].zh} · ${DEPARTMENT_LABELS[user.department].en}`
      : undefined,
    user.village ? placeName(directory, user.village) : undefined,
    ...(user.townships ?? []).map((code) => placeName(directory, code)),
    user.household ? `户 Household ${user.household}` : undefined,
  ]
    .filter(Boolean)
    .map((detail) => escapeHtml(String(detail)))
    .join(" · ");
  return `<span class="name">${escapeHtml(user.name)}</span> <code>${escapeHtml(user.id)}</code><br><small>${details}</small>`;
}

/** One user: a button posting the request back when there is one, a plain entry on the index page. */
function userItem(directory: DemoDirectory, user: DemoUser, request: AuthorizeRequest | undefined): string {
  const label = userLabel(directory, user);
  const id = escapeHtml(user.id);
  return request
    ? `<li><form method="post" action="/authorize">${hiddenFields(request)}<input type="hidden" name="username" value="${id}"><button type="submit" data-user="${id}">${label}</button></form></li>`
    : `<li data-user="${id}">${label}</li>`;
}

/** The users of one role this page lists (a client's page only its own kind), as a section. */
function roleSection(
  directory: DemoDirectory,
  role: Role,
  request: AuthorizeRequest | undefined,
  kind: ClientKind,
): string {
  const users = directory.users.filter((user) => user.role === role && (!request || isKind(user, kind)));
  if (users.length === 0) return "";
  const items = users.map((user) => userItem(directory, user, request)).join("");
  return `<section data-role="${role}"><h2>${ROLE_LABELS[role].zh} <small>${ROLE_LABELS[role].en}</small></h2><ul>${items}</ul></section>`;
}

function introOf(request: AuthorizeRequest | undefined, kind: ClientKind): string {
  if (!request) {
    return `<p>本地演示登录：请从网页应用登录（授权码 + PKCE）；工具可用 <code>POST /token</code>。<br><small>Local demo sign-in: sign in from the web app (authorization code + PKCE); tools use <code>POST /token</code> with <code>{"username": "…"}</code>.</small></p>`;
  }
  return kind === "villager"
    ? "<p>村民登录：选择一位演示村民。<br><small>Villager sign-in (an SMS code on AWS): choose a demo villager.</small></p>"
    : "<p>工作人员登录：选择一位演示工作人员。<br><small>Staff sign-in (password and a second factor on AWS): choose a demo staff member.</small></p>";
}

/** The sign-in page of an authorization request, or (without one) the issuer's index of demo users. */
export function signInPage(
  directory: DemoDirectory,
  request: AuthorizeRequest | undefined,
  kind: ClientKind,
): string {
  const groups = ROLES.map((role) => roleSection(directory, role, request, kind)).join("");
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>登录 · Sign in — 农房 Nongfang (本地演示 local demo)</title>
<style>
${STYLE}
</style>
</head>
<body>
<header><h1>农房 · 登录 <small>Nongfang · Sign in</small></h1></header>
<main>
<p class="warn">仅供本地开发演示，无需密码。<br><small>Local development only: demo users, no passwords.</small></p>
${introOf(request, kind)}
${groups}
</main>
</body>
</html>`;
}

export interface HtmlPage {
  readonly status: number;
  readonly html: string;
}

export function errorPage(status: number, zh: string, en: string): HtmlPage {
  return {
    status,
    html: `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(en)}</title></head><body><h1>${escapeHtml(zh)}</h1><p>${escapeHtml(en)}</p></body></html>`,
  };
}
