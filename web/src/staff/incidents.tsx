/**
 * The operator view (异常案件): a township's open incidents — cases the
 * workflow could not move on by itself — each with its cause in plain words
 * and the one button that recovers it (POST /incidents/{caseId}/{incidentId}/recover).
 * For the township head (own townships) and the county admin.
 */
import { useState } from "preact/hooks";
import type { IncidentView } from "#shared/schemas/incidents.ts";
import { api } from "../api.ts";
import { formatDate, pick, t, tk } from "../i18n.ts";
import { townshipOf, useJurisdiction } from "../jurisdiction.ts";
import { Badge, ErrorBox, Loading, Notice, ScreenTitle, TownshipSelect, useAsync } from "../ui.tsx";
import { PlaceName } from "./names.tsx";

interface IncidentPage {
  readonly township: string;
  readonly items: IncidentView[];
  readonly nextCursor?: string;
}

export function IncidentsPage() {
  const townships = useJurisdiction();
  const [township, setTownship] = useState(townships[0]?.code ?? "");
  const [state, reload] = useAsync(
    () => api<IncidentPage>(`/incidents?${new URLSearchParams({ township, limit: "100" })}`),
    township,
  );
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [recovered, setRecovered] = useState<string>();

  const recover = async (incident: IncidentView) => {
    setBusy(incident.incidentId);
    setError(undefined);
    setRecovered(undefined);
    try {
      const done = await api<{ action: string; restart?: { at: string } }>(
        `/incidents/${encodeURIComponent(incident.caseId)}/${encodeURIComponent(incident.incidentId)}/recover`,
        { method: "POST" },
      );
      // A restart (the incident's own action could not take effect) says where the case goes on.
      setRecovered(
        done.restart
          ? t("incidentRestarted", { number: incident.shortNumber, step: tk("restartAt", done.restart.at) })
          : t("incidentRecovered", { number: incident.shortNumber }),
      );
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(undefined);
      await reload();
    }
  };

  return (
    <section>
      <ScreenTitle>{t("incidentsTitle")}</ScreenTitle>
      <p class="hint">{t("incidentsIntro")}</p>
      {townships.length > 1 && (
        <div class="filters card">
          <TownshipSelect
            id="incident-township"
            value={township}
            townships={townships}
            onChange={setTownship}
          />
        </div>
      )}
      {recovered && <Notice kind="ok">{recovered}</Notice>}
      {error !== undefined && <ErrorBox error={error} />}
      {state.state === "loading" && <Loading />}
      {state.state === "error" && <ErrorBox error={state.error} onRetry={reload} />}
      {state.state === "ready" &&
        (state.value.items.length === 0 ? (
          <p>{t("incidentsEmpty")}</p>
        ) : (
          <table class="stack incidents">
            <thead>
              <tr>
                <th scope="col">{t("caseNumber")}</th>
                <th scope="col">{t("incidentCause")}</th>
                <th scope="col">{t("incidentSince")}</th>
                <th scope="col">{t("incidentAction")}</th>
              </tr>
            </thead>
            <tbody>
              {state.value.items.map((incident) => (
                <tr
                  key={incident.incidentId}
                  data-incident-id={incident.incidentId}
                  data-kind={incident.kind}
                >
                  <td data-label={t("caseNumber")}>
                    <code>{incident.shortNumber}</code>
                    <div class="hint">
                      <PlaceName place={townshipOf(townships, incident.townshipCode)} />
                    </div>
                  </td>
                  <td data-label={t("incidentCause")}>
                    <Badge kind="warn">{tk("incidentKind", incident.kind)}</Badge>
                    <div>{pick(incident.cause)}</div>
                  </td>
                  <td data-label={t("incidentSince")}>{formatDate(incident.since, true)}</td>
                  <td data-label={t("incidentAction")}>
                    <button
                      type="button"
                      class="button primary"
                      disabled={busy !== undefined}
                      onClick={() => void recover(incident)}
                    >
                      {busy === incident.incidentId ? t("working") : tk("recover", incident.action)}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </section>
  );
}
