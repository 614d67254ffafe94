import type { OnBehalfDeps } from "#shared/assisted/on-behalf.ts";
import { defaultEncryptor } from "#shared/crypto/from-env.ts";
import { type SmsSender, smsSenderFromEnv } from "#shared/notify/sms.ts";
import { caseStore, countyPolicy, documentClient, tableName } from "#shared/runtime.ts";
import { ReferenceStore } from "#shared/store/reference-store.ts";

/** The notifications SMS adapter (SMS_PROVIDER, SMS_ORIGINATION_IDENTITY…), built once per container. */
let sms: SmsSender | undefined;

/** What the 代办 routes share (clients at module scope, built on first use). */
export function onBehalfDeps(): OnBehalfDeps {
  return {
    store: caseStore(),
    reference: new ReferenceStore(documentClient(), tableName()),
    client: documentClient(),
    tableName: tableName(),
    encryptor: () => defaultEncryptor(),
    sms: () => {
      sms ??= smsSenderFromEnv();
      return sms;
    },
    policyId: countyPolicy().policyId,
  };
}
