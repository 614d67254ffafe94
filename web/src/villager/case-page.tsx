/**
 * One case for its household: where it is, who has it, the deadline, what
 * they must do now, the decisions in plain words, certificates to download and
 * withdrawing. It refreshes itself while the case moves without them.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api.ts";
import { departmentName } from "../config.ts";
import { useConfig } from "../context.ts";
import { formatDate, pick, t, tk } from "../i18n.ts";
import { navigate } from "../router.ts";
import { Badge, ErrorBox, Link, Loading, Notice, ScreenTitle, useAction, useAsync } from "../ui.tsx";
import { statusKind } from "./case-list.tsx";
import { Certificates } from "./certificates.tsx";
import { stepOfPath } from "./form-state.ts";
import { firstFieldAtFault, openFindings } from "./notes.ts";
import type { CaseView } from "./types.ts";
import { resumeStep } from "./wizard.tsx";

const POLL_MS = 4000;
/** The case waits on the villager (or is over): nothing to poll for. */
const STILL = new Set([
  "draft",
  "returned",
  "correction_requested",
  "completed",
  "rejected",
  "withdrawn",
  "expired",
]);

export function CasePage(props: { params: Record<string, string> }) {
  const caseId = props.params.caseId ?? "";
  const [state, reload] = useAsync(() => api<CaseView>(`/cases/${encodeURIComponent(caseId)}`), caseId);
  const status = state.state === "ready" ? state.value.status : undefined;
  const certificatesPending =
    state.state === "ready" && status === "approved" && !state.value.certificates?.length;

  useEffect(() => {
    if (!status || (STILL.has(status) && !certificatesPending)) return;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") void reload();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [status, certificatesPending]);

  if (state.state === "loading") return <Loading />;
  if (state.state === "error") return <ErrorBox error={state.error} onRetry={reload} />;
  return <CaseDetails view={state.value} reload={reload} />;
}

function CaseDetails(props: { view: CaseView; reload: () => Promise<void> }) {
  const { view } = props;
  const config = useConfig();
  const documentName = (type: string) =>
    pick(config.county.requiredDocuments[view.kind].find((item) => item.typeId === type)?.name) ||
    tk("docType", type);
  const justSubmitted = new URLSearchParams(location.search).has("submitted");
  const open = view.timeline.filter((entry) => entry.status === "awaiting_response");
  const decided = view.timeline.filter((entry) => entry.decision);
  return (
    <section class="case-page" data-status={view.status}>
      <ScreenTitle>{tk("kind", view.kind)}</ScreenTitle>
      <p class="status-line">
        <Badge kind={statusKind(view.status)}>{tk("status", view.status)}</Badge>
      </p>
      <p class="hint">
        {t("caseNumber")}: <code>{view.caseId.slice(0, 8)}</code>
      </p>
      {justSubmitted && view.status === "submitted" && <Notice kind="ok">{t("submitted")}</Notice>}

      <div class="card what-now">
        <h2>{t("whatNow")}</h2>
        <p>{pick(view.expected.message)}</p>
        <ExpectedAction view={view} reload={props.reload} />
        {open.length > 0 && (
          <ul class="open-steps">
            {open.map((entry) => (
              <li key={entry.stepId}>
                {t("whoHasIt", { who: stepName(entry.step, entry.department) })}
                {entry.deadline && (
                  <>
                    {" · "}
                    {t("deadline", { date: formatDate(entry.deadline) })}
                  </>
                )}
                {entry.overdue && (
                  <>
                    {" "}
                    <Badge kind="error">{t("overdue")}</Badge>
                  </>
                )}
              </li>
            ))}
          </ul>
        )}
      </div>

      {(view.certificates?.length ?? 0) > 0 && <Certificates view={view} />}

      {view.precheck && (
        <div class="card">
          <h2>{t("precheck")}</h2>
          {view.precheck.findings.length === 0 ? (
            <p>{t("precheckNone")}</p>
          ) : (
            <ul class="findings">
              {view.precheck.findings.map((finding) => (
                <li key={finding.ruleId} class={`finding finding-${finding.severity}`}>
                  <Badge
                    kind={
                      finding.severity === "block" ? "error" : finding.severity === "warn" ? "warn" : "info"
                    }
                  >
                    {tk("severity", finding.severity)}
                  </Badge>{" "}
                  {pick(finding.message)}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}

      <div class="card">
        <h2>{t("timeline")}</h2>
        {view.timeline.length === 0 ? (
          <p>{t("timelineEmpty")}</p>
        ) : (
          <ol class="timeline">
            {view.timeline.map((entry) => (
              <li key={entry.stepId} class={entry.status === "responded" ? "done" : "open"}>
                <strong>{stepName(entry.step, entry.department)}</strong>
                {entry.round > 1 && <span class="hint"> · {t("round", { n: entry.round })}</span>}
                <div class="hint">
                  {t("openedOn", { date: formatDate(entry.openedAt, true) })}
                  {entry.decision
                    ? ` · ${t("decidedOn", { date: formatDate(entry.decision.decidedAt, true) })}`
                    : ""}
                </div>
                {entry.decision ? (
                  <div>
                    <Badge
                      kind={
                        entry.decision.outcome === "approved"
                          ? "ok"
                          : entry.decision.outcome === "rejected"
                            ? "error"
                            : "warn"
                      }
                    >
                      {tk("outcome", entry.decision.outcome)}
                    </Badge>
                    {entry.decision.comment && <p class="comment">“{entry.decision.comment}”</p>}
                  </div>
                ) : (
                  <div>
                    <Badge>{t("waiting")}</Badge>
                    {entry.overdue && <Badge kind="error">{t("overdue")}</Badge>}
                  </div>
                )}
              </li>
            ))}
          </ol>
        )}
        {decided.length === 0 && view.timeline.length > 0 && null}
      </div>

      {view.documents.length > 0 && (
        <div class="card">
          <h2>{t("documents")}</h2>
          <ul class="plain">
            {view.documents.map((document) => (
              <li key={document.documentId}>
                {documentName(document.type)} · {tk("docStatus", document.status)}
              </li>
            ))}
          </ul>
        </div>
      )}

      <Withdraw view={view} reload={props.reload} />
      <p>
        <Link to="/app/cases">← {t("myCases")}</Link>
      </p>
    </section>
  );
}

/** A step, and the department it is with by the county's name for it (config.json), as the wait message says. */
export function stepName(step: string, department?: string | null): string {
  if (!department) return tk("step", step);
  return `${tk("step", step)} · ${pick(departmentName(department)) || tk("dept", department)}`;
}

function ExpectedAction(props: { view: CaseView; reload: () => Promise<void> }) {
  const { view } = props;
  const expected = view.expected;
  switch (expected.action) {
    case "complete_and_submit":
      return (
        <Link class="button primary block" to={`/app/cases/${view.caseId}/form/${resumeStep(view.caseId)}`}>
          {t("continueForm")}
        </Link>
      );
    case "revise_and_resubmit": {
      // Straight to the field at fault (the finding is shown beside it), else to the last step's list.
      const field = firstFieldAtFault(openFindings(view));
      return (
        <Link
          class="button primary block"
          to={
            field
              ? `/app/cases/${view.caseId}/form/${stepOfPath(field)}?field=${encodeURIComponent(field)}`
              : `/app/cases/${view.caseId}/form/review`
          }
        >
          {t("editForm")}
        </Link>
      );
    }
    case "answer_correction":
      return (
        <>
          {expected.reasons.length > 0 && (
            <ul class="reasons">
              {expected.reasons.map((reason) => (
                <li key={reason}>“{reason}”</li>
              ))}
            </ul>
          )}
          <Link class="button primary block" to={`/app/cases/${view.caseId}/correction`}>
            {t("answerCorrection")}
          </Link>
        </>
      );
    case "problem_known":
      // An open incident: the case is in the operator view; nothing for the household to do.
      return <Notice kind="warn">{t("problemKnown")}</Notice>;
    case "report_completion":
      return <ReportCompletion view={view} deadline={expected.deadline} reload={props.reload} />;
    default:
      return null;
  }
}

/** 申请竣工验收: the house is built; the completion inspection opens (POST /cases/{caseId}/completion-report). */
function ReportCompletion(props: { view: CaseView; deadline: string; reload: () => Promise<void> }) {
  const { busy, error, run } = useAction();
  const report = () =>
    run(async () => {
      await api(`/cases/${encodeURIComponent(props.view.caseId)}/completion-report`, {
        method: "POST",
        body: {},
      });
      await props.reload();
    });
  return (
    <>
      <p class="hint">{t("reportCompletionBy", { date: formatDate(props.deadline) })}</p>
      {error !== undefined && <ErrorBox error={error} />}
      <button type="button" class="button primary block" disabled={busy} onClick={() => void report()}>
        {t("reportCompletion")}
      </button>
    </>
  );
}

function Withdraw(props: { view: CaseView; reload: () => Promise<void> }) {
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState("");
  const { busy, error, run } = useAction();
  const dialog = useRef<HTMLDivElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const opened = useRef(false);
  // The confirmation replaces the button that opened it: move focus into it so a screen reader reads the
  // question, and back to the button when it is cancelled (else focus falls to the top of the page).
  useEffect(() => {
    if (asking) dialog.current?.focus();
    else if (opened.current) opener.current?.focus();
    opened.current = asking;
  }, [asking]);
  const closed = ["approved", "staked_out", "completed", "rejected", "withdrawn", "expired"].includes(
    props.view.status,
  );
  if (closed) return null;
  const confirm = () =>
    run(async () => {
      await api<CaseView>(`/cases/${encodeURIComponent(props.view.caseId)}/withdraw`, {
        method: "POST",
        body: reason.trim() ? { reason: reason.trim() } : {},
      });
      setAsking(false);
      await props.reload();
      navigate(`/app/cases/${props.view.caseId}`, { replace: true });
    });
  return (
    <div class="withdraw">
      {!asking ? (
        <button
          ref={opener}
          type="button"
          class="button danger-outline block"
          onClick={() => setAsking(true)}
        >
          {t("withdraw")}
        </button>
      ) : (
        <div
          ref={dialog}
          tabIndex={-1}
          class="card confirm"
          role="alertdialog"
          aria-labelledby="withdraw-title"
          aria-describedby="withdraw-text"
        >
          <h2 id="withdraw-title">{t("withdraw")}</h2>
          <p id="withdraw-text">{t("withdrawConfirm")}</p>
          <label for="withdraw-reason">{t("withdrawReason")}</label>
          <textarea
            id="withdraw-reason"
            rows={2}
            maxLength={500}
            value={reason}
            onInput={(event) => setReason(event.currentTarget.value)}
          />
          {error !== undefined && <ErrorBox error={error} />}
          <div class="row-2">
            <button type="button" class="button secondary" onClick={() => setAsking(false)}>
              {t("cancel")}
            </button>
            <button type="button" class="button danger" disabled={busy} onClick={() => void confirm()}>
              {t("withdrawYes")}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
