/** The villager's home: their household's applications and the two ways to start one. */
import { useState } from "preact/hooks";
import { api } from "../api.ts";
import { formatDate, t, tk } from "../i18n.ts";
import { navigate } from "../router.ts";
import { ClaimPanel } from "../staff/assist.tsx";
import { Badge, ErrorBox, Link, Loading, ScreenTitle, useAsync } from "../ui.tsx";
import type { CaseSummary, CaseView } from "./types.ts";
import { resumeStep } from "./wizard.tsx";

export function CaseList() {
  const [state, reload] = useAsync(() => api<{ cases: CaseSummary[] }>("/cases"), "cases");
  const [creating, setCreating] = useState(false);
  const [createError, setCreateError] = useState<unknown>();

  const create = async (kind: "homestead" | "farmhouse") => {
    setCreating(true);
    setCreateError(undefined);
    try {
      const view = await api<CaseView>("/cases", { method: "POST", body: { kind } });
      if (kind === "farmhouse") {
        // A farmhouse case only rebuilds on the old plot, so those answers are given already.
        await api<CaseView>(`/cases/${encodeURIComponent(view.caseId)}/application`, {
          method: "PUT",
          body: { kind, currentHomestead: {}, proposedPlot: { situation: "rebuild_on_old_plot" } },
        });
      }
      navigate(`/app/cases/${view.caseId}/form/applicant`);
    } catch (error) {
      setCreateError(error);
      setCreating(false);
    }
  };

  return (
    <section>
      <ScreenTitle>{t("myCases")}</ScreenTitle>
      <ClaimPanel onClaimed={() => void reload()} />
      {state.state === "loading" && <Loading />}
      {state.state === "error" && <ErrorBox error={state.error} onRetry={reload} />}
      {state.state === "ready" && state.value.cases.length === 0 && <p>{t("noCases")}</p>}
      {state.state === "ready" && (
        <ul class="card-list">
          {[...state.value.cases]
            .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
            .map((item) => (
              <li key={item.caseId} class="card case-card" data-case-id={item.caseId}>
                <h2>{tk("kind", item.kind)}</h2>
                {/* What tells two cards apart: the plot, the number people quote, where the case is. */}
                <p class="case-card-plot">{item.plotAddress ?? t("caseCardNoAddress")}</p>
                <p>
                  <Badge kind={statusKind(item.status)}>{tk("status", item.status)}</Badge>{" "}
                  <span class="hint case-card-number">
                    {t("caseCardNumber", { number: item.shortNumber })}
                  </span>
                  {item.status === "draft" && (
                    <span class="hint">
                      {" · "}
                      {t("caseCardStep", { step: t(`wizard.${resumeStep(item.caseId)}`) })}
                    </span>
                  )}
                </p>
                <p class="hint">
                  {item.submittedAt
                    ? t("submittedOn", { date: formatDate(item.submittedAt) })
                    : t("createdOn", { date: formatDate(item.createdAt) })}
                </p>
                {item.status === "draft" ? (
                  <Link
                    class="button primary block"
                    to={`/app/cases/${item.caseId}/form/${resumeStep(item.caseId)}`}
                  >
                    {t("continueForm")}
                  </Link>
                ) : (
                  <Link class="button secondary block" to={`/app/cases/${item.caseId}`}>
                    {t("openCase")}
                  </Link>
                )}
              </li>
            ))}
        </ul>
      )}
      <div class="new-case">
        {createError !== undefined && <ErrorBox error={createError} />}
        <button
          type="button"
          class="button primary block tall"
          disabled={creating}
          onClick={() => void create("homestead")}
        >
          {t("newHomestead")}
          <small>{t("newHomesteadHint")}</small>
        </button>
        <button
          type="button"
          class="button secondary block tall"
          disabled={creating}
          onClick={() => void create("farmhouse")}
        >
          {t("newFarmhouse")}
          <small>{t("newFarmhouseHint")}</small>
        </button>
      </div>
    </section>
  );
}

export function statusKind(status: string): "ok" | "warn" | "error" | "info" {
  if (["approved", "staked_out", "completed"].includes(status)) return "ok";
  if (["correction_requested", "returned", "draft"].includes(status)) return "warn";
  if (["rejected", "withdrawn", "expired"].includes(status)) return "error";
  return "info";
}
