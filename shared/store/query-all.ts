import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";

/** Every item of a Query, following LastEvaluatedKey (for partitions read whole: a case, one day's log). */
export async function queryAll(
  client: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, "ExclusiveStartKey">,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** BatchGetItem takes at most this many keys per request. */
const BATCH_GET_LIMIT = 100;

/**
 * The items of `keys` (consistent reads), in the order of `keys`; absent ones
 * are left out. Follows UnprocessedKeys with a short back-off, as AWS advises
 * for a throttled batch.
 */
export async function batchGetAll(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Record<string, unknown>[],
  keyNames: readonly [string, string] = ["pk", "sk"],
): Promise<Record<string, unknown>[]> {
  const identity = (item: Record<string, unknown>) =>
    keyNames.map((name) => String(item[name])).join("\u0000");
  const found = new Map<string, Record<string, unknown>>();
  for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
    let pending: Record<string, unknown>[] | undefined = keys
      .slice(start, start + BATCH_GET_LIMIT)
      .map((key) => Object.fromEntries(keyNames.map((name) => [name, key[name]])));
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
      const page = await client.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      for (const item of page.Responses?.[tableName] ?? []) found.set(identity(item), item);
      pending = page.UnprocessedKeys?.[tableName]?.Keys as Record<string, unknown>[] | undefined;
    }
  }
  return keys.flatMap((key) => {
    const item = found.get(identity(key));
    return item ? [item] : [];
  });
}
