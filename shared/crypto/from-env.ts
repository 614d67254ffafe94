/**
 * Which keyring protects personal data is configuration, read once per
 * container: `FIELD_KEYRING=kms` with `FIELD_KEY_ARN` (set by the function
 * construct's `bindKey` on AWS), or `FIELD_KEYRING=file` with `FIELD_KEY_FILE`
 * (set by the local cloud). No variable: no encryptor, and the case store
 * refuses to write personal data rather than store it in the clear.
 */
import * as z from "zod";
import { documentClient, kmsClient } from "../clients.ts";
import { readConfig } from "../config.ts";
import { type Encryptor, EnvelopeEncryptor } from "./encryptor.ts";
import { KmsKeyring, TableHashSecretStore } from "./kms-keyring.ts";
import { LocalFileKeyring } from "./local-keyring.ts";

const keyringEnv = z.discriminatedUnion("FIELD_KEYRING", [
  z.object({
    FIELD_KEYRING: z.literal("kms"),
    FIELD_KEY_ARN: z.string().startsWith("arn:"),
    TABLE_NAME: z.string().min(1),
  }),
  z.object({ FIELD_KEYRING: z.literal("file"), FIELD_KEY_FILE: z.string().min(1) }),
]);

/** One encryptor per configuration (tests start several local clouds, each with its own key file). */
const cached = new Map<string, Encryptor | undefined>();

export function encryptorFromEnv(env: NodeJS.ProcessEnv = process.env): Encryptor | undefined {
  if (env.FIELD_KEYRING === undefined) return undefined;
  const config = readConfig(keyringEnv, env);
  if (config.FIELD_KEYRING === "file")
    return new EnvelopeEncryptor(new LocalFileKeyring(config.FIELD_KEY_FILE));
  return new EnvelopeEncryptor(
    new KmsKeyring(
      kmsClient(),
      config.FIELD_KEY_ARN,
      new TableHashSecretStore(documentClient(), config.TABLE_NAME),
    ),
  );
}

/** The container's encryptor (built on first use, then kept). */
export function defaultEncryptor(env: NodeJS.ProcessEnv = process.env): Encryptor | undefined {
  const signature = [env.FIELD_KEYRING, env.FIELD_KEY_ARN, env.FIELD_KEY_FILE].join("|");
  if (!cached.has(signature)) cached.set(signature, encryptorFromEnv(env));
  return cached.get(signature);
}
