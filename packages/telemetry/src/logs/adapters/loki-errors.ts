/**
 * The errors of the Loki adapter, and how Loki's error answers map onto them. Loki answers a refused query
 * with a 400 and a plain-text body (`parse error at line 1, col 5: syntax error: …`); our embedded Loki API
 * answers problem+json carrying the same text in `detail`. Either way a LogQL error becomes the
 * {@link LogqlParseError} the embedded store throws, so callers handle one error type for both sources.
 */
import { LogqlParseError } from '../logql-parse-error.js';

/** The log backend could not answer: unreachable, timed out, overloaded (429) or failing (5xx). */
export class LogSourceUnavailableError extends Error {
  override readonly name = 'LogSourceUnavailableError';
  /** The HTTP status, when there was a response. */
  readonly status: number | undefined;

  constructor(message: string, status?: number, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
  }
}

/** Loki refused a request for a reason other than LogQL syntax (a bad parameter, a limit, auth). */
export class LokiRequestError extends Error {
  override readonly name = 'LokiRequestError';
  readonly status: number;

  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

/** Loki answered 2xx with a body that is not what its API documents (not JSON, wrong shape). */
export class LokiResponseError extends Error {
  override readonly name = 'LokiResponseError';
}

/** Loki's refusal of a log query as an instant query (the store says "not a metric query"). */
const INSTANT_LOG_QUERY = 'log queries are not supported as an instant query type';
const PARSE_ERROR = /^parse error(?: at line (\d+), col (\d+))?\s*:\s*([\s\S]*)$/;

/** The message of an error body: Loki's plain text, or the `detail`/`error` of a problem+json. */
export function errorMessageOf(body: string): string {
  const text = body.trim();
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      for (const key of ['error', 'detail', 'message']) {
        const value = parsed[key];
        if (typeof value === 'string' && value !== '') return value;
      }
    } catch {
      // not JSON after all: use the text
    }
  }
  return text;
}

/** The UTF-16 offset of a 1-based line and column of `query` (Loki counts both from 1). */
function offsetOf(query: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = query.indexOf('\n', offset);
    if (next < 0) break;
    offset = next + 1;
  }
  return Math.min(offset + Math.max(column - 1, 0), query.length);
}

/** A {@link LogqlParseError} for `query` rebuilt from Loki's message, when the message is one. */
export function parseErrorOf(query: string | undefined, message: string): LogqlParseError | undefined {
  if (query === undefined) return undefined;
  if (message.includes(INSTANT_LOG_QUERY)) {
    return new LogqlParseError(query, { start: 0, end: query.length }, 'not a metric query');
  }
  const match = PARSE_ERROR.exec(message);
  if (match === null) return undefined;
  const [, line, column, reason = ''] = match;
  const start = line === undefined ? 0 : offsetOf(query, Number(line), Number(column));
  return new LogqlParseError(query, { start, end: start }, reason);
}

/** The error of a non-2xx answer to `what` (e.g. `GET /loki/api/v1/query_range`). */
export function errorOfStatus(
  what: string,
  status: number,
  body: string,
  query?: string,
): LogqlParseError | LokiRequestError | LogSourceUnavailableError {
  const message = errorMessageOf(body).slice(0, 500);
  if (status === 429 || status >= 500) {
    return new LogSourceUnavailableError(`${what} answered ${status}: ${message}`, status);
  }
  return (
    parseErrorOf(query, message) ?? new LokiRequestError(`${what} answered ${status}: ${message}`, status)
  );
}
