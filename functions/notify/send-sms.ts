import * as z from "zod";
import { defaultEncryptor } from "#shared/crypto/from-env.ts";
import { lambdaHandler } from "#shared/lambda.ts";
import { logger } from "#shared/logger.ts";
import { deliverDue, type SweepResult } from "#shared/notify/sender.ts";
import { smsSenderFromEnv } from "#shared/notify/sms.ts";
import { documentClient, tableName } from "#shared/runtime.ts";

const deps = {
  client: documentClient(),
  tableName: tableName(),
  sms: smsSenderFromEnv(),
  encryptor: () => defaultEncryptor(),
  log: (message: string, attributes: Record<string, unknown>) => logger.info(message, attributes),
};

/** An EventBridge scheduled event carries its time; a DynamoDB Streams batch does not (the clock decides). */
const scheduledEvent = z.looseObject({ time: z.iso.datetime() });

/**
 * The SMS sender (shared/notify/sender.ts): invoked by DynamoDB Streams when a
 * job is written to the outbox and every minute by EventBridge (retries,
 * quiet hours, staff batches). Either way it works every job due now.
 */
export const handler = lambdaHandler(async (event: unknown): Promise<SweepResult> => {
  const scheduled = scheduledEvent.safeParse(event);
  const now = scheduled.success ? new Date(scheduled.data.time) : new Date();
  const result = await deliverDue(deps, now);
  logger.info("SMS sweep", { ...result, now: now.toISOString() });
  return result;
});
