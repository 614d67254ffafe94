/**
 * Closing the local HTTP API drains it: a request being served still gets its
 * answer, requests after close() are refused, connections are cut only then.
 */
import { describe, expect, it } from "vitest";
import { startLocalHttpApi } from "#infra/local/http-api.ts";
import type { RouteDefinition } from "#shared/http/routes.ts";

const route = {
  method: "POST",
  path: "/slow",
  handler: "functions/test/slow.ts",
  access: "public",
  uses: [],
  summary: "test",
} as RouteDefinition;

describe("local HTTP API: close drains", () => {
  it("answers the request being served, refuses new ones, then closes", async () => {
    const release = Promise.withResolvers<void>();
    const started = Promise.withResolvers<void>();
    const api = await startLocalHttpApi({
      routes: [route],
      invoke: async () => {
        started.resolve();
        await release.promise;
        return { statusCode: 200, body: JSON.stringify({ committed: true }) };
      },
    });
    const inFlight = fetch(`${api.url}/slow`, { method: "POST", body: "{}" });
    await started.promise;
    let closed = false;
    const closing = api.close().then(() => {
      closed = true;
    });
    // A new request while draining: the listener is closed (or, on a kept-alive socket, 503).
    const refused = await fetch(`${api.url}/slow`, { method: "POST", body: "{}" }).then(
      (response) => response.status,
      () => "refused",
    );
    expect([503, "refused"]).toContain(refused);
    expect(closed).toBe(false);

    release.resolve();
    const answered = await inFlight;
    expect(answered.status).toBe(200);
    expect(await answered.json()).toEqual({ committed: true });
    await closing;
    expect(closed).toBe(true);
  });

  it("cuts a request that does not answer within the drain bound", async () => {
    const started = Promise.withResolvers<void>();
    const api = await startLocalHttpApi({
      routes: [route],
      drainTimeoutMs: 50,
      invoke: () => {
        started.resolve();
        return new Promise(() => undefined);
      },
    });
    const hanging = fetch(`${api.url}/slow`, { method: "POST", body: "{}" }).then(
      () => "answered",
      () => "cut",
    );
    await started.promise;
    await api.close();
    expect(await hanging).toBe("cut");
  });
});
