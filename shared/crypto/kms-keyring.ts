/**
 * The AWS keyring: a customer-managed KMS key (infra: PersonalDataKey, yearly
 * rotation) wraps every data key; KMS checks the encryption context (the case
 * id) on Decrypt, and CloudTrail records every use.
 *
 * The keyed-hash secret must stay the same across data keys, so it is one data
 * key generated once (GenerateDataKey, context `purpose=field-hash`) and kept
 * wrapped in the case table (`KEYRING` / `FIELD_HASH_SECRET`); each container
 * unwraps it once. Only KMS can unwrap it, so reading the table is not enough
 * to compute or reverse a hash.
 */
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from "@aws-sdk/client-kms";
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { hashSecretKey } from "../store/keys.ts";
import type { Keyring } from "./encryptor.ts";

const HASH_CONTEXT = { purpose: "field-hash" } as const;

/** Where the wrapped keyed-hash secret is kept. */
export interface HashSecretStore {
  read(): Promise<Buffer | undefined>;
  /** Stores `wrapped` unless a secret exists already (then the caller re-reads: first writer wins). */
  createIfAbsent(wrapped: Buffer): Promise<void>;
}

export { hashSecretKey } from "../store/keys.ts";

export class TableHashSecretStore implements HashSecretStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(): Promise<Buffer | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: hashSecretKey, ConsistentRead: true }),
    );
    return typeof Item?.wrapped === "string" ? Buffer.from(Item.wrapped, "base64") : undefined;
  }

  async createIfAbsent(wrapped: Buffer): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...hashSecretKey, type: "keyring", wrapped: wrapped.toString("base64") },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    } catch (error) {
      if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
    }
  }
}

export class KmsKeyring implements Keyring {
  constructor(
    private readonly kms: KMSClient,
    readonly keyId: string,
    private readonly secrets: HashSecretStore,
  ) {}

  async generateDataKey(context: Readonly<Record<string, string>>) {
    const { Plaintext, CiphertextBlob } = await this.kms.send(
      new GenerateDataKeyCommand({
        KeyId: this.keyId,
        KeySpec: "AES_256",
        EncryptionContext: { ...context },
      }),
    );
    if (!Plaintext || !CiphertextBlob) throw new Error("KMS GenerateDataKey returned no key");
    return { plaintext: Buffer.from(Plaintext), wrapped: Buffer.from(CiphertextBlob) };
  }

  async unwrapDataKey(wrapped: Buffer, context: Readonly<Record<string, string>>): Promise<Buffer> {
    const { Plaintext } = await this.kms.send(
      new DecryptCommand({ CiphertextBlob: wrapped, KeyId: this.keyId, EncryptionContext: { ...context } }),
    );
    if (!Plaintext) throw new Error("KMS Decrypt returned no key");
    return Buffer.from(Plaintext);
  }

  async hashSecret(): Promise<Buffer> {
    let wrapped = await this.secrets.read();
    if (!wrapped) {
      await this.secrets.createIfAbsent((await this.generateDataKey(HASH_CONTEXT)).wrapped);
      wrapped = await this.secrets.read();
      if (!wrapped) throw new Error("The keyed-hash secret could not be stored");
    }
    return this.unwrapDataKey(wrapped, HASH_CONTEXT);
  }
}
