/**
 * The authorization matrix, generated from the policy table
 * (shared/auth/policy.ts): every route of shared/http/routes.ts × one demo user of
 * every role × the caller's own and another township (own and another
 * household's case for villagers) → the status the table and its object-level
 * rules promise. A route without a policy row or without a probe here fails
 * the first test, so a new route cannot ship unexamined.
 *
 * Expectations by category: `forbidden` (403: the role is not in the row),
 * `hidden` (404: outside the caller's household/townships/jurisdiction,
 * indistinguishable from a missing case), `ok` (the exact status the
 * object-level rule gives a minimal valid request once the row lets it in).
 *
 * What is seeded, and why. A draft has no steps, certificate or correction, so
 * on drafts alone the step routes and the household's certificate and
 * correction routes answer 404 to everyone and own could not be told from
 * other. beforeAll therefore also seeds the objects those rules look at, alike
 * in township A (the callers' own) and B (another township; every call there
 * must stop at 404, so B's copies are never consumed):
 * - for each case-working role, an awaiting step its role decides, in a case at
 *   the status that decision moves on from (a decision consumes its step, so
 *   each allowed caller has its own);
 * - decided steps whose send to the workflow was lost, one per allowed
 *   re-sender (a second redrive of a step is 409);
 * - site visits: a site-check joint review (agriculture, with the reviewer's
 *   uploaded, unconfirmed photo), an overdue one (natural resources: the
 *   township head's escalation), a completion inspection with the inspector's
 *   photo, and a staking-out already decided;
 * - for the villagers, wang's (own) and li's (another household, same
 *   township): an approved case with certificates issued by the real issuing
 *   code, a case awaiting a correction with the household's step open, and a
 *   correction answer whose send was lost; plus a second of wang's awaiting a
 *   correction, which the probe answers.
 * Cases and steps are written directly (steps as the open-step task writes
 * them, statuses set directly): this file is about who may act, not the status
 * chain (test/integration/lifecycle.test.ts runs that). No workflow waits on
 * these steps (no TOKEN item), so a decision or re-send is stored and answered
 * 202, delivery pending, every time.
 *
 * A matrix cell holds one object per role, so the decision row shows each role
 * deciding its own step; the last test adds the rest of that row, every other
 * role's step of the own township (visible, not theirs to decide: 403).
 */
import { createHash, randomUUID } from "node:crypto";
import { PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Role } from "#shared/auth/actor.ts";
import { POLICY, policyFor } from "#shared/auth/policy.ts";
import { issueCertificates } from "#shared/certificates/issue.ts";
import type { CaseStatus } from "#shared/domain/case-status.ts";
import { DANLING_DEMO_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import { ROUTES, routeKey } from "#shared/http/routes.ts";
import { publicationWrites } from "#shared/notices/notices.ts";
import type { Decision, StepKind, StepRecord } from "#shared/schemas/case.ts";
import type { DepartmentId } from "#shared/schemas/common.ts";
import { CaseStore } from "#shared/store/case-store.ts";
import { caseKey } from "#shared/store/keys.ts";
import { stepItem } from "#shared/store/step-store.ts";
import { openIncident } from "#shared/workflow/incidents.ts";
import { stepIdOf } from "#shared/workflow/steps.ts";
import { homesteadApplication, ZHANG_HOUSEHOLD } from "../support/fixtures.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { authHeader, DEMO_USER_OF_ROLE, signInAs } from "../support/tokens.ts";

const TOWNSHIP_A = "511424100";
const TOWNSHIP_B = "511424101";

/** One demo user per role, all of township A (auditor and county admin cover both townships). */
const USERS = DEMO_USER_OF_ROLE;
/** The queue each case-working role reads. */
const OWN_QUEUE: Partial<Record<Role, string>> = {
  village_officer: "village_officer",
  township_clerk: "township_clerk",
  department_reviewer: "agriculture",
  township_head: "township_head",
  site_inspector: "site_inspector",
};

type Scope = "own" | "other";

/** The roles that work cases through queues and decide their steps (policy.ts CASE_WORKERS). */
const CASE_WORKERS = [
  "village_officer",
  "township_clerk",
  "department_reviewer",
  "township_head",
  "site_inspector",
] as const satisfies readonly Role[];
type CaseWorker = (typeof CASE_WORKERS)[number];
const isCaseWorker = (role: Role): role is CaseWorker => (CASE_WORKERS as readonly Role[]).includes(role);

interface StepRef {
  readonly caseId: string;
  readonly stepId: string;
}
interface PhotoRef extends StepRef {
  /** Declared and uploaded by whoever may decide the step, not yet confirmed. */
  readonly photoId: string;
}

/** The step routes' objects, seeded alike in each township. */
interface TownshipSeed {
  /** Awaiting steps, one per case-working role: the step that role decides. */
  readonly villageReview: StepRef;
  readonly acceptance: StepRef;
  /** The agriculture department's consultation (the matrix's reviewer is agriculture's). */
  readonly jointReview: StepRef;
  readonly approval: StepRef;
  readonly staking: StepRef;
  /** Decided, never delivered: what redrive re-sends. */
  readonly unsent: {
    readonly villageReview: StepRef;
    readonly jointReview: StepRef;
    /** The household's correction answer: only the township head (or the household) re-sends it. */
    readonly correction: StepRef;
    readonly staking: StepRef;
  };
  /** Agriculture's joint review, a site check under the Danling policy, not overdue, with its reviewer's photo. */
  readonly siteCheck: PhotoRef;
  /** Natural resources' joint review (also a site check), overdue: escalated to the township head. */
  readonly overdueSiteCheck: StepRef;
  /** The completion inspection, with the inspector's photo. */
  readonly completion: PhotoRef;
  /** A staking-out already decided and delivered: its visit record is closed. */
  readonly decidedStaking: StepRef;
}

/** One object each for villager-wang (own) and villager-li (another household of the same township). */
interface Households<T> {
  readonly wang: T;
  readonly li: T;
}

interface Seeded {
  /** wang's draft (household H0001, township A), li's (another household, township A), zhang's (township B). */
  readonly wang: string;
  readonly li: string;
  readonly zhang: string;
  /** A second draft of wang's, withdrawn by the probe (a withdrawal ends a case). */
  readonly wangToWithdraw: string;
  /** A declared, never uploaded document of wang's case. */
  readonly wangDocument: string;
  /** Another, removed by the probe. */
  readonly wangDocumentToRemove: string;
  /** The callers' own township (A) and another (B). */
  readonly a: TownshipSeed;
  readonly b: TownshipSeed;
  /** Approved cases whose certificates are issued. */
  readonly certified: Households<string>;
  /** Cases awaiting a correction, the household's step open. */
  readonly awaitingCorrection: Households<string>;
  /** A second case of wang's awaiting a correction, answered by the probe (an answer resumes the case). */
  readonly correctionToAnswer: string;
  /** Correction answers whose send to the workflow was lost. */
  readonly unsentAnswer: Households<StepRef>;
  /**
   * Open stop incidents (a withdrawn case whose run no longer exists: the stop succeeds), one per
   * allowed recoverer and township, since a recovery closes its incident.
   */
  readonly incidents: {
    readonly a: Readonly<Record<"township_head" | "county_admin", IncidentRef>>;
    readonly b: Readonly<Record<"township_head" | "county_admin", IncidentRef>>;
  };
  /** Published notices (公示) of township A: one running, one ended. */
  readonly notices: { readonly open: string; readonly ended: string };
  /** 代办: drafts filed on behalf of wang's household (township A) and zhang's (B), the form filled. */
  readonly assisted: { readonly a: string; readonly b: string };
  /** Certified cases per certificate-life route, in township A (own) and B (other): each changes its certificates. */
  readonly certificateLife: Readonly<Record<"revoke" | "reissue" | "extend", Record<Scope, CertifiedRef>>>;
}

interface CertifiedRef {
  readonly caseId: string;
  /** The township head changes the homestead certificate, the county admin the planning permit. */
  readonly numbers: Readonly<Record<"township_head" | "county_admin", string>>;
}

interface IncidentRef {
  readonly caseId: string;
  readonly incidentId: string;
}

interface Request {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

interface Probe {
  /** The request for a caller of `role` in `scope` (villagers: own vs another household's case). */
  request(seeded: Seeded, role: Role, scope: Scope): Request;
  /** The status once the role passed the policy row; absent means the route has no own/other distinction. */
  expect(role: Role, scope: Scope): number;
}

const PDF = Buffer.from("%PDF-1.4\n%%EOF\n");
const DOCUMENT_TYPE = DANLING_DEMO_POLICY.requiredDocuments.homestead[0]?.typeId ?? "id_card";
const staffCase = (seeded: Seeded, scope: Scope) => (scope === "own" ? seeded.wang : seeded.zhang);
const villagerCase = (seeded: Seeded, scope: Scope) => (scope === "own" ? seeded.wang : seeded.li);
const anyCase = (seeded: Seeded, role: Role, scope: Scope) =>
  role === "villager" ? villagerCase(seeded, scope) : staffCase(seeded, scope);
const wideJurisdiction = (role: Role) => role === "auditor" || role === "county_admin";
/** Household routes: the owner gets `ok`, another household's case is hidden. */
const household = (ok: number) => (_role: Role, scope: Scope) => (scope === "own" ? ok : 404);
/** Routes a 代办 filer may also use: on a household's own case (all this matrix seeds there) the filer gets 404. */
const householdNotFiler = (ok: number) => (role: Role, scope: Scope) =>
  role === "villager" && scope === "own" ? ok : 404;
const assistedCase = (seeded: Seeded, scope: Scope) =>
  scope === "own" ? seeded.assisted.a : seeded.assisted.b;
const anyone = (status: number) => () => status;
const day = new Date(Date.now() - 86_400_000).toISOString();
const tomorrow = new Date(Date.now() + 86_400_000).toISOString();

/** A tiny but real JPEG (SOI + APP0/JFIF, filler, EOI): magic bytes and SHA-256 are what confirming checks. */
const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]),
  Buffer.alloc(200, 7),
  Buffer.from([0xff, 0xd9]),
]);
const PHOTO = {
  contentType: "image/jpeg",
  size: JPEG.length,
  sha256: createHash("sha256").update(JPEG).digest("hex"),
};
const township = (seeded: Seeded, scope: Scope) => (scope === "own" ? seeded.a : seeded.b);
const households = <T>(objects: Households<T>, scope: Scope) => (scope === "own" ? objects.wang : objects.li);
const stepPath = (ref: StepRef, action: string) =>
  `/review/cases/${ref.caseId}/steps/${encodeURIComponent(ref.stepId)}/${action}`;
/**
 * The object a role's cell acts on. Roles the policy row refuses get 403 before
 * anything is read, so which object they name does not matter.
 */
const forRole = <T>(role: Role, objects: Readonly<Record<CaseWorker, T>>): T =>
  isCaseWorker(role) ? objects[role] : objects.village_officer;
/** Step routes: `own` says each case-working role's status in its own township; another township's step is hidden. */
const perRole =
  (own: Readonly<Record<CaseWorker, number>>) =>
  (role: Role, scope: Scope): number => {
    if (!isCaseWorker(role)) throw new Error(`No expectation for ${role}: has the policy row changed?`);
    return scope === "own" ? own[role] : 404;
  };

/** The awaiting step each case-working role decides (rules.ts mayDecide), in its own case. */
const stepsDecidedBy = (t: TownshipSeed): Readonly<Record<CaseWorker, StepRef>> => ({
  village_officer: t.villageReview,
  township_clerk: t.acceptance,
  department_reviewer: t.jointReview,
  township_head: t.approval,
  site_inspector: t.staking,
});
/** An approval of the step `decider` decides; a site visit records at least one measured value (rules.ts decisionProblems). */
const approval = (decider: Role) =>
  decider === "site_inspector"
    ? { outcome: "approved", measurements: { plotAreaM2: 150 } }
    : { outcome: "approved" };

/** One probe per route key; a missing one fails the completeness test. */
const PROBES: Readonly<Record<string, Probe>> = {
  "GET /health": { request: () => ({ method: "GET", path: "/health" }), expect: anyone(200) },
  "GET /openapi.json": { request: () => ({ method: "GET", path: "/openapi.json" }), expect: anyone(200) },
  "GET /verify/{number}": {
    request: () => ({ method: "GET", path: "/verify/511424-ZJDPZ-2000-99999?format=json" }),
    expect: anyone(404),
  },
  "GET /me": { request: () => ({ method: "GET", path: "/me" }), expect: anyone(200) },
  "GET /notices": {
    request: () => ({ method: "GET", path: "/notices?township=511424100&status=all" }),
    expect: anyone(200),
  },
  "GET /notices/{noticeId}": {
    request: (s) => ({ method: "GET", path: `/notices/${s.notices.open}` }),
    expect: anyone(200),
  },
  "POST /notices/{noticeId}/objections": {
    // The ended notice: everyone reaches the use case, which takes no objection after the notice days.
    request: (s) => ({
      method: "POST",
      path: `/notices/${s.notices.ended}/objections`,
      body: { text: "宅基地位置占用了村道，请核实" },
    }),
    expect: anyone(409),
  },
  "POST /admin/imports": {
    request: () => ({
      method: "POST",
      path: "/admin/imports",
      body: { type: "household", key: "imports/matrix-none.csv" },
    }),
    // The county admin passes the policy; no such upload exists.
    expect: anyone(404),
  },
  "GET /admin/imports/{importId}": {
    request: () => ({ method: "GET", path: `/admin/imports/${randomUUID()}` }),
    // The county admin passes the policy; no such import exists.
    expect: anyone(404),
  },
  "GET /messages": { request: () => ({ method: "GET", path: "/messages" }), expect: anyone(200) },
  "POST /messages/read": {
    // Nobody's message: every role that passes the policy row is told it is not theirs.
    request: () => ({ method: "POST", path: "/messages/read", body: { ids: ["household:none|MSG#x"] } }),
    expect: anyone(404),
  },
  "PUT /messages/settings": {
    request: (_s, role) => ({
      method: "PUT",
      path: "/messages/settings",
      body: role === "villager" ? { smsOptOut: false } : { mode: "off" },
    }),
    expect: anyone(200),
  },
  "GET /admin/notifications/failed": {
    request: () => ({ method: "GET", path: "/admin/notifications/failed" }),
    expect: anyone(200),
  },
  "POST /cases": {
    request: () => ({ method: "POST", path: "/cases", body: { kind: "homestead" } }),
    expect: anyone(201),
  },
  "GET /cases": { request: () => ({ method: "GET", path: "/cases" }), expect: anyone(200) },
  "GET /cases/{caseId}": {
    request: (s, r, scope) => ({ method: "GET", path: `/cases/${anyCase(s, r, scope)}` }),
    expect: householdNotFiler(200),
  },
  "PUT /cases/{caseId}/application": {
    request: (s, r, scope) => ({
      method: "PUT",
      path: `/cases/${anyCase(s, r, scope)}/application`,
      body: { reason: "扩建" },
    }),
    expect: householdNotFiler(200),
  },
  "POST /cases/{caseId}/submit": {
    request: (s, r, scope) => ({
      method: "POST",
      path: `/cases/${anyCase(s, r, scope)}/submit`,
      headers: { "idempotency-key": `matrix-${randomUUID()}` },
    }),
    // Incomplete drafts: 422 listing what is missing.
    expect: householdNotFiler(422),
  },
  "POST /cases/{caseId}/withdraw": {
    request: (s, r, scope) => ({
      method: "POST",
      path: `/cases/${r === "villager" && scope === "own" ? s.wangToWithdraw : anyCase(s, r, scope)}/withdraw`,
      body: {},
    }),
    expect: household(200),
  },
  "POST /cases/{caseId}/documents": {
    request: (s, r, scope) => ({
      method: "POST",
      path: `/cases/${anyCase(s, r, scope)}/documents`,
      body: {
        type: DOCUMENT_TYPE,
        contentType: "application/pdf",
        size: PDF.length,
        sha256: createHash("sha256").update(PDF).digest("hex"),
      },
    }),
    expect: householdNotFiler(201),
  },
  "POST /cases/{caseId}/documents/{documentId}/confirm": {
    request: (s, r, scope) => ({
      method: "POST",
      path: `/cases/${anyCase(s, r, scope)}/documents/${s.wangDocument}/confirm`,
    }),
    // Declared but never uploaded: 422 naming what differed.
    expect: householdNotFiler(422),
  },
  "DELETE /cases/{caseId}/documents/{documentId}": {
    request: (s, r, scope) => ({
      method: "DELETE",
      path: `/cases/${anyCase(s, r, scope)}/documents/${s.wangDocumentToRemove}`,
    }),
    expect: householdNotFiler(200),
  },
  "GET /cases/{caseId}/documents": {
    request: (s, r, scope) => ({ method: "GET", path: `/cases/${anyCase(s, r, scope)}/documents` }),
    expect: householdNotFiler(200),
  },
  "GET /cases/{caseId}/certificates/{type}": {
    request: (s, _r, scope) => ({
      method: "GET",
      path: `/cases/${households(s.certified, scope)}/certificates/homestead_approval_certificate`,
    }),
    // Both cases have their certificate issued: li's is hidden from wang, not missing.
    expect: household(200),
  },
  "GET /cases/{caseId}/correction": {
    request: (s, _r, scope) => ({
      method: "GET",
      path: `/cases/${households(s.awaitingCorrection, scope)}/correction`,
    }),
    // Both cases await a correction: the owner reads what was asked, li's request stays li's.
    expect: householdNotFiler(200),
  },
  "POST /cases/{caseId}/correction": {
    request: (s, _r, scope) => ({
      method: "POST",
      path: `/cases/${scope === "own" ? s.correctionToAnswer : s.awaitingCorrection.li}/correction`,
      // The field the reviewer asked for (seeded: head.phone), changed.
      body: { application: { head: { phone: "13912345678" } }, comment: "电话已更正" },
    }),
    // wang's answer is stored and the case resumes (202: no workflow waits to be told); li's case is hidden.
    expect: householdNotFiler(202),
  },
  "POST /cases/{caseId}/completion-report": {
    request: (s, r, scope) => ({
      method: "POST",
      path: `/cases/${anyCase(s, r, scope)}/completion-report`,
      body: {},
    }),
    // Not staked out (nothing is being built): the owner is told so, another household's case is hidden.
    expect: householdNotFiler(409),
  },
  "GET /queues/{queue}": {
    request: (_s, role, scope) => ({
      method: "GET",
      path: `/queues/${OWN_QUEUE[role] ?? "township_clerk"}?township=${scope === "own" ? TOWNSHIP_A : TOWNSHIP_B}`,
    }),
    // Another township's queue is refused outright (the caller names the township).
    expect: (_role, scope) => (scope === "own" ? 200 : 403),
  },
  "POST /assisted/cases": {
    request: (_s, _r, scope) => ({
      method: "POST",
      path: "/assisted/cases",
      body: { kind: "homestead", householdId: scope === "own" ? WANG.household : ZHANG.household },
    }),
    // The officer's village, the clerk's township; another township's household is not found.
    expect: (_role, scope) => (scope === "own" ? 201 : 404),
  },
  "POST /assisted/cases/{caseId}/consent-code": {
    request: (s, _r, scope) => ({
      method: "POST",
      path: `/assisted/cases/${assistedCase(s, scope)}/consent-code`,
    }),
    // Sent to the local outbox.
    expect: (_role, scope) => (scope === "own" ? 202 : 404),
  },
  "POST /assisted/cases/{caseId}/consent": {
    request: (s, _r, scope) => ({
      method: "POST",
      path: `/assisted/cases/${assistedCase(s, scope)}/consent`,
      body: { code: "000000" },
    }),
    // Not the code sent (or none sent yet): refused; another township's case is not found.
    expect: (_role, scope) => (scope === "own" ? 422 : 404),
  },
  "POST /claims/code": {
    request: () => ({ method: "POST", path: "/claims/code", body: { phone: "13800138000" } }),
    // The same answer whether or not the household has cases filed on its behalf.
    expect: anyone(202),
  },
  "POST /claims": {
    request: () => ({ method: "POST", path: "/claims", body: { phone: "13800138000", code: "000000" } }),
    // No code was sent for this phone.
    expect: anyone(422),
  },
  "GET /assisted/cases": {
    request: (_s, _r, scope) => ({
      method: "GET",
      path: `/assisted/cases?township=${scope === "own" ? TOWNSHIP_A : TOWNSHIP_B}`,
    }),
    // The filer's list: another township is refused outright (the caller names it).
    expect: (_role, scope) => (scope === "own" ? 200 : 403),
  },
  "GET /review/search": {
    request: (s, _r, scope) => ({
      method: "GET",
      path: `/review/search?q=${staffCase(s, scope).slice(0, 8)}`,
    }),
    // A search answers 200 either way; whether the case is in the answer is the last test of this file.
    expect: () => 200,
  },
  "GET /review/cases/{caseId}": {
    request: (s, _r, scope) => ({ method: "GET", path: `/review/cases/${staffCase(s, scope)}` }),
    expect: (role, scope) => (scope === "own" || wideJurisdiction(role) ? 200 : 404),
  },
  "POST /review/cases/{caseId}/steps/{stepId}/decision": {
    // Each role decides the step its role decides (rules.ts mayDecide), its own step so no decision is
    // taken twice; the other cell is the same step in township B.
    request: (s, role, scope) => ({
      method: "POST",
      path: stepPath(forRole(role, stepsDecidedBy(township(s, scope))), "decision"),
      body: approval(role),
    }),
    // Stored, delivery pending (no workflow behind a seeded step).
    expect: perRole({
      village_officer: 202,
      township_clerk: 202,
      department_reviewer: 202,
      township_head: 202,
      site_inspector: 202,
    }),
  },
  "POST /review/cases/{caseId}/steps/{stepId}/photos": {
    request: (s, role, scope) => {
      const t = township(s, scope);
      const step = forRole(role, {
        village_officer: t.villageReview,
        township_clerk: t.completion,
        department_reviewer: t.siteCheck,
        township_head: t.overdueSiteCheck,
        site_inspector: t.decidedStaking,
      });
      return { method: "POST", path: stepPath(step, "photos"), body: PHOTO };
    },
    expect: perRole({
      // Their own village review: they may decide it, but it is no site visit.
      village_officer: 409,
      // The inspector's completion inspection: photos are taken by whoever may decide the step.
      township_clerk: 403,
      // Their department's consultation is the policy's site check.
      department_reviewer: 201,
      // An overdue consultation is the head's to decide (escalation), so theirs to photograph.
      township_head: 201,
      // The staking-out is decided: its visit record is closed.
      site_inspector: 409,
    }),
  },
  "POST /review/cases/{caseId}/steps/{stepId}/photos/{photoId}/confirm": {
    request: (s, role, scope) => {
      const t = township(s, scope);
      const photo = forRole(role, {
        village_officer: t.completion,
        township_clerk: { ...t.acceptance, photoId: randomUUID() },
        department_reviewer: t.siteCheck,
        township_head: t.siteCheck,
        site_inspector: t.completion,
      });
      return { method: "POST", path: `${stepPath(photo, "photos")}/${photo.photoId}/confirm` };
    },
    expect: perRole({
      // The inspector's photo on the inspector's step.
      village_officer: 403,
      // Their own acceptance step records no site visit (refused before any photo is looked up).
      township_clerk: 409,
      // Their own photo: the uploaded bytes are verified and the photo confirmed.
      department_reviewer: 200,
      // The agriculture reviewer's step is not overdue: the head may not decide it, so may not touch its photos.
      township_head: 403,
      site_inspector: 200,
    }),
  },
  "POST /review/cases/{caseId}/steps/{stepId}/redrive": {
    // One undelivered step per allowed re-sender: a second redrive of a step would be 409.
    request: (s, role, scope) => {
      if (role === "villager") {
        return { method: "POST", path: stepPath(households(s.unsentAnswer, scope), "redrive") };
      }
      const unsent = township(s, scope).unsent;
      const step = forRole(role, {
        village_officer: unsent.villageReview,
        township_clerk: unsent.correction,
        department_reviewer: unsent.jointReview,
        township_head: unsent.correction,
        site_inspector: unsent.staking,
      });
      return { method: "POST", path: stepPath(step, "redrive") };
    },
    // Re-sent, delivery still pending (no workflow waits on it). Villagers: own answer vs li's (404).
    expect: (role, scope) =>
      role === "villager"
        ? household(202)(role, scope)
        : perRole({
            village_officer: 202,
            // A correction answer is re-sent only by the township head or the household (rules.ts mayRedrive).
            township_clerk: 403,
            department_reviewer: 202,
            township_head: 202,
            site_inspector: 202,
          })(role, scope),
  },
  "GET /audit/cases/{caseId}/events": {
    request: (s, _r, scope) => ({ method: "GET", path: `/audit/cases/${staffCase(s, scope)}/events` }),
    expect: anyone(200),
  },
  "GET /audit/cases/{caseId}/verify": {
    request: (s, _r, scope) => ({ method: "GET", path: `/audit/cases/${staffCase(s, scope)}/verify` }),
    expect: anyone(200),
  },
  "GET /audit/events": {
    request: (_s, _r, scope) => ({
      method: "GET",
      path: `/audit/events?from=${day}&to=${tomorrow}&township=${scope === "own" ? TOWNSHIP_A : TOWNSHIP_B}`,
    }),
    expect: anyone(200),
  },
  "GET /audit/events.csv": {
    request: (_s, _r, scope) => ({
      method: "GET",
      path: `/audit/events.csv?from=${day}&to=${tomorrow}&township=${scope === "own" ? TOWNSHIP_A : TOWNSHIP_B}`,
    }),
    expect: anyone(200),
  },
  "GET /incidents": {
    request: (_s, _r, scope) => ({
      method: "GET",
      path: `/incidents?township=${scope === "own" ? TOWNSHIP_A : TOWNSHIP_B}`,
    }),
    // Another township is refused outright (the caller names it); the county admin covers both.
    expect: (role, scope) => (scope === "own" || wideJurisdiction(role) ? 200 : 403),
  },
  "POST /incidents/{caseId}/{incidentId}/recover": {
    request: (s, role, scope) => {
      const refs = scope === "own" ? s.incidents.a : s.incidents.b;
      const ref = role === "county_admin" ? refs.county_admin : refs.township_head;
      return { method: "POST", path: `/incidents/${ref.caseId}/${ref.incidentId}/recover` };
    },
    // Recovered and closed; another township's incident is hidden from the township head.
    expect: (role, scope) => (scope === "own" || wideJurisdiction(role) ? 200 : 404),
  },
  "GET /register": {
    request: (_s, _r, scope) => ({
      method: "GET",
      path: `/register?township=${scope === "own" ? TOWNSHIP_A : TOWNSHIP_B}`,
    }),
    expect: (role, scope) => (scope === "own" || wideJurisdiction(role) ? 200 : 403),
  },
  "GET /register.csv": {
    request: (_s, _r, scope) => ({
      method: "GET",
      path: `/register.csv?township=${scope === "own" ? TOWNSHIP_A : TOWNSHIP_B}`,
    }),
    expect: (role, scope) => (scope === "own" || wideJurisdiction(role) ? 200 : 403),
  },
  "GET /register.pdf": {
    request: (_s, _r, scope) => ({
      method: "GET",
      path: `/register.pdf?township=${scope === "own" ? TOWNSHIP_A : TOWNSHIP_B}`,
    }),
    expect: (role, scope) => (scope === "own" || wideJurisdiction(role) ? 200 : 403),
  },
  "GET /cases/{caseId}/papers/{paper}": {
    request: (s, role, scope) => ({
      method: "GET",
      path: `/cases/${
        role === "villager"
          ? households(s.certified, scope)
          : scope === "own"
            ? s.certified.wang
            : s.certificateLife.revoke.other.caseId
      }/papers/homestead_approval_certificate`,
    }),
    // The household and staff of the case's township; another household's or township's case is hidden.
    expect: (role, scope) => (scope === "own" || wideJurisdiction(role) ? 200 : 404),
  },
  "POST /cases/{caseId}/certificates/{number}/revoke": lifeProbe("revoke"),
  "POST /cases/{caseId}/certificates/{number}/reissue": lifeProbe("reissue"),
  "POST /cases/{caseId}/certificates/{number}/extend": lifeProbe("extend"),
};

/** Revoke, re-issue, extend: the township head of the case's township or the county admin over it. */
function lifeProbe(operation: "revoke" | "reissue" | "extend"): Probe {
  return {
    request: (s, role, scope) => {
      const ref = s.certificateLife[operation][scope];
      const number = role === "county_admin" ? ref.numbers.county_admin : ref.numbers.township_head;
      return {
        method: "POST",
        path: `/cases/${ref.caseId}/certificates/${number}/${operation}`,
        body: { reason: "授权矩阵测试" },
      };
    },
    expect: (role, scope) => (scope === "own" || wideJurisdiction(role) ? 200 : 404),
  };
}

let env: TestCloud;
let store: CaseStore;
let seeded: Seeded;
const tokens = new Map<string, string>();

async function call(userId: string | undefined, request: Request): Promise<number> {
  let token: string | undefined;
  if (userId) {
    token = tokens.get(userId) ?? (await signInAs(env.cloud.endpoints, userId));
    tokens.set(userId, token);
  }
  const response = await fetch(`${env.cloud.endpoints.api}${request.path}`, {
    method: request.method,
    headers: {
      "content-type": "application/json",
      ...(token ? authHeader(token) : {}),
      ...request.headers,
    },
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
  });
  await response.arrayBuffer();
  return response.status;
}

async function json<T>(userId: string, method: string, path: string, body?: unknown): Promise<T> {
  const token = tokens.get(userId) ?? (await signInAs(env.cloud.endpoints, userId));
  tokens.set(userId, token);
  const response = await fetch(`${env.cloud.endpoints.api}${path}`, {
    method,
    headers: { "content-type": "application/json", ...authHeader(token) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path} as ${userId}: ${response.status}`);
  return (await response.json()) as T;
}

/** Runs `tasks` with at most `limit` in flight: the machine is small and shared. */
async function pool<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < tasks.length) {
        const index = next++;
        const task = tasks[index];
        if (task) results[index] = await task();
      }
    }),
  );
  return results;
}

/** Where a seeded case lives and whose it is; `suffix` names the township's demo staff (`inspector-a`). */
interface Home {
  readonly township: string;
  readonly village: string;
  readonly household: string;
  readonly owner: string;
  readonly suffix: "a" | "b";
}
const WANG: Home = {
  township: TOWNSHIP_A,
  village: "511424100001",
  household: "511424100001-H0001",
  owner: "villager-wang",
  suffix: "a",
};
const LI: Home = { ...WANG, household: "511424100001-H0002", owner: "villager-li" };
const ZHANG: Home = {
  township: TOWNSHIP_B,
  village: "511424101001",
  household: "511424101001-H0001",
  owner: "villager-zhang",
  suffix: "b",
};

/** A case of `home` in `status`, set directly (see the header: the status chain is not what is tested here). */
/** A notice of a case of township A as the pre-check publishes it, running or ended. */
async function seedNotice(home: Home, running: boolean): Promise<string> {
  const caseId = await seedCase(home, running ? "in_public_notice" : "in_village_review");
  const startsAt = new Date(Date.now() - 2 * 86_400_000).toISOString();
  const { items, notice } = publicationWrites(
    env.cloud.endpoints.tableName,
    { caseId, townshipCode: home.township, villageCode: home.village },
    homesteadApplication(ZHANG_HOUSEHOLD),
    { startsAt, endsAt: running ? tomorrow : day },
  );
  for (const item of items) if (item.Put) await env.dynamodb.send(new PutCommand(item.Put));
  return notice.noticeId;
}

/** 代办: a draft a village officer filed on behalf of `home`'s household (as shared/assisted/on-behalf.ts writes it). */
async function filedOnBehalf(home: Home): Promise<string> {
  const caseId = `matrix-assisted-${randomUUID()}`;
  const by = { id: `village-officer-${home.suffix}`, role: "village_officer" };
  await store.create(
    {
      caseId,
      kind: "homestead",
      householdId: home.household,
      ownerId: by.id,
      townshipCode: home.township,
      villageCode: home.village,
      policyId: DANLING_DEMO_POLICY.policyId,
      application: homesteadApplication(ZHANG_HOUSEHOLD),
      filedOnBehalf: { by, at: new Date().toISOString() },
    },
    by,
  );
  return caseId;
}

async function seedCase(home: Home, status: CaseStatus, resumeTo?: CaseStatus): Promise<string> {
  const caseId = `matrix-${randomUUID()}`;
  // A complete form: certificates print it, and a correction answer is validated as for submission.
  await store.create(
    {
      caseId,
      kind: "homestead",
      householdId: home.household,
      ownerId: home.owner,
      townshipCode: home.township,
      villageCode: home.village,
      policyId: DANLING_DEMO_POLICY.policyId,
      application: homesteadApplication(ZHANG_HOUSEHOLD),
    },
    { id: home.owner, role: "villager" },
  );
  await env.dynamodb.send(
    new UpdateCommand({
      TableName: env.cloud.endpoints.tableName,
      Key: caseKey(caseId),
      UpdateExpression: `SET #status = :status${resumeTo ? ", resumeTo = :resumeTo" : ""}`,
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":status": status, ...(resumeTo ? { ":resumeTo": resumeTo } : {}) },
    }),
  );
  return caseId;
}

interface StepOptions {
  readonly department?: DepartmentId;
  readonly overdue?: boolean;
  /** Decided: `responded` with this decision (and out of its queue). */
  readonly decision?: Decision;
  /** The decision reached the workflow; absent on a decided step means its send was lost. */
  readonly sentAt?: string;
}

/** A step item exactly as the open-step task writes it (stepItem), without a TOKEN item. */
async function seedStep(
  caseId: string,
  home: Home,
  step: StepKind,
  options: StepOptions = {},
): Promise<StepRef> {
  const record: StepRecord = {
    caseId,
    stepId: stepIdOf(step, options.department, 1),
    step,
    ...(options.department ? { department: options.department } : {}),
    round: 1,
    status: options.decision ? "responded" : "awaiting_response",
    townshipCode: home.township,
    openedAt: day,
    deadline: options.overdue ? day : tomorrow,
    overdue: options.overdue ?? false,
    ...(options.decision ? { decision: options.decision } : {}),
    ...(options.sentAt ? { sentAt: options.sentAt } : {}),
  };
  await env.dynamodb.send(
    new PutCommand({ TableName: env.cloud.endpoints.tableName, Item: stepItem(record) }),
  );
  return { caseId, stepId: record.stepId };
}

const decided = (
  outcome: Decision["outcome"],
  decidedBy: Decision["decidedBy"],
  extra: Partial<Decision> = {},
): Decision => ({ outcome, decidedBy, decidedAt: day, ...extra });

/** `user` declares a site-visit photo on `step` and uploads its bytes, leaving it to be confirmed. */
async function uploadedPhoto(user: string, step: StepRef): Promise<PhotoRef> {
  const declared = await json<{
    photoId: string;
    uploadUrl: string;
    requiredHeaders: Record<string, string>;
  }>(user, "POST", stepPath(step, "photos"), PHOTO);
  const put = await fetch(declared.uploadUrl, {
    method: "PUT",
    headers: declared.requiredHeaders,
    body: JPEG,
  });
  if (!put.ok) throw new Error(`photo upload as ${user}: ${put.status}`);
  return { ...step, photoId: declared.photoId };
}

/** A correction answer (the household's `correction` step, decided) whose send was lost; the case has resumed. */
async function unsentCorrectionAnswer(home: Home): Promise<StepRef> {
  const caseId = await seedCase(home, "in_joint_review");
  return seedStep(caseId, home, "correction", {
    decision: decided("approved", { id: home.owner, role: "villager" }, { fields: ["head.phone"] }),
  });
}

/** A case whose agriculture reviewer asked for a corrected phone number; the household's step is open. */
async function awaitingCorrection(home: Home): Promise<string> {
  const caseId = await seedCase(home, "correction_requested", "in_joint_review");
  await seedStep(caseId, home, "joint_review", {
    department: "agriculture",
    decision: decided(
      "correction_requested",
      { id: `reviewer-agriculture-${home.suffix}`, role: "department_reviewer", department: "agriculture" },
      { fields: ["head.phone"], comment: "电话号码无法接通" },
    ),
    sentAt: day,
  });
  await seedStep(caseId, home, "correction");
  return caseId;
}

/** The step routes' objects of one township (see TownshipSeed). */
async function seedTownship(home: Home): Promise<TownshipSeed> {
  const staff = (role: CaseWorker, department?: DepartmentId) => ({
    id: {
      village_officer: `village-officer-${home.suffix}`,
      township_clerk: `clerk-${home.suffix}`,
      department_reviewer: `reviewer-agriculture-${home.suffix}`,
      township_head: `head-${home.suffix}`,
      site_inspector: `inspector-${home.suffix}`,
    }[role],
    role,
    ...(department ? { department } : {}),
  });
  const awaitingStep = async (status: CaseStatus, step: StepKind, department?: DepartmentId) =>
    seedStep(await seedCase(home, status), home, step, department ? { department } : {});
  const unsentStep = async (
    status: CaseStatus,
    step: StepKind,
    decision: Decision,
    department?: DepartmentId,
  ) =>
    seedStep(await seedCase(home, status), home, step, { decision, ...(department ? { department } : {}) });

  const [villageReview, acceptance, jointReview, approval, staking] = await Promise.all([
    awaitingStep("in_village_review", "village_review"),
    awaitingStep("awaiting_acceptance", "township_acceptance"),
    awaitingStep("in_joint_review", "joint_review", "agriculture"),
    awaitingStep("awaiting_decision", "township_approval"),
    awaitingStep("approved", "site_visit_staking"),
  ]);
  const measured = { measurements: { plotAreaM2: 150 } };
  const [unsentVillageReview, unsentJointReview, unsentCorrection, unsentStaking] = await Promise.all([
    unsentStep("awaiting_acceptance", "village_review", decided("approved", staff("village_officer"))),
    unsentStep(
      "in_joint_review",
      "joint_review",
      decided("approved", staff("department_reviewer", "agriculture")),
      "agriculture",
    ),
    unsentCorrectionAnswer(home),
    unsentStep("staked_out", "site_visit_staking", decided("approved", staff("site_inspector"), measured)),
  ]);

  const inJointReview = await seedCase(home, "in_joint_review");
  // The completion inspection opens once the household reported the house built.
  const stakedOut = await seedCase(home, "completion_reported");
  const [siteCheckStep, overdueSiteCheck, completionStep, decidedStaking] = await Promise.all([
    seedStep(inJointReview, home, "joint_review", { department: "agriculture" }),
    seedStep(inJointReview, home, "joint_review", { department: "natural_resources", overdue: true }),
    seedStep(stakedOut, home, "site_visit_completion"),
    seedStep(stakedOut, home, "site_visit_staking", {
      decision: decided("approved", staff("site_inspector"), measured),
      sentAt: day,
    }),
  ]);
  const [siteCheck, completion] = await Promise.all([
    uploadedPhoto(`reviewer-agriculture-${home.suffix}`, siteCheckStep),
    uploadedPhoto(`inspector-${home.suffix}`, completionStep),
  ]);
  return {
    villageReview,
    acceptance,
    jointReview,
    approval,
    staking,
    unsent: {
      villageReview: unsentVillageReview,
      jointReview: unsentJointReview,
      correction: unsentCorrection,
      staking: unsentStaking,
    },
    siteCheck,
    overdueSiteCheck,
    completion,
    decidedStaking,
  };
}

/** A withdrawn case of `home` with an open stop incident whose run no longer exists. */
async function stopIncident(home: Home): Promise<IncidentRef> {
  const caseId = await seedCase(home, "withdrawn");
  const { incidentId } = await openIncident(
    { client: env.dynamodb, tableName: env.cloud.endpoints.tableName, now: () => new Date() },
    {
      caseId,
      kind: "stop_failed",
      error: "ServiceUnavailable",
      executionArn: `arn:aws:states:cn-north-1:000000000000:execution:gone:${caseId}`,
    },
  );
  return { caseId, incidentId };
}

/** An approved case of `home` with its certificates issued by the workflow's own issuing code. */
async function certifiedCase(home: Home): Promise<string> {
  const caseId = await seedCase(home, "approved");
  await issueCertificates(
    {
      client: env.dynamodb,
      tableName: env.cloud.endpoints.tableName,
      s3: env.s3,
      bucketName: env.cloud.endpoints.bucketName,
      now: () => new Date(),
    },
    caseId,
  );
  return caseId;
}

async function certifiedRef(home: Home): Promise<CertifiedRef> {
  const caseId = await certifiedCase(home);
  const certificates = (await store.get(caseId))?.certificates ?? [];
  const numberOf = (type: string) => certificates.find((entry) => entry.type === type)?.number ?? "";
  return {
    caseId,
    numbers: {
      township_head: numberOf("homestead_approval_certificate"),
      county_admin: numberOf("rural_construction_planning_permit"),
    },
  };
}

async function certificateLifeCases(): Promise<Seeded["certificateLife"]> {
  const [revokeA, revokeB, reissueA, reissueB, extendA, extendB] = await Promise.all([
    certifiedRef(WANG),
    certifiedRef(ZHANG),
    certifiedRef(WANG),
    certifiedRef(ZHANG),
    certifiedRef(WANG),
    certifiedRef(ZHANG),
  ]);
  return {
    revoke: { own: revokeA, other: revokeB },
    reissue: { own: reissueA, other: reissueB },
    extend: { own: extendA, other: extendB },
  };
}

beforeAll(async () => {
  env = await startTestCloud({ context: { countyPolicy: "danling-demo" } });
  store = new CaseStore(env.dynamodb, env.cloud.endpoints.tableName);
  const draft = async (userId: string) =>
    (await json<{ caseId: string }>(userId, "POST", "/cases", { kind: "homestead" })).caseId;
  const [wang, li, zhang, wangToWithdraw] = await Promise.all([
    draft("villager-wang"),
    draft("villager-li"),
    draft("villager-zhang"),
    draft("villager-wang"),
  ]);
  if (!wang || !li || !zhang || !wangToWithdraw) throw new Error("seeding failed");
  const document = await json<{ documentId: string }>("villager-wang", "POST", `/cases/${wang}/documents`, {
    type: DOCUMENT_TYPE,
    contentType: "application/pdf",
    size: PDF.length,
    sha256: createHash("sha256").update(PDF).digest("hex"),
  });
  const documentToRemove = await json<{ documentId: string }>(
    "villager-wang",
    "POST",
    `/cases/${wang}/documents`,
    {
      type: DOCUMENT_TYPE,
      contentType: "application/pdf",
      size: PDF.length,
      sha256: createHash("sha256").update(PDF).digest("hex"),
    },
  );
  const [
    a,
    b,
    certifiedWang,
    certifiedLi,
    awaitingWang,
    awaitingLi,
    correctionToAnswer,
    unsentWang,
    unsentLi,
    headIncidentA,
    countyIncidentA,
    headIncidentB,
    countyIncidentB,
    openNotice,
    endedNotice,
  ] = await Promise.all([
    seedTownship(WANG),
    seedTownship(ZHANG),
    certifiedCase(WANG),
    certifiedCase(LI),
    awaitingCorrection(WANG),
    awaitingCorrection(LI),
    awaitingCorrection(WANG),
    unsentCorrectionAnswer(WANG),
    unsentCorrectionAnswer(LI),
    stopIncident(WANG),
    stopIncident(WANG),
    stopIncident(ZHANG),
    stopIncident(ZHANG),
    seedNotice(WANG, true),
    seedNotice(WANG, false),
  ]);
  seeded = {
    wang,
    li,
    zhang,
    wangToWithdraw,
    wangDocument: document.documentId,
    wangDocumentToRemove: documentToRemove.documentId,
    a,
    b,
    certified: { wang: certifiedWang, li: certifiedLi },
    awaitingCorrection: { wang: awaitingWang, li: awaitingLi },
    correctionToAnswer,
    unsentAnswer: { wang: unsentWang, li: unsentLi },
    incidents: {
      a: { township_head: headIncidentA, county_admin: countyIncidentA },
      b: { township_head: headIncidentB, county_admin: countyIncidentB },
    },
    notices: { open: openNotice, ended: endedNotice },
    certificateLife: await certificateLifeCases(),
    assisted: { a: await filedOnBehalf(WANG), b: await filedOnBehalf(ZHANG) },
  };
}, 120_000);
afterAll(async () => {
  await env?.stop();
});

describe("the authorization matrix", () => {
  it("covers every route of shared/http/routes.ts with a policy row and a probe", () => {
    for (const route of ROUTES) {
      expect(POLICY[routeKey(route)], `policy row for ${routeKey(route)}`).toBeDefined();
      expect(PROBES[routeKey(route)], `matrix probe for ${routeKey(route)}`).toBeDefined();
    }
  });

  it("answers every protected route 401 without a token", async () => {
    const protectedRoutes = ROUTES.filter((route) => route.access !== "public");
    const statuses = await pool(
      protectedRoutes.map((route) => async () => {
        const probe = PROBES[routeKey(route)];
        if (!probe) throw new Error(`no probe for ${routeKey(route)}`);
        return [routeKey(route), await call(undefined, probe.request(seeded, "villager", "own"))] as const;
      }),
      4,
    );
    expect(statuses.filter(([, status]) => status !== 401)).toEqual([]);
  });

  it("answers every route × role × own/other scope as the policy table says", async () => {
    const cases = ROUTES.flatMap((route) => {
      const key = routeKey(route);
      const policy = policyFor(key);
      return (Object.keys(USERS) as Role[]).flatMap((role) =>
        (["own", "other"] as const).map((scope) => ({ key, role, scope, policy })),
      );
    });
    // Withdrawal ends the case it is probed on, so it runs after every other probe of those cases.
    const withdrawLast = [...cases].sort(
      (a, b) =>
        Number(a.key === "POST /cases/{caseId}/withdraw") - Number(b.key === "POST /cases/{caseId}/withdraw"),
    );
    const results = await pool(
      withdrawLast.map(({ key, role, scope, policy }) => async () => {
        const probe = PROBES[key];
        if (!probe) throw new Error(`no probe for ${key}`);
        const expected =
          policy.scope === "public" || policy.roles.includes(role) ? probe.expect(role, scope) : 403;
        const actual = await call(USERS[role], probe.request(seeded, role, scope));
        return { cell: `${key} as ${role} (${scope})`, expected, actual };
      }),
      4,
    );
    const mismatches = results.filter((result) => result.expected !== result.actual);
    expect(mismatches).toEqual([]);
  }, 240_000);

  it("refuses (403) a case-working role the steps of its own township that another role decides", async () => {
    // The rest of the decision row: the matrix's own cell is the one step each role decides; every other
    // role's step of the township is visible to it but not its to decide. mayDecide is asked before the
    // step's state is looked at, so these answers do not depend on whether the matrix decided the step yet.
    const steps = stepsDecidedBy(seeded.a);
    const cells = CASE_WORKERS.flatMap((role) =>
      CASE_WORKERS.filter((decider) => decider !== role).map((decider) => ({ role, decider })),
    );
    const results = await pool(
      cells.map(({ role, decider }) => async () => ({
        cell: `${role} deciding the ${decider}'s step`,
        status: await call(USERS[role], {
          method: "POST",
          path: stepPath(steps[decider], "decision"),
          body: approval(decider),
        }),
      })),
      4,
    );
    expect(results.filter((result) => result.status !== 403)).toEqual([]);
  });

  it("finds a case by its short number only within the caller's townships or jurisdiction", async () => {
    const staff = (Object.keys(USERS) as Role[]).filter((role) => role !== "villager");
    const cells = staff.flatMap((role) => (["own", "other"] as const).map((scope) => ({ role, scope })));
    const results = await pool(
      cells.map(({ role, scope }) => async () => {
        const caseId = staffCase(seeded, scope);
        const answer = await json<{ items: { caseId: string }[] }>(
          USERS[role],
          "GET",
          `/review/search?q=${caseId.slice(0, 8)}`,
        );
        const found = answer.items.some((item) => item.caseId === caseId);
        return { cell: `${role} (${scope})`, found, expected: scope === "own" || wideJurisdiction(role) };
      }),
      4,
    );
    expect(results.filter((result) => result.found !== result.expected)).toEqual([]);
  });

  it("lets the 代办 filers, and only them, work a case filed on behalf in their village or township", async () => {
    const cells = (Object.keys(USERS) as Role[]).flatMap((role) =>
      (["own", "other"] as const).map((scope) => ({ role, scope })),
    );
    const results = await pool(
      cells.map(({ role, scope }) => async () => {
        const status = await call(USERS[role], {
          method: "GET",
          path: `/cases/${assistedCase(seeded, scope)}`,
        });
        const filer = role === "village_officer" || role === "township_clerk";
        // wang is the household the own case was filed for: it sees its case too.
        const expected = filer || role === "villager" ? (scope === "own" ? 200 : 404) : 403;
        return { cell: `${role} (${scope})`, status, expected };
      }),
      4,
    );
    expect(results.filter((result) => result.status !== result.expected)).toEqual([]);
  });
});
