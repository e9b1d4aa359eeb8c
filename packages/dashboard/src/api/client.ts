import { ApiError, problemOf } from './problem.js';

/** Where the control API is and the bearer token that signs requests in. */
export interface Session {
  /** Origin of the control API; '' for the page's own origin (the dashboard is served by the API). */
  baseUrl: string;
  token: string;
}

/** Query-string values; undefined ones are left out. */
export type Params = Record<string, string | number | boolean | undefined>;

/** The control API as the dashboard uses it: the same public endpoints as the CLI, nothing else. */
export interface Api {
  readonly session: Session;
  get<T>(path: string, params?: Params, signal?: AbortSignal): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  put<T>(path: string, body?: unknown): Promise<T>;
  patch<T>(path: string, body?: unknown): Promise<T>;
  delete<T>(path: string): Promise<T>;
  /** Opens a streaming GET (ndjson or text/event-stream): the raw response, after checking its status. */
  stream(path: string, params: Params | undefined, signal: AbortSignal): Promise<Response>;
}

export function withParams(path: string, params?: Params): string {
  if (params === undefined) return path;
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) query.set(key, String(value));
  const text = query.toString();
  return text === '' ? path : `${path}${path.includes('?') ? '&' : '?'}${text}`;
}

/** A client of the control API signed in with `session`; `fetchImpl` for tests. */
export function createApi(session: Session, fetchImpl: typeof fetch = (...a) => fetch(...a)): Api {
  async function call(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${session.token}`,
      accept: 'application/json',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetchImpl(`${session.baseUrl}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal === undefined ? {} : { signal }),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ApiError(0, 'about:blank', `the control API cannot be reached (${(error as Error).message})`);
    }
    if (!response.ok) throw await problemOf(response);
    return response;
  }
  async function json<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const response = await call(method, path, body, signal);
    const text = await response.text();
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }
  return {
    session,
    get: (path, params, signal) => json('GET', withParams(path, params), undefined, signal),
    post: (path, body) => json('POST', path, body ?? {}),
    put: (path, body) => json('PUT', path, body ?? {}),
    patch: (path, body) => json('PATCH', path, body ?? {}),
    delete: (path) => json('DELETE', path),
    stream: (path, params, signal) => call('GET', withParams(path, params), undefined, signal),
  };
}
