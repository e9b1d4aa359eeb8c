/**
 * Query parameters of Loki's HTTP API, read as Loki reads them (defaults, formats, limits, messages).
 */
import { DEFAULT_LOG_LIMIT, type LogDirection } from './log-source.js';
import { InvalidTimestampError, msToNs, parseTimestampNs } from './log-time.js';
import { LiteralError, parseQueryDurationMs } from './logql-units.js';

/** A bad parameter: a 400 whose message is Loki's wording. */
export class BadParameterError extends Error {
  override readonly name = 'BadParameterError';
}

/** Raw query-string values as Fastify hands them over (repeated keys become arrays). */
export type QueryParams = Readonly<Record<string, string | string[] | undefined>>;

/** Largest `limit` accepted (Loki's default `max_entries_limit_per_query`). */
export const MAX_ENTRIES_LIMIT = 5000;

/** The single value of a parameter (the first, if repeated). */
export function param(params: QueryParams, name: string): string | undefined {
  const value = params[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

/** Every value of a repeated parameter (`match[]`). */
export function params(query: QueryParams, name: string): string[] {
  const value = query[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v) => v !== '');
}

/** The required `query`. */
export function queryParam(params: QueryParams): string {
  const query = param(params, 'query');
  if (query === undefined) throw new BadParameterError('query parameter is required');
  return query;
}

/** A time parameter (ns, float seconds, RFC 3339) or its default. */
export function timeParam(params: QueryParams, name: string, fallback: bigint): bigint {
  const value = param(params, name);
  if (value === undefined) return fallback;
  try {
    return parseTimestampNs(value);
  } catch (error) {
    if (error instanceof InvalidTimestampError)
      throw new BadParameterError(`invalid ${name}: ${error.message}`);
    throw error;
  }
}

/**
 * `start`/`end` with Loki's defaults: the last hour for queries, the last six hours for labels and series
 * (`defaultSpanMs`); checked to be in order.
 */
export function rangeParams(
  params: QueryParams,
  nowMs: number,
  defaultSpanMs = 3_600_000,
): { start: bigint; end: bigint } {
  const end = timeParam(params, 'end', msToNs(nowMs));
  const start = timeParam(params, 'start', end - msToNs(defaultSpanMs));
  if (end < start) throw new BadParameterError('end timestamp must not be before or equal to start time');
  return { start, end };
}

/** `limit`: a positive integer, default 100, at most 5000. */
export function limitParam(params: QueryParams): number {
  const value = param(params, 'limit');
  if (value === undefined) return DEFAULT_LOG_LIMIT;
  if (!/^\d+$/.test(value))
    throw new BadParameterError(`invalid limit: ${JSON.stringify(value)} is not an integer`);
  const limit = Number(value);
  if (limit <= 0) throw new BadParameterError('limit must be a positive value');
  if (limit > MAX_ENTRIES_LIMIT) {
    throw new BadParameterError(
      `max entries limit per query exceeded, limit > max_entries_limit_per_query (${limit} > ${MAX_ENTRIES_LIMIT})`,
    );
  }
  return limit;
}

/** `direction`: `forward` or `backward` (default). */
export function directionParam(params: QueryParams): LogDirection {
  const value = param(params, 'direction');
  if (value === undefined) return 'backward';
  const lower = value.toLowerCase();
  if (lower !== 'forward' && lower !== 'backward') {
    throw new BadParameterError(`invalid direction: ${JSON.stringify(value)} (forward or backward)`);
  }
  return lower;
}

/**
 * `step` in ms: float seconds or a duration (`15s`); default as Loki: the range / 250, at least 1 s.
 */
export function stepParam(params: QueryParams, start: bigint, end: bigint): number {
  const value = param(params, 'step');
  if (value === undefined) {
    const seconds = Math.max(Math.floor(Number((end - start) / 1_000_000_000n) / 250), 1);
    return seconds * 1000;
  }
  let ms: number;
  if (/^\d+(\.\d+)?$|^\.\d+$/.test(value)) {
    ms = Math.round(Number(value) * 1000);
  } else {
    try {
      ms = parseQueryDurationMs(value);
    } catch (error) {
      if (error instanceof LiteralError) throw new BadParameterError(`invalid step: ${error.message}`);
      throw error;
    }
  }
  if (!(ms > 0)) {
    throw new BadParameterError(
      'zero or negative query resolution step widths are not accepted. Try a positive integer',
    );
  }
  return ms;
}
