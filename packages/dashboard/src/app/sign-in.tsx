import { useState, type FormEvent } from 'react';
import { createApi, type Session } from '../api/client.js';
import { ApiError } from '../api/problem.js';
import type { WhoAmI } from '../api/types.js';

/** Sign-in with a control API token (`opsloop dashboard` prints a link that signs in at once). */
export function SignIn(props: { onSignedIn: (session: Session, whoami: WhoAmI) => void; message?: string }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(props.message);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const session = { baseUrl: '', token: token.trim() };
    if (session.token === '') return setError('Enter a token.');
    setBusy(true);
    try {
      const whoami = await createApi(session).get<WhoAmI>('/v1/whoami');
      props.onSignedIn(session, whoami);
    } catch (caught) {
      setError(
        caught instanceof ApiError && caught.unauthorised
          ? 'That token is not valid (or has expired).'
          : caught instanceof ApiError
            ? caught.detail
            : 'Sign-in failed.',
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <form onSubmit={(e) => void submit(e)} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">opsloop</h1>
        <p className="muted">
          Sign in with a control API token. Run <code>opsloop dashboard</code> for a link that signs you in,
          or <code>opsloop token create &lt;name&gt; --role viewer|operator|admin</code> for a token.
        </p>
        <label htmlFor="token">Token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          autoFocus
        />
        {error !== undefined && (
          <p className="error-note" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
