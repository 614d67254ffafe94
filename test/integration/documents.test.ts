import { createHash, randomUUID } from "node:crypto";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { documentObjectKey } from "#shared/documents/document.ts";
import { CaseStore } from "#shared/store/case-store.ts";
import { putToUploadUrl } from "../support/documents.ts";
import { newCaseFields } from "../support/fixtures.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { authHeader, signInAs } from "../support/tokens.ts";

/** Demo users (infra/local/demo-users.json): Wang and Li live in different households of the same village. */
const WANG = { id: "villager-wang", householdId: "511424100001-H0001" };
const LI = { id: "villager-li" };

let env: TestCloud;
let store: CaseStore;
let wangToken: string;
let liToken: string;

beforeAll(async () => {
  env = await startTestCloud();
  store = new CaseStore(env.dynamodb, env.cloud.endpoints.tableName);
  [wangToken, liToken] = await Promise.all([
    signInAs(env.cloud.endpoints, WANG.id),
    signInAs(env.cloud.endpoints, LI.id),
  ]);
}, 120_000);
afterAll(async () => {
  await env?.stop();
});

async function wangsDraft(): Promise<string> {
  const caseId = `doc-${randomUUID()}`;
  await store.create(newCaseFields(caseId, { householdId: WANG.householdId, ownerId: WANG.id }), {
    id: WANG.id,
    role: "villager",
  });
  return caseId;
}

async function submitAsWang(caseId: string): Promise<void> {
  await store.transition(await store.require(caseId), "submit", { actor: { id: WANG.id, role: "villager" } });
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from("IHDR fake png body"),
]);
const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
  Buffer.from("JFIF fake jpeg body 身份证"),
]);

interface UploadTicket {
  documentId: string;
  uploadUrl: string;
  expiresAt: string;
  requiredHeaders: Record<string, string>;
}

function api(path: string, token: string, init: { method?: string; body?: unknown } = {}) {
  return fetch(`${env.cloud.endpoints.api}${path}`, {
    method: init.method ?? "GET",
    headers: {
      ...authHeader(token),
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
}

async function requestUpload(
  caseId: string,
  declared: { type: string; contentType: string; size: number; sha256: string },
  token = wangToken,
): Promise<UploadTicket> {
  const response = await api(`/cases/${caseId}/documents`, token, { method: "POST", body: declared });
  expect(response.status).toBe(201);
  return (await response.json()) as UploadTicket;
}

/** What the household declares for an upload of the whole of `bytes`. */
const declare = (type: string, contentType: string, bytes: Buffer) => ({
  type,
  contentType,
  size: bytes.length,
  sha256: sha256(bytes),
});

const remove = (caseId: string, documentId: string, token = wangToken) =>
  api(`/cases/${caseId}/documents/${documentId}`, token, { method: "DELETE" });

const confirm = (caseId: string, documentId: string, token = wangToken) =>
  api(`/cases/${caseId}/documents/${documentId}/confirm`, token, { method: "POST" });

async function objectExists(key: string): Promise<boolean> {
  try {
    await env.s3.send(new HeadObjectCommand({ Bucket: env.cloud.endpoints.bucketName, Key: key }));
    return true;
  } catch {
    return false;
  }
}

describe("documents API", () => {
  it("uploads through the presigned URL and confirms the verified bytes", async () => {
    const caseId = await wangsDraft();
    const ticket = await requestUpload(caseId, declare("id_card", "image/jpeg", JPEG));
    expect(ticket.uploadUrl).toContain(`/cases/${caseId}/documents/${ticket.documentId}`);
    expect(ticket.requiredHeaders).toMatchObject({ "content-type": "image/jpeg" });
    expect(ticket.requiredHeaders["x-amz-checksum-sha256"]).toBe(
      createHash("sha256").update(JPEG).digest("base64"),
    );
    const expiresIn = Date.parse(ticket.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(0);
    expect(expiresIn).toBeLessThanOrEqual(10 * 60 * 1000);

    await putToUploadUrl(ticket, JPEG);
    const confirmed = await confirm(caseId, ticket.documentId);
    expect(confirmed.status).toBe(200);
    expect(await confirmed.json()).toMatchObject({
      documentId: ticket.documentId,
      status: "confirmed",
      type: "id_card",
    });

    const listed = (await (await api(`/cases/${caseId}/documents`, wangToken)).json()) as {
      documents: { documentId: string; status: string; download?: { url: string } }[];
    };
    expect(listed.documents).toHaveLength(1);
    const [document] = listed.documents;
    expect(document).toMatchObject({ documentId: ticket.documentId, status: "confirmed" });
    const download = await fetch(document?.download?.url ?? "");
    expect(Buffer.from(await download.arrayBuffer())).toEqual(JPEG);

    const { events } = await store.load(caseId);
    expect(events.filter((event) => event.action === "confirmDocument")).toEqual([
      expect.objectContaining({
        data: expect.objectContaining({ documentId: ticket.documentId, type: "id_card" }),
      }),
    ]);
  });

  it("rejects bytes whose SHA-256 differs (422) and deletes the object", async () => {
    const caseId = await wangsDraft();
    const ticket = await requestUpload(caseId, declare("id_card", "image/png", PNG));
    const tampered = Buffer.from(PNG);
    tampered[PNG.length - 1] = 0x21; // same size and type, different bytes
    // s3rver checks no checksum headers, so the tampered body lands; real S3 would refuse this PUT already.
    await putToUploadUrl(ticket, tampered);
    const response = await confirm(caseId, ticket.documentId);
    expect(response.status).toBe(422);
    const body = (await response.json()) as {
      error: { message: string; details: { rejections: { code: string; zh: string }[] } };
    };
    expect(body.error.details.rejections.map((rejection) => rejection.code)).toEqual(["sha256_mismatch"]);
    expect(body.error.message).toMatch(/SHA-256/);
    expect(body.error.details.rejections[0]?.zh).toMatch(/校验值/);
    expect(await objectExists(documentObjectKey(caseId, ticket.documentId))).toBe(false);
    const listed = (await (await api(`/cases/${caseId}/documents`, wangToken)).json()) as {
      documents: { status: string }[];
    };
    expect(listed.documents).toEqual([expect.objectContaining({ status: "rejected" })]);
  });

  it("rejects a PNG declared as application/pdf by its magic bytes", async () => {
    const caseId = await wangsDraft();
    const ticket = await requestUpload(caseId, declare("application_form", "application/pdf", PNG));
    await putToUploadUrl(ticket, PNG);
    const response = await confirm(caseId, ticket.documentId);
    expect(response.status).toBe(422);
    const body = (await response.json()) as {
      error: { message: string; details: { rejections: { code: string }[] } };
    };
    expect(body.error.details.rejections.map((rejection) => rejection.code)).toEqual([
      "content_type_mismatch",
    ]);
    expect(body.error.message).toContain("image/png");
    expect(await objectExists(documentObjectKey(caseId, ticket.documentId))).toBe(false);
  });

  it("rejects a file larger than declared without reading past the declared size", async () => {
    const caseId = await wangsDraft();
    const ticket = await requestUpload(caseId, {
      type: "id_card",
      contentType: "image/png",
      size: 10,
      sha256: sha256(PNG.subarray(0, 10)),
    });
    await putToUploadUrl(ticket, PNG);
    const response = await confirm(caseId, ticket.documentId);
    expect(response.status).toBe(422);
    const body = (await response.json()) as { error: { details: { rejections: { code: string }[] } } };
    expect(body.error.details.rejections.map((rejection) => rejection.code)).toContain("size_mismatch");
  });

  it.each([
    [
      "an oversize file",
      { type: "id_card", contentType: "image/png", size: 8 * 1024 * 1024 + 1 },
      "body.size",
    ],
    [
      "a content type the county does not accept",
      { type: "id_card", contentType: "image/gif", size: 100 },
      "body.contentType",
    ],
    [
      "a document type the county does not ask for",
      { type: "selfie", contentType: "image/png", size: 100 },
      "body.type",
    ],
  ])("refuses %s when the upload is requested (400)", async (_name, declared, path) => {
    const caseId = await wangsDraft();
    const response = await api(`/cases/${caseId}/documents`, wangToken, {
      method: "POST",
      body: { ...declared, sha256: sha256(PNG) },
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      error: { details: { problems: { path: string; zh: string; en: string }[] } };
    };
    expect(body.error.details.problems).toEqual([
      expect.objectContaining({ path, zh: expect.any(String), en: expect.any(String) }),
    ]);
  });

  it("refuses a malformed SHA-256 (400)", async () => {
    const caseId = await wangsDraft();
    const response = await api(`/cases/${caseId}/documents`, wangToken, {
      method: "POST",
      body: { type: "id_card", contentType: "image/png", size: 10, sha256: "abc" },
    });
    expect(response.status).toBe(400);
  });

  it("confirms twice harmlessly: one confirmed document, one event", async () => {
    const caseId = await wangsDraft();
    const ticket = await requestUpload(caseId, declare("site_plan", "image/png", PNG));
    await putToUploadUrl(ticket, PNG);
    const [first, second] = await Promise.all([
      confirm(caseId, ticket.documentId),
      confirm(caseId, ticket.documentId),
    ]);
    const third = await confirm(caseId, ticket.documentId);
    for (const response of [first, second, third]) {
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: "confirmed" });
    }
    const { events } = await store.load(caseId);
    expect(events.filter((event) => event.action === "confirmDocument")).toHaveLength(1);
  });

  it("answers 422 and keeps the document pending when nothing was uploaded yet", async () => {
    const caseId = await wangsDraft();
    const ticket = await requestUpload(caseId, declare("id_card", "image/png", PNG));
    expect((await confirm(caseId, ticket.documentId)).status).toBe(422);
    await putToUploadUrl(ticket, PNG);
    expect((await confirm(caseId, ticket.documentId)).status).toBe(200);
  });

  it("returns 404 when the case belongs to another household", async () => {
    const caseId = await wangsDraft();
    const ticket = await requestUpload(caseId, declare("id_card", "image/png", PNG));
    const declared = declare("id_card", "image/png", PNG);
    expect(
      (await api(`/cases/${caseId}/documents`, liToken, { method: "POST", body: declared })).status,
    ).toBe(404);
    expect((await api(`/cases/${caseId}/documents`, liToken)).status).toBe(404);
    expect((await confirm(caseId, ticket.documentId, liToken)).status).toBe(404);
    expect((await api(`/cases/no-such-case/documents`, wangToken)).status).toBe(404);
  });

  it("needs a signed-in caller", async () => {
    const caseId = await wangsDraft();
    expect((await fetch(`${env.cloud.endpoints.api}/cases/${caseId}/documents`)).status).toBe(401);
  });

  it("refuses new documents once the case is submitted (409)", async () => {
    const caseId = await wangsDraft();
    await submitAsWang(caseId);
    const response = await api(`/cases/${caseId}/documents`, wangToken, {
      method: "POST",
      body: declare("id_card", "image/png", PNG),
    });
    expect(response.status).toBe(409);
  });
});

describe("removing a document (issue 16)", () => {
  it("removes the household's confirmed document and its bytes, with one event; others get 404", async () => {
    const caseId = await wangsDraft();
    const ticket = await requestUpload(caseId, declare("id_card", "image/jpeg", JPEG));
    await putToUploadUrl(ticket, JPEG);
    expect((await confirm(caseId, ticket.documentId)).status).toBe(200);
    const key = documentObjectKey(caseId, ticket.documentId);
    expect(await objectExists(key)).toBe(true);

    const byLi = await remove(caseId, ticket.documentId, liToken);
    expect(byLi.status).toBe(404);

    const removed = await remove(caseId, ticket.documentId);
    expect(removed.status, await removed.clone().text()).toBe(200);
    expect(((await removed.json()) as { documents: unknown[] }).documents).toEqual([]);
    expect(await objectExists(key)).toBe(false);
    const { events, documents } = await store.load(caseId);
    expect(documents).toEqual([]);
    expect(events.filter((event) => event.action === "removeDocument")).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ documentId: ticket.documentId }) }),
    ]);

    const again = await remove(caseId, ticket.documentId);
    expect(again.status).toBe(404);
  });

  it("refuses to remove once the case is under review (409 case_locked)", async () => {
    const caseId = await wangsDraft();
    const ticket = await requestUpload(caseId, declare("id_card", "image/png", PNG));
    await submitAsWang(caseId);
    const refused = await remove(caseId, ticket.documentId);
    expect(refused.status).toBe(409);
    const { error } = (await refused.json()) as { error: { code: string; zh: string } };
    expect(error.code).toBe("case_locked");
    // The household reads the status in words, not the code `submitted`.
    expect(error.zh).toContain("已提交，正在自动预审");
    expect(error.zh).not.toMatch(/submitted/);
  });
});
