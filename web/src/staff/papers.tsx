/**
 * A case's printed papers for staff: each a short-lived link to its A4 PDF
 * (GET /cases/{caseId}/papers/{paper}), fetched on a tap so it never expires unseen.
 */
import { useState } from "preact/hooks";
import { api } from "../api.ts";
import { pick } from "../i18n.ts";
import { ErrorBox } from "../ui.tsx";

interface PaperLink {
  readonly url: string;
  readonly filename: string;
  readonly number?: string;
}

const PAPERS = {
  homestead_approval_certificate: { zh: "农村宅基地批准书", en: "Homestead approval certificate" },
  rural_construction_planning_permit: { zh: "乡村建设规划许可证", en: "Rural construction planning permit" },
  approval_form: { zh: "审批表", en: "Approval form" },
  refusal_notice: { zh: "不予批准决定书", en: "Notice of refusal" },
  acceptance_record: { zh: "验收意见表", en: "Completion inspection record" },
} as const;
type Paper = keyof typeof PAPERS;

const DECIDED = ["approved", "staked_out", "completion_reported", "completed", "expired", "rejected"];

/** The papers a case of this status and these certificates has (the API files the rest on first request). */
export function papersOf(status: string, certificates: readonly { type: string }[]): Paper[] {
  const papers: Paper[] = [];
  for (const type of ["homestead_approval_certificate", "rural_construction_planning_permit"] as const) {
    if (certificates.some((certificate) => certificate.type === type)) papers.push(type);
  }
  if (DECIDED.includes(status)) papers.push("approval_form");
  if (status === "rejected") papers.push("refusal_notice");
  if (status === "completed") papers.push("acceptance_record");
  return papers;
}

export function Papers(props: {
  caseId: string;
  status: string;
  certificates?: readonly { type: string }[];
}) {
  const [error, setError] = useState<unknown>();
  const papers = papersOf(props.status, props.certificates ?? []);
  if (papers.length === 0) return null;
  return (
    <div class="card papers">
      <h2>{pick({ zh: "文书（PDF）", en: "Papers (PDF)" })}</h2>
      {error !== undefined && <ErrorBox error={error} />}
      <ul class="plain">
        {papers.map((paper) => (
          <li key={paper}>
            <button
              type="button"
              class="button block"
              data-paper={paper}
              onClick={async () => {
                try {
                  const link = await api<PaperLink>(
                    `/cases/${encodeURIComponent(props.caseId)}/papers/${paper}`,
                  );
                  window.open(link.url, "_blank", "noopener");
                } catch (caught) {
                  setError(caught);
                }
              }}
            >
              ⬇ {pick(PAPERS[paper])}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
