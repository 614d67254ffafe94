/**
 * A Lambda handler for test/unit/local-lambda-runtime.test.ts: each invocation
 * reports that it started (with the time its context says is left) and waits
 * until the test releases it.
 */
import type { Context } from "aws-lambda";

export interface HeldInvocation {
  readonly id: string;
  readonly remainingMs: number;
  readonly release: () => void;
}

const registry = globalThis as typeof globalThis & { heldInvocations?: HeldInvocation[] };

export function heldInvocations(): HeldInvocation[] {
  registry.heldInvocations ??= [];
  return registry.heldInvocations;
}

export async function handler(event: { id: string }, context: Context): Promise<string> {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  heldInvocations().push({ id: event.id, remainingMs: context.getRemainingTimeInMillis(), release });
  await released;
  return event.id;
}
