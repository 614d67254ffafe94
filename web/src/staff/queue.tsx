/** A reviewer's work queue: open steps of their queue in one township, overdue first, with deadlines. */
import { useEffect, useState } from "preact/hooks";
import type { QueueEntry } from "#shared/review/queue.ts";
import { api } from "../api.ts";
import { currentSession, type Role } from "../auth.ts";
import { formatDate, t, tk } from "../i18n.ts";
import { useJurisdiction } from "../jurisdiction.ts";
import { Badge, ErrorBox, Link, Loading, Notice, ScreenTitle, TownshipSelect, useAsync } from "../ui.tsx";
import { stepName } from "../villager/case-page.tsx";
import { PlaceName } from "./names.tsx";
import { CaseSearch, reviewLink } from "./search.tsx";

export type { QueueEntry };

interface QueuePageBody {
  readonly queue: string;
  readonly township: string;
  readonly items: QueueEntry[];
  readonly nextCursor: string | null;
}

const FILTERS = ["all", "overdue", "on_time"] as const;
type Filter = (typeof FILTERS)[number];
const FILTER_LABEL = { all: "filterAll", overdue: "filterOverdue", on_time: "filterOnTime" } as const;
const REFRESH_MS = 5000;

/** The queues a role works (a department reviewer: their department's). */
export function queuesOf(role: Role, department: string | undefined): string[] {
  switch (role) {
    case "department_reviewer":
      return department ? [department] : [];
    case "township_head":
      return ["township_head", "escalations"];
    case "village_officer":
    case "township_clerk":
    case "site_inspector":
      return [role];
    default:
      return [];
  }
}

function queueLabel(queue: string): string {
  if (queue === "escalations") return t("escalations");
  const role = tk("role", queue);
  return role !== queue ? role : tk("dept", queue);
}

export function QueuePage() {
  const user = currentSession()?.user;
  const queues = user ? queuesOf(user.role, user.department) : [];
  const townships = useJurisdiction();
  const [queue, setQueue] = useState(queues[0] ?? "");
  const [township, setTownship] = useState(townships[0]?.code ?? "");
  const [filter, setFilter] = useState<Filter>("all");
  const key = `${queue}|${township}|${filter}`;
  const [state, reload] = useAsync(
    () =>
      api<QueuePageBody>(
        `/queues/${encodeURIComponent(queue)}?${new URLSearchParams({ township, status: filter, limit: "100" })}`,
      ),
    key,
  );
  // The township head works their own queue; escalations must not wait unseen in the other one.
  const watchEscalations = queues.includes("escalations") && queue !== "escalations";
  const [escalations, reloadEscalations] = useAsync(
    () =>
      watchEscalations
        ? api<QueuePageBody>(`/queues/escalations?${new URLSearchParams({ township, limit: "100" })}`)
        : Promise.resolve(undefined),
    `${watchEscalations}|${township}`,
  );
  // New cases arrive without anyone telling the page: refresh quietly.
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState !== "visible") return;
      void reload();
      if (watchEscalations) void reloadEscalations();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [key, watchEscalations]);
  const waiting = escalations.state === "ready" ? (escalations.value?.items.length ?? 0) : 0;

  return (
    <section>
      <ScreenTitle>{t("queueTitle")}</ScreenTitle>
      <CaseSearch open={reviewLink} />
      <div class="filters">
        {queues.length > 1 && (
          <div class="field">
            <label for="queue-select">{t("queueTitle")}</label>
            <select id="queue-select" value={queue} onChange={(event) => setQueue(event.currentTarget.value)}>
              {queues.map((name) => (
                <option key={name} value={name}>
                  {queueLabel(name)}
                </option>
              ))}
            </select>
          </div>
        )}
        {townships.length > 1 && (
          <TownshipSelect
            id="township-select"
            value={township}
            townships={townships}
            onChange={setTownship}
          />
        )}
        <fieldset class="field">
          <legend class="visually-hidden">{t("status")}</legend>
          <div class="toolbar">
            {FILTERS.map((name) => (
              <button
                key={name}
                type="button"
                class={`button ${filter === name ? "primary" : "secondary"}`}
                aria-pressed={filter === name}
                onClick={() => setFilter(name)}
              >
                {t(FILTER_LABEL[name])}
              </button>
            ))}
          </div>
        </fieldset>
      </div>
      {waiting > 0 && (
        <Notice kind="warn">
          <span data-testid="escalations-waiting">{t("escalationsWaiting", { n: waiting })}</span>{" "}
          <button type="button" class="button secondary" onClick={() => setQueue("escalations")}>
            {t("escalationsOpen")}
          </button>
        </Notice>
      )}
      <p class="hint">{t("queueFor", { queue: queueLabel(queue), township })}</p>
      {state.state === "loading" && <Loading />}
      {state.state === "error" && <ErrorBox error={state.error} onRetry={reload} />}
      {state.state === "ready" &&
        (state.value.items.length === 0 ? (
          <p>{t("queueEmpty")}</p>
        ) : (
          <table class="stack queue">
            <thead>
              <tr>
                <th scope="col">{t("applicant")}</th>
                <th scope="col">{t("step")}</th>
                <th scope="col">{t("village")}</th>
                <th scope="col">{t("receivedOn")}</th>
                <th scope="col">{t("deadline", { date: "" }).replace(/[:：]\s*$/, "")}</th>
                <th scope="col">
                  <span class="visually-hidden">{t("reviewCase")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {state.value.items.map((item) => (
                <tr
                  key={`${item.caseId}-${item.stepId}`}
                  class={item.overdue ? "overdue" : ""}
                  data-case-id={item.caseId}
                >
                  <td data-label={t("applicant")}>
                    <strong>{item.applicantName ?? "—"}</strong>
                    <div class="hint">
                      {tk("kind", item.kind)} · <code>{item.shortId}</code>
                    </div>
                  </td>
                  <td data-label={t("step")}>{item.step ? stepName(item.step, item.department) : "—"}</td>
                  <td data-label={t("village")}>
                    {item.village ? (
                      <PlaceName place={{ code: item.village, name: item.villageName }} />
                    ) : (
                      "—"
                    )}
                  </td>
                  <td data-label={t("receivedOn")}>{formatDate(item.openedAt, true)}</td>
                  <td data-label={t("deadline", { date: "" }).replace(/[:：]\s*$/, "")}>
                    {formatDate(item.deadline, true)}{" "}
                    {item.overdue && <Badge kind="error">{t("overdue")}</Badge>}{" "}
                    {item.reminders > 0 && <Badge kind="warn">{t("reminded", { n: item.reminders })}</Badge>}
                  </td>
                  <td>
                    <Link
                      class="button primary"
                      to={`/app/review/${item.caseId}${item.stepId ? `?step=${encodeURIComponent(item.stepId)}` : ""}`}
                    >
                      {t("reviewCase")}
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </section>
  );
}
