import type { OnBehalfDeps } from "#shared/assisted/on-behalf.ts";
import { smsSenderFromEnv } from "#shared/assisted/sms.ts";
import { defaultEncryptor } from "#shared/crypto/from-env.ts";
import { caseStore, countyPolicy, documentClient, tableName } from "#shared/runtime.ts";
import { ReferenceStore } from "#shared/store/reference-store.ts";

/** What the 代办 routes share (clients at module scope, built on first use). */
export function onBehalfDeps(): OnBehalfDeps {
  return {
    store: caseStore(),
    reference: new ReferenceStore(documentClient(), tableName()),
    client: documentClient(),
    tableName: tableName(),
    encryptor: () => defaultEncryptor(),
    sms: () => smsSenderFromEnv(documentClient(), tableName()),
    policyId: countyPolicy().policyId,
  };
}
