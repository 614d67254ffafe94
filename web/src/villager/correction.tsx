/**
 * Answering a correction request (补正): the form opens at exactly the fields
 * and documents the reviewers asked for; only those are sent back.
 */
import { useMemo, useState } from "preact/hooks";
import { validateApplication } from "#shared/schemas/application.ts";
import { api, apiWithStatus } from "../api.ts";
import { formatDate, pick, t } from "../i18n.ts";
import { navigate } from "../router.ts";
import { ErrorBox, Link, Loading, Notice, ScreenTitle, useAction, useAsync } from "../ui.tsx";
import { stepName } from "./case-page.tsx";
import { DocumentsPanel } from "./documents.tsx";
import { fieldLabel } from "./field-label.ts";
import { ApplicantFields, BuildingFields, type FormProps, HomesteadFields, PlotFields } from "./fields.tsx";
import { cleanDraft, covers, errorsFor, patchOf, setIn } from "./form-state.ts";
import type { ApplicationDraft, CaseView, DocumentView, FieldError } from "./types.ts";

interface Correction {
  readonly caseId: string;
  readonly fields: string[];
  readonly documents: string[];
  readonly requests: {
    readonly stepId: string;
    readonly step: string;
    readonly department?: string;
    readonly reason: string | null;
    readonly requestedAt: string;
  }[];
  readonly application: ApplicationDraft;
  readonly open: boolean;
  readonly deadline: string | null;
}

export function CorrectionForm(props: { params: Record<string, string> }) {
  const caseId = props.params.caseId ?? "";
  const [state, reload] = useAsync(
    () =>
      Promise.all([
        api<Correction>(`/cases/${encodeURIComponent(caseId)}/correction`),
        api<CaseView>(`/cases/${encodeURIComponent(caseId)}`),
      ]),
    caseId,
  );
  if (state.state === "loading") return <Loading />;
  if (state.state === "error") return <ErrorBox error={state.error} onRetry={reload} />;
  const [correction, view] = state.value;
  return <CorrectionScreen correction={correction} view={view} reload={reload} />;
}

function CorrectionScreen(props: { correction: Correction; view: CaseView; reload: () => Promise<void> }) {
  const { correction, view } = props;
  const [draft, setDraft] = useState<ApplicationDraft>(correction.application);
  const [documents, setDocuments] = useState<readonly DocumentView[]>(view.documents);
  const [comment, setComment] = useState("");
  const { busy, error, run } = useAction();
  const fields = correction.fields;

  const validation = useMemo(() => validateApplication(cleanDraft(draft), "complete"), [draft]);
  const errors: readonly FieldError[] = validation.success ? [] : validation.errors;
  const formProps: FormProps = {
    draft,
    update: (path, value) => setDraft((current) => setIn(current, path, value)),
    // Only the asked fields can be changed here, so only their errors are shown (all at once).
    errorAt: (path) => {
      const found = errorsFor(errors, path);
      return found && fields.some((asked) => covers(asked, path)) ? pick(found) : undefined;
    },
    touch: () => undefined,
    only: fields,
  };
  const askedErrors = errors.filter((item) => fields.some((asked) => covers(asked, item.path)));

  const send = () =>
    run(async () => {
      await apiWithStatus(`/cases/${encodeURIComponent(view.caseId)}/correction`, {
        method: "POST",
        body: {
          ...(fields.length > 0 ? { application: patchOf(cleanDraft(draft), fields) } : {}),
          ...(comment.trim() ? { comment: comment.trim() } : {}),
        },
      });
      navigate(`/app/cases/${view.caseId}?corrected=1`);
    });

  const sections = [
    ["head", ApplicantFields],
    ["members", ApplicantFields],
    ["currentHomestead", HomesteadFields],
    ["proposedPlot", PlotFields],
    ["building", BuildingFields],
    ["neighboursConsulted", BuildingFields],
    ["reason", BuildingFields],
  ] as const;
  // One component per screen, rendered once even when several of its fields were asked.
  const components = [
    ...new Set(
      sections.filter(([prefix]) => fields.some((asked) => covers(prefix, asked))).map(([, c]) => c),
    ),
  ];

  return (
    <section class="correction">
      <ScreenTitle>{t("correctionTitle")}</ScreenTitle>
      <p>{t("correctionIntro")}</p>
      {correction.deadline && <p class="hint">{t("deadline", { date: formatDate(correction.deadline) })}</p>}
      <div class="card">
        <h2>{t("correctionReasons")}</h2>
        <ul class="reasons">
          {correction.requests.map((request) => (
            <li key={request.stepId}>
              <strong>{stepName(request.step, request.department)}</strong>
              {request.reason && <p class="comment">“{request.reason}”</p>}
            </li>
          ))}
        </ul>
        {fields.length > 0 && (
          <>
            <h3>{t("correctionFields")}</h3>
            <ul class="plain">
              {fields.map((field) => (
                <li key={field}>{fieldLabel(field)}</li>
              ))}
            </ul>
          </>
        )}
      </div>
      {!correction.open && (
        <Notice kind="info">
          {t("loading")}{" "}
          <button type="button" class="button link" onClick={() => void props.reload()}>
            {t("retry")}
          </button>
        </Notice>
      )}
      <form
        class="form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void send();
        }}
      >
        {components.map((Component) => (
          <Component key={Component.name} {...formProps} />
        ))}
        {correction.documents.length > 0 && (
          <>
            <h2>{t("correctionDocuments")}</h2>
            <DocumentsPanel
              caseId={view.caseId}
              kind={view.kind}
              documents={documents}
              only={correction.documents}
              onConfirmed={(document) => setDocuments((current) => [...current, document])}
              onRemoved={(documentId) =>
                setDocuments((current) => current.filter((document) => document.documentId !== documentId))
              }
            />
          </>
        )}
        <div class="field">
          <label for="correction-comment">{t("correctionComment")}</label>
          <textarea
            id="correction-comment"
            rows={3}
            maxLength={2000}
            value={comment}
            onInput={(event) => setComment(event.currentTarget.value)}
          />
        </div>
        {askedErrors.length > 0 && (
          <Notice kind="warn">{t("problemsCount", { n: askedErrors.length })}</Notice>
        )}
        {error !== undefined && <ErrorBox error={error} />}
        <button
          type="submit"
          class="button primary block"
          disabled={busy || !correction.open || askedErrors.length > 0}
        >
          {t("sendCorrection")}
        </button>
      </form>
      <p>
        <Link to={`/app/cases/${view.caseId}`}>← {t("back")}</Link>
      </p>
    </section>
  );
}
