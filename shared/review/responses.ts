import type { HttpResult } from "../http/handler.ts";
import type { DecisionResult } from "./decide.ts";

/** 200 when the workflow got the decision; 202 when it is stored but still to be sent (redrive). */
export const deliveryResult = (result: DecisionResult): HttpResult => ({
  statusCode: result.delivery.status === "sent" ? 200 : 202,
  body: result,
});
