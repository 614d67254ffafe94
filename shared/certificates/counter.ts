/**
 * Numbers of certificates and refusal notices: one atomic counter item per
 * number prefix and year (COUNTER#…), so no two papers share a number.
 */
import { type DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { formatCertificateNumber } from "./certificate.ts";
import { counterKey } from "./keys.ts";

/** The next number in a per-prefix, per-year counter, formatted (`<prefix>-<year>-00042`). */
export async function claimSequence(
  deps: { readonly client: DynamoDBDocumentClient; readonly tableName: string },
  prefix: string,
  year: string,
): Promise<string> {
  const counter = await deps.client.send(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: counterKey(prefix, year),
      UpdateExpression: "ADD seq :one SET #type = :type",
      ExpressionAttributeNames: { "#type": "type" },
      ExpressionAttributeValues: { ":one": 1, ":type": "counter" },
      ReturnValues: "UPDATED_NEW",
    }),
  );
  return formatCertificateNumber(prefix, year, z.int().positive().parse(counter.Attributes?.seq));
}
