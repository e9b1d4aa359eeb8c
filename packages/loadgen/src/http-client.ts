import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

/**
 * Why a request did not succeed. `timeout`: no complete answer within the request timeout; `connection`:
 * refused, reset or closed by the other side; `http-4xx` / `http-5xx` / `http-other`: an answer whose status
 * the endpoint does not expect; `invalid-response`: an expected status with a body that is not what the
 * contract says; `other`: anything else (a bug, a local resource limit).
 */
export type ErrorClass =
  'timeout' | 'connection' | 'http-4xx' | 'http-5xx' | 'http-other' | 'invalid-response' | 'other';

/** Every {@link ErrorClass}, in report order. */
export const ERROR_CLASSES: readonly ErrorClass[] = [
  'timeout',
  'connection',
  'http-4xx',
  'http-5xx',
  'http-other',
  'invalid-response',
  'other',
];

/** One request to send. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path and query, appended to the base URL's path. */
  path: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
}

/** What came of one request. */
export type HttpResult =
  /** A complete answer (any status). `body` is the parsed JSON, or undefined (empty or not JSON). */
  | { kind: 'response'; status: number; body: unknown; latencyMs: number }
  /** No complete answer. */
  | { kind: 'failure'; errorClass: 'timeout' | 'connection' | 'other'; message: string; latencyMs: number }
  /** Cancelled by the run's signal: neither a success nor an error. */
  | { kind: 'aborted' };

/** Options of {@link createHttpClient}. */
export interface HttpClientOptions {
  baseUrl: string;
  /** Deadline of one request, headers and body included. */
  timeoutMs: number;
  /** Most connections to the target at once. */
  connections: number;
  /** Aborts every request in flight. */
  signal?: AbortSignal;
  /** The local address connections are made from (default: the system's choice). */
  sourceAddress?: string;
}

/** Sends requests to one origin over a keep-alive connection pool. */
export interface HttpClient {
  send(request: HttpRequest): Promise<HttpResult>;
  close(): Promise<void>;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** The class of a thrown request error, from the `code`s along its `cause` chain. */
export function classifyFailure(error: unknown): 'timeout' | 'connection' | 'other' {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (TIMEOUT_CODES.has(code)) return 'timeout';
      if (CONNECTION_CODES.has(code)) return 'connection';
    }
    current = (current as { cause?: unknown }).cause;
  }
  return 'other';
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
}

/** Creates an {@link HttpClient} for `baseUrl` (its path, if any, prefixes every request path). */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const base = new URL(options.baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  const pool = new Pool(base.origin, {
    connections: options.connections,
    pipelining: 1,
    connect: { timeout: options.timeoutMs },
    ...(options.sourceAddress === undefined ? {} : { localAddress: options.sourceAddress }),
    // Our own timer bounds the whole exchange; undici's are only a backstop.
    headersTimeout: options.timeoutMs + 1000,
    bodyTimeout: options.timeoutMs + 1000,
  });

  return {
    async send(request) {
      if (options.signal?.aborted) return { kind: 'aborted' };
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, options.timeoutMs);
      const onAbort = () => controller.abort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const started = performance.now();
      try {
        const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
        let body: string | undefined;
        if (request.json !== undefined) {
          body = JSON.stringify(request.json);
          headers['content-type'] = 'application/json';
        }
        const response = await pool.request({
          method: request.method,
          path: `${prefix}${request.path}`,
          headers,
          ...(body === undefined ? {} : { body }),
          signal: controller.signal,
        });
        const text = await response.body.text();
        const latencyMs = performance.now() - started;
        let parsed: unknown;
        const type = response.headers['content-type'];
        if (text !== '' && typeof type === 'string' && /json/i.test(type)) {
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
        }
        return { kind: 'response', status: response.statusCode, body: parsed, latencyMs };
      } catch (error) {
        const latencyMs = performance.now() - started;
        if (timedOut)
          return { kind: 'failure', errorClass: 'timeout', message: 'request timed out', latencyMs };
        if (options.signal?.aborted) return { kind: 'aborted' };
        return { kind: 'failure', errorClass: classifyFailure(error), message: messageOf(error), latencyMs };
      } finally {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      }
    },
    async close() {
      await pool.destroy();
    },
  };
}
