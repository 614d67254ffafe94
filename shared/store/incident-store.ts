/**
 * The one owner of INCIDENT items (the operator view, shared/workflow/incidents.ts):
 * their keys, the sparse byOpenIncident index that only open incidents are in, and
 * the task token an incident may hold for the operator's decision. Opening and
 * closing return transaction items for CaseStore's `alsoWrite` (the case's incident
 * list and its event change with them); reads return the stored items for the
 * workflow module to parse.
 */
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { TransactItem } from "./case-store.ts";
import { incidentKey, openIncidentKeys, openIncidentPartition } from "./keys.ts";
import { batchGetAll } from "./query-all.ts";

/** What an incident item holds besides its keys (shared/workflow/incidents.ts IncidentRecord). */
export interface IncidentFacts {
  readonly caseId: string;
  readonly incidentId: string;
  readonly townshipCode: string;
  readonly openedAt: string;
  readonly [fact: string]: unknown;
}

const OPEN = { "#status": "status" } as const;

export class IncidentStore {
  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  static of(deps: { readonly client: DynamoDBDocumentClient; readonly tableName: string }): IncidentStore {
    return new IncidentStore(deps.client, deps.tableName);
  }

  /** The stored incident item, or undefined. */
  async get(caseId: string, incidentId: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: incidentKey(caseId, incidentId),
        ConsistentRead: true,
      }),
    );
    return Item;
  }

  /** One page of a township's open incidents, oldest first (byOpenIncident, then the items by key). */
  async openPage(
    townshipCode: string,
    limit: number,
    startKey?: Record<string, unknown>,
  ): Promise<{ items: Record<string, unknown>[]; nextKey?: Record<string, unknown> }> {
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: "byOpenIncident",
        KeyConditionExpression: "gsi6pk = :pk",
        ExpressionAttributeValues: { ":pk": openIncidentPartition(townshipCode) },
        Limit: limit,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    // The index copies keys only (table-design.ts): the incidents themselves come by key.
    const items = await batchGetAll(this.client, this.tableName, page.Items ?? []);
    return { items, ...(page.LastEvaluatedKey ? { nextKey: page.LastEvaluatedKey } : {}) };
  }

  /** A new wait of the workflow on an incident still open (a retried writer): its token replaces the old. */
  async storeToken(caseId: string, incidentId: string, taskToken: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: incidentKey(caseId, incidentId),
        UpdateExpression: "SET taskToken = :token",
        ConditionExpression: "#status = :open",
        ExpressionAttributeNames: OPEN,
        ExpressionAttributeValues: { ":token": taskToken, ":open": "open" },
      }),
    );
  }

  /** A new open incident in the township's operator view (only if it does not exist). */
  open(incident: IncidentFacts, taskToken?: string): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          ...incidentKey(incident.caseId, incident.incidentId),
          type: "incident",
          ...openIncidentKeys(incident.townshipCode, incident.openedAt, incident.caseId, incident.incidentId),
          ...incident,
          ...(taskToken ? { taskToken } : {}),
        },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    };
  }

  /** Closes an open incident: it leaves the operator view and drops its token. */
  close(caseId: string, incidentId: string, at: string, by: string): TransactItem {
    return {
      Update: {
        TableName: this.tableName,
        Key: incidentKey(caseId, incidentId),
        UpdateExpression:
          "SET #status = :closed, closedAt = :at, closedBy = :by REMOVE gsi6pk, gsi6sk, taskToken",
        ConditionExpression: "#status = :open",
        ExpressionAttributeNames: OPEN,
        ExpressionAttributeValues: { ":closed": "closed", ":open": "open", ":at": at, ":by": by },
      },
    };
  }
}
