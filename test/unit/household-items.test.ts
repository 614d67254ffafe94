import { describe, expect, it } from "vitest";
import type { CaseRecord } from "#shared/schemas/case.ts";
import { holdsOpenCase, householdWrites, openCaseKey } from "#shared/store/household-items.ts";
import { caseRecord, homesteadApplication, ZHANG_HOUSEHOLD } from "../support/fixtures.ts";

const AT = "2026-03-01T00:00:00.000Z";

const record = (overrides: Partial<CaseRecord> = {}): CaseRecord =>
  caseRecord({
    caseId: "c-1",
    status: "awaiting_decision",
    householdId: "H-1",
    ownerId: "villager-1",
    createdAt: AT,
    updatedAt: AT,
    eventSeq: 1,
    ...overrides,
  });

const puts = (items: ReturnType<typeof householdWrites>["items"]) =>
  items.flatMap((item) => (item.Put ? [item.Put.Item] : []));

describe("household items (一户一宅)", () => {
  it("counts a case as open from submission until it ends or goes back to the household", () => {
    expect(
      ["submitted", "in_public_notice", "approved", "staked_out"].every((s) =>
        holdsOpenCase(s as CaseRecord["status"]),
      ),
    ).toBe(true);
    expect(
      ["draft", "returned", "completed", "rejected", "withdrawn", "expired"].some((s) =>
        holdsOpenCase(s as CaseRecord["status"]),
      ),
    ).toBe(false);
  });

  it("enters an approved new plot as pending, a completed one as held with the old plot to return", () => {
    const approved = householdWrites("T", record(), record({ status: "approved" }), AT);
    expect(puts(approved.items)).toEqual([
      expect.objectContaining({
        pk: "HOUSEHOLD#H-1",
        sk: "HOMESTEAD#c-1",
        status: "approved_unbuilt",
        areaM2: 150,
      }),
    ]);
    const completed = householdWrites(
      "T",
      record({ status: "staked_out" }),
      record({ status: "completed", oldPlotReturn: { homesteadIds: ["Z-1"], withinMonths: 3 } }),
      AT,
    );
    expect(puts(completed.items)).toEqual([
      expect.objectContaining({ sk: "HOMESTEAD#c-1", status: "in_use" }),
      expect.objectContaining({
        sk: "RETURN#Z-1",
        status: "to_be_returned",
        dueBy: "2026-06-01T00:00:00.000Z",
      }),
    ]);
    const expired = householdWrites("T", record({ status: "approved" }), record({ status: "expired" }), AT);
    expect(expired.items).toEqual([
      { Delete: { TableName: "T", Key: { pk: "HOUSEHOLD#H-1", sk: "HOMESTEAD#c-1" } } },
    ]);
  });

  it("adds no plot for a rebuild, a farmhouse case, or a write that changes no status", () => {
    const rebuild = homesteadApplication(ZHANG_HOUSEHOLD);
    rebuild.proposedPlot.situation = "rebuild_on_old_plot";
    expect(
      householdWrites(
        "T",
        record({ application: rebuild }),
        record({ status: "approved", application: rebuild }),
        AT,
      ).items,
    ).toEqual([]);
    expect(
      householdWrites(
        "T",
        record({ kind: "farmhouse" }),
        record({ kind: "farmhouse", status: "approved" }),
        AT,
      ).items,
    ).toEqual([]);
    expect(
      householdWrites("T", record({ status: "approved" }), record({ status: "approved" }), AT).items,
    ).toEqual([]);
  });

  it("releases the open-case marker only from the case that claimed it, when it stops being open", () => {
    const claimed = record({ status: "awaiting_acceptance", householdClaim: true });
    const returned = householdWrites("T", claimed, record({ status: "returned", householdClaim: true }), AT);
    expect(returned.releases).toBe(true);
    expect(returned.items).toEqual([
      {
        Delete: {
          TableName: "T",
          Key: openCaseKey("H-1"),
          ConditionExpression: "attribute_not_exists(pk) OR caseId = :caseId",
          ExpressionAttributeValues: { ":caseId": "c-1" },
        },
      },
    ]);
    expect(
      householdWrites("T", claimed, record({ status: "accepted", householdClaim: true }), AT).releases,
    ).toBe(false);
    // Seeded or older cases never claimed it: they leave another case's marker alone.
    expect(
      householdWrites("T", record({ status: "awaiting_acceptance" }), record({ status: "returned" }), AT)
        .items,
    ).toEqual([]);
  });
});
