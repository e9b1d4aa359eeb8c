/**
 * The small HTTP client the trace-backend adapters share: GET a JSON document with an injectable `fetch`,
 * a deadline, and errors that say which backend call failed.
 */

/** The `fetch` an adapter uses (the global one by default; tests and proxies inject their own). */
export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

/** A trace backend answered with an error status, an unreadable body, or not at all. */
export class TraceBackendError extends Error {
  override readonly name = 'TraceBackendError';
  /** The HTTP status, when there was a response. */
  readonly status: number | undefined;

  constructor(message: string, status?: number, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
  }
}

/** Connection settings common to the adapters. */
export interface BackendHttpOptions {
  /** Base URL of the query API, e.g. `http://tempo:3200` or `http://jaeger-query:16686`. */
  readonly baseUrl: string;
  readonly fetch?: FetchFn;
  /** Extra request headers (authentication, tenant id such as `X-Scope-OrgID`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Deadline of one request, ms. Default 10 000. */
  readonly timeoutMs?: number;
}

/** Query parameters; undefined values are left out. */
export type QueryParams = Readonly<Record<string, string | number | undefined>>;

/** Builds `baseUrl` + `path` + query string. */
export function backendUrl(baseUrl: string, path: string, params: QueryParams = {}): string {
  const url = new URL(path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  return url.toString();
}

/**
 * GETs a JSON document. Returns null for a 404 when `notFoundIsNull` (a trace that does not exist);
 * throws {@link TraceBackendError} for any other failure.
 */
export async function getJson(
  options: BackendHttpOptions,
  path: string,
  params: QueryParams = {},
  notFoundIsNull = false,
): Promise<unknown> {
  const url = backendUrl(options.baseUrl.replace(/\/+$/, ''), path.replace(/^\/+/, ''), params);
  const fetchFn = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await fetchFn(url, {
      headers: { accept: 'application/json', ...options.headers },
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (error) {
    throw new TraceBackendError(`GET ${url} failed: ${(error as Error).message}`, undefined, {
      cause: error,
    });
  }
  if (response.status === 404 && notFoundIsNull) {
    await response.body?.cancel();
    return null;
  }
  const text = await response.text();
  if (!response.ok) {
    throw new TraceBackendError(
      `GET ${url} answered ${response.status}: ${text.slice(0, 200)}`,
      response.status,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new TraceBackendError(`GET ${url} did not answer JSON`, response.status, { cause: error });
  }
}

/** Runs `task` over `items` with at most `concurrency` in flight, keeping the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return results;
}

/** A hex trace id as 32 lower-case digits (backends drop leading zeros of 64-bit or small ids). */
export function normalizeTraceId(id: string): string {
  return id.toLowerCase().padStart(32, '0');
}
