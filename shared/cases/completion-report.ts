/**
 * The household reports that building is finished (申请竣工验收). During the
 * construction period after staking-out, the workflow keeps a `completion_report`
 * step open for the household (its deadline: the end of the approval's
 * validity). The report answers it like a correction answer: one transaction
 * (the step's answer, `reportCompletion`, the report's time on the case), then
 * the same store-then-send delivery as every decision; the workflow opens the
 * completion inspection, whose clock starts now.
 */
import * as z from "zod";
import type { Actor } from "../auth/actor.ts";
import { ownsCase } from "../auth/scope.ts";
import { CaseNotFoundError, ResourceNotFoundError } from "../errors.ts";
import { commitStepDecision, type ReviewDeps, stepView } from "../review/decide.ts";
import { deliverDecision } from "../review/delivery.ts";
import { NoCompletionReportAwaitedError } from "../review/errors.ts";
import type { CaseRecord, Decision } from "../schemas/case.ts";
import type { CompletionReportResult } from "../schemas/responses.ts";

export const completionReportInputSchema = z.strictObject({
  /** Anything the inspector should know (e.g. when the family is home). */
  comment: z.string().trim().min(1).max(2000).optional(),
});
export type CompletionReportInput = z.infer<typeof completionReportInputSchema>;

function requireStakedOut(record: CaseRecord): void {
  if (record.status !== "staked_out") {
    throw new NoCompletionReportAwaitedError({
      en: `Case ${record.caseId} is ${record.status}; only a staked-out case under construction reports completion`,
      zh: "当前不能申请竣工验收：只有已放线、正在建设的案件可以申请",
    });
  }
}

export async function reportCompletion(
  deps: ReviewDeps,
  actor: Actor,
  caseId: string,
  input: CompletionReportInput,
): Promise<CompletionReportResult> {
  const items = await deps.cases.load(caseId).catch((error: unknown) => {
    if (error instanceof CaseNotFoundError) return undefined;
    throw error;
  });
  // The same 404 for a missing case and another household's.
  if (!items || !ownsCase(actor, items.record)) throw new CaseNotFoundError(caseId);
  requireStakedOut(items.record);
  const open = items.steps.find(
    (step) => step.step === "completion_report" && step.status === "awaiting_response",
  );
  if (!open) {
    throw new NoCompletionReportAwaitedError({
      en: "The construction period is not open yet; try again in a moment",
      zh: "施工阶段尚未开启，请稍后再试",
    });
  }
  const decision: Decision = {
    outcome: "approved",
    ...(input.comment ? { comment: input.comment } : {}),
    decidedBy: { id: actor.id, role: actor.role },
    decidedAt: deps.now().toISOString(),
  };
  const stepItem = await deps.cases.steps.get(caseId, open.stepId);
  if (!stepItem)
    throw new ResourceNotFoundError({
      en: `No step ${open.stepId} in case ${caseId}`,
      zh: `案件 ${caseId} 中没有环节 ${open.stepId}`,
    });
  const reported = await commitStepDecision(deps, stepItem, decision, (current, stepWrite) => {
    requireStakedOut(current);
    return deps.cases.transition(current, "reportCompletion", {
      actor: { id: actor.id, role: actor.role },
      ...(input.comment ? { comment: input.comment } : {}),
      set: {
        ...(current.construction
          ? { construction: { ...current.construction, reportedAt: decision.decidedAt } }
          : {}),
      },
      data: { stepId: open.stepId },
      alsoWrite: [stepWrite],
    });
  });
  const delivery = await deliverDecision(deps, caseId, open.stepId, decision);
  const stored = await deps.cases.steps.get(caseId, open.stepId);
  return {
    caseStatus: reported.status,
    step: stepView(stored ?? { ...stepItem, status: "responded", decision }),
    delivery,
  };
}
