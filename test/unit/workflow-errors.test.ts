import { describe, expect, it } from "vitest";
import * as z from "zod";
import { CaseNotApprovedError, IncompleteApplicationError } from "#shared/certificates/issue.ts";
import { IllegalTransitionError } from "#shared/domain/case-status.ts";
import { UnknownPolicyError } from "#shared/domain/policy/shipped-policies.ts";
import { CaseNotFoundError } from "#shared/errors.ts";
import { CaseChangedError } from "#shared/store/case-store.ts";
import { ReferenceDataMissingError } from "#shared/store/reference-store.ts";
import { JointReviewIncompleteError } from "#shared/workflow/aggregate-joint-review.ts";
import { NotApprovedError } from "#shared/workflow/construction.ts";
import { CaseClosedError, FINAL_TASK_ERRORS } from "#shared/workflow/errors.ts";
import { StepNotFoundError } from "#shared/workflow/mark-overdue.ts";
import { ConstructionNotStartedError } from "#shared/workflow/open-step.ts";
import { ApplicationIncompleteError } from "#shared/workflow/precheck.ts";
import { NothingToResumeError } from "#shared/workflow/resume-step.ts";

function zodError(): Error {
  const parsed = z.object({ caseId: z.string() }).safeParse({});
  if (parsed.success) throw new Error("expected a parse failure");
  return parsed.error;
}

describe("FINAL_TASK_ERRORS", () => {
  it("names exactly the errors the workflow tasks throw on purpose, by the name Step Functions matches", () => {
    const thrown: Error[] = [
      new CaseClosedError("c", "withdrawn"),
      new ApplicationIncompleteError("x"),
      new ReferenceDataMissingError("x"),
      new JointReviewIncompleteError("x"),
      new StepNotFoundError("x"),
      new CaseNotApprovedError("c", "draft"),
      new IncompleteApplicationError("c", []),
      new IllegalTransitionError("draft", "approve", "x"),
      new UnknownPolicyError("x"),
      new CaseNotFoundError("x"),
      new ConstructionNotStartedError("x"),
      new NothingToResumeError("x"),
      new NotApprovedError("x"),
      zodError(),
    ];
    expect(thrown.map((error) => error.name).sort()).toEqual([...FINAL_TASK_ERRORS].sort());
  });

  it("leaves a lost optimistic-lock race to the retrier", () => {
    expect(new CaseChangedError("c").name).toBe("CaseChangedError");
    expect(FINAL_TASK_ERRORS as readonly string[]).not.toContain("CaseChangedError");
  });
});
