import { z } from "zod";

/** Input of the open-step task: what a `.waitForTaskToken` human step hands its Lambda. */
export const openStepInput = z.object({
  taskToken: z.string().min(1),
  caseId: z.string().min(1),
  step: z.string().regex(/^[a-z_]+$/),
  department: z.string().optional(),
  executionArn: z.string().startsWith("arn:"),
});
export type OpenStepInput = z.infer<typeof openStepInput>;
