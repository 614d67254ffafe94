/**
 * The documents screen: one row per document the county asks for, each with a
 * camera/file picker, per-file progress, automatic retry of a dropped upload
 * and what the server confirmed or why it refused.
 */
import type { ComponentChildren } from "preact";
import { useId, useState } from "preact/hooks";
import { api } from "../api.ts";
import { useConfig } from "../context.ts";
import { lang, pick, t } from "../i18n.ts";
import { Badge, ErrorBox, errorText } from "../ui.tsx";
import type { DocumentView } from "./types.ts";
import { createUpload, documentTarget, type Upload, type UploadPhase } from "./upload.ts";

export interface LocalUpload {
  readonly key: string;
  readonly type: string;
  readonly fileName: string;
  readonly upload: Upload;
  readonly phase: UploadPhase;
}

export function DocumentsPanel(props: {
  caseId: string;
  kind: "homestead" | "farmhouse";
  documents: readonly DocumentView[];
  onConfirmed: (document: DocumentView) => void;
  /** A document removed by the household (DELETE); without it no remove button is offered. */
  onRemoved?: (documentId: string) => void;
  /** Correction mode: only these document types. */
  only?: readonly string[];
  /** Pre-check flags that bring in conditional documents. */
  flags?: Readonly<Record<string, boolean>>;
}) {
  const config = useConfig();
  const [uploads, setUploads] = useState<LocalUpload[]>([]);
  const requirements = config.county.requiredDocuments[props.kind].filter(
    (requirement) =>
      (requirement.condition === "always" || props.flags?.[requirement.condition] === true) &&
      (!props.only || props.only.includes(requirement.typeId)),
  );

  const setPhase = (key: string, phase: UploadPhase) =>
    setUploads((current) => current.map((item) => (item.key === key ? { ...item, phase } : item)));

  const start = (type: string, files: FileList | null) => {
    for (const file of Array.from(files ?? [])) {
      const key = `${type}-${Date.now()}-${Math.random()}`;
      const upload = createUpload(config, documentTarget(props.caseId, type), file, (phase) => {
        setPhase(key, phase);
        if (phase.phase === "confirmed") {
          props.onConfirmed(phase.document);
          // A file that made it supersedes the refusals of earlier tries: no stale "refused" beside "✓ 已收到".
          setUploads((current) =>
            current.filter((item) => !(item.type === type && FAILED_PHASES.has(item.phase.phase))),
          );
        }
      });
      setUploads((current) => [
        ...current,
        { key, type, fileName: file.name, upload, phase: { phase: "hashing" } },
      ]);
      void upload.run();
    }
  };

  return (
    <div class="documents">
      <p class="hint">{t("documentsIntro")}</p>
      {requirements.map((requirement) => {
        const confirmed = props.documents.filter(
          (document) => document.type === requirement.typeId && document.status === "confirmed",
        );
        // A confirmed upload moves to `documents` (onConfirmed), so only unfinished ones are listed here.
        const local = uploads.filter(
          (item) => item.type === requirement.typeId && item.phase.phase !== "confirmed",
        );
        const enough = confirmed.length >= requirement.minCount;
        return (
          <section
            class={`doc-row${enough ? " doc-done" : ""}`}
            key={requirement.typeId}
            data-doc-type={requirement.typeId}
          >
            <h3>
              {pick(requirement.name)}{" "}
              {enough ? (
                <Badge kind="ok">✓ {t("uploadConfirmed")}</Badge>
              ) : (
                <Badge kind="warn">{t("documentMissing")}</Badge>
              )}
            </h3>
            {requirement.minCount > 1 && (
              <p class="hint">
                {t("documentCount", { have: confirmed.length, needed: requirement.minCount })}
              </p>
            )}
            <ul class="doc-files">
              {confirmed.map((document, index) => (
                <ConfirmedDocument
                  key={document.documentId}
                  caseId={props.caseId}
                  document={document}
                  label={`${pick(requirement.name)}${confirmed.length > 1 ? ` ${index + 1}` : ""}`}
                  onRemoved={props.onRemoved}
                />
              ))}
              {local.map((item) => (
                <UploadLine key={item.key} item={item} />
              ))}
            </ul>
            <DocumentPicker
              again={confirmed.length > 0}
              name={requirement.typeId}
              onFiles={(files) => start(requirement.typeId, files)}
            />
          </section>
        );
      })}
    </div>
  );
}

const FAILED_PHASES: ReadonlySet<string> = new Set(["rejected", "refused", "failed"]);

/**
 * One received document: what it is, a preview (a photo shown in place, a PDF
 * opened in a new tab, through a short-lived link) and removal.
 */
function ConfirmedDocument(props: {
  caseId: string;
  document: DocumentView;
  label: string;
  onRemoved: ((documentId: string) => void) | undefined;
}) {
  const { document } = props;
  const [preview, setPreview] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const base = `/cases/${encodeURIComponent(props.caseId)}/documents`;
  const image = document.contentType.startsWith("image/");
  const show = async () => {
    if (preview) return setPreview(undefined);
    setError(undefined);
    // Download links live a few minutes: fetched on the tap, not kept.
    const pdfTab = image ? null : window.open("", "_blank");
    try {
      const listed = await api<{ documents: DocumentView[] }>(base);
      const url = listed.documents.find((item) => item.documentId === document.documentId)?.download?.url;
      if (!url) throw new Error("no download link");
      if (image) setPreview(url);
      else if (pdfTab) pdfTab.location.href = url;
    } catch (caught) {
      pdfTab?.close();
      setError(caught);
    }
  };
  const remove = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api(`${base}/${encodeURIComponent(document.documentId)}`, { method: "DELETE" });
      props.onRemoved?.(document.documentId);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  return (
    <li class="doc-file ok" data-document-id={document.documentId}>
      <span>
        ✓ {t("uploadConfirmed")} · {props.label} · {image ? "" : "PDF · "}
        {Math.ceil(document.size / 1024)} KB
      </span>
      <span class="doc-actions">
        <button type="button" class="button secondary small" onClick={() => void show()}>
          {t("previewDocument")}
        </button>
        {props.onRemoved && (
          <button
            type="button"
            class="button danger-outline small"
            disabled={busy}
            aria-label={`${t("removeDocument")} ${props.label}`}
            onClick={() => void remove()}
          >
            {busy ? t("removingDocument") : t("removeDocument")}
          </button>
        )}
      </span>
      {preview && <img class="doc-preview" src={preview} alt={props.label} />}
      {error !== undefined && <ErrorBox error={error} />}
    </li>
  );
}

/**
 * Two ways in on a phone: the camera straight away (capture), or the file
 * chooser, where a scanned PDF or a photo taken earlier can be picked (a
 * capture input may open only the camera). Desktop browsers show a chooser for both.
 */
function DocumentPicker(props: { again: boolean; name: string; onFiles: (files: FileList | null) => void }) {
  const cameraId = useId();
  const fileId = useId();
  const onChange = (event: { currentTarget: HTMLInputElement }) => {
    props.onFiles(event.currentTarget.files);
    event.currentTarget.value = "";
  };
  return (
    <div class="file-picker two-ways">
      <input
        id={cameraId}
        class="visually-hidden"
        type="file"
        name={`${props.name}-camera`}
        accept="image/*"
        capture="environment"
        onChange={onChange}
      />
      <label for={cameraId} class="button secondary block">
        {props.again ? `${t("addAnother")} · ${t("takePhoto")}` : t("takePhoto")}
      </label>
      <input
        id={fileId}
        class="visually-hidden"
        type="file"
        name={props.name}
        accept="image/*,application/pdf"
        onChange={onChange}
      />
      <label for={fileId} class="button secondary block">
        {props.again ? `${t("addAnother")} · ${t("pickFile")}` : t("pickFile")}
      </label>
    </div>
  );
}

export function FilePicker(props: {
  label: string;
  name: string;
  onFiles: (files: FileList | null) => void;
  /** The file chooser's filter (default: photos and PDF). */
  accept?: string;
}) {
  const id = useId();
  return (
    <div class="file-picker">
      <input
        id={id}
        class="visually-hidden"
        type="file"
        name={props.name}
        accept={props.accept ?? "image/*,application/pdf"}
        // A photo straight from the camera on phones; desktop browsers ignore it and open the file chooser.
        capture="environment"
        onChange={(event) => {
          props.onFiles(event.currentTarget.files);
          event.currentTarget.value = "";
        }}
      />
      <label for={id} class="button secondary block">
        {props.label}
      </label>
    </div>
  );
}

export function UploadLine(props: { item: LocalUpload }) {
  const { phase } = props.item;
  let body: ComponentChildren;
  switch (phase.phase) {
    case "hashing":
      body = <span>{t("hashing")}</span>;
      break;
    case "uploading":
      body = (
        <>
          <span>
            {phase.attempt > 1 && phase.percent === 0
              ? t("uploadRetrying", { n: phase.attempt })
              : t("uploading", { percent: phase.percent })}
          </span>
          <progress max={100} value={phase.percent} aria-label={props.item.fileName} />
        </>
      );
      break;
    case "verifying":
      body = <span>{t("verifying")}</span>;
      break;
    case "confirmed":
      body = <span>✓ {t("uploadConfirmed")}</span>;
      break;
    case "rejected":
      body = (
        <span role="alert">
          {t("uploadRejected", {
            reason: phase.reasons.map((reason) => pick(reason)).join(lang() === "zh" ? "；" : "; "),
          })}
        </span>
      );
      break;
    case "refused":
      body = (
        <span role="alert">
          {phase.reason === "too_large"
            ? t("fileTooLarge", { mb: ((phase.maxBytes ?? 0) / 1024 / 1024).toFixed(0) })
            : phase.reason === "type"
              ? t("fileTypeNotAllowed")
              : t("uploadRefused", {
                  reason: (phase.problems ?? []).map((problem) => pick(problem)).join("; "),
                })}
        </span>
      );
      break;
    case "failed":
      body = (
        <>
          <span role="alert">
            {t("uploadFailed")} {errorText(phase.error)}
          </span>
          <button type="button" class="button secondary" onClick={() => void props.item.upload.run()}>
            {t("retry")}
          </button>
        </>
      );
      break;
  }
  const state =
    phase.phase === "confirmed"
      ? "ok"
      : ["rejected", "refused", "failed"].includes(phase.phase)
        ? "bad"
        : "busy";
  return (
    <li class={`doc-file ${state}`} data-phase={phase.phase}>
      <span class="file-name">{props.item.fileName}</span> {body}
    </li>
  );
}
