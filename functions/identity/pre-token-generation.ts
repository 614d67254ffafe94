import { AdminGetUserCommand } from "@aws-sdk/client-cognito-identity-provider";
import {
  type AdminGetUser,
  MfaLookupError,
  MfaRequiredError,
  preTokenGeneration,
  preTokenGenerationEventSchema,
} from "#shared/auth/pre-token-generation.ts";
// Only a client: taken straight from the client factory, so the trigger's bundle stays small.
import { cognitoClient } from "#shared/clients.ts";
import { lambdaHandler } from "#shared/lambda.ts";
import { logger } from "#shared/logger.ts";

const cognito = cognitoClient();
const adminGetUser: AdminGetUser = (input) => cognito.send(new AdminGetUserCommand(input));

/**
 * Cognito pre token generation trigger (V2_0): refuses staff sign-ins without
 * MFA and marks MFA in staff tokens (shared/auth/pre-token-generation.ts).
 * Throwing is how a trigger refuses: Cognito then issues no token.
 */
export const handler = lambdaHandler(async (event: unknown) => {
  const input = preTokenGenerationEventSchema.parse(event);
  try {
    return await preTokenGeneration(input, { adminGetUser });
  } catch (error) {
    if (error instanceof MfaRequiredError || error instanceof MfaLookupError) {
      // Who was refused and why, by the opaque `sub`: never the username, which may be a phone number.
      logger.warn("Sign-in refused", {
        reason: error.name,
        sub: input.request.userAttributes.sub,
        role: input.request.userAttributes["custom:role"],
        triggerSource: input.triggerSource,
        clientId: input.callerContext.clientId,
        ...(error instanceof MfaLookupError ? { cause: error.cause } : {}),
      });
    }
    throw error;
  }
});
