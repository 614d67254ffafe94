import { describe, expect, it } from "vitest";
import { ItemLocks } from "#infra/local/dynamodb-rwlock.ts";

const exclusive = (...ids: string[]) => ids.map((id) => ({ id, exclusive: true }));
const shared = (...ids: string[]) => ids.map((id) => ({ id, exclusive: false }));

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("ItemLocks", () => {
  it("grants disjoint items at once and queues an overlapping request until release", async () => {
    const locks = new ItemLocks();
    const log: string[] = [];
    const first = await locks.acquire(exclusive("a", "b"));
    const disjoint = locks.acquire(exclusive("c")).then((release) => {
      log.push("c granted");
      return release;
    });
    const overlapping = locks.acquire(exclusive("b", "d")).then((release) => {
      log.push("b,d granted");
      return release;
    });
    await settle();
    expect(log).toEqual(["c granted"]);
    log.push("a,b released");
    first();
    (await overlapping)();
    (await disjoint)();
    expect(log).toEqual(["c granted", "a,b released", "b,d granted"]);
    expect(locks.size).toBe(0);
  });

  it("lets readers share an item and makes a writer wait for them", async () => {
    const locks = new ItemLocks();
    const reader1 = await locks.acquire(shared("a"));
    const reader2 = await locks.acquire(shared("a"));
    let written = false;
    const writer = locks.acquire(exclusive("a")).then((release) => {
      written = true;
      return release;
    });
    await settle();
    expect(written).toBe(false);
    reader1();
    await settle();
    expect(written).toBe(false);
    reader2();
    (await writer)();
    expect(written).toBe(true);
    expect(locks.size).toBe(0);
  });

  it("takes items in one sorted order, so opposite orders never deadlock", async () => {
    const locks = new ItemLocks();
    const order: string[] = [];
    const runs = Array.from({ length: 200 }, async (_, i) => {
      const ids = i % 2 === 0 ? ["x", "y", "z"] : ["z", "y", "x"];
      const release = await locks.acquire(exclusive(...ids.slice(i % 3 === 0 ? 1 : 0)));
      order.push(String(i));
      await settle();
      release();
    });
    await Promise.all(runs);
    expect(order).toHaveLength(200);
    expect(locks.size).toBe(0);
  });

  it("locks an item asked for twice once, exclusively if either asks so", async () => {
    const locks = new ItemLocks();
    const release = await locks.acquire([
      { id: "a", exclusive: false },
      { id: "a", exclusive: true },
    ]);
    let read = false;
    const reader = locks.acquire(shared("a")).then((r) => {
      read = true;
      return r;
    });
    await settle();
    expect(read).toBe(false);
    release();
    release(); // a second release changes nothing
    (await reader)();
    expect(locks.size).toBe(0);
  });
});
