/**
 * The auditor's view: search events (time range, township, department, actor,
 * action), export them as CSV, open a case's full history with the result of
 * the hash-chain verification in plain words.
 */
import { useState } from "preact/hooks";
import { DEPARTMENT_IDS } from "#shared/schemas/common.ts";
import { api, downloadCsv } from "../api.ts";
import { formatDate, t, tk } from "../i18n.ts";
import { useJurisdiction } from "../jurisdiction.ts";
import { navigate } from "../router.ts";
import { ActionName, ActorName, actionChoices, PlaceName, type PlaceView } from "../staff/names.tsx";
import { CaseSearch, historyLink } from "../staff/search.tsx";
import {
  Badge,
  ErrorBox,
  Link,
  Loading,
  Notice,
  ScreenTitle,
  TextField,
  TownshipSelect,
  useAsync,
} from "../ui.tsx";

interface AuditEvent {
  readonly caseId: string;
  readonly seq: number;
  readonly at: string;
  readonly action: string;
  readonly actor: {
    readonly id: string;
    readonly role: string;
    readonly department?: string;
    readonly name?: string;
  };
  readonly fromStatus?: string | null;
  readonly toStatus?: string | null;
  readonly comment?: string;
  readonly hash: string;
  readonly townshipCode?: string;
}

interface SearchResult {
  readonly items: AuditEvent[];
  readonly nextCursor: string | null;
  readonly range: { from: string; to: string };
}

type ChainCheck =
  | { readonly valid: true; readonly events: number; readonly head: { seq: number; hash: string } }
  | { readonly valid: false; readonly events: number; readonly brokenAt: number; readonly reason: string };

interface CaseHistory {
  readonly caseId: string;
  readonly townshipCode: string;
  readonly township: PlaceView;
  readonly village: PlaceView;
  readonly status: string;
  readonly head: { seq: number; hash: string };
  readonly events: AuditEvent[];
  readonly verification: ChainCheck;
}

const DAY = 24 * 3600 * 1000;
/** Dates are picked in China time; the API takes instants. */
const startOfDay = (date: string) => new Date(`${date}T00:00:00+08:00`).toISOString();
const chinaDate = (time: number) => new Date(time + 8 * 3600 * 1000).toISOString().slice(0, 10);

export function AuditPage() {
  const townships = useJurisdiction();
  const [from, setFrom] = useState(chinaDate(Date.now() - 7 * DAY));
  const [to, setTo] = useState(chinaDate(Date.now()));
  const [township, setTownship] = useState("");
  const [department, setDepartment] = useState("");
  const [actor, setActor] = useState<string | undefined>();
  const [action, setAction] = useState<string | undefined>();
  const [caseId, setCaseId] = useState<string | undefined>();
  const [items, setItems] = useState<AuditEvent[]>();
  const [cursor, setCursor] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const query = () =>
    new URLSearchParams({
      from: startOfDay(from),
      // The end date is inclusive for people: search up to the start of the next day.
      to: new Date(Date.parse(startOfDay(to)) + DAY).toISOString(),
      ...(township ? { township } : {}),
      ...(department ? { department } : {}),
      ...(actor ? { actor } : {}),
      ...(action ? { action } : {}),
    });

  const search = async (more: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      const params = query();
      if (more && cursor) params.set("cursor", cursor);
      const result = await api<SearchResult>(`/audit/events?${params}`);
      setItems((current) => (more ? [...(current ?? []), ...result.items] : result.items));
      setCursor(result.nextCursor);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <ScreenTitle>{t("auditTitle")}</ScreenTitle>
      <CaseSearch open={historyLink} />
      <form
        class="card"
        onSubmit={(event) => {
          event.preventDefault();
          if (caseId) navigate(`/app/audit/cases/${encodeURIComponent(caseId.trim())}`);
        }}
      >
        <h2>{t("caseHistory")}</h2>
        <TextField label={t("caseIdLabel")} name="caseId" value={caseId} onInput={setCaseId} />
        <button type="submit" class="button secondary">
          {t("openHistory")}
        </button>
      </form>
      <form
        class="card"
        onSubmit={(event) => {
          event.preventDefault();
          void search(false);
        }}
      >
        <h2>{t("searchEvents")}</h2>
        <div class="filters">
          <div class="field">
            <label for="from">{t("from")}</label>
            <input
              id="from"
              type="date"
              value={from}
              onInput={(event) => setFrom(event.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label for="to">{t("to")}</label>
            <input id="to" type="date" value={to} onInput={(event) => setTo(event.currentTarget.value)} />
          </div>
          <TownshipSelect
            id="township"
            value={township}
            townships={townships}
            onChange={setTownship}
            anyLabel={t("filterAll")}
          />
          <div class="field">
            <label for="department">{t("department")}</label>
            <select
              id="department"
              value={department}
              onChange={(event) => setDepartment(event.currentTarget.value)}
            >
              <option value="">{t("anyDepartment")}</option>
              {DEPARTMENT_IDS.map((id) => (
                <option key={id} value={id}>
                  {tk("dept", id)}
                </option>
              ))}
            </select>
          </div>
          <TextField label={t("actor")} name="actor" value={actor} onInput={setActor} />
          <div class="field">
            <label for="action">{t("action")}</label>
            <select
              id="action"
              name="action"
              value={action ?? ""}
              onChange={(event) => setAction(event.currentTarget.value || undefined)}
            >
              <option value="">{t("filterAll")}</option>
              {actionChoices().map((choice) => (
                <option key={choice.value} value={choice.value}>
                  {choice.text}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div class="toolbar">
          <button type="submit" class="button primary" disabled={busy}>
            {t("search")}
          </button>
          <button
            type="button"
            class="button secondary"
            onClick={() =>
              void downloadCsv(`/audit/events.csv?${query()}`, `audit-events-${from}-${to}.csv`).catch(
                setError,
              )
            }
          >
            ⬇ {t("exportCsv")}
          </button>
        </div>
      </form>
      {error !== undefined && <ErrorBox error={error} />}
      {items &&
        (items.length === 0 ? (
          <p>{t("noEvents")}</p>
        ) : (
          <table class="stack events">
            <thead>
              <tr>
                <th scope="col">{t("at")}</th>
                <th scope="col">{t("case")}</th>
                <th scope="col">{t("action")}</th>
                <th scope="col">{t("status")}</th>
                <th scope="col">{t("actor")}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((event) => (
                <tr key={`${event.caseId}-${event.seq}`} data-case-id={event.caseId}>
                  <td data-label={t("at")}>{formatDate(event.at, true)}</td>
                  <td data-label={t("case")}>
                    <Link to={`/app/audit/cases/${event.caseId}`}>{event.caseId.slice(0, 8)}</Link> #
                    {event.seq}
                  </td>
                  <td data-label={t("action")}>
                    <ActionName action={event.action} />
                  </td>
                  <td data-label={t("status")}>
                    {event.toStatus && event.toStatus !== event.fromStatus
                      ? tk("status", event.toStatus)
                      : ""}
                  </td>
                  <td data-label={t("actor")}>
                    <ActorName actor={event.actor} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      {cursor && (
        <button
          type="button"
          class="button secondary block"
          disabled={busy}
          onClick={() => void search(true)}
        >
          {t("moreResults")}
        </button>
      )}
    </section>
  );
}

export function HistoryPage(props: { params: Record<string, string> }) {
  const caseId = props.params.caseId ?? "";
  const [state, reload] = useAsync(
    () => api<CaseHistory>(`/audit/cases/${encodeURIComponent(caseId)}/events`),
    caseId,
  );
  return (
    <section>
      <p class="back-link">
        <Link to="/app/audit">← {t("auditTitle")}</Link>
      </p>
      <ScreenTitle>{t("caseHistory")}</ScreenTitle>
      <p>
        {t("caseIdLabel")}: <code>{caseId}</code>
      </p>
      {state.state === "loading" && <Loading />}
      {state.state === "error" && <ErrorBox error={state.error} onRetry={reload} />}
      {state.state === "ready" && <History history={state.value} />}
    </section>
  );
}

function History(props: { history: CaseHistory }) {
  const { history } = props;
  const check = history.verification;
  return (
    <>
      <div
        class={`notice chain ${check.valid ? "chain-ok" : "chain-broken"}`}
        role="status"
        data-chain={check.valid ? "valid" : "broken"}
      >
        <p>
          <strong>
            {check.valid
              ? `✓ ${t("chainValid", { n: check.events })}`
              : `✗ ${t("chainBroken", { seq: check.brokenAt, reason: check.reason })}`}
          </strong>
        </p>
        {check.valid && <p class="hash">{t("chainHead", { seq: check.head.seq, hash: check.head.hash })}</p>}
      </div>
      <p>
        <Badge>{tk("status", history.status)}</Badge> {t("township")} <PlaceName place={history.township} /> ·{" "}
        {t("village")} <PlaceName place={history.village} />
      </p>
      {history.events.length === 0 ? (
        <Notice>{t("noEvents")}</Notice>
      ) : (
        <ol class="timeline card">
          {history.events.map((event) => (
            <li key={event.seq} class="done">
              <strong>
                #{event.seq} <ActionName action={event.action} />
              </strong>{" "}
              {event.toStatus && event.toStatus !== event.fromStatus && (
                <span>
                  {tk("status", event.fromStatus)} → {tk("status", event.toStatus)}
                </span>
              )}
              <div class="hint">
                {formatDate(event.at, true)} · <ActorName actor={event.actor} />
              </div>
              {event.comment && <p class="comment">{event.comment}</p>}
              <div class="hash">{event.hash}</div>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
