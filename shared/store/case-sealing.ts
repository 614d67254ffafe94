/**
 * Personal data of a case (PIPL): the form's ID and phone numbers sealed on every write (envelope
 * encryption, shared/crypto/encryptor.ts, the case id as encryption context) and stored in
 * `personalData` beside a keyed hash of each; the stored `application` never holds them. With the key
 * (functions bound to it) they are opened on read; without it the form is read without them and the
 * sealed part is carried through writes untouched. Also the keyed hashes of the search indexes.
 */
import type { Encryptor } from "../crypto/encryptor.ts";
import {
  type ApplicationSecrets,
  applicationSecretsSchema,
  hasSecrets,
  mergeSecrets,
  splitApplication,
} from "../personal-data/application.ts";
import type { CaseRecord } from "../schemas/case.ts";
import type { SealedPersonalData } from "../schemas/personal-data.ts";
import { searchKeys } from "./keys.ts";

/** Personal data to store and no keyring configured: refuse rather than store it in the clear. */
export class PersonalDataKeyMissingError extends Error {
  override name = "PersonalDataKeyMissingError";
  constructor() {
    super("No keyring is configured (FIELD_KEYRING): ID and phone numbers are never stored unencrypted");
  }
}

/** Keyed-hash purposes: one per kind of value, so a member and a head with one ID number hash alike. */
const HASH_PURPOSE = { idNumber: "idNumber", phone: "phone", name: "name" } as const;
export type HashPurpose = keyof typeof HASH_PURPOSE;

/** A name as people type it: no spaces (全角 or not), ASCII letters lower-case. */
export const normalizedName = (name: string) => name.normalize("NFKC").replace(/\s+/g, "").toLowerCase();

/** The numbers of a form, as the cache compares them (splitApplication builds them in a fixed key order). */
const secretsKey = (secrets: ApplicationSecrets): string => JSON.stringify(secrets);

/**
 * The sealed part of cases this container opened or sealed, by case id, with
 * the numbers it holds: a write whose numbers did not change reuses it instead
 * of sealing afresh (one KMS GenerateDataKey and three keyed hashes per case
 * write otherwise, the largest KMS cost of a permit; bench/cost-per-permit.ts).
 * Bounded: the oldest entries go first.
 */
class SealedCache {
  private readonly entries = new Map<
    string,
    { readonly secrets: string; readonly sealed: SealedPersonalData }
  >();
  constructor(private readonly capacity = 256) {}

  get(caseId: string, secrets: string): SealedPersonalData | undefined {
    const entry = this.entries.get(caseId);
    return entry?.secrets === secrets ? entry.sealed : undefined;
  }

  set(caseId: string, secrets: string, sealed: SealedPersonalData): void {
    this.entries.delete(caseId);
    this.entries.set(caseId, { secrets, sealed });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}

/** Seals and opens the personal data of cases; one per CaseStore, whose cache it keeps. */
export class CaseSealer {
  private readonly sealedCache = new SealedCache();

  constructor(private readonly encryptor: () => Encryptor | undefined) {}

  /** With the key, merges a parsed case's ID and phone numbers back into the form. */
  async open(record: CaseRecord): Promise<CaseRecord> {
    const encryptor = this.encryptor();
    if (!record.personalData || !encryptor) return record;
    const { personalData, ...rest } = record;
    const secrets = applicationSecretsSchema.parse(
      JSON.parse(await encryptor.open(personalData.sealed, { caseId: record.caseId })),
    );
    const application = mergeSecrets(record.application, secrets);
    // Keyed by the numbers as a later write will split them from this form.
    this.sealedCache.set(record.caseId, secretsKey(splitApplication(application).secrets), personalData);
    return { ...rest, application };
  }

  /** Seals the numbers of a form, with their keyed hashes (by form path). */
  private async seal(caseId: string, secrets: ApplicationSecrets): Promise<SealedPersonalData> {
    const encryptor = this.encryptor();
    if (!encryptor) throw new PersonalDataKeyMissingError();
    const hashes: Record<string, string> = {};
    if (secrets.head?.idNumber !== undefined)
      hashes["head.idNumber"] = await encryptor.keyedHash(HASH_PURPOSE.idNumber, secrets.head.idNumber);
    if (secrets.head?.phone !== undefined)
      hashes["head.phone"] = await encryptor.keyedHash(HASH_PURPOSE.phone, secrets.head.phone);
    for (const [index, member] of (secrets.members ?? []).entries()) {
      if (member.idNumber !== undefined)
        hashes[`members.${index}.idNumber`] = await encryptor.keyedHash(
          HASH_PURPOSE.idNumber,
          member.idNumber,
        );
    }
    return { sealed: await encryptor.seal(JSON.stringify(secrets), { caseId }), hashes };
  }

  /**
   * The stored form and its sealed part: a record read without the key keeps
   * its sealed part (its form has no numbers); otherwise the numbers in the
   * form are sealed afresh, unless they are the ones this container last
   * opened or sealed for the case.
   */
  async storedApplication(
    record: CaseRecord,
  ): Promise<{ application: CaseRecord["application"]; personalData?: SealedPersonalData }> {
    const { rest, secrets } = splitApplication(record.application);
    if (hasSecrets(secrets)) {
      const key = secretsKey(secrets);
      const unchanged = this.sealedCache.get(record.caseId, key);
      if (unchanged) return { application: rest, personalData: unchanged };
      const personalData = await this.seal(record.caseId, secrets);
      this.sealedCache.set(record.caseId, key, personalData);
      return { application: rest, personalData };
    }
    return { application: rest, ...(record.personalData ? { personalData: record.personalData } : {}) };
  }

  /** The keyed hash a lookup compares with `personalData.hashes` (e.g. a household by its head's ID number). */
  async lookupHash(kind: HashPurpose, value: string): Promise<string> {
    const encryptor = this.encryptor();
    if (!encryptor) throw new PersonalDataKeyMissingError();
    return encryptor.keyedHash(HASH_PURPOSE[kind], value);
  }

  /** The case's keys of the search indexes: the applicant's name and ID number as keyed hashes. */
  async searchKeysOf(
    record: CaseRecord,
    personalData: SealedPersonalData | undefined,
  ): Promise<ReturnType<typeof searchKeys>> {
    const name = record.application.head?.name;
    const idNumber = personalData?.hashes["head.idNumber"];
    const encryptor = this.encryptor();
    return searchKeys(record.caseId, record.townshipCode, {
      ...(idNumber ? { idNumber } : {}),
      ...(name && encryptor
        ? { name: await encryptor.keyedHash(HASH_PURPOSE.name, normalizedName(name)) }
        : {}),
    });
  }
}
