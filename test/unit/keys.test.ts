import { describe, expect, it } from "vitest";
import {
  eventKey,
  eventTimeKeys,
  filedOnBehalfKeys,
  ownerKeys,
  parseFiledOnBehalfSortKey,
  queueKeys,
  registerKeys,
  stepKey,
} from "#shared/store/keys.ts";

describe("case table keys", () => {
  it("keeps every item of a case in the case's partition", () => {
    expect(stepKey("c1", "village_review").pk).toBe("CASE#c1");
    expect(eventKey("c1", 7)).toEqual({ pk: "CASE#c1", sk: "EVENT#0000000007" });
  });

  it("sorts events by sequence number as strings", () => {
    const keys = [2, 10, 1, 100].map((seq) => eventKey("c", seq).sk).sort();
    expect(keys).toEqual([1, 2, 10, 100].map((seq) => eventKey("c", seq).sk));
  });

  it("sorts a queue overdue first, then by deadline", () => {
    const items = [
      queueKeys("agriculture", "511424100", false, "2026-12-01T00:00:00.000Z", "a"),
      queueKeys("agriculture", "511424100", true, "2026-12-05T00:00:00.000Z", "b"),
      queueKeys("agriculture", "511424100", false, "2026-11-28T00:00:00.000Z", "c"),
    ];
    expect(new Set(items.map((item) => item.gsi1pk)).size).toBe(1);
    expect(items.map((item) => item.gsi1sk).sort()).toEqual([
      items[1]?.gsi1sk,
      items[2]?.gsi1sk,
      items[0]?.gsi1sk,
    ]);
  });

  it("partitions the register by township and status, and events by UTC day", () => {
    expect(registerKeys("511424100", "approved", "2026-11-25T10:00:00.000Z", "c1").gsi3pk).toBe(
      "REGISTER#511424100#approved",
    );
    expect(eventTimeKeys("2026-11-25T23:59:59.000Z", "c1", 3).gsi4pk).toBe("EVENTS#2026-11-25");
    expect(ownerKeys("h1", "2026-11-25T00:00:00.000Z", "c1").gsi2pk).toBe("OWNER#h1");
  });

  it("lists a township's cases filed on behalf by filing time, the village and case readable back", () => {
    const keys = filedOnBehalfKeys("511424100", "2026-12-03T08:00:00.000Z", "511424100001", "c-1#x");
    expect(keys.gsi12pk).toBe("FILED#511424100");
    expect(parseFiledOnBehalfSortKey(keys.gsi12sk)).toEqual({ villageCode: "511424100001", caseId: "c-1#x" });
    expect(parseFiledOnBehalfSortKey("2026-12-03T08:00:00.000Z")).toBeUndefined();
    const earlier = filedOnBehalfKeys("511424100", "2026-12-02T08:00:00.000Z", "511424100002", "c-2");
    expect([keys.gsi12sk, earlier.gsi12sk].sort()).toEqual([earlier.gsi12sk, keys.gsi12sk]);
  });
});
