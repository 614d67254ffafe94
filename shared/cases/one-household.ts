/**
 * One household, one homestead (一户一宅): at most one open homestead case per
 * household. The submit transaction claims the household's OPENCASE marker
 * (shared/store/household-items.ts) with a conditional put, so of two
 * concurrent submissions of one household exactly one commits; the other
 * gets 409 `household_has_open_case`. The marker goes with the status change
 * that ends the case or returns it to the household (CaseStore.write).
 *
 * A marker whose case is no longer open (it was written before the release
 * existed, or by hand) does not block for ever: the claim replaces it,
 * conditioned on that stale holder, so a race still lets one through.
 */
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { DomainError } from "../errors.ts";
import type { CaseRecord } from "../schemas/case.ts";
import type { CaseChange, CaseStore, TransactItem } from "../store/case-store.ts";
import { holdsOpenCase, openCaseKey } from "../store/household-items.ts";

export class HouseholdHasOpenCaseError extends DomainError {
  constructor(openCaseId: string) {
    super(
      {
        en: `One household, one homestead: the household already has an open homestead case (${openCaseId}); finish or withdraw it first`,
        zh: `一户一宅：本户已有正在办理的宅基地申请（${openCaseId}），请办结或撤回后再申请`,
      },
      { openCaseId },
    );
  }
}

async function markerHolder(store: CaseStore, householdId: string): Promise<string | undefined> {
  const { Item } = await store.client.send(
    new GetCommand({ TableName: store.tableName, Key: openCaseKey(householdId), ConsistentRead: true }),
  );
  return typeof Item?.caseId === "string" ? Item.caseId : undefined;
}

/** The household's open homestead case other than `exceptCaseId`, if any (a stale marker does not count). */
export async function openCaseOf(
  store: CaseStore,
  householdId: string,
  exceptCaseId?: string,
): Promise<{ readonly holder?: string; readonly open: boolean }> {
  const holder = await markerHolder(store, householdId);
  if (holder === undefined || holder === exceptCaseId) return { ...(holder ? { holder } : {}), open: false };
  const held = await store.get(holder);
  return { holder, open: held !== undefined && holdsOpenCase(held.status) };
}

/** 409 when the household already has an open homestead case: creating a second draft is refused too. */
export async function assertNoOpenCase(store: CaseStore, householdId: string): Promise<void> {
  const { holder, open } = await openCaseOf(store, householdId);
  if (open && holder) throw new HouseholdHasOpenCaseError(holder);
}

function claimItem(store: CaseStore, record: CaseRecord, staleHolder: string | undefined): TransactItem {
  const at = new Date().toISOString();
  return {
    Put: {
      TableName: store.tableName,
      Item: {
        ...openCaseKey(record.householdId),
        type: "open_case",
        caseId: record.caseId,
        householdId: record.householdId,
        claimedAt: at,
      },
      ConditionExpression:
        staleHolder === undefined ? "attribute_not_exists(pk) OR caseId = :caseId" : "caseId = :stale",
      ExpressionAttributeValues:
        staleHolder === undefined ? { ":caseId": record.caseId } : { ":stale": staleHolder },
    },
  };
}

/**
 * The `submit` transition, claiming the household's marker in the same
 * transaction when the case is a homestead case. Farmhouse cases (rebuilding,
 * no new plot) submit as before.
 */
export async function submitClaimingHousehold(
  store: CaseStore,
  record: CaseRecord,
  change: Omit<CaseChange, "action">,
): Promise<CaseRecord> {
  if (record.kind !== "homestead") return store.transition(record, "submit", change);
  for (let attempt = 1; ; attempt++) {
    const { holder, open } = await openCaseOf(store, record.householdId, record.caseId);
    if (open && holder) throw new HouseholdHasOpenCaseError(holder);
    const stale = holder !== undefined && holder !== record.caseId ? holder : undefined;
    const alsoWrite = change.alsoWrite ?? [];
    // Index of the claim in the transaction: the case (0), its event (1), then alsoWrite.
    const claimIndex = 2 + alsoWrite.length;
    try {
      return await store.transition(record, "submit", {
        ...change,
        set: { ...change.set, householdClaim: true },
        alsoWrite: [...alsoWrite, claimItem(store, record, stale)],
      });
    } catch (error) {
      const lostClaim =
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[claimIndex]?.Code === "ConditionalCheckFailed";
      if (!lostClaim) throw error;
      // Another case claimed (or released) the marker between our read and write: read again.
      if (attempt >= 3) {
        throw new HouseholdHasOpenCaseError((await markerHolder(store, record.householdId)) ?? "unknown");
      }
    }
  }
}
