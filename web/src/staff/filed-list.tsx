/**
 * 代办: the filer's list, under the start form of /app/assist. A village
 * officer or window clerk finds again the cases filed on behalf of households
 * of their village (or township): short number, applicant, plot, status, what
 * each needs now and whether the household has claimed it. A case with a
 * correction open leads straight to the correction form; any other to its page.
 */
import { useState } from "preact/hooks";
import type { FiledCase, FiledCasePage } from "#shared/schemas/responses.ts";
import { api } from "../api.ts";
import { currentSession } from "../auth.ts";
import { formatDate, isMessageKey, pick, t, tk } from "../i18n.ts";
import { useJurisdiction } from "../jurisdiction.ts";
import { placeText } from "../place-text.ts";
import { Badge, ErrorBox, Link, Loading, TownshipSelect, useAsync } from "../ui.tsx";
import { statusKind } from "../villager/case-list.tsx";

const PAGE = 20;

/** The short "needs" label of what is expected now, when the filer has something to do. */
function needsOf(item: FiledCase): string | undefined {
  const key = `filedNeeds.${item.expected.action}`;
  return isMessageKey(key) ? t(key) : undefined;
}

function FiledCard(props: { item: FiledCase }) {
  const { item } = props;
  const needs = needsOf(item);
  const correction = item.expected.action === "answer_correction";
  const village = item.villageName
    ? placeText({ code: item.villageCode, name: item.villageName })
    : undefined;
  return (
    <li class="card case-card" data-case-id={item.caseId} data-expected={item.expected.action}>
      <h3>
        {item.applicantName ? t("filedApplicant", { name: item.applicantName }) : t("filedNoApplicant")}
      </h3>
      <p class="case-card-plot">
        {item.plotAddress ?? t("caseCardNoAddress")}
        {village && <span class="hint"> · {village}</span>}
      </p>
      <p>
        <Badge kind={statusKind(item.status)}>{tk("status", item.status)}</Badge>{" "}
        {needs && <Badge kind={correction ? "warn" : "info"}>{needs}</Badge>}{" "}
        <span class="hint case-card-number">{t("caseCardNumber", { number: item.shortNumber })}</span>
      </p>
      <p class="hint">{pick(item.expected.message)}</p>
      <p class="hint">
        {t("filedOn", { date: formatDate(item.filedAt) })}
        {item.filedBy.name && ` · ${t("filedByName", { name: item.filedBy.name })}`}
        {" · "}
        <span data-claimed={item.claimedAt ? "yes" : "no"}>
          {item.claimedAt ? t("filedClaimed") : t("filedNotClaimed")}
        </span>
      </p>
      {correction ? (
        <Link class="button primary block" to={`/app/cases/${item.caseId}/correction`}>
          {t("filedAnswerCorrection")}
        </Link>
      ) : (
        <Link class="button secondary block" to={`/app/cases/${item.caseId}`}>
          {t("openCase")}
        </Link>
      )}
    </li>
  );
}

/** GET /assisted/cases, page by page ("load more" follows the sealed cursor). */
export function FiledCases() {
  const townships = useJurisdiction();
  const officer = currentSession()?.user.role === "village_officer";
  const [township, setTownship] = useState(townships[0]?.code ?? "");
  const [more, setMore] = useState<FiledCase[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [moreError, setMoreError] = useState<unknown>();
  const query = (after?: string) =>
    `/assisted/cases?${new URLSearchParams({
      limit: String(PAGE),
      // A village officer's list is their village's: the server knows its township.
      ...(!officer && township ? { township } : {}),
      ...(after ? { cursor: after } : {}),
    })}`;
  const [state, reload] = useAsync(async () => {
    const page = await api<FiledCasePage>(query());
    setMore([]);
    setCursor(page.nextCursor);
    return page;
  }, `${officer}|${township}`);
  const loadMore = async () => {
    if (!cursor) return;
    setMoreError(undefined);
    try {
      const page = await api<FiledCasePage>(query(cursor));
      setMore((current) => [...current, ...page.items]);
      setCursor(page.nextCursor);
    } catch (error) {
      setMoreError(error);
    }
  };
  return (
    <section class="filed-list" aria-labelledby="filed-title">
      <h2 id="filed-title">{t("filedTitle")}</h2>
      <p class="hint">{t("filedIntro")}</p>
      {!officer && townships.length > 1 && (
        <TownshipSelect id="filed-township" value={township} townships={townships} onChange={setTownship} />
      )}
      {state.state === "loading" && <Loading />}
      {state.state === "error" && <ErrorBox error={state.error} onRetry={reload} />}
      {state.state === "ready" &&
        (state.value.items.length === 0 ? (
          <p>{t("filedEmpty")}</p>
        ) : (
          <ul class="card-list">
            {[...state.value.items, ...more].map((item) => (
              <FiledCard key={item.caseId} item={item} />
            ))}
          </ul>
        ))}
      {moreError !== undefined && <ErrorBox error={moreError} />}
      {state.state === "ready" && cursor && (
        <button type="button" class="button secondary block" onClick={() => void loadMore()}>
          {t("moreResults")}
        </button>
      )}
    </section>
  );
}
