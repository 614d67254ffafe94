/** The register (台账): a township's cases by status with their key dates, and the county filing CSV. */
import { useState } from "preact/hooks";
import type { RegisterEntry } from "#shared/register/schemas.ts";
import { api, downloadCsv } from "../api.ts";
import { formatDate, t, tk } from "../i18n.ts";
import { useJurisdiction } from "../jurisdiction.ts";
import { Badge, ErrorBox, Loading, ScreenTitle, TownshipSelect, useAsync } from "../ui.tsx";
import { statusKind } from "../villager/case-list.tsx";

/** The statuses the register's filter offers, in procedure order: a choice for auditors, not every status. */
const STATUSES = [
  "submitted",
  "in_public_notice",
  "in_village_review",
  "awaiting_acceptance",
  "accepted",
  "in_joint_review",
  "correction_requested",
  "awaiting_decision",
  "approved",
  "staked_out",
  "completed",
  "rejected",
  "withdrawn",
  "returned",
  "expired",
];

export function RegisterPage() {
  const townships = useJurisdiction();
  const [township, setTownship] = useState(townships[0]?.code ?? "");
  const [status, setStatus] = useState("");
  const params = () => new URLSearchParams({ township, ...(status ? { status } : {}) });
  const [state, reload] = useAsync(
    () => api<{ items: RegisterEntry[]; nextCursor: string | null }>(`/register?${params()}`),
    `${township}|${status}`,
  );
  const [error, setError] = useState<unknown>();
  return (
    <section>
      <ScreenTitle>{t("registerTitle")}</ScreenTitle>
      <div class="filters card">
        <TownshipSelect id="reg-township" value={township} townships={townships} onChange={setTownship} />
        <div class="field">
          <label for="reg-status">{t("status")}</label>
          <select id="reg-status" value={status} onChange={(event) => setStatus(event.currentTarget.value)}>
            <option value="">{t("allStatuses")}</option>
            {STATUSES.map((value) => (
              <option key={value} value={value}>
                {tk("status", value)}
              </option>
            ))}
          </select>
        </div>
        <button
          type="button"
          class="button secondary"
          onClick={() =>
            void downloadCsv(`/register.csv?${params()}`, `register-${township}.csv`).catch(setError)
          }
        >
          ⬇ {t("exportFiling")}
        </button>
      </div>
      {error !== undefined && <ErrorBox error={error} />}
      {state.state === "loading" && <Loading />}
      {state.state === "error" && <ErrorBox error={state.error} onRetry={reload} />}
      {state.state === "ready" &&
        (state.value.items.length === 0 ? (
          <p>{t("registerEmpty")}</p>
        ) : (
          <table class="stack register">
            <thead>
              <tr>
                <th scope="col">{t("applicant")}</th>
                <th scope="col">{t("status")}</th>
                <th scope="col">{t("plotAddress")}</th>
                <th scope="col">{t("submittedDate")}</th>
                <th scope="col">{t("acceptedDate")}</th>
                <th scope="col">{t("approvedOn")}</th>
                <th scope="col">{t("certificateNo")}</th>
                <th scope="col">{t("updatedOn")}</th>
              </tr>
            </thead>
            <tbody>
              {state.value.items.map((entry) => (
                <tr key={entry.caseId} data-case-id={entry.caseId}>
                  <td data-label={t("applicant")}>
                    <strong>{entry.applicantName ?? "—"}</strong>
                    <div class="hint">{tk("kind", entry.kind)}</div>
                  </td>
                  <td data-label={t("status")}>
                    <Badge kind={statusKind(entry.status)}>{tk("status", entry.status)}</Badge>
                  </td>
                  <td data-label={t("plotAddress")}>{entry.plotAddress ?? "—"}</td>
                  <td data-label={t("submittedDate")}>{formatDate(entry.submittedAt)}</td>
                  <td data-label={t("acceptedDate")}>{formatDate(entry.acceptedAt)}</td>
                  <td data-label={t("approvedOn")}>{formatDate(entry.approvedAt)}</td>
                  <td data-label={t("certificateNo")}>
                    <Certificates entry={entry} />
                  </td>
                  <td data-label={t("updatedOn")}>{formatDate(entry.updatedAt, true)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </section>
  );
}

/** A farmhouse rebuild gets only the planning permit, a homestead both: list whichever were issued. */
function Certificates(props: { entry: RegisterEntry }) {
  const issued = [
    ["homestead_approval_certificate", props.entry.homesteadCertificateNo],
    ["rural_construction_planning_permit", props.entry.planningPermitNo],
  ].filter((pair): pair is [string, string] => typeof pair[1] === "string");
  if (issued.length === 0) return <>—</>;
  return (
    <ul class="plain">
      {issued.map(([type, number]) => (
        <li key={type} data-certificate={type}>
          {tk("cert", type)} <code>{number}</code>
        </li>
      ))}
    </ul>
  );
}
