import { useCallback, useEffect, useMemo, useState } from 'react';
import { createApi, type Session } from '../api/client.js';
import { ApiError } from '../api/problem.js';
import type { RuntimeEventRecord, WhoAmI } from '../api/types.js';
import { ChaosPage } from '../pages/chaos-page.js';
import { DeploymentsPage } from '../pages/deployments-page.js';
import { FlagsPage } from '../pages/flags-page.js';
import { IncidentPage } from '../pages/incident-page.js';
import { IncidentsPage } from '../pages/incidents-page.js';
import { OverviewPage } from '../pages/overview-page.js';
import { ServicePage } from '../pages/service-page.js';
import { Dashboard, type DashboardContext } from './context.js';
import { startLiveFeed } from './live-feed.js';
import { hrefOf, useRoute, type Route } from './router.js';
import { forgetSession, restoreSession, saveSession } from './session.js';
import { SignIn } from './sign-in.js';
import { useTheme } from './theme.js';

type Auth =
  | { state: 'checking'; session: Session }
  | { state: 'signed-out'; message?: string }
  | { state: 'signed-in'; session: Session; whoami: WhoAmI };

/** The dashboard: sign-in, then the console with its navigation, live feed and pages. */
export function App() {
  const [auth, setAuth] = useState<Auth>(() => {
    const session = restoreSession(window.location, window.sessionStorage, window.history);
    return session === undefined ? { state: 'signed-out' } : { state: 'checking', session };
  });

  useEffect(() => {
    if (auth.state !== 'checking') return;
    const abort = new AbortController();
    createApi(auth.session)
      .get<WhoAmI>('/v1/whoami', undefined, abort.signal)
      .then(
        (whoami) => setAuth({ state: 'signed-in', session: auth.session, whoami }),
        (error: unknown) => {
          if (abort.signal.aborted) return;
          forgetSession(window.sessionStorage);
          setAuth({
            state: 'signed-out',
            message:
              error instanceof ApiError && error.unauthorised
                ? 'Your token is not valid any more: sign in again.'
                : error instanceof ApiError
                  ? error.detail
                  : undefined,
          });
        },
      );
    return () => abort.abort();
  }, [auth]);

  if (auth.state === 'checking') return <p className="muted centered">Signing in…</p>;
  if (auth.state === 'signed-out')
    return (
      <SignIn
        message={auth.message}
        onSignedIn={(session, whoami) => {
          saveSession(window.sessionStorage, session);
          setAuth({ state: 'signed-in', session, whoami });
        }}
      />
    );
  return (
    <Console
      session={auth.session}
      whoami={auth.whoami}
      onSignOut={(message) => {
        forgetSession(window.sessionStorage);
        setAuth({ state: 'signed-out', ...(message === undefined ? {} : { message }) });
      }}
    />
  );
}

const NAV: { label: string; route: Exclude<Route, { page: 'not-found' }>; pages: Route['page'][] }[] = [
  { label: 'Overview', route: { page: 'overview' }, pages: ['overview', 'service'] },
  { label: 'Incidents', route: { page: 'incidents' }, pages: ['incidents', 'incident'] },
  { label: 'Deployments', route: { page: 'deployments' }, pages: ['deployments'] },
  { label: 'Flags', route: { page: 'flags' }, pages: ['flags'] },
  { label: 'Chaos', route: { page: 'chaos' }, pages: ['chaos'] },
];

function Console(props: { session: Session; whoami: WhoAmI; onSignOut: (message?: string) => void }) {
  const { onSignOut } = props;
  const route = useRoute();
  const [theme, setTheme] = useTheme();
  // Any 401 after sign-in (token revoked or expired) signs out.
  const fetchWatchingAuth = useCallback<typeof fetch>(
    async (...args) => {
      const response = await fetch(...args);
      if (response.status === 401) onSignOut('Your token is not valid any more: sign in again.');
      return response;
    },
    [onSignOut],
  );
  const api = useMemo(() => createApi(props.session, fetchWatchingAuth), [props.session, fetchWatchingAuth]);
  const [live, setLive] = useState(false);
  const [feed, setFeed] = useState<ReturnType<typeof startLiveFeed>>();
  useEffect(() => {
    const started = startLiveFeed(api);
    const stop = started.onStatus(setLive);
    setFeed(started);
    return () => {
      stop();
      started.close();
    };
  }, [api]);
  const onEvent = useCallback(
    (listener: (event: RuntimeEventRecord) => void) => feed?.onEvent(listener) ?? (() => undefined),
    [feed],
  );
  const context = useMemo<DashboardContext>(
    () => ({ api, whoami: props.whoami, onEvent, live }),
    [api, props.whoami, onEvent, live],
  );

  return (
    <Dashboard.Provider value={context}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top-bar">
        <a className="brand" href={hrefOf({ page: 'overview' })}>
          opsloop
        </a>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.label}>
                <a
                  href={hrefOf(item.route)}
                  aria-current={item.pages.includes(route.page) ? 'page' : undefined}
                >
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="top-bar-end">
          <span className={`live-dot ${live ? 'on' : 'off'}`} role="status" aria-live="polite">
            {live ? 'live' : 'reconnecting…'}
          </span>
          <span className="who" title={`signed in as ${props.whoami.name}`}>
            {props.whoami.name} · {props.whoami.role}
          </span>
          <button
            type="button"
            className="ghost"
            onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
            aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
          >
            {theme === 'dark' ? 'Light' : 'Dark'}
          </button>
          <button type="button" className="ghost" onClick={() => onSignOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} />
      </main>
    </Dashboard.Provider>
  );
}

function Page(props: { route: Route }) {
  const { route } = props;
  switch (route.page) {
    case 'overview':
      return <OverviewPage />;
    case 'service':
      return <ServicePage service={route.service} />;
    case 'incidents':
      return <IncidentsPage />;
    case 'incident':
      return <IncidentPage id={route.id} />;
    case 'deployments':
      return <DeploymentsPage />;
    case 'flags':
      return <FlagsPage />;
    case 'chaos':
      return <ChaosPage />;
    case 'not-found':
      return (
        <section>
          <h1>Not found</h1>
          <p>
            Nothing lives at <code>{route.path}</code>.{' '}
            <a href={hrefOf({ page: 'overview' })}>Back to the overview</a>.
          </p>
        </section>
      );
  }
}
