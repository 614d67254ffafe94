/** The household's certificates on its case page: one fresh download link per current certificate. */
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.ts";
import { formatDate, t, tk } from "../i18n.ts";
import { ErrorBox } from "../ui.tsx";
import type { CaseView } from "./types.ts";

interface CertificateLink {
  readonly type: string;
  readonly number: string;
  readonly url: string;
  readonly expiresAt: string;
}

export function Certificates(props: { view: CaseView }) {
  // A re-issued certificate replaces the old number: only the current one of each type is offered.
  const certificates = (props.view.certificates ?? []).filter(
    (certificate) => !("status" in certificate) || certificate.status !== "superseded",
  );
  const [links, setLinks] = useState<Record<string, CertificateLink>>({});
  const [error, setError] = useState<unknown>();
  const fetchLink = async (type: string) => {
    const link = await api<CertificateLink>(
      `/cases/${encodeURIComponent(props.view.caseId)}/certificates/${encodeURIComponent(type)}`,
    );
    setLinks((current) => ({ ...current, [type]: link }));
    return link;
  };
  // Links live 5 minutes: fetched when the page shows them, fetched again on a tap after that.
  useEffect(() => {
    for (const certificate of certificates) void fetchLink(certificate.type).catch(setError);
  }, [certificates.map((certificate) => certificate.number).join()]);
  return (
    <div class="card certificates">
      <h2>{t("certificates")}</h2>
      {error !== undefined && <ErrorBox error={error} />}
      <ul class="plain">
        {certificates.map((certificate) => {
          const link = links[certificate.type];
          const name = tk("cert", certificate.type);
          return (
            <li key={certificate.number}>
              <p>
                <strong>{name}</strong>
                <br />
                <span class="hint">
                  {t("certificateNumber", { number: certificate.number })} ·{" "}
                  {formatDate(certificate.issuedAt)}
                </span>
              </p>
              <a
                class={`button primary block${link ? "" : " disabled"}`}
                href={link?.url ?? "#"}
                target="_blank"
                rel="noopener"
                download={`${certificate.number}.pdf`}
                data-certificate={certificate.type}
                onClick={async (event) => {
                  if (link && Date.parse(link.expiresAt) - Date.now() > 15_000) return;
                  event.preventDefault();
                  try {
                    const fresh = await fetchLink(certificate.type);
                    window.open(fresh.url, "_blank", "noopener");
                  } catch (caught) {
                    setError(caught);
                  }
                }}
              >
                ⬇ {t("downloadCertificate", { name })}
              </a>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
