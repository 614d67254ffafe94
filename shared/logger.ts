import { Logger } from "@aws-lambda-powertools/logger";
import { redactingReplacer } from "./personal-data/redact.ts";

/**
 * One structured logger per function container (Powertools). Every log item
 * passes the redacting JSON replacer: ID and phone numbers, tokens and task
 * tokens never reach CloudWatch (or the local console), however they got into
 * a message, an attribute or an error.
 */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "nongfang",
  jsonReplacerFn: redactingReplacer,
});
