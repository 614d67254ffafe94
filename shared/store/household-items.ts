/**
 * One household, one homestead (一户一宅), as items in the household's partition
 * (the register's `HOUSEHOLD#<householdId>`), next to the register entry and
 * its homesteads:
 *
 *   HOUSEHOLD#<householdId>  OPENCASE                the household's one open homestead case
 *   HOUSEHOLD#<householdId>  HOMESTEAD#<caseId>      the plot a case was approved for: pending
 *                                                   (`approved_unbuilt`) at approval, held
 *                                                   (`in_use`) at completion, gone when it expires
 *   HOUSEHOLD#<householdId>  RETURN#<homesteadId>    an old plot the household promised to return,
 *                                                   followed up from the completion of the case
 *
 * The OPENCASE marker is claimed by the submit use case (shared/cases/one-household.ts)
 * with a conditional put in the submit transaction; it is released, and the register
 * entries written, by `householdWrites` in the same transaction as the status change
 * that causes them (CaseStore.write): approve, complete, expire, and every change that
 * leaves the open statuses. A retried or repeated transition cannot write them twice:
 * the case's own condition (eventSeq) lets each transition commit once.
 */
import { isTerminal } from "../domain/case-status.ts";
import type { CaseRecord } from "../schemas/case.ts";
import type { TransactItem } from "./case-store.ts";
import { homesteadKey, openCaseKey, plotReturnKey } from "./keys.ts";

export { openCaseKey, plotReturnKey } from "./keys.ts";

/** A homestead case is open from its submission until it ends or is returned to the household. */
export function holdsOpenCase(status: CaseRecord["status"]): boolean {
  return status !== "draft" && status !== "returned" && !isTerminal(status);
}

/** Only a homestead case on a new plot adds a plot to the register; rebuilding keeps the one held. */
const addsPlot = (record: CaseRecord) =>
  record.kind === "homestead" && record.application.proposedPlot?.situation === "new_plot";

function addMonths(at: string, months: number): string {
  const date = new Date(at);
  date.setUTCMonth(date.getUTCMonth() + months);
  return date.toISOString();
}

export interface HouseholdWrites {
  readonly items: TransactItem[];
  /** The case gives up the household's OPENCASE marker: its `householdClaim` goes. */
  readonly releases: boolean;
}

/** The household items that change with the case moving from `before` to `after` (at `at`). */
export function householdWrites(
  tableName: string,
  before: CaseRecord,
  after: CaseRecord,
  at: string,
): HouseholdWrites {
  const items: TransactItem[] = [];
  const releases = before.householdClaim === true && !holdsOpenCase(after.status);
  if (releases) {
    items.push({
      Delete: {
        TableName: tableName,
        Key: openCaseKey(before.householdId),
        ConditionExpression: "attribute_not_exists(pk) OR caseId = :caseId",
        ExpressionAttributeValues: { ":caseId": before.caseId },
      },
    });
  }
  if (before.status === after.status || !addsPlot(after)) return { items, releases };

  const plot = after.application.proposedPlot;
  const entry = {
    ...homesteadKey(after.householdId, after.caseId),
    type: "homestead",
    homesteadId: after.caseId,
    caseId: after.caseId,
    areaM2: (plot?.houseLandAreaM2 ?? 0) + (plot?.ancillaryLandAreaM2 ?? 0),
    willBeReturned: false,
  };
  if (after.status === "approved") {
    items.push({
      Put: { TableName: tableName, Item: { ...entry, status: "approved_unbuilt", approvedAt: at } },
    });
  } else if (after.status === "completed") {
    items.push({ Put: { TableName: tableName, Item: { ...entry, status: "in_use", completedAt: at } } });
    if (after.oldPlotReturn) {
      const months = after.oldPlotReturn.withinMonths;
      for (const homesteadId of after.oldPlotReturn.homesteadIds) {
        items.push({
          Put: {
            TableName: tableName,
            Item: {
              ...plotReturnKey(after.householdId, homesteadId),
              type: "plot_return",
              homesteadId,
              caseId: after.caseId,
              status: "to_be_returned",
              completedAt: at,
              ...(months ? { dueBy: addMonths(at, months) } : {}),
            },
          },
        });
      }
    }
  } else if (after.status === "expired") {
    items.push({ Delete: { TableName: tableName, Key: homesteadKey(after.householdId, after.caseId) } });
  }
  return { items, releases };
}
