/**
 * The wrapper of every Lambda handler that is not an HTTP route (workflow
 * tasks, schedules, streams, the Cognito trigger): Powertools' logger gets the
 * invocation's context, so each line it writes carries the Lambda request id
 * (`function_request_id`), and keys added during an invocation are reset after
 * it. HTTP routes get the same from shared/http/handler.ts.
 */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { logger } from "./logger.ts";

export function lambdaHandler<TEvent, TResult>(
  handler: (event: TEvent, context: Context) => Promise<TResult>,
): (event: TEvent, context: Context) => Promise<TResult> {
  // No early timeout: Lambda's own stays what Step Functions sees (States.Timeout), as before the wrapper.
  return middy<TEvent, TResult>({ timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(handler);
}
