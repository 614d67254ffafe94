/**
 * The Precheck task: runs the automatic pre-check on a submitted case, records
 * it on the case, moves the case on (or back to the villager), and returns the
 * plan the state machine runs on.
 */
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { isTerminal } from "../domain/case-status.ts";
import { getShippedPolicy } from "../domain/policy/shipped-policies.ts";
import { runPrecheck } from "../domain/precheck/run-precheck.ts";
import { publicationWrites } from "../notices/notices.ts";
import { type ApplicationComplete, applicationCompleteSchema } from "../schemas/application.ts";
import type { CaseRecord } from "../schemas/case.ts";
import type { PersonMatch, PrecheckResult } from "../schemas/precheck.ts";
import { CaseStore } from "../store/case-store.ts";
import { holdsOpenCase } from "../store/household-items.ts";
import {
  CASE_PERSON_PREFIX,
  caseKey,
  casePersonItemKey,
  casePersonKeys,
  type PersonEntry,
} from "../store/keys.ts";
import { ReferenceDataMissingError, ReferenceStore } from "../store/reference-store.ts";
import { WORKFLOW_ACTOR } from "./contracts.ts";
import { CaseClosedError } from "./errors.ts";
import { noticeSeconds, type WorkflowPlan, workflowPlan } from "./plan.ts";

/** The stored application does not pass the submission schema: the submit API should have refused it. */
export class ApplicationIncompleteError extends Error {
  override readonly name = "ApplicationIncompleteError";
}

export interface PrecheckDeps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly now: () => Date;
}

function summary(result: PrecheckResult) {
  return {
    blocked: result.blocked,
    departments: result.departments,
    findings: result.findings.map((finding) => ({ ruleId: finding.ruleId, severity: finding.severity })),
  };
}

interface LookupDeps {
  readonly store: CaseStore;
  readonly references: ReferenceStore;
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

const HOLDS_PLOT: ReadonlySet<string> = new Set(["approved", "staked_out", "completed"]);

/**
 * 一户一宅 across households: the keyed hashes of the application's ID numbers
 * looked up in byPerson (register heads, other cases' people), each hit
 * resolved to whether that household holds a plot or has an open case; then
 * the case's own people are filed under byPerson for later applications
 * (PERSON# items in the case's partition, rewritten on every pre-check, so a
 * corrected list of members replaces the old one).
 */
export async function lookUpPeople(
  deps: LookupDeps,
  record: CaseRecord,
  application: ApplicationComplete,
): Promise<PersonMatch[]> {
  const people = [
    { person: "head", slot: "head", idNumber: application.head.idNumber },
    ...application.members.map((member, index) => ({
      person: `members.${index}`,
      slot: `member#${index}`,
      idNumber: member.idNumber,
    })),
  ];
  const hashed = await Promise.all(
    people.map(async (entry) => ({
      ...entry,
      hash: await deps.store.lookupHash("idNumber", entry.idNumber),
    })),
  );
  const matches = (
    await Promise.all(
      hashed.map(async ({ person, hash }) => {
        const entries = (await deps.references.personEntries(hash)).filter(
          (entry) =>
            entry.householdId !== record.householdId &&
            !(entry.source === "case" && entry.caseId === record.caseId),
        );
        return Promise.all(entries.map((entry) => resolveMatch(deps, person, entry)));
      }),
    )
  )
    .flat(2)
    .filter((match): match is PersonMatch => match !== undefined && (match.holdsHomestead || match.openCase));

  const existing = await deps.client.send(
    new QueryCommand({
      TableName: deps.tableName,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :person)",
      ExpressionAttributeValues: { ":pk": caseKey(record.caseId).pk, ":person": CASE_PERSON_PREFIX },
      ProjectionExpression: "pk, sk",
    }),
  );
  const kept = new Set<string>(hashed.map(({ slot }) => casePersonItemKey(record.caseId, slot).sk));
  await Promise.all([
    ...hashed.map(({ slot, hash }) =>
      deps.client.send(
        new PutCommand({
          TableName: deps.tableName,
          Item: {
            ...casePersonItemKey(record.caseId, slot),
            type: "case_person",
            ...casePersonKeys(hash, record.caseId, record.householdId),
          },
        }),
      ),
    ),
    ...(existing.Items ?? [])
      .filter((item) => !kept.has(String(item.sk)))
      .map((item) =>
        deps.client.send(new DeleteCommand({ TableName: deps.tableName, Key: { pk: item.pk, sk: item.sk } })),
      ),
  ]);
  return matches;
}

async function resolveMatch(
  deps: LookupDeps,
  person: string,
  entry: PersonEntry,
): Promise<PersonMatch | undefined> {
  if (entry.source === "register") {
    const household = await deps.references.household(entry.householdId).catch((error: unknown) => {
      if (error instanceof ReferenceDataMissingError) return undefined;
      throw error;
    });
    const holds = (household?.homesteads ?? []).some(
      (homestead) =>
        (homestead.status === "in_use" || homestead.status === "approved_unbuilt") &&
        !homestead.willBeReturned,
    );
    return {
      person,
      householdId: entry.householdId,
      source: "register",
      holdsHomestead: holds,
      openCase: false,
    };
  }
  const other = await deps.store.get(entry.caseId);
  if (!other) return undefined;
  const holdsHomestead = other.kind === "homestead" && HOLDS_PLOT.has(other.status);
  return {
    person,
    householdId: entry.householdId,
    source: "case",
    caseId: entry.caseId,
    holdsHomestead,
    openCase: !holdsHomestead && holdsOpenCase(other.status),
  };
}

/**
 * Safe to re-run (Step Functions retries): each status change is applied only
 * from the status it starts from, so a retry after a partial success finishes
 * the remaining transitions instead of failing on the first.
 */
export async function precheckCase(deps: PrecheckDeps, caseId: string): Promise<WorkflowPlan> {
  const store = new CaseStore(deps.client, deps.tableName, deps.now);
  const references = new ReferenceStore(deps.client, deps.tableName);
  const initial = await store.require(caseId);
  // Withdrawn before the pre-check ran (its run could not be stopped): end the run.
  if (isTerminal(initial.status)) throw new CaseClosedError(caseId, initial.status);
  const policy = getShippedPolicy(initial.policyId);
  const application = applicationCompleteSchema.safeParse(initial.application);
  if (!application.success) {
    throw new ApplicationIncompleteError(`Case ${caseId}: the stored application is not complete`);
  }
  const [register, personMatches] = await Promise.all([
    references.factsFor(initial.householdId, initial.villageCode, application.data.proposedPlot.location),
    lookUpPeople(
      { store, references, client: deps.client, tableName: deps.tableName },
      initial,
      application.data,
    ),
  ]);
  const facts = { ...register, personMatches };
  const result = runPrecheck(application.data, policy, facts);
  // The plots to return once the new house is built (followed up at completion, household-items.ts).
  const oldHomesteadIds =
    application.data.currentHomestead?.oldPlotDisposition === "return"
      ? facts.existingHomesteads
          .filter((homestead) => homestead.status === "in_use" && homestead.homesteadId !== caseId)
          .map((homestead) => homestead.homesteadId)
      : [];
  const oldPlots =
    oldHomesteadIds.length > 0
      ? {
          oldPlotReturn: {
            homesteadIds: oldHomesteadIds,
            ...(policy.oldPlotReturnMonths ? { withinMonths: policy.oldPlotReturnMonths } : {}),
          },
        }
      : {};

  const published = await store.withRetry(caseId, async (record: CaseRecord) => {
    let current = record;
    if (current.status === "submitted") {
      current = result.blocked
        ? await store.transition(current, "returnToApplicant", {
            actor: WORKFLOW_ACTOR,
            facts: { precheckBlocked: true },
            set: { precheck: result, ...oldPlots },
            data: summary(result),
          })
        : await store.transition(current, "completePrecheck", {
            actor: WORKFLOW_ACTOR,
            facts: { precheckBlocked: false },
            set: { precheck: result, departments: result.departments, ...oldPlots },
            data: summary(result),
          });
    }
    if (current.status === "prechecked") {
      // The platform publishes the notice with its start, unless the county took a photo of the paper one.
      const now = deps.now();
      const startsAt = now.toISOString();
      const endsAt = new Date(now.getTime() + noticeSeconds(policy, now) * 1000).toISOString();
      const publication =
        policy.publicNotice.paperPhotoAllowed === true
          ? undefined
          : publicationWrites(deps.tableName, current, application.data, { startsAt, endsAt });
      current = await store.transition(current, "startPublicNotice", {
        actor: WORKFLOW_ACTOR,
        data: {
          days: policy.publicNotice.days,
          workingDays: policy.publicNotice.workingDays,
          ...(publication
            ? { noticeId: publication.notice.noticeId, startsAt, endsAt }
            : { paperNotice: true }),
        },
        ...(publication
          ? {
              set: { publicNotice: { noticeId: publication.notice.noticeId, startsAt, endsAt } },
              alsoWrite: publication.items,
            }
          : {}),
      });
    }
    return current;
  });
  const plan = workflowPlan(policy, result, deps.now());
  // The Wait runs out with the published notice, also when a retry of this task comes later.
  const endsAt = published.publicNotice?.endsAt;
  return endsAt
    ? { ...plan, noticeSeconds: Math.max(0, Math.ceil((Date.parse(endsAt) - deps.now().getTime()) / 1000)) }
    : plan;
}
