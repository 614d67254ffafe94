/**
 * The documents screen: one row per document the county asks for, each with a
 * camera/file picker, per-file progress, automatic retry of a dropped upload
 * and what the server confirmed or why it refused.
 */
import type { ComponentChildren } from "preact";
import { useId, useState } from "preact/hooks";
import { useConfig } from "../context.ts";
import { lang, pick, t } from "../i18n.ts";
import { Badge, errorText } from "../ui.tsx";
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
        if (phase.phase === "confirmed") props.onConfirmed(phase.document);
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
              {confirmed.map((document) => (
                <li key={document.documentId} class="doc-file ok">
                  ✓ {t("uploadConfirmed")} · {document.contentType} · {Math.ceil(document.size / 1024)} KB
                </li>
              ))}
              {local.map((item) => (
                <UploadLine key={item.key} item={item} />
              ))}
            </ul>
            <FilePicker
              label={confirmed.length > 0 ? t("addAnother") : t("chooseFile")}
              name={requirement.typeId}
              onFiles={(files) => start(requirement.typeId, files)}
            />
          </section>
        );
      })}
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
