/**
 * Site-visit photos over the HTTP API: the inspector (or the department on the
 * site check) declares a photo, PUTs it to the presigned URL, the server
 * verifies the bytes, and the step's decision cites it. Steps are seeded the
 * way the open-step task writes them, so the rules are exercised without
 * running a workflow; test/integration/lifecycle.test.ts takes photos on the
 * real workflow.
 */
import { createHash, randomUUID } from "node:crypto";
import { PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StepRecord } from "#shared/schemas/case.ts";
import { CaseStore } from "#shared/store/case-store.ts";
import { caseKey } from "#shared/store/keys.ts";
import { stepItem } from "#shared/store/step-store.ts";
import { stepIdOf } from "#shared/workflow/steps.ts";
import { putToUploadUrl } from "../support/documents.ts";
import { stepRecord } from "../support/fixtures.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { authHeader, signInAs } from "../support/tokens.ts";

const TOWNSHIP_A = "511424100";
const VILLAGE_A = "511424100001";
const HOUSEHOLD_WANG = "511424100001-H0001";

/** A tiny but real JPEG header (SOI + APP0/JFIF) followed by filler: magic bytes are what the server checks. */
const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]),
  Buffer.alloc(200, 7),
  Buffer.from([0xff, 0xd9]),
]);
const PDF = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

let env: TestCloud;
let store: CaseStore;
const tokens = new Map<string, string>();

beforeAll(async () => {
  env = await startTestCloud();
  store = new CaseStore(env.dynamodb, env.cloud.endpoints.tableName);
});
afterAll(async () => {
  await env?.stop();
});

async function call<T = Record<string, unknown>>(
  user: string,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  let token = tokens.get(user);
  if (!token) {
    token = await signInAs(env.cloud.endpoints, user);
    tokens.set(user, token);
  }
  const response = await fetch(`${env.cloud.endpoints.api}${path}`, {
    method,
    headers: { "content-type": "application/json", ...authHeader(token) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
}

/** A seeded case in `status` (written directly: these tests are about the steps, not the status chain). */
async function seedCase(status = "approved"): Promise<string> {
  const caseId = randomUUID();
  await store.create(
    {
      caseId,
      kind: "homestead",
      householdId: HOUSEHOLD_WANG,
      ownerId: "villager-wang",
      townshipCode: TOWNSHIP_A,
      villageCode: VILLAGE_A,
      policyId: "sichuan-default",
      application: { kind: "homestead", head: { name: "王建国" } },
    },
    { id: "villager-wang", role: "villager" },
  );
  await env.dynamodb.send(
    new UpdateCommand({
      TableName: env.cloud.endpoints.tableName,
      Key: caseKey(caseId),
      UpdateExpression: "SET #status = :status",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":status": status },
    }),
  );
  return caseId;
}

/** A step as the open-step task writes it (its token is never used: these decisions are not delivered). */
async function seedStep(caseId: string, step: StepRecord["step"], department?: string): Promise<string> {
  const stepId = stepIdOf(step, department, 1);
  const record = stepRecord({
    caseId,
    stepId,
    step,
    ...(department ? { department: department as StepRecord["department"] } : {}),
    townshipCode: TOWNSHIP_A,
    openedAt: new Date().toISOString(),
    deadline: "2031-01-10T00:00:00.000Z",
  });
  await env.dynamodb.send(
    new PutCommand({ TableName: env.cloud.endpoints.tableName, Item: stepItem(record) }),
  );
  return stepId;
}

const photosPath = (caseId: string, stepId: string) =>
  `/review/cases/${caseId}/steps/${encodeURIComponent(stepId)}/photos`;

interface Presigned {
  photoId: string;
  uploadUrl: string;
  requiredHeaders: Record<string, string>;
}

/** Declare, PUT and confirm one photo as `user`; returns the confirm answer. */
async function takePhoto(user: string, caseId: string, stepId: string, bytes = JPEG, declared = JPEG) {
  const requested = await call<Presigned>(user, "POST", photosPath(caseId, stepId), {
    contentType: "image/jpeg",
    size: declared.length,
    sha256: sha256(declared),
  });
  expect(requested.status, JSON.stringify(requested.body)).toBe(201);
  await putToUploadUrl(requested.body, bytes);
  const confirmed = await call<Record<string, unknown>>(
    user,
    "POST",
    `${photosPath(caseId, stepId)}/${requested.body.photoId}/confirm`,
  );
  return { photoId: requested.body.photoId, confirmed };
}

describe("site-visit photos", () => {
  it("lets the inspector attach verified photos and cite them in the staking-out decision", async () => {
    const caseId = await seedCase();
    const stepId = await seedStep(caseId, "site_visit_staking");

    const { photoId, confirmed } = await takePhoto("inspector-a", caseId, stepId);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({
      documentId: photoId,
      type: "site_visit_photo",
      status: "confirmed",
    });

    // A photo id the step does not have cannot be cited.
    const bogus = await call(
      "inspector-a",
      "POST",
      `/review/cases/${caseId}/steps/${encodeURIComponent(stepId)}/decision`,
      {
        outcome: "approved",
        measurements: { plotAreaM2: 118 },
        photos: [photoId, "not-a-photo"],
      },
    );
    expect(bogus.status).toBe(422);
    expect(JSON.stringify(bogus.body)).toContain("not-a-photo");

    const decided = await call<{ step: { decision: { photos: string[] } } }>(
      "inspector-a",
      "POST",
      `/review/cases/${caseId}/steps/${encodeURIComponent(stepId)}/decision`,
      { outcome: "approved", measurements: { plotAreaM2: 118 }, photos: [photoId] },
    );
    // Stored; no workflow waits on this seeded step, so the send is reported as pending (202) or done (200).
    expect([200, 202]).toContain(decided.status);
    expect(decided.body.step.decision.photos).toEqual([photoId]);

    // Reviewers see the photo with a download URL of the verified bytes; the step says it is a site visit.
    const detail = await call<{
      documents: { documentId: string; stepId?: string; download?: { url: string } }[];
      steps: { stepId: string; siteVisit?: { id: string } }[];
      timeline: { action: string; actor: { id: string } }[];
    }>("clerk-a", "GET", `/review/cases/${caseId}`);
    expect(detail.status).toBe(200);
    const photo = detail.body.documents.find((document) => document.documentId === photoId);
    expect(photo?.stepId).toBe(stepId);
    const downloaded = Buffer.from(await (await fetch(photo?.download?.url ?? "")).arrayBuffer());
    expect(downloaded.equals(JPEG)).toBe(true);
    expect(detail.body.steps.find((step) => step.stepId === stepId)?.siteVisit?.id).toBe("staking_out");
    expect(detail.body.timeline).toContainEqual(
      expect.objectContaining({
        action: "attachSiteVisitPhoto",
        actor: expect.objectContaining({ id: "inspector-a" }),
      }),
    );

    // The household's document list stays theirs: the inspector's photo is not one of its documents.
    const own = await call<{ documents: { documentId: string }[] }>(
      "villager-wang",
      "GET",
      `/cases/${caseId}/documents`,
    );
    expect(own.status).toBe(200);
    expect(own.body.documents.map((document) => document.documentId)).not.toContain(photoId);

    // Decided: the visit's record is closed.
    const late = await call("inspector-a", "POST", photosPath(caseId, stepId), {
      contentType: "image/jpeg",
      size: JPEG.length,
      sha256: sha256(JPEG),
    });
    expect(late.status).toBe(409);
  });

  it("rejects and deletes a photo whose bytes are not what was declared", async () => {
    const caseId = await seedCase();
    const stepId = await seedStep(caseId, "site_visit_completion");
    // Declared as the JPEG, but a PDF arrives: wrong magic bytes, size and checksum.
    const { confirmed } = await takePhoto("inspector-a", caseId, stepId, PDF, JPEG);
    expect(confirmed.status).toBe(422);
    expect(JSON.stringify(confirmed.body)).toMatch(/sha256|SHA-256/i);
  });

  it("lets the site-check departments photograph their joint-review step, and nobody else", async () => {
    const caseId = await seedCase("in_joint_review");
    const agriculture = await seedStep(caseId, "joint_review", "agriculture");
    const housing = await seedStep(caseId, "joint_review", "housing_construction");
    const staking = await seedStep(caseId, "site_visit_staking");
    const photo = { contentType: "image/jpeg", size: JPEG.length, sha256: sha256(JPEG) };

    // Site visit 1 (the Sichuan policy's site check): agriculture and natural resources.
    const { confirmed } = await takePhoto("reviewer-agriculture-a", caseId, agriculture);
    expect(confirmed.status).toBe(200);
    // Housing reviews, but goes on no site check under this policy.
    expect((await call("reviewer-housing-a", "POST", photosPath(caseId, housing), photo)).status).toBe(409);
    // Another department's step, the inspector on a joint-review step, a reviewer on the inspector's: 403.
    expect(
      (await call("reviewer-natural-resources-a", "POST", photosPath(caseId, agriculture), photo)).status,
    ).toBe(403);
    expect((await call("inspector-a", "POST", photosPath(caseId, agriculture), photo)).status).toBe(403);
    expect((await call("reviewer-agriculture-a", "POST", photosPath(caseId, staking), photo)).status).toBe(
      403,
    );
    // Another township's inspector: the step is not theirs to know.
    expect((await call("inspector-b", "POST", photosPath(caseId, staking), photo)).status).toBe(404);
    // Villagers and auditors never reach the route.
    expect((await call("villager-wang", "POST", photosPath(caseId, staking), photo)).status).toBe(403);
    expect((await call("auditor", "POST", photosPath(caseId, staking), photo)).status).toBe(403);
    // Only images.
    const pdf = await call("inspector-a", "POST", photosPath(caseId, staking), {
      contentType: "application/pdf",
      size: PDF.length,
      sha256: sha256(PDF),
    });
    expect(pdf.status).toBe(400);
  });
});
