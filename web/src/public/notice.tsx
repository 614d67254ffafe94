/**
 * The public notice (公示) for anyone, no sign-in: a village's notices
 * (`/app/notices?village=…`) and one notice with the objection form
 * (`/app/notices/<id>`). What the API publishes only: the applicant's name
 * masked, plot, areas, dates. Chinese first, like the rest of the app.
 */
import { useState } from "preact/hooks";
import { api } from "../api.ts";
import { formatDate, t } from "../i18n.ts";
import { useLocation } from "../router.ts";
import { Badge, ErrorBox, Link, Loading, Notice, ScreenTitle, useAction, useAsync } from "../ui.tsx";

interface PublicNotice {
  readonly noticeId: string;
  readonly villageCode: string;
  readonly applicantName: string;
  readonly plot: {
    readonly address: string;
    readonly houseLandAreaM2: number;
    readonly ancillaryLandAreaM2: number;
    readonly totalAreaM2: number;
  };
  readonly building: { readonly floorAreaM2: number; readonly floors: number; readonly heightM: number };
  readonly reason: string;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly open: boolean;
}

function NoticeFacts(props: { notice: PublicNotice }) {
  const { notice } = props;
  return (
    <dl class="facts">
      <dt>{t("noticeApplicant")}</dt>
      <dd>{notice.applicantName}</dd>
      <dt>{t("noticeAddress")}</dt>
      <dd>{notice.plot.address}</dd>
      <dt>{t("noticeAreas")}</dt>
      <dd>
        {t("noticeAreasValue", {
          total: notice.plot.totalAreaM2,
          house: notice.plot.houseLandAreaM2,
          ancillary: notice.plot.ancillaryLandAreaM2,
        })}
      </dd>
      <dt>{t("noticeBuilding")}</dt>
      <dd>
        {t("noticeBuildingValue", {
          floors: notice.building.floors,
          height: notice.building.heightM,
          area: notice.building.floorAreaM2,
        })}
      </dd>
      <dt>{t("noticeReason")}</dt>
      <dd>{notice.reason}</dd>
      <dt>{t("noticePeriod")}</dt>
      <dd>
        {formatDate(notice.startsAt, true)} – {formatDate(notice.endsAt, true)}{" "}
        <Badge kind={notice.open ? "info" : "ok"}>{notice.open ? t("noticeOpen") : t("noticeEnded")}</Badge>
      </dd>
    </dl>
  );
}

/** `/app/notices?village=<12 digits>` (or `township=`): the notices running now. */
export function NoticeList() {
  const { query } = useLocation();
  const village = query.get("village") ?? "";
  const township = query.get("township") ?? "";
  const search = village
    ? `village=${encodeURIComponent(village)}`
    : `township=${encodeURIComponent(township)}`;
  const [state, reload] = useAsync(() => api<{ notices: PublicNotice[] }>(`/notices?${search}`), search);
  if (state.state === "loading") return <Loading />;
  if (state.state === "error") return <ErrorBox error={state.error} onRetry={reload} />;
  return (
    <section>
      <ScreenTitle>{t("noticeListTitle")}</ScreenTitle>
      {state.value.notices.length === 0 && <Notice>{t("noticeNone")}</Notice>}
      {state.value.notices.map((notice) => (
        <article class="card" key={notice.noticeId}>
          <NoticeFacts notice={notice} />
          <Link class="button block" to={`/app/notices/${notice.noticeId}`}>
            {t("objectionFormTitle")}
          </Link>
        </article>
      ))}
    </section>
  );
}

/** `/app/notices/<id>`: one notice, and the objection form while it runs. */
export function NoticePage(props: { params: Record<string, string> }) {
  const noticeId = props.params.noticeId ?? "";
  const [state, reload] = useAsync(
    () => api<PublicNotice>(`/notices/${encodeURIComponent(noticeId)}`),
    noticeId,
  );
  const [text, setText] = useState("");
  const [contact, setContact] = useState("");
  const [sent, setSent] = useState(false);
  const { busy, error, run } = useAction();
  if (state.state === "loading") return <Loading />;
  if (state.state === "error") return <ErrorBox error={state.error} onRetry={reload} />;
  const notice = state.value;
  const send = () =>
    run(async () => {
      await api(`/notices/${encodeURIComponent(noticeId)}/objections`, {
        method: "POST",
        body: { text: text.trim(), ...(contact.trim() ? { contact: contact.trim() } : {}) },
      });
      setSent(true);
    });
  return (
    <section>
      <ScreenTitle>{t("noticeTitle")}</ScreenTitle>
      <div class="card">
        <NoticeFacts notice={notice} />
      </div>
      {sent ? (
        <Notice kind="ok">{t("objectionSent")}</Notice>
      ) : (
        notice.open && (
          <form
            class="card"
            onSubmit={(event) => {
              event.preventDefault();
              void send();
            }}
          >
            <h2>{t("objectionFormTitle")}</h2>
            <div class="field">
              <label for="objection-text">{t("objectionText")}</label>
              <textarea
                id="objection-text"
                rows={4}
                minLength={5}
                maxLength={1000}
                required
                value={text}
                onInput={(event) => setText(event.currentTarget.value)}
              />
            </div>
            <div class="field">
              <label for="objection-contact">{t("objectionContactField")}</label>
              <input
                id="objection-contact"
                maxLength={100}
                value={contact}
                onInput={(event) => setContact(event.currentTarget.value)}
              />
            </div>
            {error !== undefined && <ErrorBox error={error} />}
            <button type="submit" class="button primary block" disabled={busy || text.trim().length < 5}>
              {t("objectionSend")}
            </button>
          </form>
        )
      )}
    </section>
  );
}
