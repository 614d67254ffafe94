/**
 * Names before codes on the staff and auditor screens: villages and townships
 * by their reference-data names, people by the display name recorded when they
 * acted, audit actions in words (Chinese first). The code stays beside each,
 * smaller, for whoever needs to quote it.
 */
import { pick, tk } from "../i18n.ts";
import type { PlaceView } from "../place-text.ts";

export type { PlaceView } from "../place-text.ts";

/** 龙鹄村 `511424100001`; the code alone when the reference data has no name. */
export function PlaceName(props: { place: PlaceView }) {
  const { code, name } = props.place;
  if (!name) return <code>{code}</code>;
  return (
    <span class="named">
      {pick(name)} <small class="code">{code}</small>
    </span>
  );
}

export interface ActorView {
  readonly id: string;
  readonly role: string;
  readonly department?: string;
  readonly name?: string;
}

/** 赵志刚（村级组织）`village-officer-a`; older records without a name show the login id. */
export function ActorName(props: { actor: ActorView }) {
  const { id, role, department, name } = props.actor;
  const what = [tk("role", role), department ? tk("dept", department) : ""].filter(Boolean).join(" · ");
  return (
    <span class="named" data-actor={id}>
      {name ?? id}
      {what ? `（${what}）` : ""}
      {name && name !== id ? (
        <>
          {" "}
          <small class="code">{id}</small>
        </>
      ) : null}
    </span>
  );
}

/** What each recorded action means, for people (the audit trail stores the verb). */
const ACTIONS: Record<string, { zh: string; en: string }> = {
  create: { zh: "创建申请", en: "Case created" },
  submit: { zh: "提交申请", en: "Submitted" },
  completePrecheck: { zh: "完成自动预审", en: "Pre-check completed" },
  returnToApplicant: { zh: "退回申请人", en: "Returned to the applicant" },
  revise: { zh: "修改申请", en: "Revised" },
  startPublicNotice: { zh: "开始公示", en: "Public notice started" },
  startVillageReview: { zh: "开始村级审查", en: "Village review started" },
  forwardToTownship: { zh: "报送乡镇", en: "Forwarded to the township" },
  accept: { zh: "乡镇受理", en: "Accepted by the township" },
  startJointReview: { zh: "开始部门联审", en: "Joint review started" },
  requestCorrection: { zh: "要求补正", en: "Correction requested" },
  resubmitCorrection: { zh: "补正后重新提交", en: "Correction resubmitted" },
  lapseCorrection: { zh: "补正期限已过", en: "Correction deadline passed" },
  extendCorrection: { zh: "延长补正期限", en: "Correction deadline extended" },
  completeJointReview: { zh: "部门联审完成", en: "Joint review completed" },
  approve: { zh: "批准", en: "Approved" },
  reject: { zh: "不予批准", en: "Rejected" },
  withdraw: { zh: "撤回申请", en: "Withdrawn" },
  recordStakingOut: { zh: "记录丈量放线", en: "Staking-out recorded" },
  reportCompletion: { zh: "申报竣工", en: "Completion reported" },
  complete: { zh: "竣工验收完成", en: "Completed" },
  expire: { zh: "批准过期", en: "Approval expired" },
  decide: { zh: "作出审查意见", en: "Decision recorded" },
  respondToConsultation: { zh: "部门答复联审意见", en: "Department answered the consultation" },
  consult: { zh: "征求部门意见", en: "Departments consulted" },
  openStep: { zh: "开启审查环节", en: "Step opened" },
  escalate: { zh: "超时上报乡镇负责人", en: "Escalated (overdue)" },
  remind: { zh: "催办提醒", en: "Reminder sent" },
  confirmDocument: { zh: "材料核验通过", en: "Document verified" },
  attachSiteVisitPhoto: { zh: "上传现场照片", en: "Site photo attached" },
  lodgeObjection: { zh: "公示期收到异议", en: "Objection lodged" },
  openIncident: { zh: "流程故障待处理", en: "Incident opened" },
  closeIncident: { zh: "流程故障已处理", en: "Incident closed" },
  issueCertificates: { zh: "签发证书", en: "Certificates issued" },
  startConstruction: { zh: "开工", en: "Construction started" },
  extendConstruction: { zh: "建房期限随批准延期", en: "Construction period extended with the approval" },
  startWorkflow: { zh: "启动审批流程", en: "Workflow started" },
  fileOnBehalf: { zh: "代办：代农户填报", en: "Filed on behalf of the household" },
  recordConsent: { zh: "农户确认代办", en: "Household consented to the filing" },
  claimCase: { zh: "农户认领代办案件", en: "Household claimed the case" },
};

/** Every recorded action as a choice for a filter: the verb as value, the words first in the text. */
export function actionChoices(): { readonly value: string; readonly text: string }[] {
  return Object.entries(ACTIONS).map(([value, words]) => ({ value, text: `${pick(words)} · ${value}` }));
}

/** The action in words, current language first. */
export function actionText(action: string): string {
  const words = ACTIONS[action];
  return words ? pick(words) : action;
}

/** 要求补正 `requestCorrection`: the words, with the stored verb beside them. */
export function ActionName(props: { action: string }) {
  const words = ACTIONS[props.action];
  if (!words) return <code>{props.action}</code>;
  return (
    <span class="named" data-action={props.action}>
      {pick(words)} <small class="code">{props.action}</small>
    </span>
  );
}
