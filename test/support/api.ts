/**
 * Driving cases through the public HTTP API as the demo users: signed-in
 * calls, documents, submission, decisions from reviewers' queues. Works
 * against any local cloud, in this process or another (endpoints are read on
 * each call, so a restarted cloud on new ports is followed; sign-ins are
 * renewed when the issuer changes).
 */
import { createHash } from "node:crypto";
import { expect } from "vitest";
import type { LocalEndpoints } from "#infra/local/cloud.ts";
import { DANLING_DEMO_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import type { ApplicationComplete } from "#shared/schemas/application.ts";
import type { CaseKind } from "#shared/schemas/common.ts";
import type { CountyPolicy } from "#shared/schemas/policy.ts";
import { eventually } from "./local-cloud.ts";
import { authHeader, signInAs } from "./tokens.ts";

export interface QueueItem {
  caseId: string;
  stepId: string;
  step: string;
}

export type ApiCall = <T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<{ status: number; body: T }>;

const PDF = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");

export class ApiDriver {
  private readonly tokens = new Map<string, string>();
  private issuer: string | undefined;

  constructor(
    private readonly endpoints: () => LocalEndpoints,
    /** The county policy of the cloud: which documents a submission needs. */
    private readonly policy: CountyPolicy = DANLING_DEMO_POLICY,
    /** How a user gets a token: the issuer's demo sign-in by default; other users' tokens can be minted. */
    private readonly signIn: (endpoints: LocalEndpoints, userId: string) => Promise<string> = signInAs,
  ) {}

  /** API calls signed in as a demo user. */
  as = async (userId: string): Promise<ApiCall> => {
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
    ): Promise<{ status: number; body: T }> => {
      const response = await fetch(`${this.endpoints().api}${path}`, {
        method,
        headers: { "content-type": "application/json", ...authHeader(bearer), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
    };
  };

  uploadRequiredDocuments = async (villager: string, caseId: string, kind: CaseKind): Promise<void> => {
    const call = await this.as(villager);
    for (const requirement of this.policy.requiredDocuments[kind]) {
      if (requirement.condition !== "always") continue;
      for (let i = 0; i < requirement.minCount; i++) {
        const sha256 = createHash("sha256").update(PDF).digest("hex");
        const requested = await call<{
          documentId: string;
          uploadUrl: string;
          requiredHeaders: Record<string, string>;
        }>("POST", `/cases/${caseId}/documents`, {
          type: requirement.typeId,
          contentType: "application/pdf",
          size: PDF.length,
          sha256,
        });
        expect(requested.status).toBe(201);
        const put = await fetch(requested.body.uploadUrl, {
          method: "PUT",
          headers: requested.body.requiredHeaders,
          body: PDF,
        });
        expect(put.status).toBe(200);
        const confirmed = await call(
          "POST",
          `/cases/${caseId}/documents/${requested.body.documentId}/confirm`,
        );
        expect(confirmed.status).toBe(200);
      }
    }
  };

  /** Waits until the case shows up in the reviewer's queue (the step open), and returns the queue item. */
  queued = async (reviewer: string, queue: string, township: string, caseId: string): Promise<QueueItem> => {
    const call = await this.as(reviewer);
    return eventually(async () => {
      const listed = await call<{ items: QueueItem[] }>("GET", `/queues/${queue}?township=${township}`);
      expect(listed.status).toBe(200);
      return listed.body.items.find((candidate) => candidate.caseId === caseId);
    }, 30_000);
  };

  /** Waits until the case shows up in the reviewer's queue, then decides the step (answered 200: delivered). */
  decideFromQueue = async (
    reviewer: string,
    queue: string,
    township: string,
    caseId: string,
    decision: Record<string, unknown> = { outcome: "approved", comment: "同意" },
  ): Promise<QueueItem> => {
    const item = await this.queued(reviewer, queue, township, caseId);
    const call = await this.as(reviewer);
    const decided = await call(
      "POST",
      `/review/cases/${caseId}/steps/${encodeURIComponent(item.stepId)}/decision`,
      decision,
    );
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    return item;
  };

  statusOf = async (villager: string, caseId: string): Promise<Record<string, unknown>> => {
    const call = await this.as(villager);
    const view = await call("GET", `/cases/${caseId}`);
    expect(view.status).toBe(200);
    return view.body;
  };

  applyAndSubmit = async (
    villager: string,
    kind: CaseKind,
    application: ApplicationComplete,
  ): Promise<string> => {
    const call = await this.as(villager);
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
