import type { Session } from '../api/client.js';

const STORAGE_KEY = 'opsloop.session';

/**
 * The session of this tab: a token handed over in the URL fragment (`#token=…`, which is never sent to a
 * server; `opsloop dashboard` prints such a link) is taken and wiped from the address bar at once; else the
 * one this tab signed in with. Kept in sessionStorage: closing the tab signs out.
 */
export function restoreSession(location: Location, storage: Storage, history: History): Session | undefined {
  const match = /^#\/?token=([^&]+)/.exec(location.hash);
  const handed = match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
  if (handed !== undefined && handed !== '') {
    history.replaceState(null, '', `${location.pathname}${location.search}#/`);
    const session = { baseUrl: '', token: handed };
    saveSession(storage, session);
    return session;
  }
  const stored = storage.getItem(STORAGE_KEY);
  if (stored === null) return undefined;
  try {
    const parsed = JSON.parse(stored) as Partial<Session>;
    if (typeof parsed.token === 'string' && parsed.token !== '')
      return { baseUrl: typeof parsed.baseUrl === 'string' ? parsed.baseUrl : '', token: parsed.token };
  } catch {
    // A damaged entry is no session.
  }
  storage.removeItem(STORAGE_KEY);
  return undefined;
}

export function saveSession(storage: Storage, session: Session): void {
  storage.setItem(STORAGE_KEY, JSON.stringify(session));
}

export function forgetSession(storage: Storage): void {
  storage.removeItem(STORAGE_KEY);
}
