/**
 * A reviewer's case view: the form, the pre-check findings, the documents
 * inline (images and PDFs through short-lived presigned URLs), earlier
 * decisions and the case's events (review-case.tsx); and the decision for the
 * step that waits for the signed-in reviewer (review-decision.tsx), saying
 * only what the API offers for that step.
 */
import { useState } from "preact/hooks";
import { api } from "../api.ts";
import { t, tk } from "../i18n.ts";
import { useLocation } from "../router.ts";
import { Badge, ErrorBox, Link, Loading, Notice, ScreenTitle, useAsync } from "../ui.tsx";
import { statusKind } from "../villager/case-list.tsx";
import { PlaceName } from "./names.tsx";
import { Papers } from "./papers.tsx";
import { ApplicationView, Decisions, Documents, Events, Objections, Precheck } from "./review-case.tsx";
import { DecisionPanel } from "./review-decision.tsx";
import type { DecisionOptions, ReviewCase, ReviewStep } from "./review-types.ts";

type DecidableStep = ReviewStep & { readonly decide: DecisionOptions };

/**
 * The open step the signed-in reviewer may decide (the one the queue link names,
 * else the first): the API marks those with `decide`, so no rule is copied here.
 */
function myStep(steps: readonly ReviewStep[], wanted: string | null): DecidableStep | undefined {
  const mine = steps.filter((step): step is DecidableStep => step.decide !== undefined);
  return mine.find((step) => step.stepId === wanted) ?? mine[0];
}

export function ReviewPage(props: { params: Record<string, string> }) {
  const caseId = props.params.caseId ?? "";
  const { query } = useLocation();
  const [state, reload] = useAsync(
    () => api<ReviewCase>(`/review/cases/${encodeURIComponent(caseId)}`),
    caseId,
  );
  // Kept here, not in the panel: after the reload the step is no longer open and the panel is gone.
  const [decided, setDecided] = useState<"sent" | "stored">();
  if (state.state === "loading") return <Loading />;
  if (state.state === "error") return <ErrorBox error={state.error} onRetry={reload} />;
  const detail = state.value;
  const step = myStep(detail.steps, query.get("step"));
  return (
    <section class="review-page">
      <p class="back-link">
        <Link to="/app/review">← {t("backToQueue")}</Link>
      </p>
      <ScreenTitle>
        {t("reviewTitle")} · {detail.application.head?.name ?? "—"}
      </ScreenTitle>
      <p>
        <Badge kind={statusKind(detail.case.status)}>{tk("status", detail.case.status)}</Badge>{" "}
        {tk("kind", detail.case.kind)}
        {" · "}
        {t("township")} <PlaceName place={detail.places.township} /> · {t("village")}{" "}
        <PlaceName place={detail.places.village} /> · <code>{detail.case.caseId.slice(0, 8)}</code>
      </p>
      <div class="split">
        <div>
          <ApplicationView application={detail.application} />
          <Precheck precheck={detail.precheck} />
          <Objections objections={detail.objections ?? []} />
          <Documents detail={detail} />
        </div>
        <div>
          {decided ? (
            <div class="card">
              <Notice kind="ok">{decided === "sent" ? t("decisionSent") : t("decisionStored")}</Notice>
              <Link class="button primary block" to="/app/review">
                {t("backToQueue")}
              </Link>
            </div>
          ) : step ? (
            <DecisionPanel
              detail={detail}
              step={step}
              options={step.decide}
              onDone={async (result) => {
                setDecided(result);
                await reload();
              }}
            />
          ) : (
            <Notice>{t("nothingToDecide")}</Notice>
          )}
          <Papers
            caseId={detail.case.caseId}
            status={detail.case.status}
            certificates={detail.case.certificates}
          />
          <Decisions detail={detail} />
          <Events detail={detail} />
        </div>
      </div>
    </section>
  );
}
