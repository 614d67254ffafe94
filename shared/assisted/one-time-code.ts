/**
 * Six-digit one-time codes sent by SMS: one live code per purpose and subject
 * (a new one replaces it), valid ten minutes, five tries. Only a keyed hash of
 * the code is stored (conditional writes: a code is used once, tries counted
 * atomically), so a table read reveals no code.
 */
import { randomInt } from "node:crypto";
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Encryptor } from "../crypto/encryptor.ts";
import { otpKey } from "../store/keys.ts";

export const CODE_TTL_MS = 10 * 60_000;
export const MAX_TRIES = 5;

export { otpKey } from "../store/keys.ts";

export type CodeCheck = "ok" | "wrong" | "expired_or_used" | "too_many_tries";

export class OneTimeCodes {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly encryptor: Encryptor,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private hash(purpose: string, subject: string, code: string): Promise<string> {
    return this.encryptor.keyedHash(`otp:${purpose}`, `${subject}\u0000${code}`);
  }

  /** A fresh code for `subject` (replacing any earlier one); the caller sends it. */
  async issue(purpose: string, subject: string): Promise<{ code: string; expiresAt: string }> {
    const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
    const expiresAt = new Date(this.now().getTime() + CODE_TTL_MS).toISOString();
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...otpKey(purpose, subject),
          type: "otp",
          codeHash: await this.hash(purpose, subject, code),
          expiresAt,
          tries: 0,
        },
      }),
    );
    return { code, expiresAt };
  }

  /** Checks `code`; a right one is consumed (a second use fails), a wrong one costs a try. */
  async check(purpose: string, subject: string, code: string): Promise<CodeCheck> {
    const key = otpKey(purpose, subject);
    let tries: number;
    let codeHash: string;
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: "ADD tries :one",
          ConditionExpression: "attribute_exists(pk) AND expiresAt > :now",
          ExpressionAttributeValues: { ":one": 1, ":now": this.now().toISOString() },
          ReturnValues: "ALL_NEW",
        }),
      );
      tries = Number(Attributes?.tries ?? MAX_TRIES + 1);
      codeHash = String(Attributes?.codeHash ?? "");
    } catch (error) {
      if ((error as Error).name === "ConditionalCheckFailedException") return "expired_or_used";
      throw error;
    }
    if (tries > MAX_TRIES) return "too_many_tries";
    if (codeHash !== (await this.hash(purpose, subject, code.trim()))) return "wrong";
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: key,
          ConditionExpression: "codeHash = :hash",
          ExpressionAttributeValues: { ":hash": codeHash },
        }),
      );
    } catch (error) {
      // Used by a concurrent check first (or replaced by a new code): not this request's.
      if ((error as Error).name === "ConditionalCheckFailedException") return "expired_or_used";
      throw error;
    }
    return "ok";
  }
}
