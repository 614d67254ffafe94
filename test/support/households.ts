/**
 * Many households (load benches, tests with several cases): each has its own
 * household id in the household register (a copy of the demo household, whose
 * plot it promises to return), its own ID numbers and its own villager token,
 * minted with the local issuer's key (the demo directory has three villagers,
 * and one household has at most one open homestead case, 一户一宅).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { decodeJwt, decodeProtectedHeader, importJWK, type JWK, SignJWT } from "jose";
import type { ApplicationComplete } from "#shared/schemas/application.ts";
import { householdKey } from "#shared/store/reference-store.ts";
import { homesteadApplication, idNumber } from "./fixtures.ts";

export const VILLAGE = "511424100001";
/** The demo household every bench household is copied from in the household register (the pre-check reads it). */
const TEMPLATE_HOUSEHOLD = `${VILLAGE}-H0001`;
export const householdOf = (index: number) => `${VILLAGE}-S${String(index).padStart(4, "0")}`;

/** A birth date `days` after `from` (yyyymmdd), so every household has its own ID numbers. */
function birth(from: string, days: number): string {
  const date = new Date(`${from.slice(0, 4)}-${from.slice(4, 6)}-${from.slice(6, 8)}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10).replaceAll("-", "");
}

/** Household `index`'s form: the demo household's, each person born `index` days after 1 January of their birth year. */
export function applicationOf(index: number): ApplicationComplete {
  const demo = homesteadApplication();
  const later = (idNumberOf: string) =>
    idNumber("511424", birth(`${idNumberOf.slice(6, 10)}0101`, index), idNumberOf.slice(14, 17));
  return homesteadApplication({
    head: { ...demo.head, idNumber: later(demo.head.idNumber) },
    members: demo.members.map((member) => ({ ...member, idNumber: later(member.idNumber) })),
  });
}

/** Signs villager tokens for these households with the local issuer's own key (kept in the data folder). */
export async function householdTokens(
  issuer: string,
  dataDir: string,
): Promise<(index: number) => Promise<string>> {
  // The demo villager's claims, re-signed with another subject and household.
  const response = await fetch(`${issuer}/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "villager-wang" }),
  });
  if (response.status !== 200) throw new Error(`sign in: ${response.status} ${await response.text()}`);
  const genuine = ((await response.json()) as { access_token: string }).access_token;
  const { privateJwk } = JSON.parse(
    await readFile(path.join(dataDir, "oidc", "signing-key.json"), "utf8"),
  ) as {
    privateJwk: JWK;
  };
  const key = await importJWK(privateJwk, "RS256");
  const { kid } = decodeProtectedHeader(genuine);
  return (index) =>
    new SignJWT({
      ...decodeJwt(genuine),
      sub: `bench-villager-${index}`,
      name: `bench-villager-${index}`,
      "custom:household": householdOf(index),
      "custom:village": VILLAGE,
    })
      .setProtectedHeader({ alg: "RS256", typ: "JWT", ...(kid ? { kid } : {}) })
      .sign(key);
}

/** The household register's items of one household (the pre-check's facts). */
async function householdItems(ddb: DynamoDBDocumentClient, tableName: string, householdId: string) {
  const { Items = [] } = await ddb.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": householdKey(householdId).pk },
    }),
  );
  if (Items.length === 0) throw new Error(`${householdId} is not in the seeded register`);
  return Items;
}

async function putCopies(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  items: readonly Record<string, unknown>[],
  from: string,
  to: string,
): Promise<void> {
  for (const item of items) {
    const copy = JSON.parse(JSON.stringify(item).replaceAll(from, to)) as Record<string, unknown>;
    await ddb.send(new PutCommand({ TableName: tableName, Item: copy }));
  }
}

/** Registers `householdId` with the register entries of the household `like`. */
export async function registerHouseholdLike(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  householdId: string,
  like: string,
): Promise<void> {
  await putCopies(ddb, tableName, await householdItems(ddb, tableName, like), like, householdId);
}

/** Puts `count` households into the household register, each a copy of the demo household. */
export async function registerHouseholds(ddb: DynamoDBDocumentClient, tableName: string, count: number) {
  const template = await householdItems(ddb, tableName, TEMPLATE_HOUSEHOLD);
  for (let index = 0; index < count; index++) {
    await putCopies(ddb, tableName, template, TEMPLATE_HOUSEHOLD, householdOf(index));
  }
}
