/**
 * The HTTP side of the Loki adapter: GET one Loki API path with repeated parameters, the tenant header,
 * a deadline, and every failure turned into one of the adapter's errors (never a raw `TypeError`).
 */
import type { z } from 'zod';
import { errorOfStatus, LogSourceUnavailableError, LokiResponseError } from './loki-errors.js';

/** The `fetch` the adapter uses (the global one by default; tests and proxies inject their own). */
export type LokiFetch = (input: string, init?: RequestInit) => Promise<Response>;

/** Connection settings of a Loki client. */
export interface LokiHttpOptions {
  /** Base URL of Loki (or its query frontend / gateway), e.g. `http://loki:3100`; a path prefix is kept. */
  readonly baseUrl: string;
  readonly fetch?: LokiFetch;
  /** Extra request headers (authentication). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Tenant of a multi-tenant Loki, sent as `X-Scope-OrgID`. */
  readonly tenant?: string;
  /** Deadline of one request, ms; default 10 000. */
  readonly timeoutMs?: number;
}

/** Query parameters: a value, several (`match[]`), or undefined to leave the parameter out. */
export type LokiParams = Readonly<Record<string, string | readonly string[] | undefined>>;

/** `baseUrl` + `path` + the parameters. */
export function lokiUrl(baseUrl: string, path: string, params: LokiParams): string {
  const url = new URL(path.replace(/^\/+/, ''), baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    for (const v of typeof value === 'string' ? [value] : value) url.searchParams.append(key, v);
  }
  return url.toString();
}

function deadline(timeoutMs: number, signal: AbortSignal | undefined): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal === undefined ? timeout : AbortSignal.any([timeout, signal]);
}

/**
 * GETs `path` and returns its JSON body checked against `schema`. `query` is the LogQL of the request, so a
 * 400 about it becomes a `LogqlParseError` at the right position; `signal` cancels (a closing tail).
 */
export async function lokiGet<T>(
  options: LokiHttpOptions,
  path: string,
  params: LokiParams,
  schema: z.ZodType<T>,
  query?: string,
  signal?: AbortSignal,
): Promise<T> {
  const url = lokiUrl(options.baseUrl, path, params);
  const what = `GET ${path}`;
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.tenant !== undefined) headers['X-Scope-OrgID'] = options.tenant;
  let text: string;
  let status: number;
  try {
    const response = await (options.fetch ?? fetch)(url, {
      headers,
      signal: deadline(options.timeoutMs ?? 10_000, signal),
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new LogSourceUnavailableError(`${what} failed: ${reason}`, undefined, { cause: error });
  }
  if (status < 200 || status > 299) throw errorOfStatus(what, status, text, query);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new LokiResponseError(`${what} did not answer JSON: ${text.slice(0, 100)}`, { cause: error });
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : ` at ${issue.path.join('.') || '(root)'}: ${issue.message}`;
    throw new LokiResponseError(`${what} answered an unexpected body${where}`);
  }
  return parsed.data;
}
