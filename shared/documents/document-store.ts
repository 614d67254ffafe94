/**
 * DOC items (`CASE#<caseId>` / `DOC#<documentId>`): the upload's declared facts
 * and its status, pending → confirmed | rejected, each change conditional on
 * `pending` so it happens at most once.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { TransactItem } from "../store/case-store.ts";
import { CASE_ITEM_PREFIX, caseKey, documentKey } from "../store/keys.ts";
import { type DocumentRecord, documentRecordSchema, type Rejection } from "./document.ts";

const ITEM_TYPE = "document";

function fromItem(item: Record<string, unknown>): DocumentRecord {
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item;
  return documentRecordSchema.parse(rest);
}

export class DocumentStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async createPending(document: DocumentRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...documentKey(document.caseId, document.documentId), type: ITEM_TYPE, ...document },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }

  async get(caseId: string, documentId: string): Promise<DocumentRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: documentKey(caseId, documentId),
        ConsistentRead: true,
      }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  async list(caseId: string): Promise<DocumentRecord[]> {
    const documents: DocumentRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :doc)",
          ExpressionAttributeValues: { ":pk": caseKey(caseId).pk, ":doc": CASE_ITEM_PREFIX.document },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      documents.push(...(page.Items ?? []).map(fromItem));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return documents.sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
  }

  /** The documents that count for completeness: verified by the server. */
  async confirmedDocuments(caseId: string): Promise<DocumentRecord[]> {
    return (await this.list(caseId)).filter((document) => document.status === "confirmed");
  }

  /** pending → confirmed, as part of the case's event transaction (CaseStore.record's alsoWrite). */
  confirmWrite(document: DocumentRecord, at: string, versionId: string | undefined): TransactItem {
    return {
      Update: {
        TableName: this.tableName,
        Key: documentKey(document.caseId, document.documentId),
        UpdateExpression: `SET #status = :confirmed, confirmedAt = :at${versionId ? ", versionId = :version" : ""}`,
        ConditionExpression: "#status = :pending",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":confirmed": "confirmed",
          ":pending": "pending",
          ":at": at,
          ...(versionId ? { ":version": versionId } : {}),
        },
      },
    };
  }

  /** Deletes the document item, as long as it is still the household's (no site-visit step) and unchanged. */
  removeWrite(document: DocumentRecord): TransactItem {
    return {
      Delete: {
        TableName: this.tableName,
        Key: documentKey(document.caseId, document.documentId),
        ConditionExpression: "#status = :status AND attribute_not_exists(stepId)",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":status": document.status },
      },
    };
  }

  /** pending → rejected; false when the document had already left `pending`. */
  async reject(document: DocumentRecord, at: string, rejections: readonly Rejection[]): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: documentKey(document.caseId, document.documentId),
          UpdateExpression: "SET #status = :rejected, rejectedAt = :at, rejections = :rejections",
          ConditionExpression: "#status = :pending",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":rejected": "rejected",
            ":pending": "pending",
            ":at": at,
            ":rejections": rejections,
          },
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === "ConditionalCheckFailedException") return false;
      throw error;
    }
  }
}
