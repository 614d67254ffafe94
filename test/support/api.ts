/**
 * Driving cases through the public HTTP API as the demo users: signed-in
 * calls, documents, submission, decisions from reviewers' queues. Works
 * against any local cloud, in this process or another (endpoints are read on
 * each call, so a restarted cloud on new ports is followed; sign-ins are
 * renewed when the issuer changes).
 */
import { expect } from "vitest";
import type { LocalEndpoints } from "#infra/local/cloud.ts";
import { DANLING_DEMO_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import type { ApplicationComplete } from "#shared/schemas/application.ts";
import type { CaseKind } from "#shared/schemas/common.ts";
import type { CountyPolicy } from "#shared/schemas/policy.ts";
import { uploadRequiredDocuments } from "./documents.ts";
import { eventually } from "./local-cloud.ts";
import { authHeader, signInAs } from "./tokens.ts";

export interface QueueItem {
  caseId: string;
  stepId: string;
  step: string;
  deadline?: string;
}

export type ApiCall = <T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<{ status: number; body: T; text: string }>;

export interface ApiDriverOptions {
  /** The county policy of the cloud: which documents a submission needs. */
  policy?: CountyPolicy;
  /** How a user gets a token: the issuer's demo sign-in by default; other users' tokens can be minted. */
  signIn?: (endpoints: LocalEndpoints, userId: string) => Promise<string>;
  /** Sees every answer's raw body (a test that inspects all the API said). */
  onResponse?: (answer: { userId: string; path: string; status: number; text: string }) => void;
}

export class ApiDriver {
  private readonly tokens = new Map<string, string>();
  private issuer: string | undefined;
  private readonly policy: CountyPolicy;
  private readonly signIn: (endpoints: LocalEndpoints, userId: string) => Promise<string>;

  constructor(
    private readonly endpoints: () => LocalEndpoints,
    private readonly options: ApiDriverOptions = {},
  ) {
    this.policy = options.policy ?? DANLING_DEMO_POLICY;
    this.signIn = options.signIn ?? signInAs;
  }

  /** JSON API calls signed in as a demo user (a string body is sent as it is; an answer that is not JSON comes back as `{ text }`). */
  apiAs = async (userId: string): Promise<ApiCall> => {
    const endpoints = this.endpoints();
    if (this.issuer !== endpoints.auth.issuer) {
      this.tokens.clear();
      this.issuer = endpoints.auth.issuer;
    }
    let token = this.tokens.get(userId);
    if (!token) {
      token = await this.signIn(endpoints, userId);
      this.tokens.set(userId, token);
    }
    const bearer = token;
    return async <T = Record<string, unknown>>(
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ): Promise<{ status: number; body: T; text: string }> => {
      const response = await fetch(`${this.endpoints().api}${path}`, {
        method,
        headers: { "content-type": "application/json", ...authHeader(bearer), ...headers },
        ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      this.options.onResponse?.({ userId, path, status: response.status, text });
      return { status: response.status, body: parseBody(text) as T, text };
    };
  };

  uploadRequiredDocuments = async (villager: string, caseId: string, kind: CaseKind): Promise<void> =>
    uploadRequiredDocuments(await this.apiAs(villager), caseId, this.policy.requiredDocuments[kind]);

  /** Waits until the case (its step of kind `step`, if given) is in the reviewer's queue, and returns the item. */
  queued = async (
    reviewer: string,
    queue: string,
    township: string,
    caseId: string,
    step?: string,
  ): Promise<QueueItem> => {
    const call = await this.apiAs(reviewer);
    return eventually(async () => {
      const listed = await call<{ items: QueueItem[] }>("GET", `/queues/${queue}?township=${township}`);
      expect(listed.status).toBe(200);
      return listed.body.items.find(
        (candidate) => candidate.caseId === caseId && (step === undefined || candidate.step === step),
      );
    }, 30_000);
  };

  /** Waits until the case's step is in the reviewer's queue, then decides it (answered 200: delivered). */
  decideFromQueue = async (
    reviewer: string,
    queue: string,
    township: string,
    caseId: string,
    decision: Record<string, unknown> = { outcome: "approved", comment: "同意" },
    step?: string,
  ): Promise<QueueItem> => {
    const item = await this.queued(reviewer, queue, township, caseId, step);
    const call = await this.apiAs(reviewer);
    const decided = await call(
      "POST",
      `/review/cases/${caseId}/steps/${encodeURIComponent(item.stepId)}/decision`,
      decision,
    );
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    return item;
  };

  statusOf = async (villager: string, caseId: string): Promise<Record<string, unknown>> => {
    const call = await this.apiAs(villager);
    const view = await call("GET", `/cases/${caseId}`);
    expect(view.status).toBe(200);
    return view.body;
  };

  applyAndSubmit = async (
    villager: string,
    kind: CaseKind,
    application: ApplicationComplete,
  ): Promise<string> => {
    const call = await this.apiAs(villager);
    const created = await call<{ caseId: string }>("POST", "/cases", { kind });
    expect(created.status).toBe(201);
    const { caseId } = created.body;
    expect((await call("PUT", `/cases/${caseId}/application`, application)).status).toBe(200);
    await this.uploadRequiredDocuments(villager, caseId, kind);
    const submitted = await call("POST", `/cases/${caseId}/submit`, undefined, {
      "idempotency-key": `submit-${caseId}`,
    });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    return caseId;
  };
}

function parseBody(text: string): unknown {
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    return { text };
  }
}
