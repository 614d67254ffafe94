/**
 * What a villager sees of a case: the timeline of steps and what is expected
 * of them now, in plain words (zh + en). Pure functions over stored records.
 */

import { isTerminal } from "../domain/case-status.ts";
import type { CaseRecord, StepKind, StepRecord } from "../schemas/case.ts";
import type { LocalizedText } from "../schemas/common.ts";
import type { CountyPolicy } from "../schemas/policy.ts";
import type { ExpectedAction, TimelineEntry } from "../schemas/responses.ts";
import type { CaseItems } from "../store/case-store.ts";

export type { ExpectedAction, TimelineEntry };

export function timelineOf(steps: readonly StepRecord[]): TimelineEntry[] {
  return [...steps]
    .sort((a, b) => a.openedAt.localeCompare(b.openedAt) || a.stepId.localeCompare(b.stepId))
    .map((step) => ({
      stepId: step.stepId,
      step: step.step,
      ...(step.department ? { department: step.department } : {}),
      round: step.round,
      status: step.status,
      openedAt: step.openedAt,
      ...(step.deadline ? { deadline: step.deadline } : {}),
      overdue: step.overdue,
      ...(step.decision
        ? {
            decision: {
              outcome: step.decision.outcome,
              ...(step.decision.comment ? { comment: step.decision.comment } : {}),
              ...(step.decision.fields ? { fields: step.decision.fields } : {}),
              ...(step.decision.documents ? { documents: step.decision.documents } : {}),
              decidedAt: step.decision.decidedAt,
              decidedByRole: step.decision.decidedBy.role,
            },
          }
        : {}),
    }));
}

/** The correction requests not answered yet: asked after the household last answered one. */
export function openCorrectionRequests(steps: readonly StepRecord[]): StepRecord[] {
  const lastAnswer =
    steps
      .filter((step) => step.step === "correction" && step.status === "responded")
      .map((step) => step.decision?.decidedAt ?? "")
      .sort()
      .at(-1) ?? "";
  return steps.filter(
    (step) => step.decision?.outcome === "correction_requested" && step.decision.decidedAt > lastAnswer,
  );
}

const STEP_NAMES: Record<StepKind, LocalizedText> = {
  village_review: { zh: "村级审核", en: "village review" },
  township_acceptance: { zh: "乡镇受理", en: "township acceptance" },
  joint_review: { zh: "部门联审", en: "joint department review" },
  correction: { zh: "补正材料", en: "correction" },
  township_approval: { zh: "乡镇审批", en: "township approval" },
  site_visit_staking: { zh: "开工前实地丈量", en: "staking-out site visit" },
  completion_report: { zh: "建房施工（完工后申请竣工验收）", en: "construction (report when finished)" },
  site_visit_completion: { zh: "竣工验收", en: "completion inspection" },
  correction_lapse: {
    zh: "补正逾期，乡镇决定是否延期",
    en: "correction deadline passed: the township decides",
  },
};

/**
 * Decisions committed but not yet taken by the workflow (no `sentAt`): the
 * case's status already shows them, but nothing the workflow does next (open
 * the correction step, issue certificates, …) has happened.
 */
export function undeliveredDecisions(steps: readonly StepRecord[]): StepRecord[] {
  // A decision an operator's restart superseded waits for nothing: the new run went on without it.
  return steps.filter(
    (step) => step.status === "responded" && step.sentAt === undefined && step.supersededAt === undefined,
  );
}

const waitFor = (stepIds: readonly string[], message: LocalizedText): ExpectedAction => ({
  action: "wait",
  message,
  withSteps: [...stepIds],
});

/**
 * What the household is expected to do now. The status moves when a decision
 * is committed, before the workflow takes it (decide.ts: store, then send), so
 * this never offers a next action the workflow has not backed: an open
 * incident shows a known problem, an undelivered decision shows "wait", a
 * correction is offered once its step is open, certificates once issued.
 * (Moving the status only inside the workflow would cost a task per human
 * step and a second write per decision; deriving it from the steps the
 * decide transaction already writes keeps one transaction per decision.)
 */
export function expectedOf(
  record: CaseRecord,
  items: Pick<CaseItems, "steps">,
  policy?: Pick<CountyPolicy, "departments">,
): ExpectedAction {
  if (!isTerminal(record.status)) {
    if ((record.incidents ?? []).length > 0) {
      return {
        action: "problem_known",
        message: {
          zh: "有问题，工作人员已知晓，正在处理。",
          en: "There is a problem; staff are aware of it and are handling it.",
        },
      };
    }
    const undelivered = undeliveredDecisions(items.steps);
    if (undelivered.length > 0) {
      return waitFor(
        undelivered.map((step) => step.stepId),
        {
          zh: "审核决定已作出，正在送达审批流程，请等待。",
          en: "A decision was taken and is on its way to the workflow; please wait.",
        },
      );
    }
  }
  switch (record.status) {
    case "draft":
      return {
        action: "complete_and_submit",
        message: {
          zh: "请填写申请表、上传材料后提交。",
          en: "Complete the form, upload the documents and submit.",
        },
      };
    case "returned":
      return {
        action: "revise_and_resubmit",
        message: {
          zh: "申请未通过预审，请按提示修改后重新提交。",
          en: "The pre-check stopped the application: revise it as shown and submit again.",
        },
      };
    case "correction_requested": {
      // The workflow opens the household's correction step; until then there is nothing to answer.
      const correction = items.steps.find(
        (step) => step.step === "correction" && step.status === "awaiting_response",
      );
      if (!correction) {
        return waitFor([], {
          zh: "正在准备补正要求，请稍候。",
          en: "The correction request is being prepared; please wait.",
        });
      }
      const requests = openCorrectionRequests(items.steps);
      return {
        action: "answer_correction",
        message: {
          zh: "审核人员要求补正，请修改所列内容后重新提交。",
          en: "A reviewer asked for corrections: change what is listed and resubmit.",
        },
        fields: [...new Set(requests.flatMap((step) => step.decision?.fields ?? []))],
        documents: [...new Set(requests.flatMap((step) => step.decision?.documents ?? []))],
        reasons: requests.flatMap((step) => (step.decision?.comment ? [step.decision.comment] : [])),
      };
    }
    case "staked_out": {
      const report = items.steps.find(
        (step) => step.step === "completion_report" && step.status === "awaiting_response",
      );
      if (report?.deadline) {
        return {
          action: "report_completion",
          message: {
            zh: "已放线，可以开工。房屋建成后请申请竣工验收。",
            en: "Staked out: you may build. When the house is finished, report it for the completion inspection.",
          },
          stepId: report.stepId,
          deadline: report.deadline,
        };
      }
      return {
        action: "download_certificates",
        message: { zh: "已批准，可下载批准书和规划许可证。", en: "Approved: download your certificates." },
      };
    }
    case "correction_lapsed":
      return {
        action: "wait",
        message: {
          zh: "补正期限已过，正在等待乡镇决定是否延长期限。",
          en: "The correction deadline has passed; the township decides whether to give you more time.",
        },
        withSteps: items.steps
          .filter((step) => step.status === "awaiting_response")
          .map((step) => step.stepId),
      };
    case "approved":
    case "completed":
      if ((record.certificates ?? []).length === 0) {
        return waitFor([], {
          zh: "已批准，正在签发批准书和规划许可证，请稍候。",
          en: "Approved: your certificates are being issued; please wait.",
        });
      }
      return {
        action: "download_certificates",
        message: { zh: "已批准，可下载批准书和规划许可证。", en: "Approved: download your certificates." },
      };
    case "rejected":
    case "withdrawn":
    case "expired":
      return { action: "none", message: { zh: "本案已结束。", en: "This case is closed." } };
    default: {
      const open = items.steps.filter((step) => step.status === "awaiting_response");
      // A department's step is named by the department (the county's name for it), not the step kind.
      const names = open.map(
        (step) =>
          policy?.departments.find((department) => department.id === step.department)?.name ??
          STEP_NAMES[step.step],
      );
      return {
        action: "wait",
        message: {
          zh:
            names.length > 0
              ? `正在${names.map((name) => name.zh).join("、")}，请等待。`
              : "正在处理，请等待。",
          en:
            names.length > 0
              ? `In ${names.map((name) => name.en).join(", ")}; please wait.`
              : "Being processed; please wait.",
        },
        withSteps: open.map((step) => step.stepId),
      };
    }
  }
}
