import { describe, expect, it } from "vitest";
import {
  type Consultation,
  consult,
  departmentsToReconsult,
  IllegalConsultationTransitionError,
  isOverdue,
  jointReviewOutcome,
  newConsultation,
  openConsultationCount,
  pauseClock,
  reconsult,
  respond,
} from "#shared/domain/consultation.ts";
import { consultationSchema } from "#shared/schemas/consultation.ts";

const T0 = new Date("2026-03-02T01:00:00Z");
const DEADLINE = new Date("2026-03-12T01:00:00Z");
const LATER = new Date("2026-03-05T01:00:00Z");

function awaiting(departmentId: Consultation["departmentId"] = "natural_resources"): Consultation {
  return consult(newConsultation(departmentId), T0, DEADLINE);
}

describe("department consultation", () => {
  it("starts not consulted, with no deadline", () => {
    expect(newConsultation("forestry")).toEqual({
      departmentId: "forestry",
      status: "not_consulted",
      round: 0,
    });
  });

  it("moves to awaiting_response with a deadline when consulted", () => {
    expect(awaiting()).toMatchObject({
      status: "awaiting_response",
      round: 1,
      requestedAt: T0.toISOString(),
      deadline: DEADLINE.toISOString(),
    });
  });

  it.each(["approved", "rejected", "correction_requested"] as const)("records a %s response", (response) => {
    expect(respond(awaiting(), response, LATER, "意见")).toMatchObject({
      status: "responded",
      response,
      comment: "意见",
      respondedAt: LATER.toISOString(),
    });
  });

  it("refuses to respond when no response is awaited", () => {
    expect(() => respond(newConsultation("water"), "approved", LATER)).toThrow(
      IllegalConsultationTransitionError,
    );
    expect(() => respond(respond(awaiting(), "approved", LATER), "rejected", LATER)).toThrow(
      IllegalConsultationTransitionError,
    );
  });

  it("refuses to consult twice", () => {
    expect(() => consult(awaiting(), T0, DEADLINE)).toThrow(IllegalConsultationTransitionError);
  });

  it("refuses a deadline that is not after the request", () => {
    expect(() => consult(newConsultation("water"), T0, T0)).toThrow(IllegalConsultationTransitionError);
  });

  it("re-consults only a department that asked for a correction, in a new round", () => {
    const asked = respond(awaiting(), "correction_requested", LATER);
    const again = reconsult(asked, LATER, new Date("2026-03-20T00:00:00Z"));
    expect(again).toMatchObject({ status: "awaiting_response", round: 2 });
    expect(again.response).toBeUndefined();
    expect(() => reconsult(respond(awaiting(), "approved", LATER), LATER, DEADLINE)).toThrow(
      IllegalConsultationTransitionError,
    );
  });

  it("is overdue only while a response is awaited past the deadline", () => {
    const afterDeadline = new Date(DEADLINE.getTime() + 1);
    expect(isOverdue(awaiting(), LATER)).toBe(false);
    expect(isOverdue(awaiting(), DEADLINE)).toBe(false);
    expect(isOverdue(awaiting(), afterDeadline)).toBe(true);
    expect(isOverdue(respond(awaiting(), "approved", afterDeadline), afterDeadline)).toBe(false);
    expect(isOverdue(newConsultation("roads"), afterDeadline)).toBe(false);
  });

  it("moves an awaited deadline by the paused time and leaves answered ones alone", () => {
    const day = 24 * 3_600_000;
    expect(pauseClock(awaiting(), 3 * day).deadline).toBe(
      new Date(DEADLINE.getTime() + 3 * day).toISOString(),
    );
    const answered = respond(awaiting(), "approved", LATER);
    expect(pauseClock(answered, 3 * day)).toBe(answered);
  });

  it("produces records the stored consultation schema accepts", () => {
    const records = [newConsultation("water"), awaiting(), respond(awaiting(), "rejected", LATER, "不同意")];
    for (const record of records) expect(consultationSchema.parse(record)).toEqual(record);
  });

  describe("joint review summary", () => {
    const approved = respond(awaiting("agriculture"), "approved", LATER);
    const rejected = respond(awaiting("natural_resources"), "rejected", LATER);
    const correction = respond(awaiting("housing_construction"), "correction_requested", LATER);

    it("is pending while a department is still to respond", () => {
      expect(jointReviewOutcome([approved, awaiting("forestry")])).toBe("pending");
      expect(openConsultationCount([approved, awaiting("forestry")])).toBe(1);
    });

    it("asks for a correction when any department did, even next to a rejection", () => {
      expect(jointReviewOutcome([approved, rejected, correction])).toBe("correction_requested");
      expect(departmentsToReconsult([approved, rejected, correction])).toEqual(["housing_construction"]);
    });

    it("recommends rejection when any department rejected", () => {
      expect(jointReviewOutcome([approved, rejected])).toBe("recommend_rejection");
    });

    it("recommends approval when all consulted departments approved", () => {
      expect(jointReviewOutcome([approved, newConsultation("power")])).toBe("recommend_approval");
    });
  });
});
