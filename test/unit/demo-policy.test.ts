import { describe, expect, it } from "vitest";
import { DANLING_DEMO_POLICY, SICHUAN_DEFAULT_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import { noticeSeconds } from "#shared/workflow/plan.ts";

describe("the npm start demo policy", () => {
  it("is the Sichuan default with only the public notice shortened to 0 days (and a demo seal)", () => {
    const { policyId, publicNotice, notes, papers, ...rest } = DANLING_DEMO_POLICY;
    const {
      policyId: _id,
      publicNotice: _notice,
      notes: _notes,
      papers: sichuanPapers,
      ...sichuan
    } = SICHUAN_DEFAULT_POLICY;
    expect(policyId).toBe("danling-demo");
    expect(publicNotice.days).toBe(0);
    expect(rest).toEqual(sichuan);
    expect({ ...papers, townships: {} }).toEqual(sichuanPapers);
    expect(papers.townships["511424100"]?.sealPngBase64).toBeDefined();
    expect(notes?.[0]).toMatch(/Never deploy/);
  });

  it("makes the workflow's notice wait zero seconds", () => {
    expect(noticeSeconds(DANLING_DEMO_POLICY, new Date("2026-11-25T10:00:00+08:00"))).toBe(0);
    expect(noticeSeconds(SICHUAN_DEFAULT_POLICY, new Date("2026-11-25T10:00:00+08:00"))).toBeGreaterThan(0);
  });
});
