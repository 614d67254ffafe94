/**
 * Names of villages and townships for people to read (龙鹄村, not
 * 511424100001), from the reference data the county imports (VILLAGE# and
 * TOWNSHIP# items). Screens show the name first and keep the code beside it.
 *
 * One BatchGetItem per call for the codes not yet known (names change only
 * with a re-import; a warm Lambda keeps them a few minutes). A code without
 * reference data has no name: callers show the code alone.
 */
import { BatchGetCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import type { LocalizedText } from "../schemas/common.ts";
import { TOWNSHIP_PREFIX, townshipKey, VILLAGE_PREFIX, villageKey } from "../store/keys.ts";

const nameItemSchema = z.object({
  pk: z.string(),
  name: z.object({ zh: z.string(), en: z.string() }),
});

/** A place as screens show it: the code always, the name when the reference data has one. */
export interface Place {
  readonly code: string;
  readonly name?: LocalizedText;
}

const TTL_MS = 5 * 60_000;
const BATCH = 100;

export class PlaceNames {
  private readonly cache = new Map<string, { name: LocalizedText | undefined; until: number }>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Names of the given villages and townships (by partition key `VILLAGE#…` / `TOWNSHIP#…`). */
  async lookup(places: {
    villages?: readonly string[];
    townships?: readonly string[];
  }): Promise<{ village: (code: string) => Place; township: (code: string) => Place }> {
    const keys = [
      ...new Set([
        ...(places.villages ?? []).map((code) => villageKey(code).pk),
        ...(places.townships ?? []).map((code) => townshipKey(code).pk),
      ]),
    ];
    const now = this.now();
    const missing = keys.filter((pk) => (this.cache.get(pk)?.until ?? 0) <= now);
    for (let start = 0; start < missing.length; start += BATCH) {
      const chunk = missing.slice(start, start + BATCH);
      let pending: Record<string, unknown>[] = chunk.map((pk) =>
        pk.startsWith(VILLAGE_PREFIX)
          ? villageKey(pk.slice(VILLAGE_PREFIX.length))
          : townshipKey(pk.slice(TOWNSHIP_PREFIX.length)),
      );
      const found = new Map<string, LocalizedText>();
      while (pending.length > 0) {
        const page = await this.client.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: pending,
                ProjectionExpression: "pk, #name",
                ExpressionAttributeNames: { "#name": "name" },
              },
            },
          }),
        );
        for (const item of page.Responses?.[this.tableName] ?? []) {
          const parsed = nameItemSchema.safeParse(item);
          if (parsed.success) found.set(parsed.data.pk, parsed.data.name);
        }
        pending = page.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
      for (const pk of chunk) this.cache.set(pk, { name: found.get(pk), until: now + TTL_MS });
    }
    const place = (pk: string, code: string): Place => {
      const name = this.cache.get(pk)?.name;
      return name ? { code, name } : { code };
    };
    return {
      village: (code) => place(villageKey(code).pk, code),
      township: (code) => place(townshipKey(code).pk, code),
    };
  }
}

const shared = new Map<string, PlaceNames>();
/** One cache per table for the life of the process (a warm Lambda reuses it). */
export function placeNamesOf(client: DynamoDBDocumentClient, tableName: string): PlaceNames {
  let names = shared.get(tableName);
  if (!names) {
    names = new PlaceNames(client, tableName);
    shared.set(tableName, names);
  }
  return names;
}
