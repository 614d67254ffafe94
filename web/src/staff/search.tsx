/**
 * Find a case by what people quote: the short number (03dbf44d), the
 * applicant's name or ID number. Staff find cases of their townships and open
 * them in the review page; auditors within their jurisdiction, in the case
 * history. The server reads what was typed (GET /review/search).
 */
import { useState } from "preact/hooks";
import { api } from "../api.ts";
import { formatDate, pick, tk } from "../i18n.ts";
import { Badge, ErrorBox, Link, Notice, TextField, useAction } from "../ui.tsx";
import { statusKind } from "../villager/case-list.tsx";
import { PlaceName, type PlaceView } from "./names.tsx";

interface Found {
  readonly caseId: string;
  readonly shortId: string;
  readonly kind: string;
  readonly status: string;
  readonly applicantName: string | null;
  readonly township: PlaceView;
  readonly village: PlaceView;
  readonly createdAt: string;
  readonly submittedAt: string | null;
}

const HOW = {
  short: { zh: "按案件短号", en: "by short number" },
  name: { zh: "按申请人姓名", en: "by applicant name" },
  idNumber: { zh: "按身份证号", en: "by ID number" },
} as const;

const TEXT = {
  label: { zh: "查找案件", en: "Find a case" },
  hint: {
    zh: "输入案件短号（如 03dbf44d）、申请人姓名或身份证号",
    en: "A short number (e.g. 03dbf44d), the applicant's name or ID number",
  },
  button: { zh: "查找", en: "Find" },
  none: { zh: "没有找到符合条件的案件。", en: "No case matches." },
  more: {
    zh: "结果较多，只显示前 50 件，请输入更完整的信息。",
    en: "Many matches: the first 50 are shown; be more precise.",
  },
} as const;

export function CaseSearch(props: { open: (caseId: string) => string }) {
  const [q, setQ] = useState<string>();
  const { busy, error, run } = useAction();
  const [result, setResult] = useState<{ by: keyof typeof HOW; items: Found[]; truncated: boolean }>();
  const find = async () => {
    const typed = q?.trim();
    if (!typed) return;
    await run(async () => setResult(await api(`/review/search?${new URLSearchParams({ q: typed })}`)));
  };
  return (
    <section class="card case-search" aria-label={pick(TEXT.label)}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void find();
        }}
      >
        <TextField
          label={pick(TEXT.label)}
          hint={pick(TEXT.hint)}
          name="case-search"
          value={q}
          onInput={setQ}
        />
        <button type="submit" class="button secondary" disabled={busy}>
          {pick(TEXT.button)}
        </button>
      </form>
      {error !== undefined && <ErrorBox error={error} />}
      {result &&
        (result.items.length === 0 ? (
          <Notice>{pick(TEXT.none)}</Notice>
        ) : (
          <>
            <p class="hint">{pick(HOW[result.by])}</p>
            <ul class="plain search-results">
              {result.items.map((item) => (
                <li key={item.caseId} data-case-id={item.caseId}>
                  <Link to={props.open(item.caseId)}>
                    <strong>{item.applicantName ?? "—"}</strong> <code>{item.shortId}</code>
                  </Link>{" "}
                  <Badge kind={statusKind(item.status)}>{tk("status", item.status)}</Badge>
                  <div class="hint">
                    {tk("kind", item.kind)} · <PlaceName place={item.township} /> ·{" "}
                    <PlaceName place={item.village} /> · {formatDate(item.submittedAt ?? item.createdAt)}
                  </div>
                </li>
              ))}
            </ul>
            {result.truncated && <p class="hint">{pick(TEXT.more)}</p>}
          </>
        ))}
    </section>
  );
}

/** Where a found case opens for the signed-in role. */
export const reviewLink = (caseId: string) => `/app/review/${encodeURIComponent(caseId)}`;
export const historyLink = (caseId: string) => `/app/audit/cases/${encodeURIComponent(caseId)}`;
