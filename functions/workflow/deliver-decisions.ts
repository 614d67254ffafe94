import { SFNClient } from "@aws-sdk/client-sfn";
import { readConfig, tableEnv } from "#shared/config.ts";
import { documentClient } from "#shared/review/deps.ts";
import { sweepUndeliveredDecisions } from "#shared/workflow/delivery-sweep.ts";

const config = readConfig(tableEnv);
const client = documentClient();
// The delivery code retries itself: the SDK sends once.
const sfn = new SFNClient({ maxAttempts: 1 });

/**
 * Scheduled (EventBridge, once a minute): sends every decision that was stored
 * but never reached the workflow (the deciding call died between its commit and
 * its send). See shared/workflow/delivery-sweep.ts.
 */
export const handler = async () =>
  sweepUndeliveredDecisions({ client, sfn, tableName: config.TABLE_NAME, now: () => new Date() });
