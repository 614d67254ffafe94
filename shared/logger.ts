import { Logger } from "@aws-lambda-powertools/logger";

/** One structured logger per function container (Powertools). */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "nongfang" });
