/**
 * 代办 in the web app. A village officer or window clerk opens a case for a
 * household of the register (then fills and documents it in the household's
 * own form), and before submitting records the household's consent: the
 * signed consent form, photographed, and the code the head received by SMS
 * read back. A villager later claims the household's cases filed on its
 * behalf with a code sent to the head's phone (ClaimPanel, on the case list).
 */
import { useState } from "preact/hooks";
import { api } from "../api.ts";
import { useConfig } from "../context.ts";
import { type MessageKey, pick } from "../i18n.ts";
import { navigate } from "../router.ts";
import { ErrorBox, Notice, RadioGroup, ScreenTitle, TextField, useAction } from "../ui.tsx";
import { FilePicker, type LocalUpload, UploadLine } from "../villager/documents.tsx";
import type { CaseView, DocumentView } from "../villager/types.ts";
import { createUpload, documentTarget, type UploadPhase } from "../villager/upload.ts";
import { FiledCases } from "./filed-list.tsx";

/** Roles that file on behalf of a household (shared/assisted/on-behalf.ts FILERS). */
export const FILER_ROLES: ReadonlySet<string> = new Set(["village_officer", "township_clerk"]);

const CONSENT_FORM = "household_consent_form";

const TEXT = {
  nav: { zh: "代办申请", en: "File for a household" },
  title: { zh: "为农户代办建房申请", en: "File an application on behalf of a household" },
  intro: {
    zh: "为没有智能手机的农户（多为老人）代为填写、上传材料并提交。提交前须上传户主签字的代办委托书照片，并由户主把手机收到的验证码告诉您。",
    en: "Fill, document and submit for a household without a smartphone (often the elderly). Before submitting, upload a photo of the consent form the head signed and enter the code the head received by SMS.",
  },
  household: { zh: "农户编号（户籍登记）", en: "Household number (register)" },
  householdHint: { zh: "例如 511424100001-H0001", en: "e.g. 511424100001-H0001" },
  kind: { zh: "申请类型", en: "Application" },
  start: { zh: "开始代办", en: "Start" },
  consentTitle: { zh: "农户同意代办", en: "The household's consent" },
  consentForm: {
    zh: "户主签字的代办委托书（拍照或扫描件）",
    en: "Consent form signed by the head (photo or scan)",
  },
  consentFormAdd: { zh: "上传委托书", en: "Upload the consent form" },
  consentFormDone: { zh: "✓ 委托书已收到", en: "✓ Consent form received" },
  sendCode: { zh: "发送验证码到户主手机", en: "Send a code to the head's phone" },
  sentTo: {
    zh: "验证码已发送至 {phone}，请户主把验证码告诉您。",
    en: "Code sent to {phone}: ask the head for it.",
  },
  code: { zh: "户主收到的 6 位验证码", en: "The 6-digit code the head received" },
  confirm: { zh: "确认", en: "Confirm" },
  consented: { zh: "✓ 户主已通过短信验证码确认代办", en: "✓ The head confirmed by SMS code" },
  filedBy: { zh: "代办人：{name}", en: "Filed on behalf by {name}" },
  claimTitle: { zh: "认领工作人员代办的申请", en: "Claim an application filed for your household" },
  claimIntro: {
    zh: "村或乡镇工作人员为您家代办过申请？输入户主手机号码，收到验证码后即可在这里查看和办理。",
    en: "Did a village or township officer file for your household? Enter the head's mobile number and the code you receive.",
  },
  phone: { zh: "户主手机号码", en: "Head's mobile number" },
  claimSend: { zh: "获取验证码", en: "Get a code" },
  claimSent: {
    zh: "如有代办申请，验证码已发送至 {phone}。",
    en: "If there is an application filed for you, a code went to {phone}.",
  },
  claimCode: { zh: "验证码", en: "Code" },
  claim: { zh: "认领", en: "Claim" },
  claimed: { zh: "已认领 {n} 件申请。", en: "{n} application(s) claimed." },
} as const;

const say = (text: { zh: string; en: string }, params: Record<string, string | number> = {}) =>
  Object.entries(params).reduce((out, [key, value]) => out.replace(`{${key}}`, String(value)), pick(text));

export const assistNavLabel = () => pick(TEXT.nav);

/** /app/assist: open a case on behalf of a household of the register. */
export function AssistPage() {
  const [householdId, setHouseholdId] = useState<string>();
  const [kind, setKind] = useState<"homestead" | "farmhouse">("homestead");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const start = async () => {
    if (!householdId?.trim()) return;
    setBusy(true);
    setError(undefined);
    try {
      const view = await api<CaseView>("/assisted/cases", {
        method: "POST",
        body: { kind, householdId: householdId.trim() },
      });
      if (kind === "farmhouse") {
        await api<CaseView>(`/cases/${encodeURIComponent(view.caseId)}/application`, {
          method: "PUT",
          body: { kind, currentHomestead: {}, proposedPlot: { situation: "rebuild_on_old_plot" } },
        });
      }
      navigate(`/app/cases/${view.caseId}/form/applicant`);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  return (
    <section class="assist">
      <ScreenTitle>{pick(TEXT.title)}</ScreenTitle>
      <p>{pick(TEXT.intro)}</p>
      <form
        class="card"
        onSubmit={(event) => {
          event.preventDefault();
          void start();
        }}
      >
        <TextField
          label={pick(TEXT.household)}
          hint={pick(TEXT.householdHint)}
          name="householdId"
          value={householdId}
          onInput={setHouseholdId}
        />
        <RadioGroup<"homestead" | "farmhouse">
          legend={pick(TEXT.kind)}
          name="kind"
          value={kind}
          options={["homestead", "farmhouse"]}
          labelKey={(option) => `kind.${option}` as MessageKey}
          onChange={(value) => setKind(value)}
        />
        {error !== undefined && <ErrorBox error={error} />}
        <button type="submit" class="button primary block" disabled={busy}>
          {pick(TEXT.start)}
        </button>
      </form>
      <FiledCases />
    </section>
  );
}

/** On the last step of a case filed on behalf: the signed form and the head's SMS code. */
export function ConsentPanel(props: {
  caseId: string;
  view: CaseView;
  documents: readonly DocumentView[];
  onChanged?: () => void;
}) {
  const config = useConfig();
  const filed = props.view.filedOnBehalf;
  const [uploads, setUploads] = useState<LocalUpload[]>([]);
  const [sentTo, setSentTo] = useState<string>();
  const [code, setCode] = useState<string>();
  const [consented, setConsented] = useState(filed?.consented === true);
  const { busy, error, run: act } = useAction();
  if (!filed) return null;
  const formDone =
    props.documents.some((document) => document.type === CONSENT_FORM && document.status === "confirmed") ||
    uploads.some((item) => item.phase.phase === "confirmed");
  const setPhase = (key: string, phase: UploadPhase) =>
    setUploads((current) => current.map((item) => (item.key === key ? { ...item, phase } : item)));
  const upload = (files: FileList | null) => {
    for (const file of Array.from(files ?? [])) {
      const key = `consent-${Date.now()}-${Math.random()}`;
      const run = createUpload(config, documentTarget(props.caseId, CONSENT_FORM), file, (phase) => {
        setPhase(key, phase);
        if (phase.phase === "confirmed") props.onChanged?.();
      });
      setUploads((current) => [
        ...current,
        { key, type: CONSENT_FORM, fileName: file.name, upload: run, phase: { phase: "hashing" } },
      ]);
      void run.run();
    }
  };
  const send = () =>
    act(async () => {
      const sent = await api<{ sentTo: string }>(
        `/assisted/cases/${encodeURIComponent(props.caseId)}/consent-code`,
        { method: "POST" },
      );
      setSentTo(sent.sentTo);
    });
  const confirm = () =>
    act(async () => {
      await api(`/assisted/cases/${encodeURIComponent(props.caseId)}/consent`, {
        method: "POST",
        body: { code: code?.trim() ?? "" },
      });
      setConsented(true);
      props.onChanged?.();
    });
  return (
    <section class="card consent" data-consent={consented && formDone ? "complete" : "missing"}>
      <h2>{pick(TEXT.consentTitle)}</h2>
      {filed.by.name && <p class="hint">{say(TEXT.filedBy, { name: filed.by.name })}</p>}
      <h3>{pick(TEXT.consentForm)}</h3>
      {formDone ? (
        <Notice kind="ok">{pick(TEXT.consentFormDone)}</Notice>
      ) : (
        <>
          <ul class="doc-files">
            {uploads.map((item) => (
              <UploadLine key={item.key} item={item} />
            ))}
          </ul>
          <FilePicker label={pick(TEXT.consentFormAdd)} name={CONSENT_FORM} onFiles={upload} />
        </>
      )}
      {consented ? (
        <Notice kind="ok">{pick(TEXT.consented)}</Notice>
      ) : (
        <>
          <button type="button" class="button secondary block" disabled={busy} onClick={() => void send()}>
            {pick(TEXT.sendCode)}
          </button>
          {sentTo && (
            <form
              onSubmit={(event) => {
                event.preventDefault();
                void confirm();
              }}
            >
              <p class="hint">{say(TEXT.sentTo, { phone: sentTo })}</p>
              <TextField
                label={pick(TEXT.code)}
                name="consent-code"
                inputMode="numeric"
                maxLength={6}
                value={code}
                onInput={setCode}
              />
              <button type="submit" class="button primary block" disabled={busy}>
                {pick(TEXT.confirm)}
              </button>
            </form>
          )}
        </>
      )}
      {error !== undefined && <ErrorBox error={error} />}
    </section>
  );
}

/** On a villager's case list: claim the household's cases filed on its behalf, by the head's phone. */
export function ClaimPanel(props: { onClaimed: () => void }) {
  const [phone, setPhone] = useState<string>();
  const [sentTo, setSentTo] = useState<string>();
  const [code, setCode] = useState<string>();
  const [claimed, setClaimed] = useState<number>();
  const { busy, error, run: act } = useAction();
  return (
    <details class="card claim">
      <summary>
        <h2 style={{ display: "inline" }}>{pick(TEXT.claimTitle)}</h2>
      </summary>
      <p class="hint">{pick(TEXT.claimIntro)}</p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void act(async () => {
            const sent = await api<{ sentTo: string }>("/claims/code", {
              method: "POST",
              body: { phone: phone?.trim() ?? "" },
            });
            setSentTo(sent.sentTo);
          });
        }}
      >
        <TextField
          label={pick(TEXT.phone)}
          name="claim-phone"
          type="tel"
          inputMode="tel"
          value={phone}
          onInput={setPhone}
        />
        <button type="submit" class="button secondary block" disabled={busy}>
          {pick(TEXT.claimSend)}
        </button>
      </form>
      {sentTo && (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void act(async () => {
              const result = await api<{ claimed: unknown[] }>("/claims", {
                method: "POST",
                body: { phone: phone?.trim() ?? "", code: code?.trim() ?? "" },
              });
              setClaimed(result.claimed.length);
              props.onClaimed();
            });
          }}
        >
          <p class="hint">{say(TEXT.claimSent, { phone: sentTo })}</p>
          <TextField
            label={pick(TEXT.claimCode)}
            name="claim-code"
            inputMode="numeric"
            maxLength={6}
            value={code}
            onInput={setCode}
          />
          <button type="submit" class="button primary block" disabled={busy}>
            {pick(TEXT.claim)}
          </button>
        </form>
      )}
      {claimed !== undefined && <Notice kind="ok">{say(TEXT.claimed, { n: claimed })}</Notice>}
      {error !== undefined && <ErrorBox error={error} />}
    </details>
  );
}
