/**
 * The app shell: sign-in, header (language switch, sign-out), and the screens
 * by role. The villager screens are in this bundle; the reviewer console and
 * the auditor view are separate chunks loaded only by staff.
 */
import "./styles.css";
import type { ComponentChildren, ComponentType } from "preact";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { onUnauthorized } from "./api.ts";
import {
  type Audience,
  completeSignIn,
  currentSession,
  isSignInCallback,
  type Session,
  signIn,
  signOut,
} from "./auth.ts";
import { loadConfig, type WebConfig } from "./config.ts";
import { ConfigContext } from "./context.ts";
import { setLang, t, tk, useLang } from "./i18n.ts";
import { MessagesLink, MessagesPage } from "./messages.tsx";
import { match, navigate, useLocation } from "./router.ts";
import { AssistPage, assistNavLabel, FILER_ROLES } from "./staff/assist.tsx";
import { ErrorBox, Link, Loading, Notice, ScreenTitle } from "./ui.tsx";
import { CaseList } from "./villager/case-list.tsx";
import { CasePage } from "./villager/case-page.tsx";
import { CorrectionForm } from "./villager/correction.tsx";
import { ApplicationWizard } from "./villager/wizard.tsx";

interface RouteProps {
  readonly params: Record<string, string>;
}
type Screen = {
  readonly component: ComponentType<RouteProps>;
  readonly params: Record<string, string>;
  /** Same key, same component instance: the form keeps its state from one screen to the next. */
  readonly key: string;
};

/** A component from a chunk loaded on first use. */
function lazy<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | undefined;
  return function Lazy(props: P) {
    const [component, setComponent] = useState<ComponentType<P> | undefined>(() => loaded);
    const [error, setError] = useState<unknown>();
    useEffect(() => {
      if (loaded) return;
      load()
        .then((value) => {
          loaded = value;
          setComponent(() => value);
        })
        .catch(setError);
    }, []);
    if (error) return <ErrorBox error={error} onRetry={() => location.reload()} />;
    const Component = component;
    return Component ? <Component {...props} /> : <Loading />;
  };
}

const QueuePage = lazy<RouteProps>(() => import("./staff/queue.tsx").then((module) => module.QueuePage));
const ReviewPage = lazy<RouteProps>(() => import("./staff/review.tsx").then((module) => module.ReviewPage));
const AuditPage = lazy<RouteProps>(() => import("./auditor/audit.tsx").then((module) => module.AuditPage));
const HistoryPage = lazy<RouteProps>(() =>
  import("./auditor/audit.tsx").then((module) => module.HistoryPage),
);
const IncidentsPage = lazy<RouteProps>(() =>
  import("./staff/incidents.tsx").then((module) => module.IncidentsPage),
);
const RegisterPage = lazy<RouteProps>(() =>
  import("./auditor/register.tsx").then((module) => module.RegisterPage),
);

const REVIEW_ROLES = new Set([
  "village_officer",
  "township_clerk",
  "department_reviewer",
  "township_head",
  "site_inspector",
]);
const REGISTER_ROLES = new Set(["township_clerk", "township_head", "auditor", "county_admin"]);
/** Who sees the operator view (异常案件) and recovers its cases (shared/workflow/operator.ts OPERATOR_ROLES). */
const OPERATOR_ROLES = new Set(["township_head", "county_admin"]);

const NoticeList = lazy<RouteProps>(() => import("./public/notice.tsx").then((module) => module.NoticeList));
const NoticePage = lazy<RouteProps>(() => import("./public/notice.tsx").then((module) => module.NoticePage));

/** Pages for anyone, signed in or not: the public notices (公示) and their objection form. */
function publicScreenFor(path: string): Screen | undefined {
  const routes: [string, ComponentType<RouteProps>][] = [
    ["/app/notices", NoticeList],
    ["/app/notices/:noticeId", NoticePage],
  ];
  for (const [pattern, component] of routes) {
    const params = match(pattern, path);
    if (params) return { component, params, key: `${pattern}|${params.noticeId ?? ""}` };
  }
  return undefined;
}

function homeOf(session: Session): string {
  if (session.user.role === "villager") return "/app/cases";
  if (session.user.role === "auditor") return "/app/audit";
  if (session.user.role === "county_admin") return "/app/register";
  return "/app/review";
}

function screenFor(path: string, session: Session): Screen | undefined {
  const role = session.user.role;
  const routes: [string, ComponentType<RouteProps>, boolean][] = [
    ["/app/cases", CaseList, role === "villager"],
    ["/app/cases/:caseId", CasePage, role === "villager" || FILER_ROLES.has(role)],
    ["/app/cases/:caseId/form/:step", ApplicationWizard, role === "villager" || FILER_ROLES.has(role)],
    ["/app/assist", AssistPage, FILER_ROLES.has(role)],
    ["/app/cases/:caseId/correction", CorrectionForm, role === "villager" || FILER_ROLES.has(role)],
    ["/app/review", QueuePage, REVIEW_ROLES.has(role)],
    ["/app/review/:caseId", ReviewPage, REVIEW_ROLES.has(role)],
    ["/app/audit", AuditPage, role === "auditor"],
    ["/app/audit/cases/:caseId", HistoryPage, role === "auditor"],
    ["/app/register", RegisterPage, REGISTER_ROLES.has(role)],
    ["/app/incidents", IncidentsPage, OPERATOR_ROLES.has(role)],
    ["/app/messages", MessagesPage, true],
  ];
  for (const [pattern, component, allowed] of routes) {
    const params = match(pattern, path);
    if (params && allowed) return { component, params, key: `${pattern}|${params.caseId ?? ""}` };
  }
  return undefined;
}

/**
 * Villagers and staff sign in with different app clients (an SMS code; a
 * password and a second factor), so the screen asks which. Villagers are most
 * users: theirs is the main button. One button when both are the same client.
 */
function SignInScreen(props: { config: WebConfig; failed: boolean }) {
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(props.failed);
  const { clients } = props.config.auth;
  const start = (audience: Audience) => {
    setBusy(true);
    setFailed(false);
    const returnTo = location.pathname.startsWith("/app") ? location.pathname + location.search : "/app";
    // Discovery failed (offline, provider down): stay here and say so.
    signIn(props.config, audience, returnTo).catch(() => {
      setBusy(false);
      setFailed(true);
    });
  };
  const split = clients.villager !== clients.staff;
  return (
    <section class="card sign-in">
      <ScreenTitle>{t("appName")}</ScreenTitle>
      <p class="lead">{t("appTagline")}</p>
      {failed && <Notice kind="error">{t("signInFailed")}</Notice>}
      <p>{t("signInIntro")}</p>
      <button type="button" class="button primary block" disabled={busy} onClick={() => start("villager")}>
        {t("signIn")}
      </button>
      {split ? (
        <>
          <p class="hint">{t("signInVillagerHint")}</p>
          <button type="button" class="button block" disabled={busy} onClick={() => start("staff")}>
            {t("signInStaffButton")}
          </button>
          <p class="hint">{t("signInStaffHint")}</p>
        </>
      ) : (
        <p class="hint">{t("signInStaff")}</p>
      )}
    </section>
  );
}

function Header(props: { session: Session | undefined; onSignOut: () => void }) {
  const language = useLang();
  const user = props.session?.user;
  const { path } = useLocation();
  const nav: [string, string][] = [];
  if (user?.role === "villager") nav.push(["/app/cases", t("myCases")]);
  if (user && REVIEW_ROLES.has(user.role)) nav.push(["/app/review", t("queueTitle")]);
  if (user && FILER_ROLES.has(user.role)) nav.push(["/app/assist", assistNavLabel()]);
  if (user?.role === "auditor") nav.push(["/app/audit", t("auditTitle")]);
  if (user && REGISTER_ROLES.has(user.role)) nav.push(["/app/register", t("register")]);
  if (user && OPERATOR_ROLES.has(user.role)) nav.push(["/app/incidents", t("incidentsTitle")]);
  return (
    <header class="top">
      <div class="top-row">
        <Link to="/app" class="brand">
          {t("appName")}
        </Link>
        <button
          type="button"
          class="button link lang-switch"
          // Its name is what it shows ("English" / "中文", in that language); the purpose goes in the title.
          title={t("languageLabel")}
          lang={language === "zh" ? "en" : "zh-CN"}
          onClick={() => setLang(language === "zh" ? "en" : "zh")}
        >
          {t("language")}
        </button>
      </div>
      {user && (
        <div class="top-row user-row">
          <span class="user">
            {t("signedInAs", { name: user.name })} · {tk("role", user.role)}
            {user.department ? ` · ${tk("dept", user.department)}` : ""}
          </span>
          <MessagesLink />
          <button type="button" class="button link" onClick={props.onSignOut}>
            {t("signOut")}
          </button>
        </div>
      )}
      {nav.length > 1 && (
        <nav aria-label={t("appName")} class="top-nav">
          {nav.map(([to, label]) => (
            <Link key={to} to={to} aria-current={path.startsWith(to) ? "page" : undefined}>
              {label}
            </Link>
          ))}
        </nav>
      )}
    </header>
  );
}

function App() {
  useLang();
  const { path } = useLocation();
  const [config, setConfig] = useState<WebConfig>();
  const [configError, setConfigError] = useState<unknown>();
  const [session, setSession] = useState<Session | undefined>(() => currentSession());
  const [signInFailed, setSignInFailed] = useState(false);
  // Back from the sign-in page: the code is being redeemed; show nothing else until it is.
  const [completing, setCompleting] = useState(() => isSignInCallback());

  useEffect(() => {
    completeSignIn().then((finished) => {
      if (finished && "error" in finished) setSignInFailed(true);
      else if (finished) {
        setSession(currentSession());
        navigate(finished.returnTo, { replace: true });
      }
      setCompleting(false);
    });
    loadConfig().then(setConfig, setConfigError);
    return onUnauthorized(() => {
      signOut();
      setSession(undefined);
    });
  }, []);

  const doSignOut = () => {
    const endSession = signOut();
    setSession(undefined);
    // The provider ends its own session too, then sends the browser back to the app's root.
    if (endSession) location.assign(endSession);
    else navigate("/", { replace: true });
  };

  let content: ComponentChildren;
  const publicScreen = publicScreenFor(path);
  if (configError) content = <ErrorBox error={configError} onRetry={() => location.reload()} />;
  else if (!config || completing) content = <Loading />;
  else if (publicScreen)
    content = <publicScreen.component key={publicScreen.key} params={publicScreen.params} />;
  else if (!session) content = <SignInScreen config={config} failed={signInFailed} />;
  else if (path === "/" || path === "/app" || path === "/app/") {
    content = <Redirect to={homeOf(session)} />;
  } else {
    const screen = screenFor(path, session);
    content = screen ? (
      <screen.component key={screen.key} params={screen.params} />
    ) : (
      <Notice kind="warn">
        {t("notFound")} <Link to={homeOf(session)}>{t("back")}</Link>
      </Notice>
    );
  }
  return (
    <>
      <a href="#main" class="skip-link">
        {t("skipToContent")}
      </a>
      <Header session={session} onSignOut={doSignOut} />
      <main id="main" class={session && session.user.role !== "villager" ? "wide" : ""}>
        {config && session ? (
          <ConfigContext.Provider value={config}>{content}</ConfigContext.Provider>
        ) : (
          content
        )}
      </main>
    </>
  );
}

function Redirect(props: { to: string }) {
  useEffect(() => navigate(props.to, { replace: true }), [props.to]);
  return <Loading />;
}

const root = document.getElementById("app");
if (root) {
  root.textContent = "";
  render(<App />, root);
}
