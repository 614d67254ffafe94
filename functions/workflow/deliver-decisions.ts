import { lambdaHandler } from "#shared/lambda.ts";
import { documentClient, now, sfnSendOnceClient, tableName } from "#shared/runtime.ts";
import { sweepUndeliveredDecisions } from "#shared/workflow/delivery-sweep.ts";

// The delivery code retries itself: the SDK sends once.
const deps = { client: documentClient(), sfn: sfnSendOnceClient(), tableName: tableName(), now };

/**
 * Scheduled (EventBridge, once a minute): sends every decision that was stored
 * but never reached the workflow (the deciding call died between its commit and
 * its send). See shared/workflow/delivery-sweep.ts.
 */
export const handler = lambdaHandler(async () => sweepUndeliveredDecisions(deps));
