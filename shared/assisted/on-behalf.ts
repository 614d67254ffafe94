/**
 * 代办: filing on behalf of a household that cannot apply itself (often the
 * elderly, without a smartphone). A village officer (their own village) or a
 * township window clerk (their townships) opens the case for a household of
 * the register, fills and documents it through the household's own routes
 * (shared/auth/scope.ts lets the filer act there), and submits it once the
 * household's consent is recorded:
 * - a photo of the consent form the head signed (document type
 *   `household_consent_form`, asked only of cases filed on behalf), and
 * - the head's confirmation with a one-time code sent by SMS to the phone on
 *   the form.
 * The case and its history say it was filed on behalf and by whom
 * (`fileOnBehalf`, `recordConsent` events). Later the household claims it: a
 * villager of the household proves the head's phone with a code, becomes its
 * owner (`claimCase`) and follows it like any of their cases.
 */
import { randomUUID } from "node:crypto";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { type Actor, auditActorOf } from "../auth/actor.ts";
import { actsForHousehold } from "../auth/scope.ts";
import type { Encryptor } from "../crypto/encryptor.ts";
import { maskPhone, normalizePhone } from "../domain/phone.ts";
import { getShippedPolicy } from "../domain/policy/shipped-policies.ts";
import {
  type Bilingual,
  CaseNotFoundError,
  DomainError,
  NotPermittedError,
  ResourceNotFoundError,
} from "../errors.ts";
import { render, smsParams } from "../notify/outbox.ts";
import { SmsSendError, type SmsSender } from "../notify/sms.ts";
import type { CaseRecord } from "../schemas/case.ts";
import type { CaseKind } from "../schemas/common.ts";
import type { CaseStore } from "../store/case-store.ts";
import { ReferenceDataMissingError, type ReferenceStore } from "../store/reference-store.ts";
import { CODE_TTL_MS, OneTimeCodes } from "./one-time-code.ts";

/** The consent form the head signed, photographed: a document only cases filed on behalf ask for. */
export const CONSENT_FORM = "household_consent_form";
export const CONSENT_FORM_NAME = { zh: "农户代办委托书（户主签字）", en: "Consent form signed by the head" };

/** Who may file on behalf of a household. */
export const FILERS: readonly Actor["role"][] = ["village_officer", "township_clerk"];

export interface OnBehalfDeps {
  readonly store: CaseStore;
  readonly reference: ReferenceStore;
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly encryptor: () => Encryptor | undefined;
  /** The notifications SMS adapter (shared/notify/sms.ts): codes go out at once, as the policy's templates. */
  readonly sms: () => SmsSender;
  readonly policyId: string;
}

export class SmsUnavailableError extends DomainError {
  constructor() {
    super({ en: "Text messages cannot be sent just now", zh: "暂时无法发送短信" });
  }
}

export class CodeNotAcceptedError extends DomainError {
  constructor(reason: string) {
    super({ en: "The code is wrong, expired or already used", zh: "验证码错误、已过期或已使用" }, { reason });
  }
}

/** A consent code goes to the head's mobile, which the form does not give yet. */
export class HeadPhoneMissingError extends DomainError {
  constructor() {
    super({ en: "Enter the head's mobile number on the form first", zh: "请先在申请表中填写户主手机号码" });
  }
}

const notFound = (caseId: string) => new CaseNotFoundError(caseId);

function mayFileFor(actor: Actor, villageCode: string, townshipCode: string): Bilingual | undefined {
  if (!FILERS.includes(actor.role)) {
    return {
      en: "Only village officers and township window clerks file on behalf of a household",
      zh: "只有村干部和乡镇受理窗口可以代办",
    };
  }
  if (!actor.townships.includes(townshipCode)) {
    return { en: `You do not work in township ${townshipCode}`, zh: `您不在乡镇 ${townshipCode} 任职` };
  }
  if (actor.role === "village_officer" && actor.villageCode !== villageCode) {
    return {
      en: "A village officer files only for households of their own village",
      zh: "村干部只能为本村农户代办",
    };
  }
  return undefined;
}

/** Opens a draft for a household of the register, marked as filed on behalf and by whom. */
export async function fileOnBehalf(
  deps: OnBehalfDeps,
  actor: Actor,
  input: { readonly kind: CaseKind; readonly householdId: string },
): Promise<CaseRecord> {
  let villageCode: string;
  let townshipCode: string;
  try {
    const { household } = await deps.reference.household(input.householdId);
    villageCode = household.registrationVillageCode;
    townshipCode = (await deps.reference.village(villageCode)).village.townshipCode;
  } catch (error) {
    if (!(error instanceof ReferenceDataMissingError)) throw error;
    throw new ResourceNotFoundError({
      en: `Household ${input.householdId} is not in the household register`,
      zh: `户籍登记中没有农户 ${input.householdId}`,
    });
  }
  const refusal = mayFileFor(actor, villageCode, townshipCode);
  // Another township's household is as unknown as a missing one; one's own but not one's to file is 403.
  if (refusal && !actor.townships.includes(townshipCode)) {
    throw new ResourceNotFoundError({
      en: `Household ${input.householdId} is not in the household register`,
      zh: `户籍登记中没有农户 ${input.householdId}`,
    });
  }
  if (refusal) throw new NotPermittedError(refusal);
  const by = auditActorOf(actor);
  const at = new Date().toISOString();
  const created = await deps.store.create(
    {
      caseId: randomUUID(),
      kind: input.kind,
      householdId: input.householdId,
      ownerId: actor.id,
      townshipCode,
      villageCode,
      policyId: deps.policyId,
      application: { kind: input.kind },
      filedOnBehalf: { by, at },
    },
    by,
  );
  return deps.store.record(created, {
    actor: by,
    action: "fileOnBehalf",
    data: { householdId: input.householdId, filedBy: by },
  });
}

async function filedCase(deps: OnBehalfDeps, actor: Actor, caseId: string): Promise<CaseRecord> {
  const record = await deps.store.get(caseId);
  if (!record || !actsForHousehold(actor, record)) throw notFound(caseId);
  return record;
}

/**
 * Texts a one-time code as the county's registered template (China accepts no
 * free text): 【sign name】 + the template with `code` and `minutes`, built as
 * the notifications sender builds its messages. No template in the policy, or
 * a provider that did not take the message: 503, nothing was sent.
 */
async function textCode(
  deps: OnBehalfDeps,
  policyId: string,
  kind: "consent_code" | "claim_code",
  phone: string,
  code: string,
): Promise<void> {
  const notifications = getShippedPolicy(policyId).notifications;
  const template = notifications?.templates[kind];
  if (!notifications || !template?.sms) throw new SmsUnavailableError();
  const values = smsParams(
    template,
    { code, minutes: String(Math.round(CODE_TTL_MS / 60_000)) },
    notifications.paramMaxChars,
  );
  try {
    await deps.sms().send({
      to: normalizePhone(phone),
      signName: notifications.signName,
      templateId: template.templateId,
      params: values,
      text: `【${notifications.signName}】${render(template.zh, values)}`,
      messageId: randomUUID(),
    });
  } catch (error) {
    if (error instanceof SmsSendError) throw new SmsUnavailableError();
    throw error;
  }
}

function codes(deps: OnBehalfDeps): OneTimeCodes {
  const encryptor = deps.encryptor();
  if (!encryptor) throw new SmsUnavailableError();
  return new OneTimeCodes(deps.client, deps.tableName, encryptor);
}

/** Sends the head a code to confirm the household asked for this filing; answers where it went (masked). */
export async function sendConsentCode(
  deps: OnBehalfDeps,
  actor: Actor,
  caseId: string,
): Promise<{ sentTo: string; expiresAt: string }> {
  const record = await filedCase(deps, actor, caseId);
  const phone = record.application.head?.phone;
  if (!phone) {
    throw new HeadPhoneMissingError();
  }
  const { code, expiresAt } = await codes(deps).issue("consent", `${caseId}#${phone}`);
  await textCode(deps, record.policyId, "consent_code", phone, code);
  return { sentTo: maskPhone(phone), expiresAt };
}

/** The head's code, read back by the filer: the consent is recorded on the case and in its history. */
export async function confirmConsent(
  deps: OnBehalfDeps,
  actor: Actor,
  caseId: string,
  code: string,
): Promise<CaseRecord> {
  const record = await filedCase(deps, actor, caseId);
  const phone = record.application.head?.phone;
  if (!phone || !record.filedOnBehalf) throw new CodeNotAcceptedError("no_code_sent");
  const checked = await codes(deps).check("consent", `${caseId}#${phone}`, code);
  if (checked !== "ok") throw new CodeNotAcceptedError(checked);
  const at = new Date().toISOString();
  return deps.store.withRetry(caseId, async (latest) => {
    if (!latest.filedOnBehalf) throw notFound(caseId);
    return deps.store.record(latest, {
      actor: auditActorOf(actor),
      action: "recordConsent",
      data: { method: "sms", phone: maskPhone(phone) },
      set: { filedOnBehalf: { ...latest.filedOnBehalf, smsConsent: { phone: maskPhone(phone), at } } },
    });
  });
}

/**
 * What a case filed on behalf still lacks before it may be submitted (empty:
 * nothing, and always empty for a household's own case): the head's SMS
 * consent for the phone now on the form, and the signed consent form.
 */
export function consentProblems(
  record: CaseRecord,
  confirmedTypes: readonly string[],
): { code: string; en: string; zh: string }[] {
  if (!record.filedOnBehalf) return [];
  const problems: { code: string; en: string; zh: string }[] = [];
  const phone = record.application.head?.phone;
  const consent = record.filedOnBehalf.smsConsent;
  if (!consent || (phone !== undefined && consent.phone !== maskPhone(phone))) {
    problems.push({
      code: "consent.sms",
      en: "The head has not confirmed this filing with the code sent to the phone on the form",
      zh: "户主尚未用发送到表中手机号码的验证码确认本次代办",
    });
  }
  if (!confirmedTypes.includes(CONSENT_FORM)) {
    problems.push({
      code: "consent.form",
      en: "Upload a photo of the consent form the head signed",
      zh: "请上传户主签字的代办委托书照片",
    });
  }
  return problems;
}

/** A villager asks for a code to the head's phone, to claim the household's cases filed on behalf. */
export async function sendClaimCode(
  deps: OnBehalfDeps,
  actor: Actor,
  phone: string,
): Promise<{ sentTo: string; expiresAt: string | null }> {
  const claimable = await claimableCases(deps, actor, phone);
  // The same answer whether or not a case matched: a phone number reveals nothing about cases.
  if (claimable.length === 0) return { sentTo: maskPhone(phone), expiresAt: null };
  const { code, expiresAt } = await codes(deps).issue("claim", `${actor.householdId}#${phone}`);
  await textCode(deps, claimable[0]?.policyId ?? deps.policyId, "claim_code", phone, code);
  return { sentTo: maskPhone(phone), expiresAt };
}

/** The household's unclaimed cases filed on behalf whose head phone is `phone` (one byOwner Query). */
async function claimableCases(deps: OnBehalfDeps, actor: Actor, phone: string): Promise<CaseRecord[]> {
  if (actor.role !== "villager" || !actor.householdId) return [];
  const records = await deps.store.listByHousehold(actor.householdId);
  return records.filter(
    (record) =>
      record.filedOnBehalf !== undefined &&
      record.filedOnBehalf.claimedAt === undefined &&
      record.application.head?.phone === phone,
  );
}

/** With the code: the villager becomes the owner of the household's cases filed on behalf for that phone. */
export async function claimCases(
  deps: OnBehalfDeps,
  actor: Actor,
  phone: string,
  code: string,
): Promise<CaseRecord[]> {
  if (actor.role !== "villager" || !actor.householdId) throw new CodeNotAcceptedError("not_a_household");
  const checked = await codes(deps).check("claim", `${actor.householdId}#${phone}`, code);
  if (checked !== "ok") throw new CodeNotAcceptedError(checked);
  const claimed: CaseRecord[] = [];
  for (const record of await claimableCases(deps, actor, phone)) {
    claimed.push(
      await deps.store.withRetry(record.caseId, async (latest) => {
        if (!latest.filedOnBehalf || latest.filedOnBehalf.claimedAt) return latest;
        const at = new Date().toISOString();
        return deps.store.record(latest, {
          actor: auditActorOf(actor),
          action: "claimCase",
          data: { phone: maskPhone(phone), filedBy: latest.filedOnBehalf.by.id },
          set: {
            ownerId: actor.id,
            filedOnBehalf: { ...latest.filedOnBehalf, claimedBy: actor.id, claimedAt: at },
          },
        });
      }),
    );
  }
  return claimed;
}
