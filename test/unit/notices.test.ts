import { describe, expect, it } from "vitest";
import { documentsFor } from "#shared/domain/case-kind.ts";
import { SICHUAN_DEFAULT_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import { buildNotice, isOpen, maskName, publicView, unhandledObjections } from "#shared/notices/notice.ts";
import { decisionProblems } from "#shared/review/rules.ts";
import { homesteadApplication, ZHANG_HOUSEHOLD } from "../support/fixtures.ts";

describe("public notice (公示)", () => {
  it("masks the applicant's name but the family name", () => {
    expect(maskName("王建国")).toBe("王**");
    expect(maskName("欧阳娜娜")).toBe("欧***");
    expect(maskName("李")).toBe("*");
  });

  it("shows the plot, areas and dates, never ID or phone numbers or the case", () => {
    const application = homesteadApplication(ZHANG_HOUSEHOLD);
    const notice = buildNotice(
      { noticeId: "n-1", caseId: "c-1", townshipCode: "511424100", villageCode: "511424100001" },
      application,
      { startsAt: "2026-01-01T00:00:00.000Z", endsAt: "2026-01-08T00:00:00.000Z" },
    );
    const view = publicView(notice, new Date("2026-01-03T00:00:00.000Z"));
    expect(view).toMatchObject({
      applicantName: "张*",
      plot: {
        address: application.proposedPlot.address,
        houseLandAreaM2: 90,
        ancillaryLandAreaM2: 60,
        totalAreaM2: 150,
      },
      open: true,
    });
    const text = JSON.stringify(view);
    expect(text).not.toContain(application.head.idNumber);
    expect(text).not.toContain(application.head.phone);
    expect(text).not.toContain("c-1");
    expect(isOpen(notice, new Date("2026-01-08T00:00:00.000Z"))).toBe(false);
  });

  it("asks for the notice photo only where the county lets it replace publication", () => {
    const types = (paperPhotoAllowed: boolean) =>
      documentsFor(
        "homestead",
        {
          ...SICHUAN_DEFAULT_POLICY,
          publicNotice: { ...SICHUAN_DEFAULT_POLICY.publicNotice, paperPhotoAllowed },
        },
        {},
      ).map((requirement) => requirement.typeId);
    expect(types(false)).not.toContain("public_notice_photo");
    expect(types(true)).toContain("public_notice_photo");
  });

  it("lists the objections an approval would leave unhandled", () => {
    const objections = [
      { objectionId: "b", handling: undefined },
      { objectionId: "a", handling: "已调解" },
      { objectionId: "c", handling: undefined },
    ];
    expect(unhandledObjections(objections)).toEqual(["b", "c"]);
    expect(unhandledObjections(objections, { c: "不成立" })).toEqual(["b"]);
  });

  it("takes the handling of objections only at the village review", () => {
    const objections = { "00000000-0000-4000-8000-000000000001": "已处理" };
    expect(decisionProblems("village_review", { outcome: "approved", objections })).toEqual([]);
    expect(decisionProblems("township_acceptance", { outcome: "approved", objections })).toEqual([
      "Objections to the public notice are handled at the village review",
    ]);
  });
});
