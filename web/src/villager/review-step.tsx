/** The last screen of the application form: the summary, what is still missing, and submit (once per key). */
import { useState } from "preact/hooks";
import { fieldsOfFinding } from "#shared/domain/precheck/finding-fields.ts";
import { ApiError, apiWithStatus, NetworkError } from "../api.ts";
import { useConfig } from "../context.ts";
import { pick, t } from "../i18n.ts";
import { navigate } from "../router.ts";
import { ConsentPanel } from "../staff/assist.tsx";
import { ErrorBox, Link, Notice } from "../ui.tsx";
import { fieldLabel } from "./field-label.ts";
import { stepOfPath } from "./form-state.ts";
import { ReviewSummary } from "./summary.tsx";
import type { ApplicationDraft, CaseView, DocumentView, FieldError, MissingDocument } from "./types.ts";

const submitKeyOf = (caseId: string) => `nf.submit.${caseId}`;

function missingOf(
  requirements: readonly {
    typeId: string;
    name: { zh: string; en: string };
    minCount: number;
    condition: string;
  }[],
  documents: readonly DocumentView[],
): MissingDocument[] {
  return requirements
    .filter((requirement) => requirement.condition === "always")
    .map((requirement) => ({
      typeId: requirement.typeId,
      name: requirement.name,
      needed: requirement.minCount,
      have: documents.filter(
        (document) => document.type === requirement.typeId && document.status === "confirmed",
      ).length,
    }))
    .filter((entry) => entry.have < entry.needed);
}

export function ReviewStep(props: {
  caseId: string;
  view: CaseView;
  draft: ApplicationDraft;
  unresolved: readonly NonNullable<CaseView["precheck"]>["findings"][number][];
  errors: readonly FieldError[];
  documents: readonly DocumentView[];
  flush: () => Promise<boolean>;
}) {
  const config = useConfig();
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<unknown>();
  const [serverProblems, setServerProblems] = useState<{
    fields: FieldError[];
    documents: MissingDocument[];
  }>();
  const missing =
    serverProblems?.documents ?? missingOf(config.county.requiredDocuments[props.view.kind], props.documents);
  const fieldErrors = serverProblems?.fields ?? props.errors;
  const ready = fieldErrors.length === 0 && missing.length === 0;
  const unresolved = props.unresolved;

  const submit = async () => {
    setSubmitting(true);
    setSubmitError(undefined);
    try {
      if (!(await props.flush())) throw new NetworkError();
      // One key per submission, kept across retries so a resent request cannot submit twice.
      let key = sessionStorage.getItem(submitKeyOf(props.caseId));
      if (!key) {
        key = crypto.randomUUID();
        sessionStorage.setItem(submitKeyOf(props.caseId), key);
      }
      await apiWithStatus<CaseView>(`/cases/${encodeURIComponent(props.caseId)}/submit`, {
        method: "POST",
        headers: { "idempotency-key": key },
      });
      sessionStorage.removeItem(submitKeyOf(props.caseId));
      navigate(`/app/cases/${props.caseId}?submitted=1`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 422) {
        const details = error.details as { fields?: FieldError[]; documents?: MissingDocument[] } | undefined;
        if (details?.fields || details?.documents) {
          setServerProblems({ fields: details.fields ?? [], documents: details.documents ?? [] });
          sessionStorage.removeItem(submitKeyOf(props.caseId));
        } else setSubmitError(error);
      } else setSubmitError(error);
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <div class="review">
      <p>{t("reviewIntro")}</p>
      {unresolved.length > 0 && (
        <div class="notice notice-error" data-testid="precheck-findings">
          <h2>{t("precheckReturned")}</h2>
          <ul class="problem-list">
            {unresolved.map((finding) => {
              const [field] = fieldsOfFinding(finding.ruleId);
              return (
                <li key={`${finding.ruleId}-${pick(finding.message)}`}>
                  <span>{pick(finding.message)}</span>{" "}
                  {field && (
                    <Link
                      to={`/app/cases/${props.caseId}/form/${stepOfPath(field)}?field=${encodeURIComponent(field)}`}
                    >
                      {t("fixThis")}
                    </Link>
                  )}
                </li>
              );
            })}
          </ul>
        </div>
      )}
      {fieldErrors.length > 0 && (
        <div class="notice notice-warn">
          <h2>{t("problemsCount", { n: fieldErrors.length })}</h2>
          <ul class="problem-list">
            {fieldErrors.map((error) => (
              <li key={`${error.path}-${error.code}`}>
                <span>
                  {fieldLabel(error.path)}：{pick(error)}
                </span>{" "}
                <Link to={`/app/cases/${props.caseId}/form/${stepOfPath(error.path)}`}>{t("fixThis")}</Link>
              </li>
            ))}
          </ul>
        </div>
      )}
      {missing.length > 0 && (
        <div class="notice notice-warn">
          <h2>{t("missingDocuments")}</h2>
          <ul class="problem-list">
            {missing.map((document) => (
              <li key={document.typeId}>
                {pick(document.name)} ({document.have}/{document.needed}){" "}
                <Link to={`/app/cases/${props.caseId}/form/documents`}>{t("fixThis")}</Link>
              </li>
            ))}
          </ul>
        </div>
      )}
      <ConsentPanel
        caseId={props.caseId}
        view={props.view}
        documents={props.documents}
        onChanged={() => setSubmitError(undefined)}
      />
      {ready && unresolved.length === 0 && <Notice kind="ok">{t("allGood")}</Notice>}
      <ReviewSummary
        caseId={props.caseId}
        view={props.view}
        draft={props.draft}
        documents={props.documents}
      />
      {submitError !== undefined && <ErrorBox error={submitError} />}
      <p class="hint">{t("commitNotice")}</p>
      <button
        type="button"
        class="button primary block"
        disabled={submitting || !ready}
        onClick={() => void submit()}
      >
        {submitting ? t("submitting") : t("submit")}
      </button>
    </div>
  );
}
