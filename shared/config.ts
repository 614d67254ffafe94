import * as z from "zod";

/** The environment failed its schema: thrown at module load so a misconfigured function fails fast. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Reads and validates environment variables once (call at module scope).
 * Names are listed, values never: they can hold ARNs and endpoints.
 */
export function readConfig<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv = process.env): z.infer<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const names = parsed.error.issues.map((issue) => issue.path.join(".")).join(", ");
    throw new ConfigError(`Invalid or missing environment variables: ${names}`);
  }
  return parsed.data;
}

export const tableEnv = z.object({ TABLE_NAME: z.string().min(1) });
export const bucketEnv = z.object({ BUCKET_NAME: z.string().min(1) });
export const workflowEnv = z.object({ STATE_MACHINE_ARN: z.string().startsWith("arn:") });
