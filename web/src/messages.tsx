/**
 * The message centre (消息) for every role: the header's link with the unread
 * count, and the screen listing the caller's messages (GET /messages), which
 * marks what it showed read (POST /messages/read) and holds the SMS settings
 * (PUT /messages/settings). The county admin also sees the SMS that could not
 * be delivered (GET /admin/notifications/failed).
 */
import { useEffect, useState } from "preact/hooks";
import { api } from "./api.ts";
import { currentSession } from "./auth.ts";
import { formatDate, pick, t, tk } from "./i18n.ts";
import { linkHandler, useLocation } from "./router.ts";
import { Badge, Checkbox, ErrorBox, Link, Loading, Notice, ScreenTitle, useAsync } from "./ui.tsx";

interface Message {
  readonly id: string;
  readonly kind: string;
  readonly caseId: string;
  readonly title: { readonly zh: string; readonly en: string };
  readonly createdAt: string;
  readonly read: boolean;
  readonly sms: boolean;
}
interface Settings {
  readonly smsOptOut?: boolean;
  readonly mode?: "batched" | "digest" | "off";
  readonly phone?: string | null;
}
interface MessagePage {
  readonly unread: number;
  readonly items: Message[];
  readonly settings: Settings;
}
interface FailedSms {
  readonly jobId: string;
  readonly kind: string;
  readonly caseId: string;
  readonly townshipCode: string;
  readonly recipient: string;
  readonly attempts: number;
  readonly lastError: string;
  readonly failedAt: string;
}

/** The unread count, shared by the header and the screen (marking read updates the badge at once). */
let unread = 0;
const unreadListeners = new Set<(count: number) => void>();
function setUnread(count: number): void {
  unread = count;
  for (const listener of unreadListeners) listener(count);
}

async function refreshUnread(): Promise<void> {
  if (!currentSession()) return;
  try {
    setUnread((await api<MessagePage>("/messages?limit=1")).unread);
  } catch {
    // Offline or signed out: the badge keeps its last count.
  }
}

/** Header link 消息 with the unread count; refreshed on every screen change and every 30 s. */
export function MessagesLink() {
  const [count, setCount] = useState(unread);
  const { path } = useLocation();
  useEffect(() => {
    unreadListeners.add(setCount);
    const timer = setInterval(() => void refreshUnread(), 30_000);
    return () => {
      unreadListeners.delete(setCount);
      clearInterval(timer);
    };
  }, []);
  useEffect(() => {
    void refreshUnread();
  }, [path]);
  return (
    <a href="/app/messages" class="messages-link" onClick={linkHandler("/app/messages")}>
      {t("messagesTitle")}
      {count > 0 && (
        <span class="unread-count" data-testid="unread-count">
          {count > 99 ? "99+" : count}
          <span class="visually-hidden">{t("messagesUnreadSuffix")}</span>
        </span>
      )}
    </a>
  );
}

export function MessagesPage() {
  const role = currentSession()?.user.role;
  const [state, reload] = useAsync(() => api<MessagePage>("/messages?limit=50"), "messages");
  const [shownUnread, setShownUnread] = useState<number>();

  // What the screen shows is read: the newest id of each inbox is enough (the server keeps a watermark).
  useEffect(() => {
    if (state.state !== "ready") return;
    setShownUnread(state.value.unread);
    const unreadIds = state.value.items.filter((message) => !message.read).map((message) => message.id);
    if (unreadIds.length === 0) {
      setUnread(state.value.unread);
      return;
    }
    api<{ unread: number }>("/messages/read", { method: "POST", body: { ids: unreadIds.slice(0, 100) } })
      .then((result) => setUnread(result.unread))
      .catch(() => undefined);
  }, [state]);

  if (state.state === "loading") return <Loading />;
  if (state.state === "error") return <ErrorBox error={state.error} onRetry={() => void reload()} />;
  const page = state.value;
  const caseLink = (caseId: string) =>
    role === "villager" ? `/app/cases/${caseId}` : `/app/review/${caseId}`;
  return (
    <section>
      <ScreenTitle>{t("messagesTitle")}</ScreenTitle>
      <p class="hint">{t("messagesIntro")}</p>
      {shownUnread !== undefined && shownUnread > 0 && (
        <p>
          <Badge kind="info">{t("messagesUnread", { count: shownUnread })}</Badge>
        </p>
      )}
      {page.items.length === 0 ? (
        <Notice>{t("messagesEmpty")}</Notice>
      ) : (
        <ul class="message-list">
          {page.items.map((message) => (
            <li key={message.id} class={`card message${message.read ? "" : " message-unread"}`}>
              <p class="message-title">
                {!message.read && <span class="visually-hidden">{t("messagesUnread", { count: 1 })} </span>}
                {pick(message.title)}
              </p>
              <p class="hint">
                {formatDate(message.createdAt, true)}
                {message.sms ? ` · ${t("messagesSms")}` : ""} ·{" "}
                {role === "auditor" ? message.caseId : <Link to={caseLink(message.caseId)}>{t("case")}</Link>}
              </p>
            </li>
          ))}
        </ul>
      )}
      {role !== "auditor" && <SmsSettings settings={page.settings} villager={role === "villager"} />}
      {role === "county_admin" && <FailedSmsList />}
    </section>
  );
}

function SmsSettings(props: { settings: Settings; villager: boolean }) {
  const [optOut, setOptOut] = useState(props.settings.smsOptOut ?? false);
  const [mode, setMode] = useState(props.settings.mode ?? "batched");
  const [phone, setPhone] = useState("");
  const [saved, setSaved] = useState<Settings>();
  const [error, setError] = useState<unknown>();
  const save = async (body: Record<string, unknown>) => {
    setError(undefined);
    setSaved(undefined);
    try {
      setSaved(await api<Settings>("/messages/settings", { method: "PUT", body }));
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <section class="card">
      <h2>{t("messagesSettings")}</h2>
      {error !== undefined && <ErrorBox error={error} />}
      {saved && <Notice kind="ok">{t("messagesSaved")}</Notice>}
      {props.villager ? (
        <Checkbox
          label={t("messagesSmsOptOut")}
          checked={optOut}
          onChange={(value) => {
            setOptOut(value);
            void save({ smsOptOut: value });
          }}
        />
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void save({ mode, ...(phone ? { phone } : {}) });
          }}
        >
          <div class="field">
            <label for="sms-phone">{t("messagesStaffPhone")}</label>
            <input
              id="sms-phone"
              type="tel"
              inputMode="tel"
              autoComplete="tel"
              placeholder={saved?.phone ?? props.settings.phone ?? ""}
              value={phone}
              onInput={(event) => setPhone(event.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label for="sms-mode">{t("messagesStaffMode")}</label>
            <select
              id="sms-mode"
              value={mode}
              onChange={(event) => setMode(event.currentTarget.value as "batched" | "digest" | "off")}
            >
              {(["batched", "digest", "off"] as const).map((value) => (
                <option key={value} value={value}>
                  {tk("smsMode", value)}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" class="button primary">
            {t("save")}
          </button>
        </form>
      )}
    </section>
  );
}

function FailedSmsList() {
  const [state, reload] = useAsync(
    () => api<{ items: FailedSms[] }>("/admin/notifications/failed?limit=50"),
    "failed-sms",
  );
  return (
    <section class="card">
      <h2>{t("messagesFailedTitle")}</h2>
      <p class="hint">{t("messagesFailedIntro")}</p>
      {state.state === "loading" && <Loading />}
      {state.state === "error" && <ErrorBox error={state.error} onRetry={() => void reload()} />}
      {state.state === "ready" &&
        (state.value.items.length === 0 ? (
          <p>{t("messagesFailedEmpty")}</p>
        ) : (
          <ul>
            {state.value.items.map((item) => (
              <li key={item.jobId}>
                {formatDate(item.failedAt, true)} · {item.caseId.slice(0, 8).toUpperCase()} · {item.recipient}{" "}
                · {item.kind} · {item.lastError} ({item.attempts})
              </li>
            ))}
          </ul>
        ))}
    </section>
  );
}
