import { RemovalPolicy } from "aws-cdk-lib";
import {
  AttributeType,
  Billing,
  ProjectionType,
  StreamViewType,
  TableEncryptionV2,
  TableV2,
} from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";
import { CASE_TABLE, type KeyAttribute } from "#shared/store/table-design.ts";

/**
 * The single table that holds every case, its steps, documents, events and
 * the reference data the pre-check reads.
 *
 * Key design: generic attributes, prefixed values, built by shared/store/keys.ts
 * and nowhere else. The key table — every kind of item with its pk/sk pattern and
 * the module that writes it (case, STEP/TOKEN/ESCALATION of the step store,
 * documents, events, incidents, certificates and their COUNTER#, idempotency
 * records under IDEMPOTENCY#<operation> with Powertools' `<function>#<hash>` sort
 * key, the notification outbox and inboxes, notices, reference data, import logs,
 * the keyring) — is KEY_TABLE in shared/store/table-design.ts, each index's keys
 * beside its design there; test/unit/key-table.test.ts checks both against what
 * the builders write.
 *
 * Access patterns and the index that serves each (no Scan on a request path):
 * - a case with its steps, documents and history: Query pk = CASE#id (base table)
 * - a reviewer's queue: byQueue, gsi1pk = QUEUE#<department>#<township>,
 *   gsi1sk = <0 overdue | 1 on time>#<deadline>#<caseId> (overdue first, then by deadline)
 *   (role queues QUEUE#<role>#<township>; an overdue step also puts an ESCALATION item in
 *   QUEUE#township_head#<township>); STEP, TOKEN and ESCALATION items are written by
 *   shared/store/step-store.ts only
 * - decisions not yet sent to the workflow: byUndeliveredDecision (KEYS_ONLY, sparse),
 *   gsi8pk = UNDELIVERED, gsi8sk = <respondedAt>#<caseId>#<stepId>; set with the decision,
 *   removed once sent or superseded (the delivery sweep, shared/workflow/delivery-sweep.ts)
 * - pre-check reference facts: Query pk = HOUSEHOLD#id (register entry + homesteads),
 *   BatchGet VILLAGE#code VILLAGE + BOUNDARY (terrain class, construction boundary), and the
 *   candidate parcels of the plot from byGridCell (shared/store/reference-store.ts)
 * - parcels near a plot: byGridCell, gsi5pk = GRID#<geohash of 7 characters, ≈ 153 m × 132 m>,
 *   gsi5sk = <villageCode>#<parcelId>. A parcel has one GRID# item (a copy of its facts and
 *   polygon) per cell its bounding box covers; the pre-check queries the cells of the plot's
 *   bounding box, de-duplicates, then runs the exact Turf predicates (shared/reference/geometry.ts)
 * - reference imports: head items carry contentHash + dependentSks (upsert skips unchanged rows);
 *   a finished import writes IMPORT#<at>#<importId> in IMPORTLOG#<day> (who, file SHA-256,
 *   counts; append-only, no GSI keys); an interrupted one keeps IMPORT#…/CHECKPOINT (admin route)
 *   (shared/reference/import/)
 * - one household, one homestead (shared/store/household-items.ts): a conditional put of
 *   HOUSEHOLD#id/OPENCASE in the submit transaction; where a person appears elsewhere: byPerson
 *   (KEYS_ONLY), gsi7pk = PERSON#<keyed hash of the ID number>, gsi7sk = HOUSEHOLD#<householdId>
 *   (the register's head, from the import's headIdHash) or CASE#<caseId>#<householdId> (a case's
 *   head or member, written by the pre-check)
 * - a household's cases: byOwner (KEYS_ONLY), gsi2pk = OWNER#<householdId>, gsi2sk = <createdAt>,
 *   then one BatchGetItem of the case items
 * - the register (台账): byRegister (KEYS_ONLY), gsi3pk = REGISTER#<township>#<status>,
 *   gsi3sk = <updatedAt>, then one BatchGetItem of the page's case items. Both indexes cover the case
 *   item, rewritten on every transition: keys only, a rewrite costs the index nothing unless its
 *   key changes (shared/store/table-design.ts)
 * - audit search by time: byEventTime, gsi4pk = EVENTS#<yyyy-mm-dd>, gsi4sk = <at>#<caseId>#<seq>
 *   (one Query per UTC day of the range, at most 92 days; filters by FilterExpression)
 * - the operator view (异常案件): byOpenIncident, gsi6pk = INCIDENTS#<township>,
 *   gsi6sk = <openedAt>#<caseId>#<incidentId>, oldest first; only open incidents carry the keys
 *   (closing one removes them), so the index holds exactly what needs an operator
 *   (shared/workflow/incidents.ts)
 * - who audited what: Query pk = AUDITLOG#<day> (base table). Every auditor read (history, verify,
 *   search, export, register) writes one AUDIT_QUERY item (actor, route, parameters, outcome, result
 *   count) before its answer leaves; append-only, no GSI keys so it never appears in the event search
 *   (shared/audit/query-log.ts)
 * - 代办, the filer's list: byFiledOnBehalf (KEYS_ONLY), gsi12pk = FILED#<township>,
 *   gsi12sk = <filedAt>#<villageCode>#<caseId>, newest first; only cases filed on behalf carry the
 *   keys, from their create transaction, and they never change; a village officer's page keeps its
 *   village's entries (read from the sort key), then one BatchGetItem of the case items
 *   (shared/store/filed-page.ts)
 */
export class CaseTable extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const attribute = (key: KeyAttribute) => ({
      name: key.name,
      type: key.type === "S" ? AttributeType.STRING : AttributeType.NUMBER,
    });
    this.table = new TableV2(this, "Table", {
      partitionKey: attribute(CASE_TABLE.partitionKey),
      sortKey: attribute(CASE_TABLE.sortKey),
      globalSecondaryIndexes: CASE_TABLE.globalSecondaryIndexes.map((index) => ({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey),
        projectionType: index.projection === "KEYS_ONLY" ? ProjectionType.KEYS_ONLY : ProjectionType.ALL,
      })),
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      // The SMS sender reads new outbox jobs from the stream (constructs/notifications.ts): keys are enough.
      dynamoStream: StreamViewType.KEYS_ONLY,
    });
  }
}
