import { describe, expect, it } from "vitest";
import { SICHUAN_DEFAULT_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import { addMonths } from "#shared/papers/certificate-changes.ts";
import type { CaseRecord } from "#shared/schemas/case.ts";
import { approvalValidUntil } from "#shared/workflow/construction.ts";

const base = { issuedAt: "2026-03-14T02:00:00.000Z" };

describe("a certificate's validity after its life events", () => {
  it("adds whole months, clamped to the month's end", () => {
    expect(addMonths("2028-03-13", 12)).toBe("2029-03-13");
    expect(addMonths("2026-01-31", 1)).toBe("2026-02-28");
  });

  it("ends the approval with its current certificates: an extension counts, a superseded number does not", () => {
    const record = (certificates: NonNullable<CaseRecord["certificates"]>) =>
      ({ certificates }) as CaseRecord;
    const issued = approvalValidUntil(
      record([{ ...base, type: "homestead_approval_certificate", number: "A-1" }]),
      SICHUAN_DEFAULT_POLICY,
    );
    expect(issued?.toISOString()).toBe("2028-03-13T16:00:00.000Z");
    const extended = approvalValidUntil(
      record([
        { ...base, type: "homestead_approval_certificate", number: "A-1", status: "superseded" },
        {
          ...base,
          type: "homestead_approval_certificate",
          number: "A-2",
          validUntil: "2029-03-13",
          extensions: [{ on: "2028-01-01", until: "2029-03-13" }],
        },
      ]),
      SICHUAN_DEFAULT_POLICY,
    );
    expect(extended?.toISOString()).toBe("2029-03-13T16:00:00.000Z");
  });
});
