import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import type { OpenStepInput } from "../schemas/workflow.ts";
import { stepKey, tokenKey } from "../store/keys.ts";

/**
 * Opens a human step: the step becomes visible (awaiting a response) and its
 * task token is stored in a separate item that no API ever returns. Both are
 * written in one transaction so a step is never open without its token.
 */
export async function openStep(
  client: DynamoDBDocumentClient,
  tableName: string,
  input: OpenStepInput,
  now: Date,
): Promise<{ stepId: string }> {
  const stepId = input.department ? `${input.step}#${input.department}` : input.step;
  await client.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: tableName,
            Item: {
              ...stepKey(input.caseId, stepId),
              type: "step",
              caseId: input.caseId,
              step: input.step,
              department: input.department,
              status: "awaiting_response",
              openedAt: now.toISOString(),
            },
          },
        },
        {
          Put: {
            TableName: tableName,
            Item: {
              ...tokenKey(input.caseId, stepId),
              type: "token",
              taskToken: input.taskToken,
              executionArn: input.executionArn,
              storedAt: now.toISOString(),
            },
          },
        },
      ],
    }),
  );
  return { stepId };
}
