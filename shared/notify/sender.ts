/**
 * The SMS sender: works the outbox's due jobs (`OUTBOX#due`, oldest first) at
 * least once. On AWS it runs when a job is written (DynamoDB Streams) and every
 * minute (EventBridge), locally on the same schedule (infra/local/schedules.ts).
 *
 * Per job: claim it (move it a lease ahead, so a second sender skips it and a
 * crashed one's job comes back), then
 * - quiet hours (policy): defer to their end;
 * - a desk's job: expand into one job per member who registered a phone;
 * - household opted out of SMS, no phone, staff member with SMS off: skipped
 *   (recorded; the in-app message stays);
 * - staff new steps: at most one SMS per person per `batchIntervalMinutes`
 *   (the ones that wait go together as one `staff_batch` SMS), or one
 *   `staff_digest` a day at `digestAt` for those who chose it;
 * - send; on success record it as sent; on failure retry with exponential
 *   backoff, and after `maxAttempts` record it as failed for the county admin.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import {
  DeleteCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Encryptor } from "../crypto/encryptor.ts";
import { maskPhone } from "../domain/phone.ts";
import { getShippedPolicy } from "../domain/policy/shipped-policies.ts";
import { CaseStore } from "../store/case-store.ts";
import { outboxJobKey } from "../store/keys.ts";
import { queryAll } from "../store/query-all.ts";
import {
  DUE_PARTITION,
  type DueJob,
  deskPartition,
  FAILED_PARTITION,
  householdPrefsKey,
  jobItem,
  render,
  SENT_PARTITION,
  SKIPPED_PARTITION,
  type SmsJob,
  smsParams,
  staffPrefsKey,
} from "./outbox.ts";
import { type HouseholdPrefs, householdPrefsSchema, type StaffPrefs, staffPrefsSchema } from "./prefs.ts";
import { SmsSendError, type SmsSender } from "./sms.ts";
import { backoffMs, quietUntil, staffBatchWait } from "./sms-timing.ts";

export interface SenderDeps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly sms: SmsSender;
  readonly encryptor: () => Encryptor | undefined;
  /** Logs without phone numbers. */
  readonly log?: (message: string, attributes: Record<string, unknown>) => void;
}

/** A claimed job comes back after this long if its sender never finished (crash, timeout). */
export const LEASE_MS = 5 * 60_000;

export interface SweepResult {
  readonly sent: number;
  readonly deferred: number;
  readonly retrying: number;
  readonly failed: number;
  readonly skipped: number;
  readonly expanded: number;
}

export class SmsSweep {
  private readonly cases: CaseStore;
  private result = { sent: 0, deferred: 0, retrying: 0, failed: 0, skipped: 0, expanded: 0 };

  constructor(
    private readonly deps: SenderDeps,
    private readonly now: Date,
  ) {
    this.cases = new CaseStore(deps.client, deps.tableName, () => now, deps.encryptor);
  }

  /** Works every job due at `now` (a bounded number of pages per run; the next run takes the rest). */
  async run(maxJobs = 500): Promise<SweepResult> {
    const nowIso = this.now.toISOString();
    for (let handled = 0; handled < maxJobs; ) {
      const { Items = [] } = await this.deps.client.send(
        new QueryCommand({
          TableName: this.deps.tableName,
          KeyConditionExpression: "pk = :pk AND sk < :upper",
          // A job another sender holds (its lease not yet run out) is not this run's.
          FilterExpression: "attribute_not_exists(leaseUntil) OR leaseUntil < :now",
          ExpressionAttributeValues: { ":pk": DUE_PARTITION, ":upper": `${nowIso}$`, ":now": nowIso },
          ConsistentRead: true,
          Limit: 100,
        }),
      );
      if (Items.length === 0) break;
      const jobs = Items as DueJob[];
      // Batched staff jobs of one member go together (one SMS); every other job on its own.
      const groups = new Map<string, DueJob[]>();
      for (const job of jobs) {
        const key = job.batched && job.member ? `batch#${job.member}` : job.sk;
        groups.set(key, [...(groups.get(key) ?? []), job]);
      }
      for (const group of groups.values()) await this.handle(group);
      handled += jobs.length;
    }
    return this.result;
  }

  private async handle(group: readonly DueJob[]): Promise<void> {
    const claimed: DueJob[] = [];
    for (const job of group) {
      if (await this.claim(job)) claimed.push(job);
    }
    const [first] = claimed;
    if (!first) return;
    const notifications = getShippedPolicy(first.policyId).notifications;
    if (!notifications) {
      for (const job of claimed) await this.finish(job, SKIPPED_PARTITION, { reason: "policy_sends_no_sms" });
      return;
    }
    const quietEnd = quietUntil(this.now, notifications);
    if (quietEnd) {
      for (const job of claimed) await this.defer(job, quietEnd);
      return;
    }
    if (first.recipient.startsWith("desk:") && !first.member) {
      await this.expand(first);
      return;
    }
    const target = await this.target(first);
    if ("skip" in target) {
      for (const job of claimed) await this.finish(job, SKIPPED_PARTITION, { reason: target.skip });
      return;
    }
    let kind = first.kind;
    let params = first.params;
    if (first.batched && target.staff) {
      const wait = staffBatchWait(this.now, target.staff, notifications);
      if (wait) {
        for (const job of claimed) await this.defer(job, wait);
        return;
      }
      if (target.staff.mode === "digest" || claimed.length > 1) {
        kind = target.staff.mode === "digest" ? "staff_digest" : "staff_batch";
        params = { count: String(claimed.length) };
      }
    }
    const template = notifications.templates[kind];
    if (!template) {
      for (const job of claimed) await this.finish(job, SKIPPED_PARTITION, { reason: "no_template" });
      return;
    }
    const values = smsParams(template, params, notifications.paramMaxChars);
    try {
      const providerId = await this.deps.sms.send({
        to: target.phone,
        signName: notifications.signName,
        templateId: template.templateId,
        params: values,
        text: `【${notifications.signName}】${render(template.zh, values)}`,
        messageId: first.jobId,
      });
      if (target.staff && first.member) await this.noteSent(first.member, target.staff.mode);
      for (const job of claimed)
        await this.finish(job, SENT_PARTITION, {
          to: maskPhone(target.phone),
          templateId: template.templateId,
          sentKind: kind,
          providerId,
          provider: this.deps.sms.provider,
          attempts: job.attempts + 1,
        });
      this.deps.log?.("SMS sent", {
        jobId: first.jobId,
        kind,
        to: maskPhone(target.phone),
        jobs: claimed.length,
      });
    } catch (error) {
      if (!(error instanceof SmsSendError)) throw error;
      for (const job of claimed) {
        const attempts = job.attempts + 1;
        const failed = { ...job, attempts, lastError: error.message };
        if (attempts >= notifications.retry.maxAttempts) {
          await this.finish(failed, FAILED_PARTITION, { attempts, lastError: error.message });
        } else {
          await this.defer(
            failed,
            new Date(this.now.getTime() + backoffMs(attempts, notifications)),
            "retrying",
          );
        }
      }
      this.deps.log?.("SMS not sent", { jobId: first.jobId, error: error.message });
    }
  }

  private async noteSent(member: string, mode: StaffPrefs["mode"]): Promise<void> {
    await this.deps.client.send(
      new UpdateCommand({
        TableName: this.deps.tableName,
        Key: staffPrefsKey(member),
        UpdateExpression: mode === "digest" ? "SET lastDigestAt = :now" : "SET lastSmsAt = :now",
        ExpressionAttributeValues: { ":now": this.now.toISOString() },
        ConditionExpression: "attribute_exists(pk)",
      }),
    );
  }

  /** The phone to text (opened only now), or why nobody is texted. */
  private async target(job: DueJob): Promise<{ phone: string; staff?: StaffPrefs } | { skip: string }> {
    if (job.member) {
      const staff = await this.prefs(staffPrefsKey(job.member), staffPrefsSchema);
      if (!staff?.phone || staff.mode === "off") return { skip: "staff_sms_off" };
      const encryptor = this.deps.encryptor();
      if (!encryptor) return { skip: "no_key" };
      const phone = await encryptor.open(staff.phone, { userId: job.member });
      return { phone, staff };
    }
    const household = job.recipient.replace(/^household:/, "");
    const prefs = await this.prefs(householdPrefsKey(household), householdPrefsSchema);
    if (prefs?.smsOptOut) return { skip: "household_opted_out" };
    const record = await this.cases.get(job.caseId);
    const phone = record?.application.head?.phone;
    return phone ? { phone } : { skip: "no_phone" };
  }

  private async prefs<T extends HouseholdPrefs | StaffPrefs>(
    key: { pk: string; sk: string },
    schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } },
  ): Promise<T | undefined> {
    const { Items = [] } = await this.deps.client.send(
      new QueryCommand({
        TableName: this.deps.tableName,
        KeyConditionExpression: "pk = :pk AND sk = :sk",
        ExpressionAttributeValues: { ":pk": key.pk, ":sk": key.sk },
        ConsistentRead: true,
      }),
    );
    const parsed = schema.safeParse(Items[0]);
    return parsed.success ? parsed.data : undefined;
  }

  /** A desk's job becomes one job per member with a phone, each due now (conditional: expanded once). */
  private async expand(job: DueJob): Promise<void> {
    const desk = job.recipient.replace(/^desk:/, "");
    const members = await queryAll(this.deps.client, {
      TableName: this.deps.tableName,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": deskPartition(desk) },
    });
    const nowIso = this.now.toISOString();
    for (const member of members) {
      const userId = String(member.userId);
      const { pk: _pk, sk: _sk, dueAt: _due, type: _type, ...rest } = job;
      const memberJob: SmsJob = { ...rest, jobId: `${job.jobId}#user:${userId}`, member: userId };
      try {
        await this.deps.client.send(
          new PutCommand({
            TableName: this.deps.tableName,
            Item: jobItem(nowIso, memberJob),
            ConditionExpression: "attribute_not_exists(pk)",
          }),
        );
        this.result.expanded++;
      } catch (error) {
        if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
      }
    }
    await this.finish(job, members.length > 0 ? undefined : SKIPPED_PARTITION, {
      reason: "no_staff_phone_registered",
    });
  }

  /**
   * Claims a job in place (one conditional write): a lease another sender respects until it runs
   * out, when the job is due again (a sender that crashed mid-send). False: someone else has it.
   */
  private async claim(job: DueJob): Promise<boolean> {
    const nowIso = this.now.toISOString();
    try {
      await this.deps.client.send(
        new UpdateCommand({
          TableName: this.deps.tableName,
          Key: { pk: job.pk, sk: job.sk },
          UpdateExpression: "SET leaseUntil = :until",
          ConditionExpression:
            "attribute_exists(pk) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)",
          ExpressionAttributeValues: {
            ":until": new Date(this.now.getTime() + LEASE_MS).toISOString(),
            ":now": nowIso,
          },
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === "ConditionalCheckFailedException") return false;
      throw error;
    }
  }

  /** Deletes the claimed job, only while it is still there (another run may have taken it). */
  private removal(job: DueJob) {
    return {
      TableName: this.deps.tableName,
      Key: { pk: job.pk, sk: job.sk },
      ConditionExpression: "attribute_exists(pk)",
    };
  }

  /** Moves a claimed job to `dueAt` (defer, retry): delete + put, conditional on it still being there. */
  private async move(job: DueJob, dueAt: Date, change: Partial<SmsJob> = {}): Promise<DueJob | undefined> {
    const { pk: _pk, sk: _sk, dueAt: _due, type: _type, ...rest } = job;
    const item = jobItem(dueAt.toISOString(), { ...rest, ...change } as SmsJob);
    try {
      await this.deps.client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Delete: this.removal(job) },
            { Put: { TableName: this.deps.tableName, Item: item } },
          ],
        }),
      );
      return item;
    } catch (error) {
      if ((error as Error).name === "TransactionCanceledException") return undefined;
      throw error;
    }
  }

  private async defer(job: DueJob, dueAt: Date, why: "deferred" | "retrying" = "deferred"): Promise<void> {
    const { pk: _pk, sk: _sk, dueAt: _due, type: _type, ...rest } = job;
    if (await this.move(job, dueAt, rest)) this.result[why]++;
  }

  /** Takes a claimed job off the due list, recording the outcome in `partition` (none: just removed). */
  private async finish(
    job: DueJob,
    partition: string | undefined,
    outcome: Record<string, unknown>,
  ): Promise<void> {
    const nowIso = this.now.toISOString();
    const { pk: _pk, sk: _sk, type: _type, ...rest } = job;
    if (!partition) {
      // Nothing to record (an expanded desk job): one delete, no transaction.
      await this.deps.client.send(new DeleteCommand(this.removal(job)));
      return;
    }
    await this.deps.client.send(
      new TransactWriteCommand({
        TransactItems: [
          { Delete: this.removal(job) },
          ...(partition
            ? [
                {
                  Put: {
                    TableName: this.deps.tableName,
                    Item: {
                      ...outboxJobKey(partition, nowIso, job.jobId),
                      type: "sms-outcome",
                      ...rest,
                      ...outcome,
                      at: nowIso,
                    },
                  },
                },
              ]
            : []),
        ],
      }),
    );
    if (partition === SENT_PARTITION) this.result.sent++;
    else if (partition === FAILED_PARTITION) this.result.failed++;
    else if (partition === SKIPPED_PARTITION) this.result.skipped++;
  }
}

/** Runs one sweep at `now` (the scheduled event's time, or the clock). */
export function deliverDue(deps: SenderDeps, now: Date): Promise<SweepResult> {
  return new SmsSweep(deps, now).run();
}
