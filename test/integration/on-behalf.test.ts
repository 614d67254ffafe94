/**
 * 代办 (issue 16): a village officer files a case on behalf of a household
 * without a smartphone — opens it, fills it, uploads for it, records the
 * household's consent (the signed form, and the head's code from an SMS read
 * back), submits it; the history says it was filed on behalf and by whom.
 * Later a villager of the household claims it with a code sent to the head's
 * phone and owns it. The codes go out through the notifications SMS adapter
 * (shared/notify/sms.ts) as the county's registered templates; the local SMS
 * stand-in (infra/local/sms.ts) records what the phone received.
 */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServiceFault } from "#infra/local/faults.ts";
import type { RecordedSms } from "#infra/local/sms.ts";
import { MAX_TRIES, OneTimeCodes } from "#shared/assisted/one-time-code.ts";
import { defaultEncryptor } from "#shared/crypto/from-env.ts";
import { maskPhone } from "#shared/domain/phone.ts";
import { caseKey } from "#shared/store/keys.ts";
import { type ApiCall, apiAs, requiredDocuments } from "../e2e/api-seed.ts";
import { makePdf } from "../e2e/browser.ts";
import { uploadDocument, uploadRequiredDocuments } from "../support/documents.ts";
import { homesteadApplication, ZHANG_HOUSEHOLD } from "../support/fixtures.ts";
import { eventually, startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { TEST_WAIT_SCALE } from "../support/workflow.ts";

const HOUSEHOLD = "511424100001-H0001";
const application = {
  ...homesteadApplication(ZHANG_HOUSEHOLD),
  head: { ...homesteadApplication(ZHANG_HOUSEHOLD).head, name: "王建国" },
};
const PHONE = application.head.phone;

let env: TestCloud;
/** The SMS service fails while this is set (the local stand-in answers every call with it). */
let smsFault: ServiceFault | undefined;
const calls = new Map<string, ApiCall>();
const as = (user: string): ApiCall => {
  const call = calls.get(user);
  if (!call) throw new Error(`no token for ${user}`);
  return call;
};
let caseId = "";

beforeAll(async () => {
  // The notice days pass in moments: the village review after them is reached in the correction test.
  env = await startTestCloud({
    waitScale: TEST_WAIT_SCALE,
    faults: { service: ({ service }) => (service === "sms" ? smsFault : undefined) },
  });
  for (const user of [
    "village-officer-a",
    "village-officer-b",
    "clerk-a",
    "clerk-b",
    "reviewer-agriculture-a",
    "villager-wang",
    "villager-li",
  ]) {
    calls.set(user, await apiAs(env, user));
  }
}, 120_000);
afterAll(async () => {
  await env?.stop();
});

/** What the phone received, oldest first (the stand-in records numbers masked). */
async function messagesTo(phone: string): Promise<RecordedSms[]> {
  return (await env.cloud.sms.messages()).filter((message) => message.to === maskPhone(phone));
}

/** The six-digit code of the last message to `phone`. */
async function lastCode(phone: string): Promise<string> {
  const messages = await messagesTo(phone);
  const code = /验证码(\d{6})/.exec(messages.at(-1)?.text ?? "")?.[1];
  if (!code) throw new Error(`no code sent to ${phone}`);
  return code;
}

type View = { caseId: string; status: string; timeline?: { action: string }[] };

interface FiledItem {
  caseId: string;
  shortNumber: string;
  status: string;
  villageCode: string;
  applicantName: string | null;
  plotAddress: string | null;
  filedAt: string;
  filedBy: { name?: string; role: string };
  consented: boolean;
  claimedAt: string | null;
  expected: { action: string };
}
interface FiledPage {
  township: string;
  village: string | null;
  items: FiledItem[];
  nextCursor: string | null;
}

/** One page of GET /assisted/cases (the filer's list); fails on anything but 200. */
async function filedList(call: ApiCall, query = ""): Promise<FiledPage> {
  const answer = await call<FiledPage>("GET", `/assisted/cases${query}`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

describe("filing on behalf of a household", () => {
  it("lets the village officer open a case for a household of their village, and no one else", async () => {
    const opened = await as("village-officer-a")<View>("POST", "/assisted/cases", {
      kind: "homestead",
      householdId: HOUSEHOLD,
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    caseId = opened.body.caseId;
    // Another township's officer and clerk: the household is not theirs to know.
    for (const user of ["village-officer-b", "clerk-b"]) {
      expect(
        (await as(user)("POST", "/assisted/cases", { kind: "homestead", householdId: HOUSEHOLD })).status,
      ).toBe(404);
    }
    // Roles that do not file: refused by the policy table.
    for (const user of ["reviewer-agriculture-a", "villager-wang"]) {
      expect(
        (await as(user)("POST", "/assisted/cases", { kind: "homestead", householdId: HOUSEHOLD })).status,
      ).toBe(403);
    }
    expect(
      (await as("village-officer-a")("POST", "/assisted/cases", { kind: "homestead", householdId: "nope" }))
        .status,
    ).toBe(404);
  });

  it("lets the filer fill and document it; the household sees it, other households and townships do not", async () => {
    const officer = as("village-officer-a");
    expect((await officer("PUT", `/cases/${caseId}/application`, application)).status).toBe(200);
    await uploadRequiredDocuments(officer, caseId, await requiredDocuments(env, "homestead"), makePdf());
    expect((await as("clerk-a")("GET", `/cases/${caseId}`)).status).toBe(200);
    expect((await as("villager-wang")("GET", `/cases/${caseId}`)).status).toBe(200);
    expect((await as("villager-li")("GET", `/cases/${caseId}`)).status).toBe(404);
    expect((await as("clerk-b")("GET", `/cases/${caseId}`)).status).toBe(404);
    expect((await as("village-officer-b")("PUT", `/cases/${caseId}/application`, application)).status).toBe(
      404,
    );
    // A household's own case stays its own: the officer cannot touch one the household opened.
    const own = await as("villager-li")<View>("POST", "/cases", { kind: "farmhouse" });
    expect((await officer("GET", `/cases/${own.body.caseId}`)).status).toBe(404);
  });

  it("refuses to submit without the household's consent: the SMS code and the signed form", async () => {
    const officer = as("village-officer-a");
    const submit = () =>
      officer<{ error: { code: string; details: { problems: { code: string }[] } } }>(
        "POST",
        `/cases/${caseId}/submit`,
        undefined,
        { "idempotency-key": `submit-${caseId}-${Math.random()}` },
      );
    const early = await submit();
    expect(early.status).toBe(422);
    expect(early.body.error.code).toBe("consent_missing");
    expect(early.body.error.details.problems.map((problem) => problem.code).sort()).toEqual([
      "consent.form",
      "consent.sms",
    ]);

    // The SMS service failing: 503, and the phone received nothing.
    smsFault = "server-error";
    const failed = await officer<{ error: { code: string } }>(
      "POST",
      `/assisted/cases/${caseId}/consent-code`,
    );
    smsFault = undefined;
    expect(failed.status).toBe(503);
    expect(failed.body.error.code).toBe("sms_unavailable");
    expect(await messagesTo(PHONE)).toEqual([]);

    const sent = await officer<{ sentTo: string }>("POST", `/assisted/cases/${caseId}/consent-code`);
    expect(sent.status).toBe(202);
    expect(sent.body.sentTo).not.toBe(PHONE);
    expect(sent.body.sentTo).toContain("****");
    // The county's registered template after its sign name, never free text.
    const consentSms = (await messagesTo(PHONE)).at(-1);
    expect(consentSms?.context?.templateId).toBe("NF_0301");
    expect(consentSms?.text).toMatch(
      /^【[^】]+】验证码\d{6}，用于确认工作人员为您家代办建房申请。.*10分钟内有效。$/,
    );
    const code = await lastCode(PHONE);
    const wrong = code === "000000" ? "111111" : "000000";
    const refused = await officer<{ error: { code: string } }>("POST", `/assisted/cases/${caseId}/consent`, {
      code: wrong,
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe("code_not_accepted");
    // Another township's clerk cannot read the code back for this case.
    expect((await as("clerk-b")("POST", `/assisted/cases/${caseId}/consent`, { code })).status).toBe(404);
    expect((await officer("POST", `/assisted/cases/${caseId}/consent`, { code })).status).toBe(200);
    // A code is used once.
    expect((await officer("POST", `/assisted/cases/${caseId}/consent`, { code })).status).toBe(422);

    const formOnly = await submit();
    expect(formOnly.body.error.details.problems.map((problem) => problem.code)).toEqual(["consent.form"]);
    await uploadDocument(officer, caseId, { type: "household_consent_form", bytes: makePdf() });
    const done = await submit();
    expect(done.status, JSON.stringify(done.body)).toBe(202);

    const { Item } = await env.dynamodb.send(
      new GetCommand({ TableName: env.cloud.endpoints.tableName, Key: caseKey(caseId) }),
    );
    expect(Item?.filedOnBehalf).toMatchObject({
      by: { id: "village-officer-a", role: "village_officer", name: "赵志刚" },
      smsConsent: { phone: expect.stringContaining("****") },
    });
    expect(JSON.stringify(Item?.filedOnBehalf)).not.toContain(PHONE);
    const history = await as("clerk-a")<{
      timeline: { action: string; actor: { id: string; name?: string } }[];
    }>("GET", `/review/cases/${caseId}`);
    const actions = history.body.timeline.map((event) => event.action);
    expect(actions.slice(0, 2)).toEqual(["create", "fileOnBehalf"]);
    expect(actions).toContain("recordConsent");
    expect(actions).toContain("submit");
    expect(history.body.timeline.find((event) => event.action === "fileOnBehalf")?.actor).toMatchObject({
      id: "village-officer-a",
      name: "赵志刚",
    });
  });

  it("lets the filer answer a correction for the household: a household without a phone is never stuck in 补正", async () => {
    const officer = as("village-officer-a");
    const step = await eventually(async () => {
      const queue = await officer<{ items: { caseId: string; stepId: string }[] }>(
        "GET",
        "/queues/village_officer",
      );
      return queue.body.items.find((item) => item.caseId === caseId);
    });
    const asked = await officer(
      "POST",
      `/review/cases/${caseId}/steps/${encodeURIComponent(step.stepId)}/decision`,
      { outcome: "correction_requested", fields: ["building.heightM"], comment: "请核实层高" },
    );
    expect(asked.status, JSON.stringify(asked.body)).toBe(200);

    // The filer reads what was asked and answers it, as the household would from its phone.
    const correction = await eventually(async () => {
      const answer = await officer<{ fields: string[]; open: boolean }>("GET", `/cases/${caseId}/correction`);
      return answer.status === 200 && answer.body.open ? answer.body : undefined;
    });
    expect(correction.fields).toEqual(["building.heightM"]);
    // The filer's list says so: the household's correction is the filer's to answer.
    const listed = await filedList(officer);
    expect(listed.items.find((item) => item.caseId === caseId)?.expected.action).toBe("answer_correction");
    // Another village's officer has no such case.
    expect((await as("village-officer-b")("GET", `/cases/${caseId}/correction`)).status).toBe(404);
    const answered = await officer<{ status: string }>("POST", `/cases/${caseId}/correction`, {
      application: { building: { heightM: 7 } },
      comment: "已与户主核实",
    });
    expect(answered.status, JSON.stringify(answered.body)).toBe(200);
    const view = await eventually(async () => {
      const current = await officer<View>("GET", `/cases/${caseId}`);
      return current.body.status === "in_village_review" ? current.body : undefined;
    });
    expect(view.status).toBe("in_village_review");
  });

  it("lets a villager of the household claim it with a code to the head's phone, and no one else", async () => {
    // Another household asking with this phone: the same answer, and no message is sent.
    const before = (await messagesTo(PHONE)).length;
    const li = await as("villager-li")<{ expiresAt: string | null }>("POST", "/claims/code", {
      phone: PHONE,
    });
    expect(li.status).toBe(202);
    expect(li.body.expiresAt).toBeNull();
    expect((await messagesTo(PHONE)).length).toBe(before);

    const wang = as("villager-wang");
    const asked = await wang<{ expiresAt: string | null }>("POST", "/claims/code", { phone: PHONE });
    expect(asked.status).toBe(202);
    expect(asked.body.expiresAt).not.toBeNull();
    expect((await messagesTo(PHONE)).at(-1)?.context?.templateId).toBe("NF_0302");
    const code = await lastCode(PHONE);
    expect((await as("villager-li")("POST", "/claims", { phone: PHONE, code })).status).toBe(422);
    const claimed = await wang<{ claimed: { caseId: string }[] }>("POST", "/claims", { phone: PHONE, code });
    expect(claimed.status, JSON.stringify(claimed.body)).toBe(200);
    expect(claimed.body.claimed.map((item) => item.caseId)).toEqual([caseId]);
    // Staff cannot claim.
    expect((await as("clerk-a")("POST", "/claims", { phone: PHONE, code })).status).toBe(403);

    const { Item } = await env.dynamodb.send(
      new GetCommand({ TableName: env.cloud.endpoints.tableName, Key: caseKey(caseId) }),
    );
    expect(Item?.ownerId).toBe("villager-wang");
    expect(Item?.filedOnBehalf).toMatchObject({ claimedBy: "villager-wang" });
    const list = await wang<{ cases: { caseId: string }[] }>("GET", "/cases");
    expect(list.body.cases.map((item) => item.caseId)).toContain(caseId);
    const history = await as("clerk-a")<{ timeline: { action: string }[] }>("GET", `/review/cases/${caseId}`);
    expect(history.body.timeline.map((event) => event.action)).toContain("claimCase");
  });

  it("gives a code five tries, then none; a code expires; a new code replaces the old", async () => {
    const encryptor = defaultEncryptor();
    if (!encryptor) throw new Error("the local cloud configures the personal-data keyring");
    let now = new Date("2030-01-01T00:00:00Z");
    const codes = new OneTimeCodes(env.dynamodb, env.cloud.endpoints.tableName, encryptor, () => now);
    const { code } = await codes.issue("test", "subject-1");
    const wrong = code === "000000" ? "111111" : "000000";
    for (let attempt = 1; attempt < MAX_TRIES; attempt++)
      expect(await codes.check("test", "subject-1", wrong)).toBe("wrong");
    expect(await codes.check("test", "subject-1", wrong)).toBe("wrong");
    // Five wrong tries: even the right code is refused now.
    expect(await codes.check("test", "subject-1", code)).toBe("too_many_tries");

    const second = await codes.issue("test", "subject-2");
    now = new Date(now.getTime() + 11 * 60_000);
    expect(await codes.check("test", "subject-2", second.code)).toBe("expired_or_used");

    const old = await codes.issue("test", "subject-3");
    const fresh = await codes.issue("test", "subject-3");
    if (old.code !== fresh.code) expect(await codes.check("test", "subject-3", old.code)).toBe("wrong");
    expect(await codes.check("test", "subject-3", fresh.code)).toBe("ok");
    expect(await codes.check("test", "subject-3", fresh.code)).toBe("expired_or_used");
  });
});

describe("the filer's list of cases filed on behalf (GET /assisted/cases)", () => {
  /** Drafts filed after the journey above: clerk-a in village 2 of township A, village-officer-b in township B. */
  let otherVillage = "";
  let otherTownship = "";

  const file = async (user: string, householdId: string) => {
    const opened = await as(user)<View>("POST", "/assisted/cases", { kind: "homestead", householdId });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    return opened.body.caseId;
  };

  it("shows a village officer their village's cases filed on behalf, not another village's nor a household's own", async () => {
    otherVillage = await file("clerk-a", "511424100002-H0001");
    otherTownship = await file("village-officer-b", "511424101001-H0001");
    const householdsOwn = await as("villager-li")<View>("POST", "/cases", { kind: "homestead" });
    expect(householdsOwn.status).toBe(201);

    const officer = await filedList(as("village-officer-a"));
    expect(officer).toMatchObject({ township: "511424100", village: "511424100001", nextCursor: null });
    const ids = officer.items.map((item) => item.caseId);
    expect(ids).toContain(caseId);
    expect(ids).not.toContain(otherVillage);
    expect(ids).not.toContain(otherTownship);
    expect(ids).not.toContain(householdsOwn.body.caseId);
    // What the filer needs to find it again and know what it needs; never the head's phone or ID number.
    const item = officer.items.find((entry) => entry.caseId === caseId);
    expect(item).toMatchObject({
      shortNumber: caseId.slice(0, 8),
      villageCode: "511424100001",
      applicantName: "王建国",
      plotAddress: application.proposedPlot.address,
      filedBy: { name: "赵志刚", role: "village_officer" },
      consented: true,
    });
    expect(JSON.stringify(officer)).not.toContain(PHONE);
    expect(JSON.stringify(officer)).not.toContain(application.head.idNumber);

    // The window clerk sees the whole township's, newest first; the other township's clerk only theirs.
    const clerk = await filedList(as("clerk-a"));
    expect(clerk.village).toBeNull();
    expect(clerk.items.map((entry) => entry.caseId)).toEqual(expect.arrayContaining([caseId, otherVillage]));
    expect(clerk.items[0]?.caseId).toBe(otherVillage);
    expect(clerk.items.map((entry) => entry.caseId)).not.toContain(otherTownship);
    const filedAt = clerk.items.map((entry) => entry.filedAt);
    expect(filedAt).toEqual([...filedAt].sort().reverse());
    const b = await filedList(as("clerk-b"));
    expect(b.items.map((entry) => entry.caseId)).toEqual([otherTownship]);
    expect(b.items[0]?.expected.action).toBe("complete_and_submit");

    // Another township named, or a role that does not file: refused.
    expect((await as("village-officer-a")("GET", "/assisted/cases?township=511424101")).status).toBe(403);
    expect((await as("clerk-a")("GET", "/assisted/cases?township=511424101")).status).toBe(403);
    expect((await as("reviewer-agriculture-a")("GET", "/assisted/cases")).status).toBe(403);
    expect((await as("villager-wang")("GET", "/assisted/cases")).status).toBe(403);
  });

  it("shows a case the household claimed as claimed, and the others not", async () => {
    const { items } = await filedList(as("clerk-a"));
    expect(items.find((item) => item.caseId === caseId)?.claimedAt).toEqual(expect.any(String));
    expect(items.find((item) => item.caseId === otherVillage)?.claimedAt).toBeNull();
  });

  it("pages through the list with sealed cursors: every case once, newest first, the village kept across pages", async () => {
    const officer = as("village-officer-a");
    // More of the officer's village, with another village's filed in between (skipped on every page).
    for (let n = 0; n < 3; n++) {
      await file("village-officer-a", "511424100001-H0002");
      await file("clerk-a", "511424100002-H0001");
    }
    const whole = await filedList(officer, "?limit=50");
    expect(whole.items.length).toBeGreaterThanOrEqual(4);
    expect(whole.items.every((item) => item.villageCode === "511424100001")).toBe(true);

    const paged: FiledItem[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: FiledPage = await filedList(
        officer,
        `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      expect(page.items.length).toBeLessThanOrEqual(2);
      paged.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 20);
    expect(cursor).toBeNull();
    expect(paged.map((item) => item.caseId)).toEqual(whole.items.map((item) => item.caseId));

    // A cursor continues only the list it was sealed for: not another caller's, not edited.
    const first = await filedList(officer, "?limit=1");
    const next = first.nextCursor ?? "";
    expect(next).not.toBe("");
    const foreign = await as("clerk-a")<{ error: { code: string } }>(
      "GET",
      `/assisted/cases?limit=1&cursor=${encodeURIComponent(next)}`,
    );
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.code).toBe("invalid_cursor");
    const edited = `${next.slice(0, -2)}${next.endsWith("AA") ? "BB" : "AA"}`;
    expect((await officer("GET", `/assisted/cases?cursor=${encodeURIComponent(edited)}`)).status).toBe(400);
  });
});
