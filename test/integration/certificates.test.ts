import { randomUUID } from "node:crypto";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chinaDate } from "#shared/certificates/certificate.ts";
import { CaseNotApprovedError, issueCertificates } from "#shared/certificates/issue.ts";
import type { CaseRecord } from "#shared/schemas/case.ts";
import { CaseStore } from "#shared/store/case-store.ts";
import { walkCase } from "../support/case-walk.ts";
import {
  homesteadApplication,
  type NewCase,
  newCaseFields,
  ZHANG_HEAD_ID,
  ZHANG_HOUSEHOLD,
} from "../support/fixtures.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { readPaper, squash } from "../support/pdf-reader.ts";
import { authHeader, signInAs } from "../support/tokens.ts";

const WANG = { id: "villager-wang", householdId: "511424100001-H0001" };
/** A new case of Wang's household with a fresh id. */
const wangsCase = (fields: Partial<NewCase>) =>
  newCaseFields(`cert-${randomUUID()}`, { householdId: WANG.householdId, ownerId: WANG.id, ...fields });
const PHONE = homesteadApplication(ZHANG_HOUSEHOLD).head.phone;

let env: TestCloud;
let deps: Parameters<typeof issueCertificates>[0];

beforeAll(async () => {
  env = await startTestCloud();
  deps = {
    client: env.dynamodb,
    tableName: env.cloud.endpoints.tableName,
    s3: env.s3,
    bucketName: env.cloud.endpoints.bucketName,
    now: () => new Date(),
  };
}, 120_000);
afterAll(async () => {
  await env?.stop();
});

/** A case walked through the status machine to `approved` (at `at`, default now). */
async function approvedCase(kind: "homestead" | "farmhouse" = "homestead", at?: Date): Promise<CaseRecord> {
  const store = new CaseStore(env.dynamodb, env.cloud.endpoints.tableName, at ? () => at : undefined);
  const application =
    kind === "homestead"
      ? homesteadApplication(ZHANG_HOUSEHOLD)
      : {
          ...homesteadApplication(ZHANG_HOUSEHOLD),
          kind,
          currentHomestead: { areaM2: 120, houseFloorAreaM2: 160, oldPlotDisposition: "keep" as const },
          proposedPlot: {
            ...homesteadApplication(ZHANG_HOUSEHOLD).proposedPlot,
            situation: "rebuild_on_old_plot" as const,
          },
        };
  let record = await store.create(wangsCase({ kind, application }), { id: WANG.id, role: "villager" });
  record = await walkCase(store, record);
  return store.transition(record, "approve", { actor: { id: "head-a", role: "township_head" } });
}

const sequenceOf = (number: string) => Number(number.split("-").at(-1));

async function storedPdf(caseId: string, type: string): Promise<Uint8Array> {
  const record = await new CaseStore(env.dynamodb, env.cloud.endpoints.tableName).get(caseId);
  const key = record?.certificates?.find((certificate) => certificate.type === type)?.objectKey ?? "";
  const object = await env.s3.send(
    new GetObjectCommand({ Bucket: env.cloud.endpoints.bucketName, Key: key }),
  );
  return (await object.Body?.transformToByteArray()) ?? new Uint8Array();
}

describe("issueCertificates", () => {
  it("gives 10 cases issued in parallel unique, consecutive numbers per certificate type", async () => {
    const cases = await Promise.all(Array.from({ length: 10 }, () => approvedCase()));
    const issued = await Promise.all(cases.map((record) => issueCertificates(deps, record.caseId)));
    const year = chinaDate(new Date()).slice(0, 4);
    for (const [type, prefix] of [
      ["homestead_approval_certificate", "511424-ZJDPZ"],
      ["rural_construction_planning_permit", "511424-XJGX"],
    ] as const) {
      const numbers = issued.map((certificates) => certificates.find((c) => c.type === type)?.number ?? "");
      expect(new Set(numbers).size).toBe(10);
      for (const number of numbers) expect(number).toMatch(new RegExp(`^${prefix}-${year}-\\d{5}$`));
      expect(numbers.map(sequenceOf).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    }
  });

  it("is idempotent: a retried task returns the same numbers and records one event", async () => {
    const record = await approvedCase();
    const first = await issueCertificates(deps, record.caseId);
    const [second, third] = await Promise.all([
      issueCertificates(deps, record.caseId),
      issueCertificates(deps, record.caseId),
    ]);
    expect(second).toEqual(first);
    expect(third).toEqual(first);
    const { record: stored, events } = await new CaseStore(env.dynamodb, env.cloud.endpoints.tableName).load(
      record.caseId,
    );
    expect(stored.certificates?.map(({ type, number }) => ({ type, number }))).toEqual(first);
    expect(events.filter((event) => event.action === "issueCertificates")).toHaveLength(1);
  });

  it("issues only the planning permit for a farmhouse (rebuild) case", async () => {
    const record = await approvedCase("farmhouse");
    const issued = await issueCertificates(deps, record.caseId);
    expect(issued.map((certificate) => certificate.type)).toEqual(["rural_construction_planning_permit"]);
  });

  it("refuses a case that is not approved", async () => {
    const store = new CaseStore(env.dynamodb, env.cloud.endpoints.tableName);
    const draft = await store.create(wangsCase({ application: homesteadApplication(ZHANG_HOUSEHOLD) }), {
      id: WANG.id,
      role: "villager",
    });
    await expect(issueCertificates(deps, draft.caseId)).rejects.toBeInstanceOf(CaseNotApprovedError);
  });

  it("stores a printable PDF certificate with the fields, masked ID and a QR code of the verify URL", async () => {
    const record = await approvedCase();
    const issued = await issueCertificates(deps, record.caseId);
    const number = issued.find((c) => c.type === "homestead_approval_certificate")?.number ?? "";
    const read = readPaper(await storedPdf(record.caseId, "homestead_approval_certificate"));
    const text = squash(read.text);
    for (const field of [
      "农村宅基地批准书",
      number,
      "张伟",
      "150 平方米",
      "住房用地 90 平方米",
      "东至 村道",
      "农民集体",
      "有效期",
    ]) {
      expect(text).toContain(squash(field));
    }
    expect(read.qr).toBe(`${env.cloud.endpoints.api}/verify/${number}`);
    expect(text).not.toContain(ZHANG_HEAD_ID);
    expect(text).not.toContain(PHONE);
  });
});

describe("GET /verify/{number}", () => {
  let number = "";
  let caseId = "";
  beforeAll(async () => {
    const record = await approvedCase();
    caseId = record.caseId;
    number =
      (await issueCertificates(deps, caseId)).find((c) => c.type === "homestead_approval_certificate")
        ?.number ?? "";
  });

  it("shows a valid certificate with personal data masked, publicly", async () => {
    const response = await fetch(`${env.cloud.endpoints.api}/verify/${number}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('data-status="valid"');
    expect(html).toContain(number);
    expect(html).toContain("张*");
    expect(html).not.toContain("张伟");
    expect(html).not.toContain(ZHANG_HEAD_ID);
    expect(html).not.toContain(PHONE);
    expect(html).not.toContain(caseId);
  });

  it("answers JSON for ?format=json and for Accept: application/json", async () => {
    for (const response of [
      await fetch(`${env.cloud.endpoints.api}/verify/${number}?format=json`),
      await fetch(`${env.cloud.endpoints.api}/verify/${number}`, { headers: { accept: "application/json" } }),
    ]) {
      expect(response.status).toBe(200);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ number, status: "valid", valid: true, headOfHousehold: { name: "张*" } });
      const text = JSON.stringify(body);
      expect(text).not.toContain(ZHANG_HEAD_ID);
      expect(text).not.toContain(PHONE);
      expect(text).not.toContain(caseId);
    }
  });

  it("finds a certificate typed in lowercase or with stray spaces (issue 16)", async () => {
    const typed = encodeURIComponent(` ${number.toLowerCase()} `);
    const page = await fetch(`${env.cloud.endpoints.api}/verify/${typed}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(number);
    const json = await fetch(`${env.cloud.endpoints.api}/verify/${typed}?format=json`);
    expect(json.status).toBe(200);
    expect(await json.json()).toMatchObject({ number, valid: true });
  });

  it("answers 404 with a page saying so for an unknown number", async () => {
    const response = await fetch(`${env.cloud.endpoints.api}/verify/511424-ZJDPZ-1999-99999`);
    expect(response.status).toBe(404);
    expect(await response.text()).toContain("未找到该证书");
    const json = await fetch(`${env.cloud.endpoints.api}/verify/nonsense?format=json`);
    expect(json.status).toBe(404);
  });

  it("shows a certificate past its validity period as expired", async () => {
    const old = await approvedCase("homestead", new Date("2020-03-01T02:00:00Z"));
    const [certificate] = await issueCertificates(deps, old.caseId);
    expect(certificate?.number).toMatch(/-2020-\d{5}$/);
    const body = (await (
      await fetch(`${env.cloud.endpoints.api}/verify/${certificate?.number}?format=json`)
    ).json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      status: "expired",
      valid: false,
      approvedOn: "2020-03-01",
      validUntil: "2022-02-28",
    });
  });
});

describe("GET /cases/{caseId}/certificates/{type}", () => {
  it("gives the owner a short-lived link to the certificate PDF and others a 404", async () => {
    const record = await approvedCase();
    await issueCertificates(deps, record.caseId);
    const path = `${env.cloud.endpoints.api}/cases/${record.caseId}/certificates/homestead_approval_certificate`;
    const owner = await fetch(path, { headers: authHeader(await signInAs(env.cloud.endpoints, WANG.id)) });
    expect(owner.status).toBe(200);
    const { url, number } = (await owner.json()) as { url: string; number: string };
    const pdf = await fetch(url);
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    expect(pdf.headers.get("content-disposition")).toContain(`${number}.pdf`);
    expect(squash(readPaper(new Uint8Array(await pdf.arrayBuffer())).text)).toContain(number);

    const other = await fetch(path, {
      headers: authHeader(await signInAs(env.cloud.endpoints, "villager-li")),
    });
    expect(other.status).toBe(404);
  });
});
