import { afterEach, describe, expect, it, vi } from "vitest";
import { LambdaTimeoutError, LocalLambdaRuntime } from "#infra/local/lambda-runtime.ts";
import { heldInvocations } from "./support/held-handler.ts";

const HELD = {
  logicalId: "Held",
  arn: "arn:aws:lambda:cn-north-1:000000000000:function:Held",
  entry: "test/unit/support/held-handler.ts",
  environment: {},
  timeoutSeconds: 10,
} as const;

const settle = () => vi.waitFor(() => undefined);

afterEach(() => {
  for (const held of heldInvocations().splice(0)) held.release();
  vi.useRealTimers();
});

describe("the local Lambda runtime under load", () => {
  it("runs at most its concurrency at once and queues the rest in order", async () => {
    const runtime = new LocalLambdaRuntime([HELD], process.cwd(), undefined, undefined, 2);
    const results = ["a", "b", "c"].map((id) => runtime.invoke("Held", { id }));
    await vi.waitFor(() => expect(heldInvocations().map((held) => held.id)).toEqual(["a", "b"]));
    await settle();
    expect(heldInvocations()).toHaveLength(2);

    heldInvocations()[0]?.release();
    await vi.waitFor(() => expect(heldInvocations().map((held) => held.id)).toEqual(["a", "b", "c"]));
    for (const held of heldInvocations()) held.release();
    expect(await Promise.all(results)).toEqual(["a", "b", "c"]);
  });

  it("starts a function's timeout when it runs, not while it waits its turn", async () => {
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
    const runtime = new LocalLambdaRuntime([HELD], process.cwd(), undefined, undefined, 1);
    const first = runtime.invoke("Held", { id: "first" });
    const queued = runtime.invoke("Held", { id: "queued" });
    await vi.waitFor(() => expect(heldInvocations()).toHaveLength(1));
    // The first runs 9 s of its 10: the queued one has waited as long, and must not time out for it.
    await vi.advanceTimersByTimeAsync(9_000);
    heldInvocations()[0]?.release();
    expect(await first).toBe("first");
    await vi.waitFor(() => expect(heldInvocations()).toHaveLength(2));
    expect(heldInvocations()[1]?.remainingMs).toBe(10_000);

    // Its own 10 s still hold it to the limit.
    const outcome = queued.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await outcome).toBeInstanceOf(LambdaTimeoutError);
  });
});
